// CPU UV splat. Points are scattered, so parallelizing over points would race on the atlas cells.
// Instead the points of each image are first bucketed by chart (a stable counting sort, parallel
// over images), and then each (image, chart) pair is one task that zeroes its own slice of the
// atlas and weight map and accumulates its points into it: race-free, deterministic (point order
// within a chart), and the slice stays in cache while it is filled. The backward is a gather (each
// point reads the output gradients at its corners), so it is simply parallel over points. The
// corner arithmetic is ops/uv_splat_math.h, shared with the CUDA kernel.
#include <algorithm>
#include <vector>

#include "core/thread_pool.h"
#include "ops/uv_splat.h"
#include "ops/uv_splat_math.h"

namespace dc {
namespace {

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
    UvSplatCorners<T> cr;
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
        uv_splat_corners(up[(n * P + p) * 2], up[(n * P + p) * 2 + 1], H, W, cr);
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
    UvSplatCorners<T> cr;
    std::vector<T> gval(C);
    for (int64_t i = b; i < e; ++i) {
      const int64_t n = i / P, p = i % P, k = pp[i];
      std::fill(gval.begin(), gval.end(), T(0));
      T gx = 0, gy = 0;
      if (k >= 0) {
        uv_splat_corners(up[i * 2], up[i * 2 + 1], H, W, cr);
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
