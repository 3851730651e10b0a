// CPU optimizer-update kernels. Each is one pass over contiguous arrays, split in chunks across the
// pool; the options that change the formula are template parameters so each inner loop is
// branch-free and vectorizes (AVX2). Scalars are rounded to T first and the operations follow
// PyTorch's order (mul_ then add_, addcmul_, addcdiv_), so f32 results track torch's f32 ones.
#include <algorithm>
#include <cmath>

#include "core/thread_pool.h"
#include "ops/optim_update.h"

namespace dc {
namespace {

// Elements per task: big enough that scheduling costs nothing next to the memory traffic.
constexpr int64_t kGrain = 1 << 15;

template <typename T, bool kDecay, bool kMomentum, bool kNesterov, bool kFirst>
void sgd_loop(T* __restrict p, const T* __restrict g, T* __restrict buf, int64_t n,
              const SgdUpdateParams& h) {
  const T lr = static_cast<T>(h.lr), wd = static_cast<T>(h.weight_decay);
  const T mom = static_cast<T>(h.momentum), keep = static_cast<T>(1 - h.dampening);
  for (int64_t i = 0; i < n; ++i) {
    T d = g[i];
    if (kDecay) d = d + wd * p[i];
    if (kMomentum) {
      T b;
      if (kFirst) {
        b = d;
      } else {
        b = buf[i] * mom;
        b = b + keep * d;
      }
      buf[i] = b;
      d = kNesterov ? d + mom * b : b;
    }
    p[i] = p[i] - lr * d;
  }
}

template <typename T, bool kDecay, bool kMomentum, bool kNesterov>
void sgd_chunk(T* p, const T* g, T* buf, int64_t n, const SgdUpdateParams& h) {
  if (h.first_step) {
    sgd_loop<T, kDecay, kMomentum, kNesterov, true>(p, g, buf, n, h);
  } else {
    sgd_loop<T, kDecay, kMomentum, kNesterov, false>(p, g, buf, n, h);
  }
}

template <typename T, bool kDecay>
void sgd_chunk_momentum(T* p, const T* g, T* buf, int64_t n, const SgdUpdateParams& h) {
  if (h.momentum == 0) {
    sgd_chunk<T, kDecay, false, false>(p, g, buf, n, h);
  } else if (h.nesterov) {
    sgd_chunk<T, kDecay, true, true>(p, g, buf, n, h);
  } else {
    sgd_chunk<T, kDecay, true, false>(p, g, buf, n, h);
  }
}

template <typename T>
void sgd_cpu(const Tensor& param, const Tensor& grad, const Tensor& momentum_buf,
             const SgdUpdateParams& h) {
  T* p = param.data<T>();
  const T* g = grad.data<T>();
  T* buf = momentum_buf.defined() ? momentum_buf.data<T>() : nullptr;
  parallel_for(0, param.numel(), kGrain, [&](int64_t b, int64_t e) {
    T* bb = buf ? buf + b : nullptr;
    // PyTorch adds the decay term only when weight_decay != 0 (it matters for inf/nan params).
    if (h.weight_decay != 0) {
      sgd_chunk_momentum<T, true>(p + b, g + b, bb, e - b, h);
    } else {
      sgd_chunk_momentum<T, false>(p + b, g + b, bb, e - b, h);
    }
  });
}

enum class Decay { kNone, kL2, kDecoupled };

template <typename T, Decay kDecay, bool kAmsgrad>
void adam_loop(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v,
               T* __restrict vmax, int64_t n, const AdamUpdateParams& h) {
  const T wd = static_cast<T>(h.weight_decay);
  const T shrink = static_cast<T>(1 - h.lr * h.weight_decay);
  const T b1 = static_cast<T>(h.beta1), c1 = static_cast<T>(1 - h.beta1);
  const T b2 = static_cast<T>(h.beta2), c2 = static_cast<T>(1 - h.beta2);
  const T bc2 = static_cast<T>(h.bias_correction2_sqrt), eps = static_cast<T>(h.eps);
  const T neg_step = static_cast<T>(-h.step_size);
  for (int64_t i = 0; i < n; ++i) {
    T gi = g[i];
    T pi = p[i];
    if (kDecay == Decay::kL2) gi = gi + wd * pi;
    if (kDecay == Decay::kDecoupled) pi = pi * shrink;
    T mi = m[i] * b1;
    mi = mi + c1 * gi;
    T vi = v[i] * b2;
    vi = vi + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    T vd = vi;
    if (kAmsgrad) {
      vd = std::max(vmax[i], vi);
      vmax[i] = vd;
    }
    const T denom = std::sqrt(vd) / bc2 + eps;
    p[i] = pi + neg_step * mi / denom;
  }
}

template <typename T, Decay kDecay>
void adam_chunk(T* p, const T* g, T* m, T* v, T* vmax, int64_t n, const AdamUpdateParams& h) {
  if (vmax) {
    adam_loop<T, kDecay, true>(p, g, m, v, vmax, n, h);
  } else {
    adam_loop<T, kDecay, false>(p, g, m, v, vmax, n, h);
  }
}

template <typename T>
void adam_cpu(const Tensor& param, const Tensor& grad, const Tensor& exp_avg,
              const Tensor& exp_avg_sq, const Tensor& max_exp_avg_sq, const AdamUpdateParams& h) {
  T* p = param.data<T>();
  const T* g = grad.data<T>();
  T* m = exp_avg.data<T>();
  T* v = exp_avg_sq.data<T>();
  T* vmax = max_exp_avg_sq.defined() ? max_exp_avg_sq.data<T>() : nullptr;
  // Adam adds the L2 term only when weight_decay != 0; AdamW always scales by (1 - lr * wd).
  const Decay decay =
      h.decoupled ? Decay::kDecoupled : (h.weight_decay != 0 ? Decay::kL2 : Decay::kNone);
  parallel_for(0, param.numel(), kGrain, [&](int64_t b, int64_t e) {
    T* vm = vmax ? vmax + b : nullptr;
    switch (decay) {
      case Decay::kNone:
        return adam_chunk<T, Decay::kNone>(p + b, g + b, m + b, v + b, vm, e - b, h);
      case Decay::kL2:
        return adam_chunk<T, Decay::kL2>(p + b, g + b, m + b, v + b, vm, e - b, h);
      case Decay::kDecoupled:
        return adam_chunk<T, Decay::kDecoupled>(p + b, g + b, m + b, v + b, vm, e - b, h);
    }
  });
}

}  // namespace

DC_REGISTER_KERNEL(sgd_update_kernel, CPU, f32, &sgd_cpu<float>);
DC_REGISTER_KERNEL(sgd_update_kernel, CPU, f64, &sgd_cpu<double>);
DC_REGISTER_KERNEL(adam_update_kernel, CPU, f32, &adam_cpu<float>);
DC_REGISTER_KERNEL(adam_update_kernel, CPU, f64, &adam_cpu<double>);

}  // namespace dc
