// CPU pooling kernels: parallel over (plane, output row) pairs. Window bounds are clipped once per
// row and column so the inner loops carry no padding tests.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/thread_pool.h"
#include "ops/pool.h"

namespace dc {
namespace {

// Rows (or columns) an output cell covers: [begin, end) in the input, plus the divisor share.
struct Span {
  int64_t begin, end, padded;  // padded: length including padding, clipped to in + pad
};

Span window(const Pool2dGeometry& g, int64_t o, bool rows) {
  const int64_t in = rows ? g.H : g.W, out = rows ? g.OH : g.OW;
  if (g.adaptive) {
    const int64_t b = (o * in) / out, e = ((o + 1) * in + out - 1) / out;
    return {b, e, e - b};
  }
  const int64_t k = rows ? g.kh : g.kw, s = rows ? g.sh : g.sw, p = rows ? g.ph : g.pw;
  const int64_t b = o * s - p, e = std::min(b + k, in + p);
  return {std::max<int64_t>(b, 0), std::min(e, in), e - b};
}

template <typename T>
void max_pool2d_cpu(const Pool2dGeometry& g, const Tensor& x, const Tensor& out,
                    const Tensor& indices) {
  const T* xp = x.data<T>();
  T* yp = out.data<T>();
  int64_t* ip = indices.defined() ? indices.data<int64_t>() : nullptr;
  const int64_t rows = g.planes * g.OH;
  parallel_for(0, rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(g.OW * g.kh * g.kw, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t r = b; r < e; ++r) {
                   const int64_t plane = r / g.OH, oh = r % g.OH;
                   const T* xplane = xp + plane * g.H * g.W;
                   int64_t h0 = oh * g.sh - g.ph;
                   const int64_t h1 = std::min(h0 + (g.kh - 1) * g.dh + 1, g.H);
                   while (h0 < 0) h0 += g.dh;
                   T* yrow = yp + r * g.OW;
                   int64_t* irow = ip ? ip + r * g.OW : nullptr;
                   for (int64_t ow = 0; ow < g.OW; ++ow) {
                     int64_t w0 = ow * g.sw - g.pw;
                     const int64_t w1 = std::min(w0 + (g.kw - 1) * g.dw + 1, g.W);
                     while (w0 < 0) w0 += g.dw;
                     T best = -std::numeric_limits<T>::infinity();
                     int64_t best_i = h0 * g.W + w0;
                     for (int64_t h = h0; h < h1; h += g.dh) {
                       const T* xr = xplane + h * g.W;
                       for (int64_t w = w0; w < w1; w += g.dw) {
                         const T v = xr[w];
                         // Strict > keeps the first of equal maxima; NaN replaces anything.
                         if (v > best || std::isnan(v)) {
                           best = v;
                           best_i = h * g.W + w;
                         }
                       }
                     }
                     yrow[ow] = best;
                     if (irow) irow[ow] = best_i;
                   }
                 }
               });
}

template <typename T>
void max_pool2d_backward_cpu(const Pool2dGeometry& g, const Tensor& grad_out, const Tensor& indices,
                             const Tensor& grad_in) {
  const T* gp = grad_out.data<T>();
  const int64_t* ip = indices.data<int64_t>();
  T* gi = grad_in.data<T>();
  const int64_t in_plane = g.H * g.W, out_plane = g.OH * g.OW;
  // One plane per task: overlapping windows scatter into the same plane only.
  parallel_for(0, g.planes, std::max<int64_t>(1, 16384 / std::max<int64_t>(in_plane, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t p = b; p < e; ++p) {
                   T* dst = gi + p * in_plane;
                   std::fill(dst, dst + in_plane, T(0));
                   const T* src = gp + p * out_plane;
                   const int64_t* idx = ip + p * out_plane;
                   for (int64_t i = 0; i < out_plane; ++i) dst[idx[i]] += src[i];
                 }
               });
}

template <typename T>
void avg_pool2d_cpu(const Pool2dGeometry& g, const Tensor& x, const Tensor& out) {
  const T* xp = x.data<T>();
  T* yp = out.data<T>();
  parallel_for(0, g.planes * g.OH, 64, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t plane = r / g.OH, oh = r % g.OH;
      const Span hs = window(g, oh, true);
      const T* xplane = xp + plane * g.H * g.W;
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        const Span ws = window(g, ow, false);
        double s = 0;
        for (int64_t h = hs.begin; h < hs.end; ++h) {
          for (int64_t w = ws.begin; w < ws.end; ++w) s += xplane[h * g.W + w];
        }
        const int64_t n =
            g.count_include_pad ? hs.padded * ws.padded : (hs.end - hs.begin) * (ws.end - ws.begin);
        const bool empty_window = hs.begin >= hs.end || ws.begin >= ws.end;
        yp[r * g.OW + ow] = empty_window ? T(0) : static_cast<T>(s / n);
      }
    }
  });
}

template <typename T>
void avg_pool2d_backward_cpu(const Pool2dGeometry& g, const Tensor& grad_out,
                             const Tensor& grad_in) {
  const T* gp = grad_out.data<T>();
  T* gi = grad_in.data<T>();
  const int64_t in_plane = g.H * g.W, out_plane = g.OH * g.OW;
  parallel_for(0, g.planes, 1, [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      T* dst = gi + p * in_plane;
      std::fill(dst, dst + in_plane, T(0));
      for (int64_t oh = 0; oh < g.OH; ++oh) {
        const Span hs = window(g, oh, true);
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          const Span ws = window(g, ow, false);
          if (hs.begin >= hs.end || ws.begin >= ws.end) continue;
          const int64_t n = g.count_include_pad ? hs.padded * ws.padded
                                                : (hs.end - hs.begin) * (ws.end - ws.begin);
          const T v = gp[p * out_plane + oh * g.OW + ow] / static_cast<T>(n);
          for (int64_t h = hs.begin; h < hs.end; ++h) {
            for (int64_t w = ws.begin; w < ws.end; ++w) dst[h * g.W + w] += v;
          }
        }
      }
    }
  });
}

DC_REGISTER_KERNEL(max_pool2d_kernel, CPU, f32, &max_pool2d_cpu<float>);
DC_REGISTER_KERNEL(max_pool2d_kernel, CPU, f64, &max_pool2d_cpu<double>);
DC_REGISTER_KERNEL(max_pool2d_backward_kernel, CPU, f32, &max_pool2d_backward_cpu<float>);
DC_REGISTER_KERNEL(max_pool2d_backward_kernel, CPU, f64, &max_pool2d_backward_cpu<double>);
DC_REGISTER_KERNEL(avg_pool2d_kernel, CPU, f32, &avg_pool2d_cpu<float>);
DC_REGISTER_KERNEL(avg_pool2d_kernel, CPU, f64, &avg_pool2d_cpu<double>);
DC_REGISTER_KERNEL(avg_pool2d_backward_kernel, CPU, f32, &avg_pool2d_backward_cpu<float>);
DC_REGISTER_KERNEL(avg_pool2d_backward_kernel, CPU, f64, &avg_pool2d_backward_cpu<double>);

}  // namespace
}  // namespace dc
