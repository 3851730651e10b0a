// CPU batch-norm kernels. Statistics and backward sums are per channel, one task per channel, in
// a single pass over the input (ops/norm_sums.h).
#include <algorithm>
#include <cmath>

#include "core/thread_pool.h"
#include "ops/norm.h"
#include "ops/norm_sums.h"

namespace dc {
namespace {

using norm_detail::sum_and_dot;
using norm_detail::sum_and_squares;

template <typename T>
void stats_cpu(const Tensor& xt, const Tensor& mean, const Tensor& var) {
  const int64_t N = xt.size(0), C = xt.size(1), S = xt.size(2);
  const T* x = xt.data<T>();
  T* m = mean.data<T>();
  T* v = var.data<T>();
  parallel_for(0, C, 1, [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      double s = 0, ss = 0;
      for (int64_t n = 0; n < N; ++n) sum_and_squares(x + (n * C + c) * S, S, s, ss);
      const double cnt = static_cast<double>(N * S);
      const double mu = s / cnt;
      m[c] = static_cast<T>(mu);
      v[c] = static_cast<T>(std::max(ss / cnt - mu * mu, 0.0));
    }
  });
}

template <typename T>
void apply_cpu(const Tensor& xt, const Tensor& mean, const Tensor& invstd, const Tensor& weight,
               const Tensor& bias, const Tensor& yt, bool relu) {
  const int64_t N = xt.size(0), C = xt.size(1), S = xt.size(2);
  const T* x = xt.data<T>();
  T* y = yt.data<T>();
  const T* m = mean.data<T>();
  const T* is = invstd.data<T>();
  const T* w = weight.defined() ? weight.data<T>() : nullptr;
  const T* bp = bias.defined() ? bias.data<T>() : nullptr;
  parallel_for(0, N * C, std::max<int64_t>(1, 32768 / std::max<int64_t>(S, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t p = b; p < e; ++p) {
                   const int64_t c = p % C;
                   // y = x * scale + shift folds the four per-element operations into one fma.
                   const T scale = is[c] * (w ? w[c] : T(1));
                   const T shift = (bp ? bp[c] : T(0)) - m[c] * scale;
                   const T* xp = x + p * S;
                   T* yp = y + p * S;
                   if (relu) {
                     for (int64_t i = 0; i < S; ++i) yp[i] = std::max(xp[i] * scale + shift, T(0));
                   } else {
                     for (int64_t i = 0; i < S; ++i) yp[i] = xp[i] * scale + shift;
                   }
                 }
               });
}

template <typename T>
void backward_cpu(const Tensor& gyt, const Tensor& xt, const Tensor& mean, const Tensor& invstd,
                  const Tensor& weight, bool training, const Tensor& gxt, const Tensor& gwt,
                  const Tensor& gbt) {
  const int64_t N = xt.size(0), C = xt.size(1), S = xt.size(2);
  const T* gy = gyt.data<T>();
  const T* x = xt.data<T>();
  const T* m = mean.data<T>();
  const T* is = invstd.data<T>();
  const T* w = weight.defined() ? weight.data<T>() : nullptr;
  T* gx = gxt.defined() ? gxt.data<T>() : nullptr;
  T* gw = gwt.defined() ? gwt.data<T>() : nullptr;
  T* gb = gbt.defined() ? gbt.data<T>() : nullptr;
  const double cnt = static_cast<double>(N * S);
  parallel_for(0, C, 1, [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      const double mu = m[c], inv = is[c], wc = w ? static_cast<double>(w[c]) : 1.0;
      double sg = 0, sgx = 0;
      const bool need_sums = gw || gb || (gx && training);
      if (need_sums) {
        for (int64_t n = 0; n < N; ++n) {
          const int64_t off = (n * C + c) * S;
          sum_and_dot(gy + off, x + off, S, sg, sgx);
        }
      }
      // sum(g * xhat) = invstd * (sum(g * x) - mean * sum(g)).
      const double sgxhat = inv * (sgx - mu * sg);
      if (gw) gw[c] = static_cast<T>(sgxhat);
      if (gb) gb[c] = static_cast<T>(sg);
      if (!gx) continue;
      // gx = k * (g - a - xhat * d) with xhat = (x - mean) * invstd, expanded to gx = k*g + p*x +
      // q.
      const double k = wc * inv;
      const double a = training ? sg / cnt : 0.0;
      const double d = training ? sgxhat / cnt : 0.0;
      const T kk = static_cast<T>(k);
      const T px = static_cast<T>(-k * d * inv);
      const T q = static_cast<T>(-k * a + k * d * inv * mu);
      for (int64_t n = 0; n < N; ++n) {
        const int64_t off = (n * C + c) * S;
        const T* gp = gy + off;
        const T* xp = x + off;
        T* out = gx + off;
        for (int64_t i = 0; i < S; ++i) out[i] = kk * gp[i] + px * xp[i] + q;
      }
    }
  });
}

DC_REGISTER_KERNEL(batch_norm_stats_kernel, CPU, f32, &stats_cpu<float>);
DC_REGISTER_KERNEL(batch_norm_stats_kernel, CPU, f64, &stats_cpu<double>);
DC_REGISTER_KERNEL(batch_norm_apply_kernel, CPU, f32, &apply_cpu<float>);
DC_REGISTER_KERNEL(batch_norm_apply_kernel, CPU, f64, &apply_cpu<double>);
DC_REGISTER_KERNEL(batch_norm_backward_kernel, CPU, f32, &backward_cpu<float>);
DC_REGISTER_KERNEL(batch_norm_backward_kernel, CPU, f64, &backward_cpu<double>);

}  // namespace
}  // namespace dc
