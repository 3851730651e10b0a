// CPU RoIAlign kernels. The sampling arithmetic follows torchvision's CPU kernel operation by
// operation (same rounding in f32), but the bilinear taps of a roi are computed once and reused for
// every channel, and the channels are processed as contiguous vectors (channels-last copies).
// Forward: parallel over (roi, block of channels). Backward: parallel over channels, so every task
// scatters into elements no other task touches (race-free without atomics).
#include <algorithm>
#include <vector>

#include "core/thread_pool.h"
#include "ops/roi_align.h"
#include "ops/roi_align_math.h"

namespace dc {
namespace {

// One bilinear sample: four taps into an H*W plane. pos1 < 0 marks a sample outside the image,
// which contributes nothing.
template <typename T>
struct Tap {
  int64_t pos1, pos2, pos3, pos4;
  T w1, w2, w3, w4;
};

// Taps of every sample of the roi, in (ph, pw, iy, ix) order; empty when the grid is empty. The
// arithmetic is roi_align_math.h's, shared with the CUDA kernel.
template <typename T>
void compute_taps(const RoiAlignParams& p, const RoiAlignGeom<T>& g, int64_t H, int64_t W,
                  std::vector<Tap<T>>& taps) {
  taps.clear();
  if (g.grid_h <= 0 || g.grid_w <= 0) return;
  taps.reserve(p.pooled_h * p.pooled_w * g.grid_h * g.grid_w);
  // An outside sample keeps its place (pos1 = -1) so that the taps stay in sample order.
  auto add_tap = [&](bool inside, const int64_t* pos, const T* w) {
    if (inside) {
      taps.push_back({pos[0], pos[1], pos[2], pos[3], w[0], w[1], w[2], w[3]});
    } else {
      taps.push_back({-1, -1, -1, -1, T(0), T(0), T(0), T(0)});
    }
  };
  for (int64_t ph = 0; ph < p.pooled_h; ++ph) {
    for (int64_t pw = 0; pw < p.pooled_w; ++pw) {
      roi_align_for_each_sample(g, ph, pw, H, W, add_tap);
    }
  }
}

template <typename T>
RoiAlignGeom<T> roi_geom(const RoiAlignParams& p, const T* roi) {
  return roi_align_geom(roi, static_cast<T>(p.spatial_scale), p.aligned, p.pooled_h, p.pooled_w,
                        p.sampling_ratio);
}

// [planes, rows, cols] -> [planes, cols, rows], in cache-sized tiles, parallel over tiles. Used to
// move between NCHW and NHWC (rows = C, cols = H*W and back).
template <typename T>
void transpose_planes(const T* src, T* dst, int64_t planes, int64_t rows, int64_t cols) {
  constexpr int64_t kTile = 32;
  const int64_t tr = (rows + kTile - 1) / kTile, tc = (cols + kTile - 1) / kTile;
  parallel_for(0, planes * tr * tc, 4, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t p = t / (tr * tc), r0 = (t / tc) % tr * kTile, c0 = t % tc * kTile;
      const int64_t r1 = std::min(rows, r0 + kTile), c1 = std::min(cols, c0 + kTile);
      const T* s = src + p * rows * cols;
      T* d = dst + p * rows * cols;
      for (int64_t c = c0; c < c1; ++c) {
        for (int64_t r = r0; r < r1; ++r) d[c * rows + r] = s[r * cols + c];
      }
    }
  });
}

// Channels are processed in fixed groups of kLanes so the compiler vectorizes the group loops at
// -O2 (constant trip count); a scalar loop handles the remainder.
constexpr int64_t kLanes = 8;

// acc[c] += w1 a[c] + w2 b[c] + w3 c[c] + w4 d[c] for c < n, summed in torchvision's order.
template <typename T>
inline void accumulate_taps(T* __restrict acc, const T* __restrict a, const T* __restrict b,
                            const T* __restrict c, const T* __restrict d, const Tap<T>& t,
                            int64_t n) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int64_t l = 0; l < kLanes; ++l) {
      acc[i + l] += t.w1 * a[i + l] + t.w2 * b[i + l] + t.w3 * c[i + l] + t.w4 * d[i + l];
    }
  }
  for (; i < n; ++i) acc[i] += t.w1 * a[i] + t.w2 * b[i] + t.w3 * c[i] + t.w4 * d[i];
}

// dst[c] += g[c] * w / count for c < n (torchvision's per-tap gradient, same rounding).
template <typename T>
inline void scatter_tap(T* __restrict dst, const T* __restrict g, T w, T count, int64_t n) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int64_t l = 0; l < kLanes; ++l) dst[i + l] += g[i + l] * w / count;
  }
  for (; i < n; ++i) dst[i] += g[i] * w / count;
}

// The input is first laid out channels-last, so each bilinear tap reads a contiguous vector of
// channels: the sampling geometry is computed once per roi and the arithmetic is vectorized over
// channels. Work items are (roi, block of channels), so few rois still use every thread.
template <typename T>
void roi_align_cpu(const RoiAlignParams& p, const Tensor& x, const Tensor& rois,
                   const Tensor& out) {
  const int64_t K = rois.size(0), N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t bins = p.pooled_h * p.pooled_w, plane = H * W;
  // Uninitialized (empty, not a zero-filled vector): the transpose writes every element.
  const Tensor xt_t = empty({N, H, W, C}, x.dtype());
  T* xt = xt_t.data<T>();
  transpose_planes(x.data<T>(), xt, N, C, plane);
  const T* rp = rois.data<T>();
  T* yp = out.data<T>();
  const int64_t cblock = 64, nblocks = (C + cblock - 1) / cblock;
  parallel_for(0, K * nblocks, 1, [&](int64_t b, int64_t e) {
    std::vector<Tap<T>> taps;
    std::vector<T> acc(bins * cblock);  // [bins, channels of the block]
    int64_t cached = -1;
    RoiAlignGeom<T> g;
    for (int64_t item = b; item < e; ++item) {
      const int64_t k = item / nblocks, c0 = (item % nblocks) * cblock;
      const int64_t nc = std::min(C, c0 + cblock) - c0;
      if (k != cached) {
        g = roi_geom(p, rp + k * 5);
        compute_taps(p, g, H, W, taps);
        cached = k;
      }
      const int64_t samples = g.grid_h * g.grid_w;
      const T count = roi_align_divisor(g);
      std::fill(acc.begin(), acc.end(), T(0));
      if (!taps.empty()) {
        const T* src = xt + g.batch * plane * C + c0;
        const Tap<T>* t = taps.data();
        for (int64_t bin = 0; bin < bins; ++bin) {
          T* a = acc.data() + bin * nc;
          for (int64_t s = 0; s < samples; ++s, ++t) {
            if (t->pos1 < 0) continue;
            accumulate_taps(a, src + t->pos1 * C, src + t->pos2 * C, src + t->pos3 * C,
                            src + t->pos4 * C, *t, nc);
          }
        }
      }
      for (int64_t c = 0; c < nc; ++c) {
        T* dst = yp + (k * C + c0 + c) * bins;
        for (int64_t bin = 0; bin < bins; ++bin) dst[bin] = acc[bin * nc + c] / count;
      }
    }
  });
}

// Scatters into a channels-last gradient, then transposes it back. Each task owns a range of
// channels (of every image), so no two tasks write the same element: race-free without atomics.
// The taps of a roi are recomputed per task, i.e. once per thread, not once per channel.
template <typename T>
void roi_align_backward_cpu(const RoiAlignParams& p, const Tensor& grad_out, const Tensor& rois,
                            const Tensor& grad_x) {
  const int64_t K = rois.size(0), N = grad_x.size(0), C = grad_x.size(1), H = grad_x.size(2),
                W = grad_x.size(3);
  const int64_t bins = p.pooled_h * p.pooled_w, plane = H * W;
  const T* gp = grad_out.data<T>();
  const T* rp = rois.data<T>();
  // Each task zeroes its own channels of this channels-last gradient.
  const Tensor gt_t = empty({N, H, W, C}, grad_x.dtype());
  T* gt = gt_t.data<T>();
  const int64_t groups = (C + kLanes - 1) / kLanes;
  parallel_for(0, groups, 1, [&](int64_t gb, int64_t ge) {
    const int64_t c0 = gb * kLanes, nc = std::min(C, ge * kLanes) - c0;
    for (int64_t i = 0; i < N * plane; ++i) std::fill_n(&gt[i * C + c0], nc, T(0));
    std::vector<Tap<T>> taps;
    std::vector<T> go(bins * nc);  // grad_out of one roi, [bins, channels of the task]
    for (int64_t k = 0; k < K; ++k) {
      const RoiAlignGeom<T> g = roi_geom(p, rp + k * 5);
      compute_taps(p, g, H, W, taps);
      if (taps.empty()) continue;
      for (int64_t c = 0; c < nc; ++c) {
        const T* src = gp + (k * C + c0 + c) * bins;
        for (int64_t bin = 0; bin < bins; ++bin) go[bin * nc + c] = src[bin];
      }
      const int64_t samples = g.grid_h * g.grid_w;
      const T count = roi_align_divisor(g);  // the sample count: the grid is not empty here
      T* dst = gt + g.batch * plane * C + c0;
      const Tap<T>* t = taps.data();
      for (int64_t bin = 0; bin < bins; ++bin) {
        const T* gbin = go.data() + bin * nc;
        for (int64_t s = 0; s < samples; ++s, ++t) {
          if (t->pos1 < 0) continue;
          scatter_tap(dst + t->pos1 * C, gbin, t->w1, count, nc);
          scatter_tap(dst + t->pos2 * C, gbin, t->w2, count, nc);
          scatter_tap(dst + t->pos3 * C, gbin, t->w3, count, nc);
          scatter_tap(dst + t->pos4 * C, gbin, t->w4, count, nc);
        }
      }
    }
  });
  transpose_planes(gt, grad_x.data<T>(), N, plane, C);
}

DC_REGISTER_KERNEL(roi_align_kernel, CPU, f32, &roi_align_cpu<float>);
DC_REGISTER_KERNEL(roi_align_kernel, CPU, f64, &roi_align_cpu<double>);
DC_REGISTER_KERNEL(roi_align_backward_kernel, CPU, f32, &roi_align_backward_cpu<float>);
DC_REGISTER_KERNEL(roi_align_backward_kernel, CPU, f64, &roi_align_backward_cpu<double>);

}  // namespace
}  // namespace dc
