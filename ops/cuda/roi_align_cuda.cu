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

// The sizes and options both kernels need: x / grad_x is [N, C, H, W], out / grad_out
// [K, C, PH, PW].
template <typename T>
struct RoiArgs {
  int64_t C, H, W, PH, PW;
  T scale;
  bool aligned;
  int64_t sampling_ratio;
};

template <typename T>
RoiArgs<T> roi_args(const RoiAlignParams& p, const Tensor& x) {
  RoiArgs<T> a;
  a.C = x.size(1);
  a.H = x.size(2);
  a.W = x.size(3);
  a.PH = p.pooled_h;
  a.PW = p.pooled_w;
  a.scale = static_cast<T>(p.spatial_scale);
  a.aligned = p.aligned;
  a.sampling_ratio = p.sampling_ratio;
  return a;
}

// The grid-stride loop of both kernels over the output elements e of [K, C, PH, PW]:
// fn(e, plane, g, ph, pw) with plane the offset of e's (image, channel) plane in x / grad_x and g
// its roi's geometry.
template <typename T, typename F>
__device__ __forceinline__ void for_each_bin(const T* rois, int64_t total, const RoiArgs<T>& a,
                                             F&& fn) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total;
       e += int64_t(blockDim.x) * gridDim.x) {
    const int64_t pw = e % a.PW, ph = (e / a.PW) % a.PH, c = (e / (a.PW * a.PH)) % a.C;
    const int64_t k = e / (a.PW * a.PH * a.C);
    const RoiAlignGeom<T> g =
        roi_align_geom(rois + k * 5, a.scale, a.aligned, a.PH, a.PW, a.sampling_ratio);
    fn(e, (g.batch * a.C + c) * a.H * a.W, g, ph, pw);
  }
}

template <typename T>
__global__ void roi_align_forward(const T* __restrict__ x, const T* __restrict__ rois,
                                  T* __restrict__ out, int64_t total, RoiArgs<T> a) {
  for_each_bin(rois, total, a,
               [&](int64_t e, int64_t plane, const RoiAlignGeom<T>& g, int64_t ph, int64_t pw) {
                 const T* xp = x + plane;
                 T acc = 0;
                 auto add_sample = [&](bool inside, const int64_t* pos, const T* w) {
                   if (!inside) return;
                   acc += w[0] * xp[pos[0]] + w[1] * xp[pos[1]] + w[2] * xp[pos[2]] +
                          w[3] * xp[pos[3]];
                 };
                 roi_align_for_each_sample(g, ph, pw, a.H, a.W, add_sample);
                 out[e] = acc / roi_align_divisor(g);
               });
}

template <typename T>
__global__ void roi_align_backward(const T* __restrict__ grad_out, const T* __restrict__ rois,
                                   T* __restrict__ grad_x, int64_t total, RoiArgs<T> a) {
  for_each_bin(rois, total, a,
               [&](int64_t e, int64_t plane, const RoiAlignGeom<T>& g, int64_t ph, int64_t pw) {
                 if (g.grid_h <= 0 || g.grid_w <= 0) return;
                 T* gx = grad_x + plane;
                 const T count =
                     roi_align_divisor(g);  // the sample count: the grid is not empty here
                 const T go = grad_out[e];
                 auto scatter_sample = [&](bool inside, const int64_t* pos, const T* w) {
                   if (!inside) return;
#pragma unroll
                   for (int q = 0; q < 4; ++q) atomicAdd(gx + pos[q], go * w[q] / count);
                 };
                 roi_align_for_each_sample(g, ph, pw, a.H, a.W, scatter_sample);
               });
}

template <typename T>
void roi_align_cuda(const RoiAlignParams& p, const Tensor& x, const Tensor& rois,
                    const Tensor& out) {
  const int device = x.device().index;
  CudaDeviceGuard guard(device);
  const int64_t total = out.numel();
  roi_align_forward<T><<<grid_for(total, device), kThreads, 0, stream_of(out)>>>(
      cptr<T>(x), cptr<T>(rois), mptr<T>(out), total, roi_args<T>(p, x));
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
      cptr<T>(grad_out), cptr<T>(rois), mptr<T>(grad_x), total, roi_args<T>(p, grad_x));
  check_launch("roi_align backward");
}

DC_REGISTER_KERNEL(roi_align_kernel, CUDA, f32, &roi_align_cuda<float>);
DC_REGISTER_KERNEL(roi_align_kernel, CUDA, f64, &roi_align_cuda<double>);
DC_REGISTER_KERNEL(roi_align_backward_kernel, CUDA, f32, &roi_align_backward_cuda<float>);
DC_REGISTER_KERNEL(roi_align_backward_kernel, CUDA, f64, &roi_align_backward_cuda<double>);

}  // namespace
}  // namespace dc
