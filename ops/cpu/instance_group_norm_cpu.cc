// CPU group-norm kernels (instance norm is group norm with one channel per group). A group of a
// sample is one contiguous slice of the [N, C, S] input, so statistics are one task per (n, group)
// in a single pass (ops/norm_sums.h); backward is one task per (n, group) too: a pass for the
// per-channel sums, then a pass writing grad_x while the slice is still in cache.
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/thread_pool.h"
#include "ops/instance_group_norm.h"
#include "ops/norm_sums.h"

namespace dc {
namespace {

using norm_detail::sum_and_dot;
using norm_detail::sum_and_squares;

template <typename T>
void stats_cpu(const Tensor& xt, int64_t G, double eps, const Tensor& mean, const Tensor& rstd,
               const Tensor& var) {
  const int64_t N = xt.size(0), C = xt.size(1), S = xt.size(2);
  const int64_t D = C / G * S;  // elements of one (n, group) slice
  const T* x = xt.data<T>();
  T* m = mean.data<T>();
  T* rs = rstd.data<T>();
  T* v = var.defined() ? var.data<T>() : nullptr;
  parallel_for(0, N * G, 1, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      double s = 0, ss = 0;
      sum_and_squares(x + r * D, D, s, ss);
      const double mu = s / D;
      const double vr = std::max(ss / D - mu * mu, 0.0);
      m[r] = static_cast<T>(mu);
      rs[r] = static_cast<T>(1.0 / std::sqrt(vr + eps));
      if (v) v[r] = static_cast<T>(vr);
    }
  });
}

template <typename T>
void apply_cpu(const Tensor& xt, int64_t G, const Tensor& mean, const Tensor& rstd,
               const Tensor& weight, const Tensor& bias, const Tensor& yt) {
  const int64_t N = xt.size(0), C = xt.size(1), S = xt.size(2);
  const int64_t cpg = C / G;
  const T* x = xt.data<T>();
  T* y = yt.data<T>();
  const T* m = mean.data<T>();
  const T* rs = rstd.data<T>();
  const T* w = weight.defined() ? weight.data<T>() : nullptr;
  const T* bp = bias.defined() ? bias.data<T>() : nullptr;
  parallel_for(0, N * C, std::max<int64_t>(1, 32768 / std::max<int64_t>(S, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t p = b; p < e; ++p) {
                   const int64_t n = p / C, c = p % C, r = n * G + c / cpg;
                   // One fma per element: y = x * scale + shift.
                   const T scale = rs[r] * (w ? w[c] : T(1));
                   const T shift = (bp ? bp[c] : T(0)) - m[r] * scale;
                   const T* xp = x + p * S;
                   T* yp = y + p * S;
                   for (int64_t i = 0; i < S; ++i) yp[i] = xp[i] * scale + shift;
                 }
               });
}

template <typename T>
void backward_cpu(const Tensor& gyt, const Tensor& xt, int64_t G, const Tensor& mean,
                  const Tensor& rstd, const Tensor& weight, const Tensor& gxt, const Tensor& gwt,
                  const Tensor& gbt) {
  const int64_t N = xt.size(0), C = xt.size(1), S = xt.size(2);
  const int64_t cpg = C / G;
  const double D = static_cast<double>(cpg * S);
  const T* gy = gyt.data<T>();
  const T* x = xt.data<T>();
  const T* m = mean.data<T>();
  const T* rs = rstd.data<T>();
  const T* w = weight.defined() ? weight.data<T>() : nullptr;
  T* gx = gxt.defined() ? gxt.data<T>() : nullptr;
  T* gw = gwt.defined() ? gwt.data<T>() : nullptr;
  T* gb = gbt.defined() ? gbt.data<T>() : nullptr;
  // Per (n, c): sum(g) and sum(g * x); grad_weight / grad_bias reduce them over n afterwards.
  std::vector<double> sg(N * C, 0.0), sgx(N * C, 0.0);
  parallel_for(0, N * G, 1, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t c0 = (r % G) * cpg, n = r / G;
      const double mu = m[r], inv = rs[r];
      // a = mean(dxhat), d = mean(dxhat * xhat) over the group, with dxhat = g * weight[c].
      double a = 0, d = 0;
      for (int64_t c = c0; c < c0 + cpg; ++c) {
        const int64_t p = n * C + c;
        sum_and_dot(gy + p * S, x + p * S, S, sg[p], sgx[p]);
        const double wc = w ? static_cast<double>(w[c]) : 1.0;
        a += wc * sg[p];
        d += wc * inv * (sgx[p] - mu * sg[p]);
      }
      if (!gx) continue;
      a /= D;
      d /= D;
      // gx = inv * (dxhat - a - xhat * d) = k * g + px * x + q per channel.
      const T px = static_cast<T>(-inv * inv * d);
      for (int64_t c = c0; c < c0 + cpg; ++c) {
        const int64_t off = (n * C + c) * S;
        const double wc = w ? static_cast<double>(w[c]) : 1.0;
        const T k = static_cast<T>(inv * wc);
        const T q = static_cast<T>(-inv * a + inv * inv * d * mu);
        const T* gp = gy + off;
        const T* xp = x + off;
        T* out = gx + off;
        for (int64_t i = 0; i < S; ++i) out[i] = k * gp[i] + px * xp[i] + q;
      }
    }
  });
  if (!gw && !gb) return;
  for (int64_t c = 0; c < C; ++c) {
    double sw = 0, sb = 0;
    for (int64_t n = 0; n < N; ++n) {
      const int64_t p = n * C + c, r = n * G + c / cpg;
      // sum(g * xhat) = rstd * (sum(g * x) - mean * sum(g)).
      sw += static_cast<double>(rs[r]) * (sgx[p] - static_cast<double>(m[r]) * sg[p]);
      sb += sg[p];
    }
    if (gw) gw[c] = static_cast<T>(sw);
    if (gb) gb[c] = static_cast<T>(sb);
  }
}

DC_REGISTER_KERNEL(group_norm_stats_kernel, CPU, f32, &stats_cpu<float>);
DC_REGISTER_KERNEL(group_norm_stats_kernel, CPU, f64, &stats_cpu<double>);
DC_REGISTER_KERNEL(group_norm_apply_kernel, CPU, f32, &apply_cpu<float>);
DC_REGISTER_KERNEL(group_norm_apply_kernel, CPU, f64, &apply_cpu<double>);
DC_REGISTER_KERNEL(group_norm_backward_kernel, CPU, f32, &backward_cpu<float>);
DC_REGISTER_KERNEL(group_norm_backward_kernel, CPU, f64, &backward_cpu<double>);

}  // namespace
}  // namespace dc
