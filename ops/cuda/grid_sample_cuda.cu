// CUDA grid_sample (ops/grid_sample.h, 4-D), with the CPU kernel's formulas (PyTorch's
// GridSampler): one thread per output pixel (n, i, j) computes the source coordinates, corners and
// weights once and loops over the channels, as PyTorch's CUDA kernel. The backward uses the same
// threads: each scatters its pixel's gradient into grad_x with atomicAdd (so the sum order of
// pixels that share a corner is not fixed) and sums the grid gradient over channels itself.
#include "ops/cuda/geom_common.cuh"
#include "ops/grid_sample.h"

namespace dc {
namespace {

using namespace cuda_detail;

struct Params {
  int64_t N, C, H, W, Ho, Wo;
  bool nearest, border, align_corners;
};

// Unnormalize + border clamp, as source_coord in ops/cpu/grid_sample_cpu.cc: the border itself
// counts as clamped for the gradient, and NaN maps to 0 under kBorder.
template <typename T>
__device__ __forceinline__ T source_coord(T g, T scale, T shift, T hi, bool border, T* grad) {
  const T v = (g + 1) * scale - shift;
  T vc = v > 0 ? v : T(0);
  vc = vc < hi ? vc : hi;
  *grad = border ? ((v > 0 && v < hi) ? scale : T(0)) : scale;
  return border ? vc : v;
}

// An integer-valued coordinate limited to [-1, size] (NaN to -1), so the integer cast is defined.
template <typename T>
__device__ __forceinline__ T limit(T c, int64_t size) {
  c = c > T(-1) ? c : T(-1);
  return c < static_cast<T>(size) ? c : static_cast<T>(size);
}

template <typename T>
__device__ __forceinline__ int64_t clamp_index(T c, T hi) {
  return static_cast<int64_t>(c > 0 ? (c < hi ? c : hi) : T(0));
}

// The corners of one output pixel: offsets into a plane (clamped inside it), in-bounds masks,
// weights already multiplied by the masks, fractional parts and d(ix)/d(gx), d(iy)/d(gy). kNearest
// uses corner 0 only.
template <typename T>
struct Corners {
  int64_t off[4];
  T m[4], w[4];
  T fx, fy, mx, my;
};

template <typename T>
__device__ __forceinline__ void corners(const Params& p, T gx, T gy, Corners<T>& c) {
  const T sx = p.align_corners ? static_cast<T>(p.W - 1) / 2 : static_cast<T>(p.W) / 2;
  const T sy = p.align_corners ? static_cast<T>(p.H - 1) / 2 : static_cast<T>(p.H) / 2;
  const T shift = p.align_corners ? T(0) : T(0.5);
  const T hx = static_cast<T>(p.W - 1), hy = static_cast<T>(p.H - 1);
  const T ix = source_coord(gx, sx, shift, hx, p.border, &c.mx);
  const T iy = source_coord(gy, sy, shift, hy, p.border, &c.my);
  if (p.nearest) {
    const T xn = limit(nearbyint(ix), p.W), yn = limit(nearbyint(iy), p.H);
    const T in = (xn >= 0 && xn <= hx && yn >= 0 && yn <= hy) ? T(1) : T(0);
    c.off[0] = clamp_index(yn, hy) * p.W + clamp_index(xn, hx);
    c.m[0] = in;
    c.w[0] = in;
    return;
  }
  // Each corner limited separately: limiting x0 first would pull a far-left x0 + 1 inside.
  const T fl_x = floor(ix), fl_y = floor(iy);
  const T x0 = limit(fl_x, p.W), y0 = limit(fl_y, p.H);
  const T x1 = limit(fl_x + 1, p.W), y1 = limit(fl_y + 1, p.H);
  c.fx = ix - fl_x;
  c.fy = iy - fl_y;
  const T mx0 = (x0 >= 0 && x0 <= hx) ? T(1) : T(0);
  const T mx1 = (x1 >= 0 && x1 <= hx) ? T(1) : T(0);
  const T my0 = (y0 >= 0 && y0 <= hy) ? T(1) : T(0);
  const T my1 = (y1 >= 0 && y1 <= hy) ? T(1) : T(0);
  const int64_t cx0 = clamp_index(x0, hx), cx1 = clamp_index(x1, hx);
  const int64_t cy0 = clamp_index(y0, hy), cy1 = clamp_index(y1, hy);
  c.off[0] = cy0 * p.W + cx0;
  c.off[1] = cy0 * p.W + cx1;
  c.off[2] = cy1 * p.W + cx0;
  c.off[3] = cy1 * p.W + cx1;
  c.m[0] = mx0 * my0;
  c.m[1] = mx1 * my0;
  c.m[2] = mx0 * my1;
  c.m[3] = mx1 * my1;
  c.w[0] = (1 - c.fx) * (1 - c.fy) * c.m[0];
  c.w[1] = c.fx * (1 - c.fy) * c.m[1];
  c.w[2] = (1 - c.fx) * c.fy * c.m[2];
  c.w[3] = c.fx * c.fy * c.m[3];
}

template <typename T>
__global__ void grid_sample_forward(Params p, const T* __restrict__ x, const T* __restrict__ grid,
                                    T* __restrict__ out) {
  const int64_t total = p.N * p.Ho * p.Wo, plane = p.H * p.W, oplane = p.Ho * p.Wo;
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total;
       e += int64_t(blockDim.x) * gridDim.x) {
    const int64_t n = e / oplane, pix = e % oplane;
    Corners<T> c;
    corners(p, grid[2 * e], grid[2 * e + 1], c);
    const T* xp = x + n * p.C * plane;
    T* yp = out + n * p.C * oplane + pix;
    for (int64_t ch = 0; ch < p.C; ++ch, xp += plane, yp += oplane) {
      if (p.nearest) {
        *yp = c.m[0] != 0 ? xp[c.off[0]] : T(0);
      } else {
        *yp = c.w[0] * xp[c.off[0]] + c.w[1] * xp[c.off[1]] + c.w[2] * xp[c.off[2]] +
              c.w[3] * xp[c.off[3]];
      }
    }
  }
}

// grad_x may be null (not needed); grad_grid null when not needed or under kNearest (zero-filled
// by the launcher).
template <typename T>
__global__ void grid_sample_backward(Params p, const T* __restrict__ grad_out,
                                     const T* __restrict__ x, const T* __restrict__ grid,
                                     T* __restrict__ grad_x, T* __restrict__ grad_grid) {
  const int64_t total = p.N * p.Ho * p.Wo, plane = p.H * p.W, oplane = p.Ho * p.Wo;
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total;
       e += int64_t(blockDim.x) * gridDim.x) {
    const int64_t n = e / oplane, pix = e % oplane;
    Corners<T> c;
    corners(p, grid[2 * e], grid[2 * e + 1], c);
    const T* go = grad_out + n * p.C * oplane + pix;
    T sx = 0, sy = 0;
    for (int64_t ch = 0; ch < p.C; ++ch, go += oplane) {
      const T gv = *go;
      if (grad_x) {
        T* gxp = grad_x + (n * p.C + ch) * plane;
        if (p.nearest) {
          if (c.m[0] != 0) atomicAdd(gxp + c.off[0], gv);
        } else {
#pragma unroll
          for (int q = 0; q < 4; ++q) {
            if (c.m[q] != 0) atomicAdd(gxp + c.off[q], c.w[q] * gv);
          }
        }
      }
      if (grad_grid) {
        const T* xp = x + (n * p.C + ch) * plane;
        const T nw = c.m[0] * xp[c.off[0]], ne = c.m[1] * xp[c.off[1]];
        const T sw = c.m[2] * xp[c.off[2]], se = c.m[3] * xp[c.off[3]];
        sx += ((ne - nw) * (1 - c.fy) + (se - sw) * c.fy) * gv;
        sy += ((sw - nw) * (1 - c.fx) + (se - ne) * c.fx) * gv;
      }
    }
    if (grad_grid) {
      grad_grid[2 * e] = sx * c.mx;
      grad_grid[2 * e + 1] = sy * c.my;
    }
  }
}

Params params(const GridSampleOptions& o, const Tensor& x, const Tensor& grid) {
  return Params{x.size(0),
                x.size(1),
                x.size(2),
                x.size(3),
                grid.size(1),
                grid.size(2),
                o.mode == GridSampleMode::kNearest,
                o.padding == GridSamplePadding::kBorder,
                o.align_corners};
}

template <typename T>
void grid_sample_cuda(const GridSampleOptions& o, const Tensor& x, const Tensor& grid,
                      const Tensor& out) {
  const int device = x.device().index;
  CudaDeviceGuard guard(device);
  const Params p = params(o, x, grid);
  grid_sample_forward<T><<<grid_for(p.N * p.Ho * p.Wo, device), kThreads, 0, stream_of(out)>>>(
      p, cptr<T>(x), cptr<T>(grid), mptr<T>(out));
  check_launch("grid_sample");
}

template <typename T>
void grid_sample_backward_cuda(const GridSampleOptions& o, const Tensor& grad_out, const Tensor& x,
                               const Tensor& grid, const Tensor& grad_x, const Tensor& grad_grid) {
  const int device = x.device().index;
  CudaDeviceGuard guard(device);
  cudaStream_t stream = stream_of(x);
  const Params p = params(o, x, grid);
  T* gx = grad_x.defined() ? mptr<T>(grad_x) : nullptr;
  T* gg = grad_grid.defined() ? mptr<T>(grad_grid) : nullptr;
  if (gx) {
    DC_CUDA_CHECK(cudaMemsetAsync(gx, 0, grad_x.numel() * sizeof(T), stream), "grid_sample");
  }
  if (gg && p.nearest) {  // PyTorch: kNearest gives grid a zero gradient
    DC_CUDA_CHECK(cudaMemsetAsync(gg, 0, grad_grid.numel() * sizeof(T), stream), "grid_sample");
    gg = nullptr;
  }
  const int64_t total = p.N * p.Ho * p.Wo;
  if ((!gx && !gg) || total == 0) return;
  grid_sample_backward<T><<<grid_for(total, device), kThreads, 0, stream>>>(
      p, cptr<T>(grad_out), cptr<T>(x), cptr<T>(grid), gx, gg);
  check_launch("grid_sample backward");
}

DC_REGISTER_KERNEL(grid_sample_kernel, CUDA, f32, &grid_sample_cuda<float>);
DC_REGISTER_KERNEL(grid_sample_kernel, CUDA, f64, &grid_sample_cuda<double>);
DC_REGISTER_KERNEL(grid_sample_backward_kernel, CUDA, f32, &grid_sample_backward_cuda<float>);
DC_REGISTER_KERNEL(grid_sample_backward_kernel, CUDA, f64, &grid_sample_backward_cuda<double>);

}  // namespace
}  // namespace dc
