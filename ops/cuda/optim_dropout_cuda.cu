// CUDA kernels of dropout (ops/dropout.h) and of the fused SGD / Adam(W) updates
// (ops/optim_update.h), f32 (the ops accept f32 and f64; f64 stays CPU-only). All are one
// grid-stride pass over contiguous arrays.
//
// Dropout uses the CPU kernel's counter scheme exactly: element i takes word i % 4 of the
// Philox4x32-10 block at counter first_counter + i / 4 under key = seed (core/philox.h), and is
// kept when word * 2^-32 >= p (compared in double), so for one seed and generator offset the CUDA
// and CPU masks are identical bit for bit. The optimizer updates follow the CPU kernels' (and
// PyTorch's) order of operations with the scalars rounded to float first.
#include <cmath>

#include "ops/cuda/nn_common.cuh"
#include "ops/dropout.h"
#include "ops/optim_update.h"

namespace dc {
namespace {

using namespace cuda_detail;
using namespace cuda_nn;

// --- dropout ---

// Philox4x32-10 as core/philox.cc: counter {lo, hi, 0, 0}, key {seed lo, seed hi}.
__device__ __forceinline__ uint4 philox_block(uint64_t c, uint64_t seed) {
  constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  uint32_t c0 = static_cast<uint32_t>(c), c1 = static_cast<uint32_t>(c >> 32), c2 = 0, c3 = 0;
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
#pragma unroll
  for (int round = 0; round < 10; ++round) {
    const uint32_t hi0 = __umulhi(kM0, c0), lo0 = kM0 * c0;
    const uint32_t hi1 = __umulhi(kM1, c2), lo1 = kM1 * c2;
    const uint32_t n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
    k0 += kW0;
    k1 += kW1;
  }
  return make_uint4(c0, c1, c2, c3);
}

// One thread per block of four elements (one Philox call).
__global__ void dropout_kernel_impl(const float* __restrict__ x, float* __restrict__ mask,
                                    float* __restrict__ y, int64_t n, double p, float scale,
                                    uint64_t seed, uint64_t first_counter) {
  const int64_t blocks = (n + 3) / 4;
  for (int64_t blk = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; blk < blocks;
       blk += int64_t(gridDim.x) * blockDim.x) {
    const uint4 w = philox_block(first_counter + static_cast<uint64_t>(blk), seed);
    const uint32_t words[4] = {w.x, w.y, w.z, w.w};
    const int64_t i0 = blk * 4;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      if (i0 + j < n) {
        // A 32-bit uniform in [0, 1): kept with probability 1 - p (never when p = 1).
        const double u = words[j] * (1.0 / 4294967296.0);
        const float m = u >= p ? scale : 0.0f;
        mask[i0 + j] = m;
        y[i0 + j] = x[i0 + j] * m;
      }
    }
  }
}

void dropout_cuda(const Tensor& x, double p, uint64_t seed, uint64_t first_counter,
                  const Tensor& mask, const Tensor& y) {
  const int64_t n = x.numel();
  if (n == 0) return;
  const int device = x.device().index;
  CudaDeviceGuard guard(device);
  dropout_kernel_impl<<<grid_for((n + 3) / 4, device), kThreads, 0, stream_of(x)>>>(
      static_cast<const float*>(x.raw_data()), static_cast<float*>(mask.raw_data()),
      static_cast<float*>(y.raw_data()), n, p, static_cast<float>(1.0 / (1.0 - p)), seed,
      first_counter);
  check_launch("dropout");
}

// --- SGD ---

__global__ void sgd_kernel(float* __restrict__ p, const float* __restrict__ g,
                           float* __restrict__ buf, int64_t n, float lr, float wd, float mom,
                           float keep, bool decay, bool nesterov, bool first) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    float d = g[i];
    // PyTorch adds the decay term only when weight_decay != 0 (it matters for inf/nan params).
    if (decay) d = d + wd * p[i];
    if (buf) {  // momentum != 0
      float b;
      if (first) {
        b = d;
      } else {
        b = buf[i] * mom;
        b = b + keep * d;
      }
      buf[i] = b;
      d = nesterov ? d + mom * b : b;
    }
    p[i] = p[i] - lr * d;
  }
}

void sgd_cuda(const Tensor& param, const Tensor& grad, const Tensor& momentum_buf,
              const SgdUpdateParams& h) {
  const int64_t n = param.numel();
  if (n == 0) return;
  const int device = param.device().index;
  CudaDeviceGuard guard(device);
  float* buf = h.momentum != 0 && momentum_buf.defined()
                   ? static_cast<float*>(momentum_buf.raw_data())
                   : nullptr;
  sgd_kernel<<<grid_for(n, device), kThreads, 0, stream_of(param)>>>(
      static_cast<float*>(param.raw_data()), static_cast<const float*>(grad.raw_data()), buf, n,
      static_cast<float>(h.lr), static_cast<float>(h.weight_decay), static_cast<float>(h.momentum),
      static_cast<float>(1 - h.dampening), h.weight_decay != 0, h.nesterov, h.first_step);
  check_launch("sgd_update_");
}

// --- Adam / AdamW ---

struct AdamScalars {
  float wd, shrink, b1, c1, b2, c2, bc2, eps, neg_step;
  int decay;  // 0 none, 1 L2 (Adam), 2 decoupled (AdamW)
};

__global__ void adam_kernel(float* __restrict__ p, const float* __restrict__ g,
                            float* __restrict__ m, float* __restrict__ v, float* __restrict__ vmax,
                            int64_t n, AdamScalars s) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    float gi = g[i];
    float pi = p[i];
    if (s.decay == 1) gi = gi + s.wd * pi;
    if (s.decay == 2) pi = pi * s.shrink;
    float mi = m[i] * s.b1;
    mi = mi + s.c1 * gi;
    float vi = v[i] * s.b2;
    vi = vi + s.c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    float vd = vi;
    if (vmax) {
      // std::max(vmax, v) of the CPU kernel: vmax unless v is larger (a NaN v keeps vmax).
      vd = vmax[i] < vi ? vi : vmax[i];
      vmax[i] = vd;
    }
    const float denom = sqrtf(vd) / s.bc2 + s.eps;
    p[i] = pi + s.neg_step * mi / denom;
  }
}

void adam_cuda(const Tensor& param, const Tensor& grad, const Tensor& exp_avg,
               const Tensor& exp_avg_sq, const Tensor& max_exp_avg_sq, const AdamUpdateParams& h) {
  const int64_t n = param.numel();
  if (n == 0) return;
  const int device = param.device().index;
  CudaDeviceGuard guard(device);
  AdamScalars s;
  s.wd = static_cast<float>(h.weight_decay);
  s.shrink = static_cast<float>(1 - h.lr * h.weight_decay);
  s.b1 = static_cast<float>(h.beta1);
  s.c1 = static_cast<float>(1 - h.beta1);
  s.b2 = static_cast<float>(h.beta2);
  s.c2 = static_cast<float>(1 - h.beta2);
  s.bc2 = static_cast<float>(h.bias_correction2_sqrt);
  s.eps = static_cast<float>(h.eps);
  s.neg_step = static_cast<float>(-h.step_size);
  // Adam adds the L2 term only when weight_decay != 0; AdamW always scales by (1 - lr * wd).
  s.decay = h.decoupled ? 2 : (h.weight_decay != 0 ? 1 : 0);
  adam_kernel<<<grid_for(n, device), kThreads, 0, stream_of(param)>>>(
      static_cast<float*>(param.raw_data()), static_cast<const float*>(grad.raw_data()),
      static_cast<float*>(exp_avg.raw_data()), static_cast<float*>(exp_avg_sq.raw_data()),
      max_exp_avg_sq.defined() ? static_cast<float*>(max_exp_avg_sq.raw_data()) : nullptr, n, s);
  check_launch(h.decoupled ? "adam_update_ (AdamW)" : "adam_update_");
}

DC_REGISTER_KERNEL(dropout_kernel, CUDA, f32, &dropout_cuda);
DC_REGISTER_KERNEL(sgd_update_kernel, CUDA, f32, &sgd_cuda);
DC_REGISTER_KERNEL(adam_update_kernel, CUDA, f32, &adam_cuda);

}  // namespace
}  // namespace dc
