// CPU loss kernels. Cross entropy: one fused log-softmax + gather per target position, parallel
// over positions. Backward recomputes softmax from the saved log-sum-exp instead of keeping an N x
// C probability tensor alive between forward and backward. BCE with logits: elementwise, in the
// overflow-free form.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/thread_pool.h"
#include "ops/loss.h"
#include "ops/softmax.h"

namespace dc {
namespace {

template <typename T>
void cross_entropy_cpu(const Tensor& logits, const Tensor& target, const Tensor& weight,
                       int64_t ignore_index, const Tensor& loss, const Tensor& wt,
                       const Tensor& lse) {
  const int64_t C = logits.size(1), inner = logits.size(2);
  const T* x = logits.data<T>();
  const int64_t* t = target.data<int64_t>();
  const T* w = weight.defined() ? weight.data<T>() : nullptr;
  T* lp = loss.data<T>();
  T* wp = wt.data<T>();
  T* sp = lse.data<T>();
  const int64_t P = loss.numel();
  parallel_for(
      0, P, std::max<int64_t>(1, 16384 / std::max<int64_t>(C, 1)), [&](int64_t b, int64_t e) {
        for (int64_t p = b; p < e; ++p) {
          const int64_t n = p / inner, i = p % inner;
          const T* col = x + n * C * inner + i;
          T l;
          if (inner == 1) {
            const T m = softmax_detail::row_max(col, C);
            l = m + std::log(softmax_detail::exp_sum(col, C, m, static_cast<T*>(nullptr)));
          } else {
            T m = -std::numeric_limits<T>::infinity();
            for (int64_t c = 0; c < C; ++c) m = std::max(m, col[c * inner]);
            T s = 0;
            for (int64_t c = 0; c < C; ++c) s += std::exp(col[c * inner] - m);
            l = m + std::log(s);
          }
          sp[p] = l;
          const int64_t k = t[p];
          if (k == ignore_index) {
            lp[p] = T(0);
            wp[p] = T(0);
            continue;
          }
          DC_CHECK(k >= 0 && k < C, "cross_entropy: target value ", k, " is out of range for ", C,
                   " classes (expected 0..", C - 1, " or ignore_index ", ignore_index, ")");
          const T wk = w ? w[k] : T(1);
          wp[p] = wk;
          lp[p] = wk * (l - col[k * inner]);
        }
      });
}

template <typename T>
void cross_entropy_backward_cpu(const Tensor& logits, const Tensor& target, const Tensor& wt,
                                const Tensor& lse, const Tensor& g, double scale,
                                const Tensor& grad) {
  const int64_t C = logits.size(1), inner = logits.size(2);
  const T* x = logits.data<T>();
  const int64_t* t = target.data<int64_t>();
  const T* wp = wt.data<T>();
  const T* sp = lse.data<T>();
  const T* gp = g.data<T>();
  const bool per_position = g.numel() != 1;
  T* gl = grad.data<T>();
  const int64_t P = wt.numel();
  parallel_for(
      0, P, std::max<int64_t>(1, 16384 / std::max<int64_t>(C, 1)), [&](int64_t b, int64_t e) {
        for (int64_t p = b; p < e; ++p) {
          const int64_t n = p / inner, i = p % inner;
          const T* col = x + n * C * inner + i;
          T* out = gl + n * C * inner + i;
          // Ignored positions have weight 0; skip them so an infinite mean scale (every
          // target ignored) cannot turn 0 into NaN.
          const T coef =
              wp[p] == T(0) ? T(0) : static_cast<T>((per_position ? gp[p] : gp[0]) * scale * wp[p]);
          const T l = sp[p];
          if (inner == 1) {
            for (int64_t c = 0; c < C; ++c) out[c] = coef * softmax_detail::exp_approx(col[c] - l);
          } else {
            for (int64_t c = 0; c < C; ++c) out[c * inner] = coef * std::exp(col[c * inner] - l);
          }
          if (coef != T(0)) out[t[p] * inner] -= coef;
        }
      });
}

// log(1 + exp(-x)) without overflow for large |x|.
template <typename T>
T softplus_neg(T x) {
  return std::log1p(std::exp(-std::abs(x))) + std::max(-x, T(0));
}

// BCE with logits, elementwise: (1 - t) * x + (1 + (pw - 1) * t) * log(1 + exp(-x)).
template <typename T>
void bce_with_logits_cpu(const Tensor& xt, const Tensor& tt, const Tensor& pwt,
                         const Tensor& loss) {
  const T* x = xt.data<T>();
  const T* t = tt.data<T>();
  const T* pw = pwt.defined() ? pwt.data<T>() : nullptr;
  T* l = loss.data<T>();
  parallel_for(0, loss.numel(), 16384, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const T lw = pw ? T(1) + (pw[i] - T(1)) * t[i] : T(1);
      l[i] = (T(1) - t[i]) * x[i] + lw * softplus_neg(x[i]);
    }
  });
}

// d/dx = (1 - t) - lw * (1 - sigmoid(x)) (= sigmoid(x) - t without pos_weight);
// d/dt = -x + (pw - 1) * log(1 + exp(-x)).
template <typename T>
void bce_with_logits_backward_cpu(const Tensor& gt_, const Tensor& xt, const Tensor& tt,
                                  const Tensor& pwt, const Tensor& gxt, const Tensor& gtt) {
  const T* g = gt_.data<T>();
  const T* x = xt.data<T>();
  const T* t = tt.data<T>();
  const T* pw = pwt.defined() ? pwt.data<T>() : nullptr;
  T* gx = gxt.defined() ? gxt.data<T>() : nullptr;
  T* gtg = gtt.defined() ? gtt.data<T>() : nullptr;
  parallel_for(0, xt.numel(), 16384, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const T xi = x[i], ti = t[i];
      if (gx) {
        // 1 - sigmoid(x) = sigmoid(-x), computed without overflow on either side.
        const T ex = std::exp(-std::abs(xi));
        const T one_minus_sig = xi >= T(0) ? ex / (T(1) + ex) : T(1) / (T(1) + ex);
        const T lw = pw ? T(1) + (pw[i] - T(1)) * ti : T(1);
        gx[i] = g[i] * ((T(1) - ti) - lw * one_minus_sig);
      }
      if (gtg) {
        const T d = pw ? -xi + (pw[i] - T(1)) * softplus_neg(xi) : -xi;
        gtg[i] = g[i] * d;
      }
    }
  });
}

DC_REGISTER_KERNEL(bce_with_logits_kernel, CPU, f32, &bce_with_logits_cpu<float>);
DC_REGISTER_KERNEL(bce_with_logits_kernel, CPU, f64, &bce_with_logits_cpu<double>);
DC_REGISTER_KERNEL(bce_with_logits_backward_kernel, CPU, f32, &bce_with_logits_backward_cpu<float>);
DC_REGISTER_KERNEL(bce_with_logits_backward_kernel, CPU, f64,
                   &bce_with_logits_backward_cpu<double>);
DC_REGISTER_KERNEL(cross_entropy_kernel, CPU, f32, &cross_entropy_cpu<float>);
DC_REGISTER_KERNEL(cross_entropy_kernel, CPU, f64, &cross_entropy_cpu<double>);
DC_REGISTER_KERNEL(cross_entropy_backward_kernel, CPU, f32, &cross_entropy_backward_cpu<float>);
DC_REGISTER_KERNEL(cross_entropy_backward_kernel, CPU, f64, &cross_entropy_backward_cpu<double>);

}  // namespace
}  // namespace dc
