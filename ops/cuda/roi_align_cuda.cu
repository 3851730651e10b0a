// CUDA RoIAlign (ops/roi_align.h), with torchvision's CUDA algorithm and the sampling arithmetic of
// our CPU kernel: the forward runs one thread per output element (roi, channel, bin) and averages
// the bilinear samples of its bin; the backward runs one thread per output-gradient element and
// scatters each sample's share into grad_x with atomicAdd (f32 and f64 atomics are native on
// sm_60+), so the sum order over overlapping rois is not fixed.
#include "ops/cuda/geom_common.cuh"
#include "ops/roi_align.h"

namespace dc {
namespace {

using namespace cuda_detail;

// The roi's geometry, as roi_geom in ops/cpu/roi_align_cpu.cc.
template <typename T>
struct Geom {
  int64_t batch;
  T start_h, start_w, bin_h, bin_w;
  int64_t grid_h, grid_w;
};

template <typename T>
__device__ __forceinline__ Geom<T> roi_geom(const T* roi, T scale, bool aligned, int64_t ph_n,
                                            int64_t pw_n, int64_t sampling_ratio) {
  Geom<T> g;
  const T offset = aligned ? T(0.5) : T(0);
  g.batch = static_cast<int64_t>(roi[0]);
  g.start_w = roi[1] * scale - offset;
  g.start_h = roi[2] * scale - offset;
  const T end_w = roi[3] * scale - offset;
  const T end_h = roi[4] * scale - offset;
  T roi_w = end_w - g.start_w, roi_h = end_h - g.start_h;
  if (!aligned) {  // legacy behaviour: malformed rois become 1x1
    roi_w = std_max(roi_w, T(1));
    roi_h = std_max(roi_h, T(1));
  }
  g.bin_h = roi_h / static_cast<T>(ph_n);
  g.bin_w = roi_w / static_cast<T>(pw_n);
  // Negative sizes (aligned rois with x2 < x1) give an empty grid: the bin averages nothing.
  g.grid_h = sampling_ratio > 0 ? sampling_ratio : static_cast<int64_t>(ceil(roi_h / ph_n));
  g.grid_w = sampling_ratio > 0 ? sampling_ratio : static_cast<int64_t>(ceil(roi_w / pw_n));
  return g;
}

// One bilinear sample at (y, x) of an H x W plane: false when it lies outside [-1, H] x [-1, W]
// (it then contributes nothing); otherwise the four taps and their weights.
template <typename T>
__device__ __forceinline__ bool bilinear_taps(T y, T x, int64_t H, int64_t W, int64_t pos[4],
                                              T w[4]) {
  if (y < T(-1) || y > static_cast<T>(H) || x < T(-1) || x > static_cast<T>(W)) return false;
  if (y <= 0) y = 0;
  if (x <= 0) x = 0;
  int64_t y_low = static_cast<int64_t>(y), x_low = static_cast<int64_t>(x);
  int64_t y_high, x_high;
  if (y_low >= H - 1) {
    y_high = y_low = H - 1;
    y = static_cast<T>(y_low);
  } else {
    y_high = y_low + 1;
  }
  if (x_low >= W - 1) {
    x_high = x_low = W - 1;
    x = static_cast<T>(x_low);
  } else {
    x_high = x_low + 1;
  }
  const T ly = y - static_cast<T>(y_low), lx = x - static_cast<T>(x_low);
  const T hy = T(1) - ly, hx = T(1) - lx;
  pos[0] = y_low * W + x_low;
  pos[1] = y_low * W + x_high;
  pos[2] = y_high * W + x_low;
  pos[3] = y_high * W + x_high;
  w[0] = hy * hx;
  w[1] = hy * lx;
  w[2] = ly * hx;
  w[3] = ly * lx;
  return true;
}

template <typename T>
__device__ __forceinline__ T sample_y(const Geom<T>& g, int64_t ph, int64_t iy) {
  return g.start_h + static_cast<T>(ph) * g.bin_h +
         static_cast<T>(iy + .5f) * g.bin_h / static_cast<T>(g.grid_h);
}
template <typename T>
__device__ __forceinline__ T sample_x(const Geom<T>& g, int64_t pw, int64_t ix) {
  return g.start_w + static_cast<T>(pw) * g.bin_w +
         static_cast<T>(ix + .5f) * g.bin_w / static_cast<T>(g.grid_w);
}

template <typename T>
__global__ void roi_align_forward(const T* __restrict__ x, const T* __restrict__ rois,
                                  T* __restrict__ out, int64_t total, int64_t C, int64_t H,
                                  int64_t W, int64_t PH, int64_t PW, T scale, bool aligned,
                                  int64_t sampling_ratio) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total;
       e += int64_t(blockDim.x) * gridDim.x) {
    const int64_t pw = e % PW, ph = (e / PW) % PH, c = (e / (PW * PH)) % C, k = e / (PW * PH * C);
    const Geom<T> g = roi_geom(rois + k * 5, scale, aligned, PH, PW, sampling_ratio);
    const T* plane = x + (g.batch * C + c) * H * W;
    T acc = 0;
    for (int64_t iy = 0; iy < g.grid_h; ++iy) {
      const T yy = sample_y(g, ph, iy);
      for (int64_t ix = 0; ix < g.grid_w; ++ix) {
        int64_t pos[4];
        T w[4];
        if (!bilinear_taps(yy, sample_x(g, pw, ix), H, W, pos, w)) continue;
        acc += w[0] * plane[pos[0]] + w[1] * plane[pos[1]] + w[2] * plane[pos[2]] +
               w[3] * plane[pos[3]];
      }
    }
    // torchvision divides by max(count, 1): an empty grid gives 0, never 0/0.
    const int64_t count = g.grid_h * g.grid_w;
    out[e] = acc / static_cast<T>(count > 1 ? count : 1);
  }
}

template <typename T>
__global__ void roi_align_backward(const T* __restrict__ grad_out, const T* __restrict__ rois,
                                   T* __restrict__ grad_x, int64_t total, int64_t C, int64_t H,
                                   int64_t W, int64_t PH, int64_t PW, T scale, bool aligned,
                                   int64_t sampling_ratio) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total;
       e += int64_t(blockDim.x) * gridDim.x) {
    const int64_t pw = e % PW, ph = (e / PW) % PH, c = (e / (PW * PH)) % C, k = e / (PW * PH * C);
    const Geom<T> g = roi_geom(rois + k * 5, scale, aligned, PH, PW, sampling_ratio);
    if (g.grid_h <= 0 || g.grid_w <= 0) continue;
    T* plane = grad_x + (g.batch * C + c) * H * W;
    const T count = static_cast<T>(g.grid_h * g.grid_w);
    const T go = grad_out[e];
    for (int64_t iy = 0; iy < g.grid_h; ++iy) {
      const T yy = sample_y(g, ph, iy);
      for (int64_t ix = 0; ix < g.grid_w; ++ix) {
        int64_t pos[4];
        T w[4];
        if (!bilinear_taps(yy, sample_x(g, pw, ix), H, W, pos, w)) continue;
#pragma unroll
        for (int q = 0; q < 4; ++q) atomicAdd(plane + pos[q], go * w[q] / count);
      }
    }
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
