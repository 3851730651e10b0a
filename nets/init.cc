#include "nets/init.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "core/error.h"
#include "ops/creation.h"
#include "ops/elementwise.h"

namespace dc {

Fans compute_fans(const Shape& shape) {
  DC_CHECK(shape.size() >= 2, "init: fan in and fan out need a weight of at least 2 dims, got ",
           shape.size(), " dims");
  int64_t receptive = 1;
  for (size_t i = 2; i < shape.size(); ++i) receptive *= shape[i];
  return {shape[1] * receptive, shape[0] * receptive};
}

Tensor init_uniform(const Shape& shape, double low, double high, Generator& gen) {
  DC_CHECK(low <= high, "init_uniform: low ", low, " must not exceed high ", high);
  NoGradGuard no_grad;
  return rand(shape, DType::f32, gen) * (high - low) + low;
}

Tensor init_normal(const Shape& shape, double mean, double std, Generator& gen) {
  DC_CHECK(std >= 0, "init_normal: std must be >= 0, got ", std);
  NoGradGuard no_grad;
  return randn(shape, DType::f32, gen) * std + mean;
}

Tensor init_kaiming_uniform(const Shape& shape, double a, Generator& gen) {
  const Fans f = compute_fans(shape);
  DC_CHECK(f.fan_in > 0, "init_kaiming_uniform: fan_in is 0 for shape ", shape_str(shape));
  const double bound = std::sqrt(6.0 / ((1.0 + a * a) * static_cast<double>(f.fan_in)));
  return init_uniform(shape, -bound, bound, gen);
}

Tensor init_kaiming_normal_fan_out(const Shape& shape, Generator& gen) {
  const Fans f = compute_fans(shape);
  DC_CHECK(f.fan_out > 0, "init_kaiming_normal: fan_out is 0 for shape ", shape_str(shape));
  return init_normal(shape, 0.0, std::sqrt(2.0 / static_cast<double>(f.fan_out)), gen);
}

}  // namespace dc
