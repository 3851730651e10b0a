// What the GPU test suites (tests/cuda/) share: a fixture that skips, with the reason, when the
// build has no CUDA backend or the machine no device, and comparisons of CUDA results with the
// CPU's. Include from a test that links //ops/cuda:cuda_ops (it defines DC_WITH_CUDA).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "ops/creation.h"
#include "ops/elementwise.h"

#ifdef DC_WITH_CUDA
#include "core/cuda/device.h"
#endif

namespace dc {

inline const Device kCuda0{DeviceType::CUDA, 0};

class CudaDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef DC_WITH_CUDA
    GTEST_SKIP() << "built without CUDA (no toolkit found by @local_cuda)";
#else
    if (!cuda_is_available()) GTEST_SKIP() << "no CUDA device: " << cuda_unavailable_reason();
#endif
  }
};

inline Tensor cpu(const Tensor& t) { return t.to(kCPU); }

// |got - want| <= atol + rtol |want| elementwise, on any devices; NaNs must match; both undefined
// is a match. Reports at most 5 elements.
inline void expect_close(const Tensor& got, const Tensor& want, double rtol, double atol,
                         const std::string& what) {
  ASSERT_EQ(got.defined(), want.defined()) << what;
  if (!want.defined()) return;
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  const std::vector<double> g = cpu(got).to_vector(), w = cpu(want).to_vector();
  int bad = 0;
  for (size_t i = 0; i < g.size() && bad < 5; ++i) {
    const bool both_nan = std::isnan(g[i]) && std::isnan(w[i]);
    if (!both_nan && !(std::abs(g[i] - w[i]) <= atol + rtol * std::abs(w[i]))) {
      ADD_FAILURE() << what << ": element " << i << " is " << g[i] << ", expected " << w[i];
      ++bad;
    }
  }
}

}  // namespace dc
