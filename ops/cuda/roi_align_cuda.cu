// CUDA RoIAlign (ops/roi_align.h), with torchvision's CUDA algorithm and the sampling arithmetic of
// ops/roi_align_math.h, shared with (and tested through) the CPU kernel: the forward runs one
// thread per output element (roi, channel, bin) and averages the bilinear samples of its bin; the
// backward runs one thread per output-gradient element and scatters each sample's share into grad_x
// with atomicAdd (f32 and f64 atomics are native on sm_60+), so the sum order over overlapping rois
// is not fixed.
#include "ops/cuda/geom_common.cuh"
#include "ops/roi_align.h"
#include "ops/roi_align_math.h"

namespace dc {
namespace {

using namespace cuda_detail;

// The output element e of [K, C, PH, PW]: its roi, channel and bin, and the roi's geometry.
template <typename T>
struct BinOf {
  int64_t k, c, ph, pw;
  RoiAlignGeom<T> g;
};

template <typename T>
__device__ __forceinline__ BinOf<T> bin_of(int64_t e, const T* rois, int64_t C, int64_t PH,
                                           int64_t PW, T scale, bool aligned,
                                           int64_t sampling_ratio) {
  BinOf<T> b;
  b.pw = e % PW;
  b.ph = (e / PW) % PH;
  b.c = (e / (PW * PH)) % C;
  b.k = e / (PW * PH * C);
  b.g = roi_align_geom(rois + b.k * 5, scale, aligned, PH, PW, sampling_ratio);
  return b;
}

template <typename T>
__global__ void roi_align_forward(const T* __restrict__ x, const T* __restrict__ rois,
                                  T* __restrict__ out, int64_t total, int64_t C, int64_t H,
                                  int64_t W, int64_t PH, int64_t PW, T scale, bool aligned,
                                  int64_t sampling_ratio) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total;
       e += int64_t(blockDim.x) * gridDim.x) {
    const BinOf<T> b = bin_of(e, rois, C, PH, PW, scale, aligned, sampling_ratio);
    const T* plane = x + (b.g.batch * C + b.c) * H * W;
    T acc = 0;
    auto add_sample = [&](bool inside, const int64_t* pos, const T* w) {
      if (!inside) return;
      acc +=
          w[0] * plane[pos[0]] + w[1] * plane[pos[1]] + w[2] * plane[pos[2]] + w[3] * plane[pos[3]];
    };
    roi_align_for_each_sample(b.g, b.ph, b.pw, H, W, add_sample);
    out[e] = acc / roi_align_divisor(b.g);
  }
}

template <typename T>
__global__ void roi_align_backward(const T* __restrict__ grad_out, const T* __restrict__ rois,
                                   T* __restrict__ grad_x, int64_t total, int64_t C, int64_t H,
                                   int64_t W, int64_t PH, int64_t PW, T scale, bool aligned,
                                   int64_t sampling_ratio) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total;
       e += int64_t(blockDim.x) * gridDim.x) {
    const BinOf<T> b = bin_of(e, rois, C, PH, PW, scale, aligned, sampling_ratio);
    if (b.g.grid_h <= 0 || b.g.grid_w <= 0) continue;
    T* plane = grad_x + (b.g.batch * C + b.c) * H * W;
    const T count = roi_align_divisor(b.g);  // the sample count: the grid is not empty here
    const T go = grad_out[e];
    auto scatter_sample = [&](bool inside, const int64_t* pos, const T* w) {
      if (!inside) return;
#pragma unroll
      for (int q = 0; q < 4; ++q) atomicAdd(plane + pos[q], go * w[q] / count);
    };
    roi_align_for_each_sample(b.g, b.ph, b.pw, H, W, scatter_sample);
  }
}

template <typename T>
void roi_align_cuda(const RoiAlignParams& p, const Tensor& x, const Tensor& rois,
                    const Tensor& out) {
  const int device = x.device().index;
  CudaDeviceGuard guard(device);
  const int64_t total = out.numel();
  roi_align_forward<T><<<grid_for(total, device), kThreads, 0, stream_of(out)>>>(
      cptr<T>(x), cptr<T>(rois), mptr<T>(out), total, x.size(1), x.size(2), x.size(3), p.pooled_h,
      p.pooled_w, static_cast<T>(p.spatial_scale), p.aligned, p.sampling_ratio);
  check_launch("roi_align");
}

template <typename T>
void roi_align_backward_cuda(const RoiAlignParams& p, const Tensor& grad_out, const Tensor& rois,
                             const Tensor& grad_x) {
  const int device = grad_x.device().index;
  CudaDeviceGuard guard(device);
  cudaStream_t stream = stream_of(grad_x);
  DC_CUDA_CHECK(cudaMemsetAsync(grad_x.raw_data(), 0, grad_x.numel() * sizeof(T), stream),
                "roi_align backward");
  const int64_t total = grad_out.numel();
  if (total == 0) return;
  roi_align_backward<T><<<grid_for(total, device), kThreads, 0, stream>>>(
      cptr<T>(grad_out), cptr<T>(rois), mptr<T>(grad_x), total, grad_x.size(1), grad_x.size(2),
      grad_x.size(3), p.pooled_h, p.pooled_w, static_cast<T>(p.spatial_scale), p.aligned,
      p.sampling_ratio);
  check_launch("roi_align backward");
}

DC_REGISTER_KERNEL(roi_align_kernel, CUDA, f32, &roi_align_cuda<float>);
DC_REGISTER_KERNEL(roi_align_kernel, CUDA, f64, &roi_align_cuda<double>);
DC_REGISTER_KERNEL(roi_align_backward_kernel, CUDA, f32, &roi_align_backward_cuda<float>);
DC_REGISTER_KERNEL(roi_align_backward_kernel, CUDA, f64, &roi_align_backward_cuda<double>);

}  // namespace
}  // namespace dc
