// CUDA upsampling kernels (ops/upsample.h) for f32, f16 and bf16; half types compute in float.
// Source indices and weights use PyTorch's formulas in f32 (ops/upsample_math.h, shared with and
// tested through the CPU kernels; see there for the one rounding difference between the devices),
// with the ratio computed on the host the same way.
//
// The backward passes are gathers, deterministic and free of atomics: each input element sums the
// output elements that read it. Along one dim the source index is non-decreasing in the output
// index, so the outputs reading input i form one contiguous run, found by a binary search. Bilinear
// backward is separable like the CPU kernel: blend the gradient along H into a f32 buffer
// [planes, H, OW], then along W; the sums run in the CPU kernel's order.
#include "core/cuda/launch.cuh"
#include "ops/upsample.h"
#include "ops/upsample_math.h"

namespace dc {
namespace {

using namespace cuda_detail;

// One dim's mapping from output to input indices.
struct Axis {
  int64_t in, out;
  float ratio;  // as PyTorch's area_pixel_compute_scale (bilinear) or nearest scale
  bool align_corners;
};

Axis linear_axis(int64_t in, int64_t out, bool align_corners, double scale) {
  return {in, out, upsample_linear_ratio<float>(in, out, align_corners, scale), align_corners};
}

Axis nearest_axis(int64_t in, int64_t out, double scale) {
  return {in, out, upsample_nearest_ratio(in, out, scale), false};
}

// Bilinear: output o blends inputs i0 (weight l0) and i1 (weight l1).
using Lerp = UpsampleLerp<float>;

__device__ __forceinline__ Lerp lerp_at(const Axis& a, int64_t o) {
  return upsample_lerp(a.ratio, a.in, a.out, a.align_corners, o);
}

__device__ __forceinline__ int64_t nearest_at(const Axis& a, int64_t o) {
  return upsample_nearest_index(a.ratio, a.in, a.out, o);
}

// The first output index whose source index (i0 for bilinear) is >= i.
template <bool kBilinear>
__device__ __forceinline__ int64_t first_output_reading(const Axis& a, int64_t i) {
  int64_t lo = 0, hi = a.out;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    const int64_t src = kBilinear ? lerp_at(a, mid).i0 : nearest_at(a, mid);
    if (src < i) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// Input i's share of the gradient along one bilinear axis, visiting outputs in increasing order
// (the i0 term before the i1 term of each output, as the CPU kernel adds them).
template <typename F>
__device__ __forceinline__ void for_each_lerp_reader(const Axis& a, int64_t i, F f) {
  // i1 == i0 or i0 + 1, so readers of i have i0 in {i - 1, i}.
  for (int64_t o = first_output_reading<true>(a, i - 1); o < a.out; ++o) {
    const Lerp l = lerp_at(a, o);
    if (l.i0 > i) break;
    if (l.i0 == i) f(o, l.l0);
    if (l.i1 == i) f(o, l.l1);
  }
}

template <typename T>
__global__ void bilinear_kernel(int64_t planes, Axis ah, Axis aw, const T* __restrict__ x,
                                T* __restrict__ y) {
  using M = opmath_t<T>;
  const int64_t total = planes * ah.out * aw.out;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(blockDim.x) * gridDim.x) {
    const int64_t ow = i % aw.out, oh = (i / aw.out) % ah.out, plane = i / (aw.out * ah.out);
    const Lerp lh = lerp_at(ah, oh), lw = lerp_at(aw, ow);
    const T* xp = x + plane * ah.in * aw.in;
    const T* r0 = xp + lh.i0 * aw.in;
    const T* r1 = xp + lh.i1 * aw.in;
    // Along W first, then H, as the CPU kernel.
    const M b0 = M(lw.l0) * cast<M>(r0[lw.i0]) + M(lw.l1) * cast<M>(r0[lw.i1]);
    const M b1 = M(lw.l0) * cast<M>(r1[lw.i0]) + M(lw.l1) * cast<M>(r1[lw.i1]);
    y[i] = cast<T>(M(lh.l0) * b0 + M(lh.l1) * b1);
  }
}

// rows[plane, h, ow] = sum over output rows oh reading h of weight * gy[plane, oh, ow].
template <typename T>
__global__ void bilinear_backward_rows_kernel(int64_t planes, Axis ah, int64_t OW,
                                              const T* __restrict__ gy, float* __restrict__ rows) {
  const int64_t total = planes * ah.in * OW;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(blockDim.x) * gridDim.x) {
    const int64_t ow = i % OW, h = (i / OW) % ah.in, plane = i / (OW * ah.in);
    const T* g = gy + plane * ah.out * OW + ow;
    float acc = 0;
    for_each_lerp_reader(ah, h, [&](int64_t oh, float l) { acc += l * cast<float>(g[oh * OW]); });
    rows[i] = acc;
  }
}

// gx[plane, h, w] = sum over output columns ow reading w of weight * rows[plane, h, ow].
template <typename T>
__global__ void bilinear_backward_cols_kernel(int64_t planes, int64_t H, Axis aw,
                                              const float* __restrict__ rows, T* __restrict__ gx) {
  const int64_t total = planes * H * aw.in;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(blockDim.x) * gridDim.x) {
    const int64_t w = i % aw.in, row = i / aw.in;  // row = plane * H + h
    const float* r = rows + row * aw.out;
    float acc = 0;
    for_each_lerp_reader(aw, w, [&](int64_t ow, float l) { acc += l * r[ow]; });
    gx[i] = cast<T>(acc);
  }
}

template <typename T>
__global__ void nearest_kernel(int64_t planes, Axis ah, Axis aw, const T* __restrict__ x,
                               T* __restrict__ y) {
  const int64_t total = planes * ah.out * aw.out;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(blockDim.x) * gridDim.x) {
    const int64_t ow = i % aw.out, oh = (i / aw.out) % ah.out, plane = i / (aw.out * ah.out);
    y[i] = x[(plane * ah.in + nearest_at(ah, oh)) * aw.in + nearest_at(aw, ow)];
  }
}

template <typename T>
__global__ void nearest_backward_kernel(int64_t planes, Axis ah, Axis aw, const T* __restrict__ gy,
                                        T* __restrict__ gx) {
  using M = opmath_t<T>;
  const int64_t total = planes * ah.in * aw.in;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(blockDim.x) * gridDim.x) {
    const int64_t w = i % aw.in, h = (i / aw.in) % ah.in, plane = i / (aw.in * ah.in);
    const int64_t oh0 = first_output_reading<false>(ah, h);
    const int64_t ow0 = first_output_reading<false>(aw, w);
    const T* g = gy + plane * ah.out * aw.out;
    M acc = 0;
    for (int64_t oh = oh0; oh < ah.out && nearest_at(ah, oh) == h; ++oh) {
      for (int64_t ow = ow0; ow < aw.out && nearest_at(aw, ow) == w; ++ow) {
        acc += cast<M>(g[oh * aw.out + ow]);
      }
    }
    gx[i] = cast<T>(acc);
  }
}

template <typename H>
void upsample_bilinear2d_cuda(const Upsample2dGeometry& g, const Tensor& x, const Tensor& out) {
  using T = device_t<H>;
  const int64_t total = out.numel();
  if (total == 0) return;
  const int device = out.device().index;
  CudaDeviceGuard guard(device);
  bilinear_kernel<T><<<grid_for(total, device), kThreads, 0, stream_of(out)>>>(
      g.planes, linear_axis(g.H, g.OH, g.align_corners, g.scale_h),
      linear_axis(g.W, g.OW, g.align_corners, g.scale_w), static_cast<const T*>(x.raw_data()),
      static_cast<T*>(out.raw_data()));
  check_launch("upsample_bilinear2d");
}

template <typename H>
void upsample_bilinear2d_backward_cuda(const Upsample2dGeometry& g, const Tensor& grad_out,
                                       const Tensor& grad_in) {
  using T = device_t<H>;
  if (grad_in.numel() == 0) return;
  const int device = grad_in.device().index;
  CudaDeviceGuard guard(device);
  const Axis ah = linear_axis(g.H, g.OH, g.align_corners, g.scale_h);
  const Axis aw = linear_axis(g.W, g.OW, g.align_corners, g.scale_w);
  // Scratch from the caching allocator on the current stream, released (stream-ordered) on return.
  const Tensor rows = empty({g.planes, g.H, g.OW}, DType::f32, grad_in.device());
  const cudaStream_t stream = stream_of(grad_in);
  bilinear_backward_rows_kernel<T><<<grid_for(rows.numel(), device), kThreads, 0, stream>>>(
      g.planes, ah, g.OW, static_cast<const T*>(grad_out.raw_data()), rows.data<float>());
  check_launch("upsample_bilinear2d backward (rows)");
  bilinear_backward_cols_kernel<T><<<grid_for(grad_in.numel(), device), kThreads, 0, stream>>>(
      g.planes, g.H, aw, rows.data<float>(), static_cast<T*>(grad_in.raw_data()));
  check_launch("upsample_bilinear2d backward (columns)");
}

template <typename H>
void upsample_nearest2d_cuda(const Upsample2dGeometry& g, const Tensor& x, const Tensor& out) {
  using T = device_t<H>;
  const int64_t total = out.numel();
  if (total == 0) return;
  const int device = out.device().index;
  CudaDeviceGuard guard(device);
  nearest_kernel<T><<<grid_for(total, device), kThreads, 0, stream_of(out)>>>(
      g.planes, nearest_axis(g.H, g.OH, g.scale_h), nearest_axis(g.W, g.OW, g.scale_w),
      static_cast<const T*>(x.raw_data()), static_cast<T*>(out.raw_data()));
  check_launch("upsample_nearest2d");
}

template <typename H>
void upsample_nearest2d_backward_cuda(const Upsample2dGeometry& g, const Tensor& grad_out,
                                      const Tensor& grad_in) {
  using T = device_t<H>;
  const int64_t total = grad_in.numel();
  if (total == 0) return;
  const int device = grad_in.device().index;
  CudaDeviceGuard guard(device);
  nearest_backward_kernel<T><<<grid_for(total, device), kThreads, 0, stream_of(grad_in)>>>(
      g.planes, nearest_axis(g.H, g.OH, g.scale_h), nearest_axis(g.W, g.OW, g.scale_w),
      static_cast<const T*>(grad_out.raw_data()), static_cast<T*>(grad_in.raw_data()));
  check_launch("upsample_nearest2d backward");
}

DC_REGISTER_KERNEL(upsample_bilinear2d_kernel, CUDA, f32, &upsample_bilinear2d_cuda<float>);
DC_REGISTER_KERNEL(upsample_bilinear2d_kernel, CUDA, f16, &upsample_bilinear2d_cuda<Half>);
DC_REGISTER_KERNEL(upsample_bilinear2d_kernel, CUDA, bf16, &upsample_bilinear2d_cuda<BFloat16>);
DC_REGISTER_KERNEL(upsample_bilinear2d_backward_kernel, CUDA, f32,
                   &upsample_bilinear2d_backward_cuda<float>);
DC_REGISTER_KERNEL(upsample_bilinear2d_backward_kernel, CUDA, f16,
                   &upsample_bilinear2d_backward_cuda<Half>);
DC_REGISTER_KERNEL(upsample_bilinear2d_backward_kernel, CUDA, bf16,
                   &upsample_bilinear2d_backward_cuda<BFloat16>);
DC_REGISTER_KERNEL(upsample_nearest2d_kernel, CUDA, f32, &upsample_nearest2d_cuda<float>);
DC_REGISTER_KERNEL(upsample_nearest2d_kernel, CUDA, f16, &upsample_nearest2d_cuda<Half>);
DC_REGISTER_KERNEL(upsample_nearest2d_kernel, CUDA, bf16, &upsample_nearest2d_cuda<BFloat16>);
DC_REGISTER_KERNEL(upsample_nearest2d_backward_kernel, CUDA, f32,
                   &upsample_nearest2d_backward_cuda<float>);
DC_REGISTER_KERNEL(upsample_nearest2d_backward_kernel, CUDA, f16,
                   &upsample_nearest2d_backward_cuda<Half>);
DC_REGISTER_KERNEL(upsample_nearest2d_backward_kernel, CUDA, bf16,
                   &upsample_nearest2d_backward_cuda<BFloat16>);

}  // namespace
}  // namespace dc
