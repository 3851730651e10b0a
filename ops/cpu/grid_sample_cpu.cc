// CPU grid_sample kernels (4-D), with PyTorch's CPU formulas (GridSamplerKernel.cpp): coordinates
// unnormalized as (g + 1) * s - 0.5 (s = W / 2) or (g + 1) * s (s = (W - 1) / 2, align_corners),
// border clamping whose gradient is zero on and beyond the border, bilinear weights from the
// fractional parts.
//
// Work is split in two stages per output row: first the coordinates, corner offsets and weights of
// every output pixel of the row (independent of the channel), then one pass per channel that only
// gathers and blends. The forward is parallel over (n, output row). The backward scatters into
// the input gradient, so it is parallel over the batch (each task owns the image n of grad_x, as
// PyTorch's CPU kernel); within a row, the grid gradient sums over channels.
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/thread_pool.h"
#include "ops/grid_sample.h"

namespace dc {
namespace {

// Pixel coordinate of a normalized one, and d(pixel) / d(normalized) (0 where clamped).
template <typename T>
inline T source_coord(T g, int64_t size, const GridSampleOptions& o, T* grad) {
  T v, mult;
  if (o.align_corners) {
    mult = static_cast<T>(size - 1) / 2;
    v = (g + 1) * mult;
  } else {
    mult = static_cast<T>(size) / 2;
    v = (g + 1) * mult - T(0.5);
  }
  if (o.padding == GridSamplePadding::kBorder) {
    const T hi = static_cast<T>(size - 1);
    // PyTorch treats the border itself as out of bounds for the gradient.
    if (!(v > 0)) {
      v = 0;
      mult = 0;
    } else if (v >= hi) {
      v = hi;
      mult = 0;
    }
  }
  *grad = mult;
  return v;
}

// Per output pixel of one row: four corners (offset into an image plane, -1 when outside) and
// their weights (bilinear), or one corner (nearest); plus what the grid gradient needs.
template <typename T>
struct RowCorners {
  explicit RowCorners(int64_t n) : off(4 * n), w(4 * n), fx(n), fy(n), mx(n), my(n) {}
  std::vector<int64_t> off;  // [4][n]: nw, ne, sw, se (nearest: only the first)
  std::vector<T> w;          // [4][n]
  std::vector<T> fx, fy;     // fractional parts
  std::vector<T> mx, my;     // d ix / d gx, d iy / d gy
};

template <typename T>
inline int64_t corner_offset(T xf, T yf, int64_t H, int64_t W) {
  // Tested in floating point first, so huge or NaN coordinates never reach the integer cast.
  if (!(xf >= 0 && xf <= static_cast<T>(W - 1) && yf >= 0 && yf <= static_cast<T>(H - 1))) {
    return -1;
  }
  return static_cast<int64_t>(yf) * W + static_cast<int64_t>(xf);
}

template <typename T>
void compute_row(const GridSampleOptions& o, const T* grid_row, int64_t Wo, int64_t H, int64_t W,
                 RowCorners<T>& rc) {
  for (int64_t j = 0; j < Wo; ++j) {
    T mx, my;
    const T ix = source_coord(grid_row[2 * j], W, o, &mx);
    const T iy = source_coord(grid_row[2 * j + 1], H, o, &my);
    rc.mx[j] = mx;
    rc.my[j] = my;
    if (o.mode == GridSampleMode::kNearest) {
      rc.off[j] = corner_offset(std::nearbyint(ix), std::nearbyint(iy), H, W);
      rc.w[j] = 1;
      continue;
    }
    const T x0 = std::floor(ix), y0 = std::floor(iy);
    const T fx = ix - x0, fy = iy - y0;
    rc.fx[j] = fx;
    rc.fy[j] = fy;
    rc.off[j] = corner_offset(x0, y0, H, W);
    rc.off[Wo + j] = corner_offset(x0 + 1, y0, H, W);
    rc.off[2 * Wo + j] = corner_offset(x0, y0 + 1, H, W);
    rc.off[3 * Wo + j] = corner_offset(x0 + 1, y0 + 1, H, W);
    rc.w[j] = (1 - fx) * (1 - fy);
    rc.w[Wo + j] = fx * (1 - fy);
    rc.w[2 * Wo + j] = (1 - fx) * fy;
    rc.w[3 * Wo + j] = fx * fy;
  }
}

template <typename T>
inline T read(const T* plane, int64_t off) {
  return off >= 0 ? plane[off] : T(0);
}

template <typename T>
void grid_sample_cpu(const GridSampleOptions& o, const Tensor& x, const Tensor& grid,
                     const Tensor& out) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t Ho = grid.size(1), Wo = grid.size(2);
  const T* xp = x.data<T>();
  const T* gp = grid.data<T>();
  T* yp = out.data<T>();
  const bool nearest = o.mode == GridSampleMode::kNearest;
  parallel_for(0, N * Ho, std::max<int64_t>(1, 4096 / std::max<int64_t>(Wo * C, 1)),
               [&](int64_t b, int64_t e) {
                 RowCorners<T> rc(Wo);
                 for (int64_t r = b; r < e; ++r) {
                   const int64_t n = r / Ho, i = r % Ho;
                   compute_row(o, gp + r * Wo * 2, Wo, H, W, rc);
                   const int64_t *o0 = rc.off.data(), *o1 = o0 + Wo, *o2 = o1 + Wo, *o3 = o2 + Wo;
                   const T *w0 = rc.w.data(), *w1 = w0 + Wo, *w2 = w1 + Wo, *w3 = w2 + Wo;
                   for (int64_t c = 0; c < C; ++c) {
                     const T* plane = xp + (n * C + c) * H * W;
                     T* y = yp + ((n * C + c) * Ho + i) * Wo;
                     if (nearest) {
                       for (int64_t j = 0; j < Wo; ++j) y[j] = read(plane, o0[j]);
                       continue;
                     }
                     for (int64_t j = 0; j < Wo; ++j) {
                       y[j] = w0[j] * read(plane, o0[j]) + w1[j] * read(plane, o1[j]) +
                              w2[j] * read(plane, o2[j]) + w3[j] * read(plane, o3[j]);
                     }
                   }
                 }
               });
}

template <typename T>
void grid_sample_backward_cpu(const GridSampleOptions& o, const Tensor& grad_out, const Tensor& x,
                              const Tensor& grid, const Tensor& grad_x, const Tensor& grad_grid) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t Ho = grid.size(1), Wo = grid.size(2);
  const T* xp = x.data<T>();
  const T* gp = grid.data<T>();
  const T* gop = grad_out.data<T>();
  T* gxp = grad_x.defined() ? grad_x.data<T>() : nullptr;
  T* ggp = grad_grid.defined() ? grad_grid.data<T>() : nullptr;
  const bool nearest = o.mode == GridSampleMode::kNearest;
  if (ggp && nearest) std::fill(ggp, ggp + grad_grid.numel(), T(0));  // PyTorch: zero gradient
  const bool want_gg = ggp && !nearest;
  if (!gxp && !want_gg) return;
  parallel_for(0, N, 1, [&](int64_t b, int64_t e) {
    RowCorners<T> rc(Wo);
    std::vector<T> sx(Wo), sy(Wo);
    for (int64_t n = b; n < e; ++n) {
      if (gxp) std::fill(gxp + n * C * H * W, gxp + (n + 1) * C * H * W, T(0));
      for (int64_t i = 0; i < Ho; ++i) {
        const int64_t r = n * Ho + i;
        compute_row(o, gp + r * Wo * 2, Wo, H, W, rc);
        const int64_t *o0 = rc.off.data(), *o1 = o0 + Wo, *o2 = o1 + Wo, *o3 = o2 + Wo;
        const T *w0 = rc.w.data(), *w1 = w0 + Wo, *w2 = w1 + Wo, *w3 = w2 + Wo;
        std::fill(sx.begin(), sx.end(), T(0));
        std::fill(sy.begin(), sy.end(), T(0));
        for (int64_t c = 0; c < C; ++c) {
          const T* go = gop + ((n * C + c) * Ho + i) * Wo;
          if (gxp) {
            T* plane = gxp + (n * C + c) * H * W;
            if (nearest) {
              for (int64_t j = 0; j < Wo; ++j) {
                if (o0[j] >= 0) plane[o0[j]] += go[j];
              }
            } else {
              for (int64_t j = 0; j < Wo; ++j) {
                const T gv = go[j];
                if (o0[j] >= 0) plane[o0[j]] += w0[j] * gv;
                if (o1[j] >= 0) plane[o1[j]] += w1[j] * gv;
                if (o2[j] >= 0) plane[o2[j]] += w2[j] * gv;
                if (o3[j] >= 0) plane[o3[j]] += w3[j] * gv;
              }
            }
          }
          if (want_gg) {
            const T* plane = xp + (n * C + c) * H * W;
            for (int64_t j = 0; j < Wo; ++j) {
              const T nw = read(plane, o0[j]), ne = read(plane, o1[j]);
              const T sw = read(plane, o2[j]), se = read(plane, o3[j]);
              const T fx = rc.fx[j], fy = rc.fy[j], gv = go[j];
              sx[j] += ((ne - nw) * (1 - fy) + (se - sw) * fy) * gv;
              sy[j] += ((sw - nw) * (1 - fx) + (se - ne) * fx) * gv;
            }
          }
        }
        if (want_gg) {
          T* gg = ggp + r * Wo * 2;
          for (int64_t j = 0; j < Wo; ++j) {
            gg[2 * j] = sx[j] * rc.mx[j];
            gg[2 * j + 1] = sy[j] * rc.my[j];
          }
        }
      }
    }
  });
}

DC_REGISTER_KERNEL(grid_sample_kernel, CPU, f32, &grid_sample_cpu<float>);
DC_REGISTER_KERNEL(grid_sample_kernel, CPU, f64, &grid_sample_cpu<double>);
DC_REGISTER_KERNEL(grid_sample_backward_kernel, CPU, f32, &grid_sample_backward_cpu<float>);
DC_REGISTER_KERNEL(grid_sample_backward_kernel, CPU, f64, &grid_sample_backward_cpu<double>);

}  // namespace
}  // namespace dc
