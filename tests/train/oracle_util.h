// Helpers shared by the training-stack tests that compare with PyTorch through the oracle.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "tests/oracle/torch_oracle.h"

namespace dc {
namespace test_util {

inline testing::OracleTensor to_oracle(const Tensor& t) {
  testing::OracleTensor o;
  o.shape = t.sizes();
  o.data = t.to_vector();
  o.dtype = t.dtype() == DType::f64 ? "float64" : "float32";
  return o;
}

// Every element of `ours` within atol + rtol * |ref| of PyTorch's (first 5 failures reported).
inline void expect_close(const std::vector<double>& ours, const testing::OracleTensor& ref,
                         double atol, double rtol, const std::string& what) {
  ASSERT_EQ(ours.size(), ref.data.size()) << what << ": element count";
  int reported = 0;
  for (size_t i = 0; i < ours.size() && reported < 5; ++i) {
    const double r = ref.data[i];
    if (!(std::abs(ours[i] - r) <= atol + rtol * std::abs(r))) {
      ADD_FAILURE() << what << " element " << i << ": ours " << ours[i] << " vs PyTorch " << r;
      ++reported;
    }
  }
}

}  // namespace test_util
}  // namespace dc
