#include "nets/linear.h"

#include <cmath>

#include "nets/init.h"
#include "ops/linalg.h"

namespace dc {

Linear::Linear(int64_t in_features, int64_t out_features, bool with_bias, Generator& gen)
    : Module("Linear") {
  DC_CHECK(in_features > 0 && out_features > 0,
           "Linear: in_features and out_features must be positive, got ", in_features, " and ",
           out_features);
  weight = register_parameter(
      "weight", init_kaiming_uniform({out_features, in_features}, std::sqrt(5.0), gen));
  if (with_bias) {
    const double b = 1.0 / std::sqrt(static_cast<double>(in_features));
    bias = register_parameter("bias", init_uniform({out_features}, -b, b, gen));
  }
}

Tensor Linear::forward(const Tensor& x) { return linear(x, weight, bias); }

}  // namespace dc
