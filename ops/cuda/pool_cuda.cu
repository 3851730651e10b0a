// CUDA pooling kernels (ops/pool.h) for f32, f16 and bf16; half types compute in float. One thread
// per output element in the forward passes; the backward passes gather (one thread per input
// element, summing the output cells whose window holds it, in the CPU kernel's order), so they are
// deterministic and need no atomics. Window rules, tie-breaking and NaN handling are the CPU
// kernels' (ops/cpu/pool_cpu.cc).
#include "core/cuda/launch.cuh"
#include "ops/pool.h"

namespace dc {
namespace {

using namespace cuda_detail;

// Plain-value copy of Pool2dGeometry for kernel arguments.
struct Geo {
  int64_t planes, H, W, OH, OW, kh, kw, sh, sw, ph, pw, dh, dw;
  bool count_include_pad, adaptive;
};

Geo to_geo(const Pool2dGeometry& g) {
  return {g.planes,  g.H,  g.W,  g.OH, g.OW, g.kh, g.kw,
          g.sh,      g.sw, g.ph, g.pw, g.dh, g.dw, g.count_include_pad,
          g.adaptive};
}

// Rows (or columns) an average-pooling cell covers: [begin, end) in the input, and its padded
// length (the count_include_pad divisor share).
struct Span {
  int64_t begin, end, padded;
};

__device__ __forceinline__ Span window(const Geo& g, int64_t o, bool rows) {
  const int64_t in = rows ? g.H : g.W, out = rows ? g.OH : g.OW;
  if (g.adaptive) {
    const int64_t b = (o * in) / out, e = ((o + 1) * in + out - 1) / out;
    return {b, e, e - b};
  }
  const int64_t k = rows ? g.kh : g.kw, s = rows ? g.sh : g.sw, p = rows ? g.ph : g.pw;
  const int64_t b = o * s - p, e = min(b + k, in + p);
  return {max(b, int64_t(0)), min(e, in), e - b};
}

// Output cells [lo, hi) along one dim whose average-pooling window may hold input index i
// (callers still test the window: this range is a superset).
__device__ __forceinline__ void avg_candidates(const Geo& g, int64_t i, bool rows, int64_t* lo,
                                               int64_t* hi) {
  const int64_t in = rows ? g.H : g.W, out = rows ? g.OH : g.OW;
  if (g.adaptive) {
    // end(o) = ceil((o+1) in / out) > i  <=>  o >= floor(i out / in);
    // begin(o) = floor(o in / out) <= i  <=>  o < ceil((i+1) out / in).
    *lo = (i * out) / in;
    *hi = min(((i + 1) * out + in - 1) / in, out);
    return;
  }
  const int64_t k = rows ? g.kh : g.kw, s = rows ? g.sh : g.sw, p = rows ? g.ph : g.pw;
  // o*s - p <= i < o*s - p + k.
  *lo = i + p < k ? 0 : (i + p - k) / s + 1;
  *hi = min((i + p) / s + 1, out);
}

template <typename T>
__global__ void max_pool_kernel(Geo g, const T* __restrict__ x, T* __restrict__ y,
                                int64_t* __restrict__ indices) {
  using M = opmath_t<T>;
  const int64_t total = g.planes * g.OH * g.OW;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(blockDim.x) * gridDim.x) {
    const int64_t ow = i % g.OW, oh = (i / g.OW) % g.OH, plane = i / (g.OW * g.OH);
    const T* xp = x + plane * g.H * g.W;
    int64_t h0 = oh * g.sh - g.ph;
    const int64_t h1 = min(h0 + (g.kh - 1) * g.dh + 1, g.H);
    while (h0 < 0) h0 += g.dh;
    int64_t w0 = ow * g.sw - g.pw;
    const int64_t w1 = min(w0 + (g.kw - 1) * g.dw + 1, g.W);
    while (w0 < 0) w0 += g.dw;
    M best = -INFINITY;
    int64_t best_i = h0 * g.W + w0;
    for (int64_t h = h0; h < h1; h += g.dh) {
      for (int64_t w = w0; w < w1; w += g.dw) {
        const M v = cast<M>(xp[h * g.W + w]);
        // Strict > keeps the first of equal maxima; NaN replaces anything (as the CPU kernel).
        if (v > best || v != v) {
          best = v;
          best_i = h * g.W + w;
        }
      }
    }
    y[i] = cast<T>(best);
    if (indices != nullptr) indices[i] = best_i;
  }
}

template <typename T>
__global__ void max_pool_backward_kernel(Geo g, const T* __restrict__ gy,
                                         const int64_t* __restrict__ indices, T* __restrict__ gx) {
  using M = opmath_t<T>;
  const int64_t total = g.planes * g.H * g.W;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(blockDim.x) * gridDim.x) {
    const int64_t w = i % g.W, h = (i / g.W) % g.H, plane = i / (g.W * g.H);
    const int64_t flat = h * g.W + w;
    // Cells whose (dilated) window span [o*s - p, o*s - p + (k-1)*d] holds h; the saved index
    // decides whether this element was their maximum.
    const int64_t ekh = (g.kh - 1) * g.dh + 1, ekw = (g.kw - 1) * g.dw + 1;
    const int64_t oh0 = h + g.ph < ekh ? 0 : (h + g.ph - ekh) / g.sh + 1;
    const int64_t oh1 = min((h + g.ph) / g.sh + 1, g.OH);
    const int64_t ow0 = w + g.pw < ekw ? 0 : (w + g.pw - ekw) / g.sw + 1;
    const int64_t ow1 = min((w + g.pw) / g.sw + 1, g.OW);
    const int64_t base = plane * g.OH * g.OW;
    M acc = 0;
    for (int64_t oh = oh0; oh < oh1; ++oh) {
      for (int64_t ow = ow0; ow < ow1; ++ow) {
        const int64_t o = base + oh * g.OW + ow;
        if (indices[o] == flat) acc += cast<M>(gy[o]);
      }
    }
    gx[i] = cast<T>(acc);
  }
}

template <typename T>
__global__ void avg_pool_kernel(Geo g, const T* __restrict__ x, T* __restrict__ y) {
  using M = opmath_t<T>;
  const int64_t total = g.planes * g.OH * g.OW;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(blockDim.x) * gridDim.x) {
    const int64_t ow = i % g.OW, oh = (i / g.OW) % g.OH, plane = i / (g.OW * g.OH);
    const Span hs = window(g, oh, true), ws = window(g, ow, false);
    const T* xp = x + plane * g.H * g.W;
    M s = 0;
    for (int64_t h = hs.begin; h < hs.end; ++h) {
      for (int64_t w = ws.begin; w < ws.end; ++w) s += cast<M>(xp[h * g.W + w]);
    }
    const int64_t n =
        g.count_include_pad ? hs.padded * ws.padded : (hs.end - hs.begin) * (ws.end - ws.begin);
    const bool empty_window = hs.begin >= hs.end || ws.begin >= ws.end;
    y[i] = cast<T>(empty_window ? M(0) : s / static_cast<M>(n));
  }
}

template <typename T>
__global__ void avg_pool_backward_kernel(Geo g, const T* __restrict__ gy, T* __restrict__ gx) {
  using M = opmath_t<T>;
  const int64_t total = g.planes * g.H * g.W;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(blockDim.x) * gridDim.x) {
    const int64_t w = i % g.W, h = (i / g.W) % g.H, plane = i / (g.W * g.H);
    int64_t oh0, oh1, ow0, ow1;
    avg_candidates(g, h, true, &oh0, &oh1);
    avg_candidates(g, w, false, &ow0, &ow1);
    const T* gp = gy + plane * g.OH * g.OW;
    M acc = 0;
    for (int64_t oh = oh0; oh < oh1; ++oh) {
      const Span hs = window(g, oh, true);
      if (h < hs.begin || h >= hs.end) continue;
      for (int64_t ow = ow0; ow < ow1; ++ow) {
        const Span ws = window(g, ow, false);
        if (w < ws.begin || w >= ws.end) continue;
        const int64_t n =
            g.count_include_pad ? hs.padded * ws.padded : (hs.end - hs.begin) * (ws.end - ws.begin);
        acc += cast<M>(gp[oh * g.OW + ow]) / static_cast<M>(n);
      }
    }
    gx[i] = cast<T>(acc);
  }
}

template <typename H>
void max_pool2d_cuda(const Pool2dGeometry& g, const Tensor& x, const Tensor& out,
                     const Tensor& indices) {
  using T = device_t<H>;
  const int64_t total = out.numel();
  if (total == 0) return;
  const int device = out.device().index;
  CudaDeviceGuard guard(device);
  max_pool_kernel<T><<<grid_for(total, device), kThreads, 0, stream_of(out)>>>(
      to_geo(g), static_cast<const T*>(x.raw_data()), static_cast<T*>(out.raw_data()),
      indices.defined() ? indices.data<int64_t>() : nullptr);
  check_launch("max_pool2d");
}

template <typename H>
void max_pool2d_backward_cuda(const Pool2dGeometry& g, const Tensor& grad_out,
                              const Tensor& indices, const Tensor& grad_in) {
  using T = device_t<H>;
  const int64_t total = grad_in.numel();
  if (total == 0) return;
  DC_CHECK(indices.defined() && indices.dtype() == DType::i64,
           "max_pool2d backward: expected the i64 indices of the forward, got ",
           indices.defined() ? indices.str() : std::string("none"));
  const int device = grad_in.device().index;
  CudaDeviceGuard guard(device);
  max_pool_backward_kernel<T><<<grid_for(total, device), kThreads, 0, stream_of(grad_in)>>>(
      to_geo(g), static_cast<const T*>(grad_out.raw_data()), indices.data<int64_t>(),
      static_cast<T*>(grad_in.raw_data()));
  check_launch("max_pool2d backward");
}

template <typename H>
void avg_pool2d_cuda(const Pool2dGeometry& g, const Tensor& x, const Tensor& out) {
  using T = device_t<H>;
  const int64_t total = out.numel();
  if (total == 0) return;
  const int device = out.device().index;
  CudaDeviceGuard guard(device);
  avg_pool_kernel<T><<<grid_for(total, device), kThreads, 0, stream_of(out)>>>(
      to_geo(g), static_cast<const T*>(x.raw_data()), static_cast<T*>(out.raw_data()));
  check_launch(g.adaptive ? "adaptive_avg_pool2d" : "avg_pool2d");
}

template <typename H>
void avg_pool2d_backward_cuda(const Pool2dGeometry& g, const Tensor& grad_out,
                              const Tensor& grad_in) {
  using T = device_t<H>;
  const int64_t total = grad_in.numel();
  if (total == 0) return;
  const int device = grad_in.device().index;
  CudaDeviceGuard guard(device);
  avg_pool_backward_kernel<T><<<grid_for(total, device), kThreads, 0, stream_of(grad_in)>>>(
      to_geo(g), static_cast<const T*>(grad_out.raw_data()), static_cast<T*>(grad_in.raw_data()));
  check_launch(g.adaptive ? "adaptive_avg_pool2d backward" : "avg_pool2d backward");
}

DC_REGISTER_KERNEL(max_pool2d_kernel, CUDA, f32, &max_pool2d_cuda<float>);
DC_REGISTER_KERNEL(max_pool2d_kernel, CUDA, f16, &max_pool2d_cuda<Half>);
DC_REGISTER_KERNEL(max_pool2d_kernel, CUDA, bf16, &max_pool2d_cuda<BFloat16>);
DC_REGISTER_KERNEL(max_pool2d_backward_kernel, CUDA, f32, &max_pool2d_backward_cuda<float>);
DC_REGISTER_KERNEL(max_pool2d_backward_kernel, CUDA, f16, &max_pool2d_backward_cuda<Half>);
DC_REGISTER_KERNEL(max_pool2d_backward_kernel, CUDA, bf16, &max_pool2d_backward_cuda<BFloat16>);
DC_REGISTER_KERNEL(avg_pool2d_kernel, CUDA, f32, &avg_pool2d_cuda<float>);
DC_REGISTER_KERNEL(avg_pool2d_kernel, CUDA, f16, &avg_pool2d_cuda<Half>);
DC_REGISTER_KERNEL(avg_pool2d_kernel, CUDA, bf16, &avg_pool2d_cuda<BFloat16>);
DC_REGISTER_KERNEL(avg_pool2d_backward_kernel, CUDA, f32, &avg_pool2d_backward_cuda<float>);
DC_REGISTER_KERNEL(avg_pool2d_backward_kernel, CUDA, f16, &avg_pool2d_backward_cuda<Half>);
DC_REGISTER_KERNEL(avg_pool2d_backward_kernel, CUDA, bf16, &avg_pool2d_backward_cuda<BFloat16>);

}  // namespace
}  // namespace dc
