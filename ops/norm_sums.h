// Per-slice sums shared by the CPU normalization kernels (batch, instance, group norm): a single
// pass with eight independent double accumulators, which the compiler vectorizes without
// reassociating (no -ffast-math) and which keeps f32 sums accurate over large slices.
#pragma once

#include <cstdint>

namespace dc {
namespace norm_detail {

constexpr int kLanes = 8;

// Adds sum(x) and sum(x^2) over n elements into s and ss.
template <typename T>
void sum_and_squares(const T* x, int64_t n, double& s, double& ss) {
  double a[kLanes] = {}, q[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) {
      const double v = x[i + j];
      a[j] += v;
      q[j] += v * v;
    }
  }
  for (; i < n; ++i) {
    const double v = x[i];
    a[0] += v;
    q[0] += v * v;
  }
  for (int j = 0; j < kLanes; ++j) {
    s += a[j];
    ss += q[j];
  }
}

// Adds sum(g) and sum(g * x) over n elements into sg and sgx.
template <typename T>
void sum_and_dot(const T* g, const T* x, int64_t n, double& sg, double& sgx) {
  double a[kLanes] = {}, d[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) {
      const double gv = g[i + j];
      a[j] += gv;
      d[j] += gv * static_cast<double>(x[i + j]);
    }
  }
  for (; i < n; ++i) {
    a[0] += g[i];
    d[0] += static_cast<double>(g[i]) * x[i];
  }
  for (int j = 0; j < kLanes; ++j) {
    sg += a[j];
    sgx += d[j];
  }
}

}  // namespace norm_detail
}  // namespace dc
