// CUDA kernels of softmax / log-softmax (ops/softmax.h) and of the cross-entropy and
// BCE-with-logits losses (ops/loss.h), f32 (the ops accept f32 and f64; f64 stays CPU-only).
//
// Softmax over contiguous [outer, n, inner]: when inner == 1 a warp reduces a row of n <= 1024
// and a 256-thread block a longer one (max, then sum of exp(x - max), then the write, all in f32
// as the CPU kernel); when inner > 1 a thread owns one (outer, inner) column and walks it with
// stride inner, so neighbouring threads read neighbouring addresses. Cross entropy fuses the
// log-sum-exp with the target gather the same way; its backward is elementwise over the logits and
// recomputes softmax from the saved log-sum-exp, as the CPU kernel does.
#include <cmath>

#include "ops/cuda/nn_common.cuh"
#include "ops/loss.h"
#include "ops/softmax.h"

namespace dc {
namespace {

using namespace cuda_detail;
using namespace cuda_nn;

constexpr int64_t kWarpRowLimit = 1024;  // rows up to this length get a warp, longer a block

// --- softmax ---

template <int G>
__global__ void softmax_rows_kernel(const float* __restrict__ x, float* __restrict__ y,
                                    int64_t outer, int64_t n, bool log) {
  __shared__ float smem[kThreads / 32];
  constexpr int kRows = kThreads / G;
  const int lane = threadIdx.x % G;
  // The row is uniform across each group of G threads, so the group's shuffles and syncs are too.
  for (int64_t row = blockIdx.x * int64_t(kRows) + threadIdx.x / G; row < outer;
       row += int64_t(gridDim.x) * kRows) {
    const float* xr = x + row * n;
    float* yr = y + row * n;
    float m = -INFINITY;
    for (int64_t j = lane; j < n; j += G) m = fmaxf(m, xr[j]);
    m = group_max<G>(m, smem);
    float s = 0;
    for (int64_t j = lane; j < n; j += G) s += expf(xr[j] - m);
    s = group_sum<G>(s, smem);
    if (log) {
      const float lse = m + logf(s);
      for (int64_t j = lane; j < n; j += G) yr[j] = xr[j] - lse;
    } else {
      const float r = 1.0f / s;
      for (int64_t j = lane; j < n; j += G) yr[j] = expf(xr[j] - m) * r;
    }
  }
}

__global__ void softmax_cols_kernel(const float* __restrict__ x, float* __restrict__ y,
                                    int64_t outer, int64_t n, int64_t inner, bool log) {
  const int64_t cols = outer * inner;
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < cols;
       t += int64_t(gridDim.x) * blockDim.x) {
    const int64_t o = t / inner, i = t - o * inner;
    const float* xc = x + o * n * inner + i;
    float* yc = y + o * n * inner + i;
    float m = -INFINITY;
    for (int64_t k = 0; k < n; ++k) m = fmaxf(m, xc[k * inner]);
    float s = 0;
    for (int64_t k = 0; k < n; ++k) s += expf(xc[k * inner] - m);
    if (log) {
      const float lse = m + logf(s);
      for (int64_t k = 0; k < n; ++k) yc[k * inner] = xc[k * inner] - lse;
    } else {
      const float r = 1.0f / s;
      for (int64_t k = 0; k < n; ++k) yc[k * inner] = expf(xc[k * inner] - m) * r;
    }
  }
}

// softmax: gi = y * (g - sum(g * y)); log-softmax: gi = g - exp(y) * sum(g).
template <int G>
__global__ void softmax_backward_rows_kernel(const float* __restrict__ g,
                                             const float* __restrict__ y, float* __restrict__ gi,
                                             int64_t outer, int64_t n, bool log) {
  __shared__ float smem[kThreads / 32];
  constexpr int kRows = kThreads / G;
  const int lane = threadIdx.x % G;
  for (int64_t row = blockIdx.x * int64_t(kRows) + threadIdx.x / G; row < outer;
       row += int64_t(gridDim.x) * kRows) {
    const float* gr = g + row * n;
    const float* yr = y + row * n;
    float* out = gi + row * n;
    float s = 0;
    for (int64_t j = lane; j < n; j += G) s += log ? gr[j] : gr[j] * yr[j];
    s = group_sum<G>(s, smem);
    for (int64_t j = lane; j < n; j += G) {
      out[j] = log ? gr[j] - expf(yr[j]) * s : yr[j] * (gr[j] - s);
    }
  }
}

__global__ void softmax_backward_cols_kernel(const float* __restrict__ g,
                                             const float* __restrict__ y, float* __restrict__ gi,
                                             int64_t outer, int64_t n, int64_t inner, bool log) {
  const int64_t cols = outer * inner;
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < cols;
       t += int64_t(gridDim.x) * blockDim.x) {
    const int64_t o = t / inner, i = t - o * inner;
    const int64_t base = o * n * inner + i;
    float s = 0;
    for (int64_t k = 0; k < n; ++k) {
      const int64_t at = base + k * inner;
      s += log ? g[at] : g[at] * y[at];
    }
    for (int64_t k = 0; k < n; ++k) {
      const int64_t at = base + k * inner;
      gi[at] = log ? g[at] - expf(y[at]) * s : y[at] * (g[at] - s);
    }
  }
}

void softmax_cuda(const Tensor& xt, const Tensor& yt, int64_t outer, int64_t n, int64_t inner,
                  bool log) {
  const int device = xt.device().index;
  CudaDeviceGuard guard(device);
  cudaStream_t stream = stream_of(xt);
  const float* x = static_cast<const float*>(xt.raw_data());
  float* y = static_cast<float*>(yt.raw_data());
  if (outer * n * inner == 0) return;
  if (inner == 1 && n <= kWarpRowLimit) {
    softmax_rows_kernel<32>
        <<<blocks_for_rows(outer, 32), kThreads, 0, stream>>>(x, y, outer, n, log);
  } else if (inner == 1) {
    softmax_rows_kernel<kThreads>
        <<<blocks_for_rows(outer, kThreads), kThreads, 0, stream>>>(x, y, outer, n, log);
  } else {
    softmax_cols_kernel<<<grid_for(outer * inner, device), kThreads, 0, stream>>>(x, y, outer, n,
                                                                                  inner, log);
  }
  check_launch(log ? "log_softmax" : "softmax");
}

void softmax_backward_cuda(const Tensor& gt, const Tensor& yt, const Tensor& git, int64_t outer,
                           int64_t n, int64_t inner, bool log) {
  const int device = git.device().index;
  CudaDeviceGuard guard(device);
  cudaStream_t stream = stream_of(git);
  const float* g = static_cast<const float*>(gt.raw_data());
  const float* y = static_cast<const float*>(yt.raw_data());
  float* gi = static_cast<float*>(git.raw_data());
  if (outer * n * inner == 0) return;
  if (inner == 1 && n <= kWarpRowLimit) {
    softmax_backward_rows_kernel<32>
        <<<blocks_for_rows(outer, 32), kThreads, 0, stream>>>(g, y, gi, outer, n, log);
  } else if (inner == 1) {
    softmax_backward_rows_kernel<kThreads>
        <<<blocks_for_rows(outer, kThreads), kThreads, 0, stream>>>(g, y, gi, outer, n, log);
  } else {
    softmax_backward_cols_kernel<<<grid_for(outer * inner, device), kThreads, 0, stream>>>(
        g, y, gi, outer, n, inner, log);
  }
  check_launch(log ? "log_softmax backward" : "softmax backward");
}

// --- cross entropy ---

struct CeArgs {
  const int64_t* target;
  const float* weight;  // null: all ones
  int64_t C, inner, ignore_index;
  float* loss;
  float* wt;
  float* lse;
  unsigned long long* err;
};

// The target part of position p, given its log-sum-exp l and its logit column (stride inner).
__device__ __forceinline__ void ce_finish(const CeArgs& a, int64_t p, float l, const float* col) {
  a.lse[p] = l;
  const int64_t k = a.target[p];
  if (k == a.ignore_index) {
    a.loss[p] = 0.0f;
    a.wt[p] = 0.0f;
    return;
  }
  if (k < 0 || k >= a.C) {  // reported by the host after the kernel
    raise_device_error(a.err, k);
    a.loss[p] = NAN;
    a.wt[p] = 0.0f;
    return;
  }
  const float wk = a.weight ? a.weight[k] : 1.0f;
  a.wt[p] = wk;
  a.loss[p] = wk * (l - col[k * a.inner]);
}

template <int G>
__global__ void cross_entropy_rows_kernel(const float* __restrict__ x, int64_t P, CeArgs a) {
  __shared__ float smem[kThreads / 32];
  constexpr int kRows = kThreads / G;
  const int lane = threadIdx.x % G;
  const int64_t C = a.C;
  for (int64_t p = blockIdx.x * int64_t(kRows) + threadIdx.x / G; p < P;
       p += int64_t(gridDim.x) * kRows) {
    const float* row = x + p * C;
    float m = -INFINITY;
    for (int64_t c = lane; c < C; c += G) m = fmaxf(m, row[c]);
    m = group_max<G>(m, smem);
    float s = 0;
    for (int64_t c = lane; c < C; c += G) s += expf(row[c] - m);
    s = group_sum<G>(s, smem);
    if (lane == 0) ce_finish(a, p, m + logf(s), row);
  }
}

__global__ void cross_entropy_cols_kernel(const float* __restrict__ x, int64_t P, CeArgs a) {
  const int64_t C = a.C, inner = a.inner;
  for (int64_t p = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; p < P;
       p += int64_t(gridDim.x) * blockDim.x) {
    const int64_t n = p / inner, i = p - n * inner;
    const float* col = x + n * C * inner + i;
    float m = -INFINITY;
    for (int64_t c = 0; c < C; ++c) m = fmaxf(m, col[c * inner]);
    float s = 0;
    for (int64_t c = 0; c < C; ++c) s += expf(col[c * inner] - m);
    ce_finish(a, p, m + logf(s), col);
  }
}

void cross_entropy_cuda(const Tensor& logits, const Tensor& target, const Tensor& weight,
                        int64_t ignore_index, const Tensor& loss, const Tensor& wt,
                        const Tensor& lse) {
  const int device = logits.device().index;
  CudaDeviceGuard guard(device);
  cudaStream_t stream = stream_of(logits);
  const int64_t C = logits.size(1), inner = logits.size(2), P = loss.numel();
  if (P == 0) return;
  DC_CHECK(weight.defined() ? weight.device() == logits.device() : true, "cross_entropy: weight ",
           weight.defined() ? weight.str() : "", " is on ",
           weight.defined() ? weight.device().str() : "", " but logits are on ", logits.device());
  DC_CHECK(target.device() == logits.device(), "cross_entropy: target ", target.str(), " is on ",
           target.device(), " but logits are on ", logits.device());
  DeviceErrorFlag err(logits.device(), stream);
  CeArgs a{static_cast<const int64_t*>(target.raw_data()),
           weight.defined() ? static_cast<const float*>(weight.raw_data()) : nullptr,
           C,
           inner,
           ignore_index,
           static_cast<float*>(loss.raw_data()),
           static_cast<float*>(wt.raw_data()),
           static_cast<float*>(lse.raw_data()),
           err.ptr()};
  const float* x = static_cast<const float*>(logits.raw_data());
  if (inner == 1 && C <= kWarpRowLimit) {
    cross_entropy_rows_kernel<32><<<blocks_for_rows(P, 32), kThreads, 0, stream>>>(x, P, a);
  } else if (inner == 1) {
    cross_entropy_rows_kernel<kThreads>
        <<<blocks_for_rows(P, kThreads), kThreads, 0, stream>>>(x, P, a);
  } else {
    cross_entropy_cols_kernel<<<grid_for(P, device), kThreads, 0, stream>>>(x, P, a);
  }
  check_launch("cross_entropy");
  const auto [bad, k] = err.read();
  DC_CHECK(!bad, "cross_entropy: target value ", k, " is out of range for ", C,
           " classes (expected 0..", C - 1, " or ignore_index ", ignore_index, ")");
}

// grad[n, c, i] = coef[p] * (exp(x - lse[p]) - [c == target[p]]), p = n * inner + i, with
// coef[p] = g * scale * wt[p] in double as the CPU kernel, and 0 where wt[p] == 0 (ignored
// targets), so an infinite mean scale (every target ignored) cannot turn 0 into NaN.
template <typename I>
__global__ void cross_entropy_backward_kernel_impl(
    const float* __restrict__ x, const int64_t* __restrict__ target, const float* __restrict__ wt,
    const float* __restrict__ lse, const float* __restrict__ g, bool per_position, double scale,
    I C, I inner, I total, float* __restrict__ grad) {
  for (I idx = blockIdx.x * I(blockDim.x) + threadIdx.x; idx < total;
       idx += I(gridDim.x) * blockDim.x) {
    I n, c, i;
    if (inner == 1) {
      n = idx / C;
      c = idx - n * C;
      i = 0;
    } else {
      const I nc = idx / inner;
      i = idx - nc * inner;
      n = nc / C;
      c = nc - n * C;
    }
    const I p = n * inner + i;
    const float w = wt[p];
    const float coef = w == 0.0f
                           ? 0.0f
                           : static_cast<float>(static_cast<double>(per_position ? g[p] : g[0]) *
                                                scale * static_cast<double>(w));
    float v = coef * expf(x[idx] - lse[p]);
    if (coef != 0.0f && c == target[p]) v -= coef;
    grad[idx] = v;
  }
}

void cross_entropy_backward_cuda(const Tensor& logits, const Tensor& target, const Tensor& wt,
                                 const Tensor& lse, const Tensor& g, double scale,
                                 const Tensor& grad) {
  const int device = logits.device().index;
  CudaDeviceGuard guard(device);
  cudaStream_t stream = stream_of(grad);
  const int64_t C = logits.size(1), inner = logits.size(2);
  const int64_t total = logits.size(0) * C * inner;
  if (total == 0) return;
  with_index_type(total, [&](auto idx) {
    using I = decltype(idx);
    cross_entropy_backward_kernel_impl<I><<<grid_for(total, device), kThreads, 0, stream>>>(
        static_cast<const float*>(logits.raw_data()),
        static_cast<const int64_t*>(target.raw_data()), static_cast<const float*>(wt.raw_data()),
        static_cast<const float*>(lse.raw_data()), static_cast<const float*>(g.raw_data()),
        g.numel() != 1, scale, I(C), I(inner), I(total), static_cast<float*>(grad.raw_data()));
  });
  check_launch("cross_entropy backward");
}

// --- BCE with logits (elementwise) ---

// log(1 + exp(-x)) without overflow for large |x|.
__device__ __forceinline__ float softplus_neg(float x) {
  return log1pf(expf(-fabsf(x))) + fmaxf(-x, 0.0f);
}

__global__ void bce_kernel(const float* __restrict__ x, const float* __restrict__ t,
                           const float* __restrict__ pw, float* __restrict__ l, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const float xi = x[i], ti = t[i];
    const float lw = pw ? 1.0f + (pw[i] - 1.0f) * ti : 1.0f;
    l[i] = (1.0f - ti) * xi + lw * softplus_neg(xi);
  }
}

// d/dx = (1 - t) - lw * sigmoid(-x); d/dt = -x + (pw - 1) * log(1 + exp(-x)).
__global__ void bce_backward_kernel(const float* __restrict__ g, const float* __restrict__ x,
                                    const float* __restrict__ t, const float* __restrict__ pw,
                                    float* __restrict__ gx, float* __restrict__ gt, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const float xi = x[i], ti = t[i];
    if (gx) {
      const float ex = expf(-fabsf(xi));
      const float one_minus_sig = xi >= 0.0f ? ex / (1.0f + ex) : 1.0f / (1.0f + ex);
      const float lw = pw ? 1.0f + (pw[i] - 1.0f) * ti : 1.0f;
      gx[i] = g[i] * ((1.0f - ti) - lw * one_minus_sig);
    }
    if (gt) {
      const float d = pw ? -xi + (pw[i] - 1.0f) * softplus_neg(xi) : -xi;
      gt[i] = g[i] * d;
    }
  }
}

const float* opt_ptr(const Tensor& t) {
  return t.defined() ? static_cast<const float*>(t.raw_data()) : nullptr;
}
float* opt_out(const Tensor& t) {
  return t.defined() ? static_cast<float*>(t.raw_data()) : nullptr;
}

void bce_with_logits_cuda(const Tensor& x, const Tensor& t, const Tensor& pw, const Tensor& loss) {
  const int device = x.device().index;
  CudaDeviceGuard guard(device);
  const int64_t n = loss.numel();
  if (n == 0) return;
  bce_kernel<<<grid_for(n, device), kThreads, 0, stream_of(loss)>>>(opt_ptr(x), opt_ptr(t),
                                                                    opt_ptr(pw), opt_out(loss), n);
  check_launch("binary_cross_entropy_with_logits");
}

void bce_with_logits_backward_cuda(const Tensor& g, const Tensor& x, const Tensor& t,
                                   const Tensor& pw, const Tensor& gx, const Tensor& gt) {
  const int device = x.device().index;
  CudaDeviceGuard guard(device);
  const int64_t n = x.numel();
  if (n == 0 || (!gx.defined() && !gt.defined())) return;
  bce_backward_kernel<<<grid_for(n, device), kThreads, 0, stream_of(x)>>>(
      opt_ptr(g), opt_ptr(x), opt_ptr(t), opt_ptr(pw), opt_out(gx), opt_out(gt), n);
  check_launch("binary_cross_entropy_with_logits backward");
}

DC_REGISTER_KERNEL(softmax_kernel, CUDA, f32, &softmax_cuda);
DC_REGISTER_KERNEL(softmax_backward_kernel, CUDA, f32, &softmax_backward_cuda);
DC_REGISTER_KERNEL(cross_entropy_kernel, CUDA, f32, &cross_entropy_cuda);
DC_REGISTER_KERNEL(cross_entropy_backward_kernel, CUDA, f32, &cross_entropy_backward_cuda);
DC_REGISTER_KERNEL(bce_with_logits_kernel, CUDA, f32, &bce_with_logits_cuda);
DC_REGISTER_KERNEL(bce_with_logits_backward_kernel, CUDA, f32, &bce_with_logits_backward_cuda);

}  // namespace
}  // namespace dc
