// CUDA UV splat (ops/uv_splat.h). Forward: one thread per point scatters its bilinear corners into
// the atlas and the weight map with atomicAdd, so (unlike the CPU kernel, which accumulates each
// chart in point order) the summation order of points sharing a cell is not fixed: results agree
// with the CPU's to rounding, not bit for bit. A part outside [-1, K) raises a device flag (the
// point is skipped) and the launcher then throws the CPU kernel's error. Backward: a gather, one
// thread per point, each writing only its own gradient entries. The corner arithmetic is
// ops/uv_splat_math.h, shared with (and tested through) the CPU kernel.
#include <vector>

#include "ops/cuda/geom_common.cuh"
#include "ops/uv_splat.h"
#include "ops/uv_splat_math.h"

namespace dc {
namespace {

using namespace cuda_detail;

template <typename T>
__global__ void uv_splat_forward(const T* __restrict__ values, const T* __restrict__ uv,
                                 const int64_t* __restrict__ part, T* __restrict__ atlas,
                                 T* __restrict__ weight, int64_t N, int64_t C, int64_t P, int64_t K,
                                 int64_t H, int64_t W, int* bad) {
  const int64_t HW = H * W;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < N * P;
       i += int64_t(blockDim.x) * gridDim.x) {
    const int64_t n = i / P, p = i % P, k = part[i];
    if (k < -1 || k >= K) {
      *bad = 1;
      continue;
    }
    if (k < 0) continue;
    UvSplatCorners<T> cr;
    uv_splat_corners(uv[2 * i], uv[2 * i + 1], H, W, cr);
    T* a = atlas + (n * K + k) * C * HW;
    T* wt = weight + (n * K + k) * HW;
    const T* vn = values + n * C * P + p;
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      const int64_t cell = cr.cell[q];
      if (cell < 0) continue;
      const T w = cr.w[q];
      atomicAdd(wt + cell, w);
      for (int64_t c = 0; c < C; ++c) atomicAdd(a + c * HW + cell, w * vn[c * P]);
    }
  }
}

// grad_values / grad_uv may be null. Parts were validated by the forward.
template <typename T>
__global__ void uv_splat_backward(const T* __restrict__ values, const T* __restrict__ uv,
                                  const int64_t* __restrict__ part, const T* __restrict__ gatlas,
                                  const T* __restrict__ gweight, T* __restrict__ gvalues,
                                  T* __restrict__ guv, int64_t N, int64_t C, int64_t P, int64_t K,
                                  int64_t H, int64_t W) {
  const int64_t HW = H * W;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < N * P;
       i += int64_t(blockDim.x) * gridDim.x) {
    const int64_t n = i / P, p = i % P, k = part[i];
    if (k < 0 || k >= K) {
      if (gvalues) {
        for (int64_t c = 0; c < C; ++c) gvalues[(n * C + c) * P + p] = T(0);
      }
      if (guv) guv[2 * i] = guv[2 * i + 1] = T(0);
      continue;
    }
    UvSplatCorners<T> cr;
    uv_splat_corners(uv[2 * i], uv[2 * i + 1], H, W, cr);
    const T* ga = gatlas + (n * K + k) * C * HW;
    const T* gw = gweight + (n * K + k) * HW;
    const T* vn = values + n * C * P + p;
    // d loss / d w of each corner: the weight map's gradient plus value . atlas gradient (summed
    // in the CPU kernel's order: the weight map's term first, then channel by channel).
    T s[4];
#pragma unroll
    for (int q = 0; q < 4; ++q) s[q] = cr.cell[q] >= 0 ? gw[cr.cell[q]] : T(0);
    for (int64_t c = 0; c < C; ++c) {
      const T v = vn[c * P];
      T gval = 0;
#pragma unroll
      for (int q = 0; q < 4; ++q) {
        if (cr.cell[q] < 0) continue;
        const T g = ga[c * HW + cr.cell[q]];
        s[q] += v * g;
        gval += cr.w[q] * g;
      }
      if (gvalues) gvalues[(n * C + c) * P + p] = gval;
    }
    if (guv) {
      T gx = 0, gy = 0;
#pragma unroll
      for (int q = 0; q < 4; ++q) {
        if (cr.cell[q] < 0) continue;
        gx += cr.dwdx[q] * s[q];
        gy += cr.dwdy[q] * s[q];
      }
      guv[2 * i] = gx * static_cast<T>(W - 1);
      guv[2 * i + 1] = gy * static_cast<T>(H - 1);
    }
  }
}

template <typename T>
void uv_splat_cuda(const Tensor& values, const Tensor& uv, const Tensor& part, const Tensor& atlas,
                   const Tensor& weight) {
  const int64_t N = values.size(0), C = values.size(1), P = values.size(2);
  const int64_t K = atlas.size(1), H = atlas.size(3), W = atlas.size(4);
  const int device = values.device().index;
  CudaDeviceGuard guard(device);
  cudaStream_t stream = stream_of(atlas);
  DC_CUDA_CHECK(cudaMemsetAsync(atlas.raw_data(), 0, atlas.numel() * sizeof(T), stream),
                "uv_splat");
  DC_CUDA_CHECK(cudaMemsetAsync(weight.raw_data(), 0, weight.numel() * sizeof(T), stream),
                "uv_splat");
  if (N * P == 0) return;
  DeviceFlag bad(atlas);
  uv_splat_forward<T><<<grid_for(N * P, device), kThreads, 0, stream>>>(
      cptr<T>(values), cptr<T>(uv), cptr<int64_t>(part), mptr<T>(atlas), mptr<T>(weight), N, C, P,
      K, H, W, bad.ptr());
  check_launch("uv_splat");
  if (!bad.raised()) return;
  // Name the first bad point in image order, as the CPU kernel does.
  const Tensor hp = part.to(kCPU);
  const int64_t* pp = hp.data<int64_t>();
  for (int64_t i = 0; i < N * P; ++i) {
    DC_CHECK(pp[i] >= -1 && pp[i] < K, "uv_splat: part[", i / P, ", ", i % P, "] = ", pp[i],
             " is outside [-1, K) with K = ", K, " (-1 skips a point)");
  }
  DC_FAIL("uv_splat: the device reported a part outside [-1, K) that the host copy does not hold");
}

template <typename T>
void uv_splat_backward_cuda(const Tensor& values, const Tensor& uv, const Tensor& part,
                            const Tensor& grad_atlas, const Tensor& grad_weight,
                            const Tensor& grad_values, const Tensor& grad_uv) {
  const int64_t N = values.size(0), C = values.size(1), P = values.size(2);
  const int64_t K = grad_atlas.size(1), H = grad_atlas.size(3), W = grad_atlas.size(4);
  if (N * P == 0) return;
  const int device = values.device().index;
  CudaDeviceGuard guard(device);
  uv_splat_backward<T><<<grid_for(N * P, device), kThreads, 0, stream_of(values)>>>(
      cptr<T>(values), cptr<T>(uv), cptr<int64_t>(part), cptr<T>(grad_atlas), cptr<T>(grad_weight),
      grad_values.defined() ? mptr<T>(grad_values) : nullptr,
      grad_uv.defined() ? mptr<T>(grad_uv) : nullptr, N, C, P, K, H, W);
  check_launch("uv_splat backward");
}

DC_REGISTER_KERNEL(uv_splat_kernel, CUDA, f32, &uv_splat_cuda<float>);
DC_REGISTER_KERNEL(uv_splat_kernel, CUDA, f64, &uv_splat_cuda<double>);
DC_REGISTER_KERNEL(uv_splat_backward_kernel, CUDA, f32, &uv_splat_backward_cuda<float>);
DC_REGISTER_KERNEL(uv_splat_backward_kernel, CUDA, f64, &uv_splat_backward_cuda<double>);

}  // namespace
}  // namespace dc
