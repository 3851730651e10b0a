// CPU softmax kernels, parallel over the outer x inner positions. When inner > 1 a task owns a
// block of adjacent inner positions and sweeps the reduced dim row by row, so every load is a
// contiguous run of the block instead of a stride-inner gather.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/thread_pool.h"
#include "ops/softmax.h"

namespace dc {
namespace {

constexpr int64_t kBlock = 64;

template <typename T>
void softmax_row(const T* x, T* y, int64_t n, bool log) {
  // An all -inf row gives (-inf) - (-inf) = NaN, as PyTorch does, so no special case.
  const T m = softmax_detail::row_max(x, n);
  if (log) {
    const T lse = m + std::log(softmax_detail::exp_sum(x, n, m, static_cast<T*>(nullptr)));
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] - lse;
  } else {
    const T r = T(1) / softmax_detail::exp_sum(x, n, m, y);
    for (int64_t i = 0; i < n; ++i) y[i] *= r;
  }
}

template <typename T>
void softmax_cpu(const Tensor& xt, const Tensor& yt, int64_t outer, int64_t n, int64_t inner,
                 bool log) {
  const T* x = xt.data<T>();
  T* y = yt.data<T>();
  if (inner == 1) {
    parallel_for(0, outer, std::max<int64_t>(1, 8192 / std::max<int64_t>(n, 1)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t o = b; o < e; ++o) softmax_row(x + o * n, y + o * n, n, log);
                 });
    return;
  }
  const int64_t blocks = (inner + kBlock - 1) / kBlock;
  parallel_for(0, outer * blocks, std::max<int64_t>(1, 4096 / std::max<int64_t>(n * kBlock, 1)),
               [&](int64_t b, int64_t e) {
                 T m[kBlock], s[kBlock];
                 for (int64_t t = b; t < e; ++t) {
                   const int64_t o = t / blocks, i0 = (t % blocks) * kBlock;
                   const int64_t w = std::min(kBlock, inner - i0);
                   const T* xb = x + o * n * inner + i0;
                   T* yb = y + o * n * inner + i0;
                   std::fill(m, m + w, -std::numeric_limits<T>::infinity());
                   std::fill(s, s + w, T(0));
                   for (int64_t k = 0; k < n; ++k) {
                     for (int64_t j = 0; j < w; ++j) m[j] = std::max(m[j], xb[k * inner + j]);
                   }
                   for (int64_t k = 0; k < n; ++k) {
                     for (int64_t j = 0; j < w; ++j) {
                       const T v = softmax_detail::exp_approx(xb[k * inner + j] - m[j]);
                       if (!log) yb[k * inner + j] = v;
                       s[j] += v;
                     }
                   }
                   for (int64_t j = 0; j < w; ++j) s[j] = log ? m[j] + std::log(s[j]) : T(1) / s[j];
                   for (int64_t k = 0; k < n; ++k) {
                     for (int64_t j = 0; j < w; ++j) {
                       if (log) {
                         yb[k * inner + j] = xb[k * inner + j] - s[j];
                       } else {
                         yb[k * inner + j] *= s[j];
                       }
                     }
                   }
                 }
               });
}

template <typename T>
void softmax_backward_cpu(const Tensor& gt, const Tensor& yt, const Tensor& git, int64_t outer,
                          int64_t n, int64_t inner, bool log) {
  const T* g = gt.data<T>();
  const T* y = yt.data<T>();
  T* gi = git.data<T>();
  if (inner == 1) {
    parallel_for(0, outer, std::max<int64_t>(1, 8192 / std::max<int64_t>(n, 1)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t o = b; o < e; ++o) {
                     const T* gr = g + o * n;
                     const T* yr = y + o * n;
                     T* out = gi + o * n;
                     T s = 0;
                     if (log) {
                       for (int64_t i = 0; i < n; ++i) s += gr[i];
                       for (int64_t i = 0; i < n; ++i)
                         out[i] = gr[i] - softmax_detail::exp_approx(yr[i]) * s;
                     } else {
                       for (int64_t i = 0; i < n; ++i) s += gr[i] * yr[i];
                       for (int64_t i = 0; i < n; ++i) out[i] = yr[i] * (gr[i] - s);
                     }
                   }
                 });
    return;
  }
  const int64_t blocks = (inner + kBlock - 1) / kBlock;
  parallel_for(0, outer * blocks, std::max<int64_t>(1, 4096 / std::max<int64_t>(n * kBlock, 1)),
               [&](int64_t b, int64_t e) {
                 T s[kBlock];
                 for (int64_t t = b; t < e; ++t) {
                   const int64_t o = t / blocks, i0 = (t % blocks) * kBlock;
                   const int64_t w = std::min(kBlock, inner - i0);
                   const int64_t base = o * n * inner + i0;
                   std::fill(s, s + w, T(0));
                   for (int64_t k = 0; k < n; ++k) {
                     for (int64_t j = 0; j < w; ++j) {
                       const int64_t at = base + k * inner + j;
                       s[j] += log ? g[at] : g[at] * y[at];
                     }
                   }
                   for (int64_t k = 0; k < n; ++k) {
                     for (int64_t j = 0; j < w; ++j) {
                       const int64_t at = base + k * inner + j;
                       gi[at] = log ? g[at] - softmax_detail::exp_approx(y[at]) * s[j]
                                    : y[at] * (g[at] - s[j]);
                     }
                   }
                 }
               });
}

DC_REGISTER_KERNEL(softmax_kernel, CPU, f32, &softmax_cpu<float>);
DC_REGISTER_KERNEL(softmax_kernel, CPU, f64, &softmax_cpu<double>);
DC_REGISTER_KERNEL(softmax_backward_kernel, CPU, f32, &softmax_backward_cpu<float>);
DC_REGISTER_KERNEL(softmax_backward_kernel, CPU, f64, &softmax_backward_cpu<double>);

}  // namespace
}  // namespace dc
