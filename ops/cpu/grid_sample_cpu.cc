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

// Per output pixel of one row: the four corners (nw, ne, sw, se) as offsets into an image plane
// (clamped into the plane, so every read is valid), in-bounds masks (1 or 0) and bilinear weights
// already multiplied by the masks; for kNearest only the first corner is used. Computing a whole
// row first keeps these loops free of branches (the compiler vectorizes them), and the per-channel
// loops then only gather and blend.
template <typename T>
struct RowCorners {
  explicit RowCorners(int64_t n) : off(4 * n), m(4 * n), w(4 * n), fx(n), fy(n), mx(n), my(n) {}
  std::vector<int32_t> off;  // [4][n]
  std::vector<T> m, w;       // [4][n]
  std::vector<T> fx, fy;     // fractional parts
  std::vector<T> mx, my;     // d ix / d gx, d iy / d gy (0 where border padding clamped)
};

// PyTorch's unnormalize + border clamp (GridSamplerKernel.cpp); the border itself counts as
// clamped for the gradient.
template <typename T>
inline T source_coord(T g, T scale, T shift, T hi, bool border, T* grad) {
  const T v = (g + 1) * scale - shift;
  // Both branches computed and selected (no control flow, so the row loop vectorizes).
  T vc = v > 0 ? v : T(0);  // also maps NaN to 0, as PyTorch's maximum
  vc = vc < hi ? vc : hi;
  const T dc = ((v > 0) & (v < hi)) ? scale : T(0);
  *grad = border ? dc : scale;
  return border ? vc : v;
}

// An integer-valued coordinate limited to [-1, size] (NaN to -1), so the integer cast is defined.
template <typename T>
inline T limit(T c, int64_t size) {
  c = c > T(-1) ? c : T(-1);
  return c < static_cast<T>(size) ? c : static_cast<T>(size);
}

template <typename T>
void compute_row(const GridSampleOptions& o, const T* grid_row, int64_t Wo, int64_t H, int64_t W,
                 RowCorners<T>& rc) {
  const T sx = o.align_corners ? static_cast<T>(W - 1) / 2 : static_cast<T>(W) / 2;
  const T sy = o.align_corners ? static_cast<T>(H - 1) / 2 : static_cast<T>(H) / 2;
  const T shift = o.align_corners ? T(0) : T(0.5);
  const T hx = static_cast<T>(W - 1), hy = static_cast<T>(H - 1);
  const bool border = o.padding == GridSamplePadding::kBorder;
  const int32_t Wi = static_cast<int32_t>(W);
  // Restrict-qualified locals: the compiler may then assume the arrays do not alias, and vectorize.
  int32_t* __restrict off = rc.off.data();
  T* __restrict m = rc.m.data();
  T* __restrict w = rc.w.data();
  T* __restrict fxs = rc.fx.data();
  T* __restrict fys = rc.fy.data();
  T* __restrict mxs = rc.mx.data();
  T* __restrict mys = rc.my.data();
  if (o.mode == GridSampleMode::kNearest) {
    for (int64_t j = 0; j < Wo; ++j) {
      T mx, my;
      const T xn =
          limit(std::nearbyint(source_coord(grid_row[2 * j], sx, shift, hx, border, &mx)), W);
      const T yn =
          limit(std::nearbyint(source_coord(grid_row[2 * j + 1], sy, shift, hy, border, &my)), H);
      const T in = (xn >= 0 && xn <= hx && yn >= 0 && yn <= hy) ? T(1) : T(0);
      const int32_t xi = static_cast<int32_t>(xn > 0 ? (xn < hx ? xn : hx) : T(0));
      const int32_t yi = static_cast<int32_t>(yn > 0 ? (yn < hy ? yn : hy) : T(0));
      off[j] = yi * Wi + xi;
      m[j] = in;
      w[j] = in;
    }
    return;
  }
  for (int64_t j = 0; j < Wo; ++j) {
    T mx, my;
    const T ix = source_coord(grid_row[2 * j], sx, shift, hx, border, &mx);
    const T iy = source_coord(grid_row[2 * j + 1], sy, shift, hy, border, &my);
    mxs[j] = mx;
    mys[j] = my;
    // Each corner limited separately: limiting x0 first would pull a far-left x0 + 1 inside.
    const T fl_x = std::floor(ix), fl_y = std::floor(iy);
    const T x0 = limit(fl_x, W), y0 = limit(fl_y, H);
    const T x1 = limit(fl_x + 1, W), y1 = limit(fl_y + 1, H);
    const T fx = ix - fl_x, fy = iy - fl_y;
    fxs[j] = fx;
    fys[j] = fy;
    // `&`, not `&&`: no branches in the loop.
    const T mx0 = ((x0 >= 0) & (x0 <= hx)) ? T(1) : T(0);
    const T mx1 = ((x1 >= 0) & (x1 <= hx)) ? T(1) : T(0);
    const T my0 = ((y0 >= 0) & (y0 <= hy)) ? T(1) : T(0);
    const T my1 = ((y1 >= 0) & (y1 <= hy)) ? T(1) : T(0);
    const int32_t cx0 = static_cast<int32_t>(x0 > 0 ? (x0 < hx ? x0 : hx) : T(0));
    const int32_t cx1 = static_cast<int32_t>(x1 > 0 ? (x1 < hx ? x1 : hx) : T(0));
    const int32_t cy0 = static_cast<int32_t>(y0 > 0 ? (y0 < hy ? y0 : hy) : T(0));
    const int32_t cy1 = static_cast<int32_t>(y1 > 0 ? (y1 < hy ? y1 : hy) : T(0));
    off[j] = cy0 * Wi + cx0;
    off[Wo + j] = cy0 * Wi + cx1;
    off[2 * Wo + j] = cy1 * Wi + cx0;
    off[3 * Wo + j] = cy1 * Wi + cx1;
    m[j] = mx0 * my0;
    m[Wo + j] = mx1 * my0;
    m[2 * Wo + j] = mx0 * my1;
    m[3 * Wo + j] = mx1 * my1;
    w[j] = (1 - fx) * (1 - fy) * m[j];
    w[Wo + j] = fx * (1 - fy) * m[Wo + j];
    w[2 * Wo + j] = (1 - fx) * fy * m[2 * Wo + j];
    w[3 * Wo + j] = fx * fy * m[3 * Wo + j];
  }
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
                   const int32_t *o0 = rc.off.data(), *o1 = o0 + Wo, *o2 = o1 + Wo, *o3 = o2 + Wo;
                   const T *w0 = rc.w.data(), *w1 = w0 + Wo, *w2 = w1 + Wo, *w3 = w2 + Wo;
                   for (int64_t c = 0; c < C; ++c) {
                     const T* plane = xp + (n * C + c) * H * W;
                     T* y = yp + ((n * C + c) * Ho + i) * Wo;
                     if (nearest) {
                       const T* m0 = rc.m.data();
                       for (int64_t j = 0; j < Wo; ++j) y[j] = m0[j] != 0 ? plane[o0[j]] : T(0);
                       continue;
                     }
                     for (int64_t j = 0; j < Wo; ++j) {
                       y[j] = w0[j] * plane[o0[j]] + w1[j] * plane[o1[j]] + w2[j] * plane[o2[j]] +
                              w3[j] * plane[o3[j]];
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
        const int32_t *o0 = rc.off.data(), *o1 = o0 + Wo, *o2 = o1 + Wo, *o3 = o2 + Wo;
        const T *m0 = rc.m.data(), *m1 = m0 + Wo, *m2 = m1 + Wo, *m3 = m2 + Wo;
        const T *w0 = rc.w.data(), *w1 = w0 + Wo, *w2 = w1 + Wo, *w3 = w2 + Wo;
        std::fill(sx.begin(), sx.end(), T(0));
        std::fill(sy.begin(), sy.end(), T(0));
        for (int64_t c = 0; c < C; ++c) {
          const T* go = gop + ((n * C + c) * Ho + i) * Wo;
          if (gxp) {
            T* plane = gxp + (n * C + c) * H * W;
            if (nearest) {
              for (int64_t j = 0; j < Wo; ++j) {
                if (m0[j] != 0) plane[o0[j]] += go[j];
              }
            } else {
              for (int64_t j = 0; j < Wo; ++j) {
                const T gv = go[j];
                // Outside corners have weight 0 and a clamped offset: they add 0 to a valid cell.
                plane[o0[j]] += w0[j] * gv;
                plane[o1[j]] += w1[j] * gv;
                plane[o2[j]] += w2[j] * gv;
                plane[o3[j]] += w3[j] * gv;
              }
            }
          }
          if (want_gg) {
            const T* plane = xp + (n * C + c) * H * W;
            for (int64_t j = 0; j < Wo; ++j) {
              const T nw = m0[j] * plane[o0[j]], ne = m1[j] * plane[o1[j]];
              const T sw = m2[j] * plane[o2[j]], se = m3[j] * plane[o3[j]];
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
