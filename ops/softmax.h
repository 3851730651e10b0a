// Softmax and log-softmax along one dim (numerically stable: the row maximum is subtracted).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "core/tensor.h"
#include "ops/dispatch.h"

namespace dc {

Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);

// Contiguous tensors viewed as [outer, n, inner], normalized along n.
using SoftmaxKernelFn = void(const Tensor& x, const Tensor& y, int64_t outer, int64_t n,
                             int64_t inner, bool log);
// grad_in from grad_out and the saved output y: softmax y * (g - sum(g * y)),
// log-softmax g - exp(y) * sum(g).
using SoftmaxBackwardKernelFn = void(const Tensor& grad_out, const Tensor& y, const Tensor& grad_in,
                                     int64_t outer, int64_t n, int64_t inner, bool log);
DC_DECLARE_KERNEL(softmax_kernel, SoftmaxKernelFn)
DC_DECLARE_KERNEL(softmax_backward_kernel, SoftmaxBackwardKernelFn)

// Row helpers shared by the CPU softmax and cross-entropy kernels. The build has no -ffast-math,
// so the compiler neither vectorizes std::exp nor reorders a float reduction; these helpers keep
// kLanes independent partial results and use a branch-free exp so the loops vectorize.
namespace softmax_detail {

constexpr int kLanes = 8;

// exp(x) = 2^n * e^r with |r| <= ln2 / 2 and the Cephes expf polynomial (about 1 ulp in f32);
// f64 keeps std::exp. NaN propagates; below the f32 range the result is 0.
inline float exp_approx(float x) {
  const float xc = std::min(std::max(x, -87.0f), 88.0f);
  const float n = std::floor(xc * 1.44269504088896341f + 0.5f);
  const float r = xc - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float y = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return x < -87.0f ? 0.0f : (x != x ? x : y * scale);
}
inline double exp_approx(double x) { return std::exp(x); }

template <typename T>
T row_max(const T* x, int64_t n) {
  T m[kLanes];
  std::fill(m, m + kLanes, -std::numeric_limits<T>::infinity());
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) m[j] = std::max(m[j], x[i + j]);
  }
  for (; i < n; ++i) m[0] = std::max(m[0], x[i]);
  return *std::max_element(m, m + kLanes);
}

// sum(exp(x - shift)); also stores the exps into out when out is not null.
template <typename T>
T exp_sum(const T* x, int64_t n, T shift, T* out) {
  T s[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) {
      const T v = exp_approx(x[i + j] - shift);
      if (out) out[i + j] = v;
      s[j] += v;
    }
  }
  for (; i < n; ++i) {
    const T v = exp_approx(x[i] - shift);
    if (out) out[i] = v;
    s[0] += v;
  }
  T total = 0;
  for (int j = 0; j < kLanes; ++j) total += s[j];
  return total;
}

}  // namespace softmax_detail

}  // namespace dc
