// CPU UV splat. Points are scattered, so parallelizing over points would race on the atlas cells.
// Instead the points of each image are first bucketed by chart (a stable counting sort, parallel
// over images), and then each (image, chart) pair is one task that zeroes its own slice of the
// atlas and weight map and accumulates its points into it: race-free, deterministic (point order
// within a chart), and the slice stays in cache while it is filled. The backward is a gather (each
// point reads the output gradients at its corners), so it is simply parallel over points.
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/thread_pool.h"
#include "ops/uv_splat.h"

namespace dc {
namespace {

// The four corners of a point: cell index (y * W + x, or -1 when outside the grid), bilinear
// weight, and the weight's derivatives w.r.t. the pixel coordinates x and y.
template <typename T>
struct Corners {
  int64_t cell[4];
  T w[4], dwdx[4], dwdy[4];
};

template <typename T>
inline void corners(T u, T v, int64_t H, int64_t W, Corners<T>& c) {
  const T x = u * static_cast<T>(W - 1), y = v * static_cast<T>(H - 1);
  const T x0 = std::floor(x), y0 = std::floor(y);
  const T fx = x - x0, fy = y - y0;
  const T xs[4] = {x0, x0 + 1, x0, x0 + 1}, ys[4] = {y0, y0, y0 + 1, y0 + 1};
  c.w[0] = (1 - fx) * (1 - fy);
  c.w[1] = fx * (1 - fy);
  c.w[2] = (1 - fx) * fy;
  c.w[3] = fx * fy;
  c.dwdx[0] = -(1 - fy);
  c.dwdx[1] = 1 - fy;
  c.dwdx[2] = -fy;
  c.dwdx[3] = fy;
  c.dwdy[0] = -(1 - fx);
  c.dwdy[1] = -fx;
  c.dwdy[2] = 1 - fx;
  c.dwdy[3] = fx;
  for (int q = 0; q < 4; ++q) {
    // Bounds tested in floating point, so NaN or huge coordinates never reach the integer cast.
    const bool inside = xs[q] >= 0 && xs[q] <= static_cast<T>(W - 1) && ys[q] >= 0 &&
                        ys[q] <= static_cast<T>(H - 1);
    c.cell[q] = inside ? static_cast<int64_t>(ys[q]) * W + static_cast<int64_t>(xs[q]) : -1;
  }
}

template <typename T>
void uv_splat_cpu(const Tensor& values, const Tensor& uv, const Tensor& part, const Tensor& atlas,
                  const Tensor& weight) {
  const int64_t N = values.size(0), C = values.size(1), P = values.size(2);
  const int64_t K = atlas.size(1), H = atlas.size(3), W = atlas.size(4), HW = H * W;
  const T* vp = values.data<T>();
  const T* up = uv.data<T>();
  const int64_t* pp = part.data<int64_t>();
  T* ap = atlas.data<T>();
  T* wp = weight.data<T>();
  // Per image n: order[n * P + ...] lists its points chart by chart; chart k's points are
  // order[n * P + start[n * (K + 1) + k] ... start[n * (K + 1) + k + 1]).
  std::vector<int64_t> start(N * (K + 1)), order(N * P);
  // The first bad part index of each image; reported after the loop, in image order, so the error
  // names the same point whatever the thread timing.
  std::vector<int64_t> first_bad(N, -1);
  parallel_for(0, N, 1, [&](int64_t b, int64_t e) {
    for (int64_t n = b; n < e; ++n) {
      const int64_t* pn = pp + n * P;
      int64_t* st = start.data() + n * (K + 1);
      std::fill(st, st + K + 1, 0);
      for (int64_t p = 0; p < P; ++p) {
        const int64_t k = pn[p];
        if (k < -1 || k >= K) {
          first_bad[n] = p;
          break;
        }
        if (k >= 0) ++st[k + 1];
      }
      if (first_bad[n] >= 0) continue;
      for (int64_t k = 0; k < K; ++k) st[k + 1] += st[k];
      std::vector<int64_t> next(st, st + K);
      int64_t* on = order.data() + n * P;
      for (int64_t p = 0; p < P; ++p) {
        if (pn[p] >= 0) on[next[pn[p]]++] = p;
      }
    }
  });
  for (int64_t n = 0; n < N; ++n) {
    const int64_t p = first_bad[n];
    DC_CHECK(p < 0, "uv_splat: part[", n, ", ", p, "] = ", p < 0 ? 0 : pp[n * P + p],
             " is outside [-1, K) with K = ", K, " (-1 skips a point)");
  }
  parallel_for(0, N * K, 1, [&](int64_t b, int64_t e) {
    Corners<T> cr;
    for (int64_t t = b; t < e; ++t) {
      const int64_t n = t / K, k = t % K;
      T* a = ap + t * C * HW;
      T* wt = wp + t * HW;
      std::fill(a, a + C * HW, T(0));
      std::fill(wt, wt + HW, T(0));
      const int64_t* st = start.data() + n * (K + 1);
      const int64_t* on = order.data() + n * P;
      const T* vn = vp + n * C * P;
      for (int64_t i = st[k]; i < st[k + 1]; ++i) {
        const int64_t p = on[i];
        corners(up[(n * P + p) * 2], up[(n * P + p) * 2 + 1], H, W, cr);
        for (int q = 0; q < 4; ++q) {
          const int64_t cell = cr.cell[q];
          if (cell < 0) continue;
          const T w = cr.w[q];
          wt[cell] += w;
          for (int64_t c = 0; c < C; ++c) a[c * HW + cell] += w * vn[c * P + p];
        }
      }
    }
  });
}

template <typename T>
void uv_splat_backward_cpu(const Tensor& values, const Tensor& uv, const Tensor& part,
                           const Tensor& grad_atlas, const Tensor& grad_weight,
                           const Tensor& grad_values, const Tensor& grad_uv) {
  const int64_t N = values.size(0), C = values.size(1), P = values.size(2);
  const int64_t K = grad_atlas.size(1), H = grad_atlas.size(3), W = grad_atlas.size(4);
  const int64_t HW = H * W;
  const T* vp = values.data<T>();
  const T* up = uv.data<T>();
  const int64_t* pp = part.data<int64_t>();
  const T* gap = grad_atlas.data<T>();
  const T* gwp = grad_weight.data<T>();
  T* gvp = grad_values.defined() ? grad_values.data<T>() : nullptr;
  T* gup = grad_uv.defined() ? grad_uv.data<T>() : nullptr;
  // Each point writes only its own gradient entries: no two tasks touch the same memory.
  parallel_for(0, N * P, 1024, [&](int64_t b, int64_t e) {
    Corners<T> cr;
    std::vector<T> gval(C);
    for (int64_t i = b; i < e; ++i) {
      const int64_t n = i / P, p = i % P, k = pp[i];
      std::fill(gval.begin(), gval.end(), T(0));
      T gx = 0, gy = 0;
      if (k >= 0) {
        corners(up[i * 2], up[i * 2 + 1], H, W, cr);
        const T* ga = gap + (n * K + k) * C * HW;
        const T* gw = gwp + (n * K + k) * HW;
        const T* vn = vp + n * C * P + p;
        for (int q = 0; q < 4; ++q) {
          const int64_t cell = cr.cell[q];
          if (cell < 0) continue;
          // d loss / d w of this corner: the weight map's gradient plus value . atlas gradient.
          T s = gw[cell];
          for (int64_t c = 0; c < C; ++c) {
            const T g = ga[c * HW + cell];
            s += vn[c * P] * g;
            gval[c] += cr.w[q] * g;
          }
          gx += cr.dwdx[q] * s;
          gy += cr.dwdy[q] * s;
        }
      }
      if (gvp) {
        for (int64_t c = 0; c < C; ++c) gvp[(n * C + c) * P + p] = gval[c];
      }
      if (gup) {
        gup[i * 2] = gx * static_cast<T>(W - 1);
        gup[i * 2 + 1] = gy * static_cast<T>(H - 1);
      }
    }
  });
}

DC_REGISTER_KERNEL(uv_splat_kernel, CPU, f32, &uv_splat_cpu<float>);
DC_REGISTER_KERNEL(uv_splat_kernel, CPU, f64, &uv_splat_cpu<double>);
DC_REGISTER_KERNEL(uv_splat_backward_kernel, CPU, f32, &uv_splat_backward_cpu<float>);
DC_REGISTER_KERNEL(uv_splat_backward_kernel, CPU, f64, &uv_splat_backward_cpu<double>);

}  // namespace
}  // namespace dc
