// Helpers shared by the nets tests: state dicts to and from the PyTorch oracle.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "nets/module.h"
#include "tests/oracle/torch_oracle.h"

namespace dc {
namespace nets_test {

inline testing::OracleTensor to_oracle(const Tensor& t, bool requires_grad = false) {
  testing::OracleTensor o;
  o.shape = t.sizes();
  o.data = t.to_vector();
  o.dtype = t.dtype() == DType::i64 ? "int64" : t.dtype() == DType::f64 ? "float64" : "float32";
  o.requires_grad = requires_grad;
  return o;
}

// x followed by every state-dict tensor, in state-dict order (parameters requiring grad if asked)
// (the torch side zips them with m.state_dict().keys(), so a naming or ordering difference fails
// the load there).
inline std::vector<testing::OracleTensor> model_inputs(const Tensor& x, const Module& m,
                                                       bool params_require_grad = false) {
  std::vector<testing::OracleTensor> in{to_oracle(x)};
  const NamedTensors params = m.named_parameters();
  for (const auto& [name, t] : m.state_dict()) {
    in.push_back(to_oracle(t, params_require_grad && find_tensor(params, name) != nullptr));
  }
  return in;
}

// Every element within rel * max|ref| of PyTorch's (scale-relative: activations of a random deep
// network have no natural unit). Reports the first 5 failures.
inline void expect_close_rel(const std::vector<double>& ours, const testing::OracleTensor& ref,
                             double rel, const std::string& what) {
  ASSERT_EQ(ours.size(), ref.data.size()) << what << ": element count";
  double scale = 0;
  for (double r : ref.data) scale = std::max(scale, std::abs(r));
  ASSERT_GT(scale, 0) << what << ": PyTorch's reference is all zeros, the check would be void";
  int reported = 0;
  for (size_t i = 0; i < ours.size() && reported < 5; ++i) {
    if (!(std::abs(ours[i] - ref.data[i]) <= rel * scale)) {
      ADD_FAILURE() << what << " element " << i << ": ours " << ours[i] << " vs PyTorch "
                    << ref.data[i] << " (scale " << scale << ")";
      ++reported;
    }
  }
}

}  // namespace nets_test
}  // namespace dc
