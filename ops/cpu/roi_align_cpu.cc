// CPU RoIAlign kernels. The sampling arithmetic follows torchvision's CPU kernel operation by
// operation (same rounding in f32), but the bilinear taps of a roi are computed once and reused for
// every channel. Forward: parallel over (roi, block of channels). Backward: parallel over channels,
// so every task scatters into planes no other task touches (race-free without atomics).
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/thread_pool.h"
#include "ops/roi_align.h"

namespace dc {
namespace {

// One bilinear sample: four taps into an H*W plane. pos1 < 0 marks a sample outside the image,
// which contributes nothing.
template <typename T>
struct Tap {
  int64_t pos1, pos2, pos3, pos4;
  T w1, w2, w3, w4;
};

// A roi in feature-map coordinates and its sampling grid.
template <typename T>
struct RoiGeom {
  int64_t batch = 0;
  T start_h = 0, start_w = 0, bin_h = 0, bin_w = 0;
  int64_t grid_h = 0, grid_w = 0;
};

template <typename T>
RoiGeom<T> roi_geom(const RoiAlignParams& p, const T* roi) {
  RoiGeom<T> g;
  const T scale = static_cast<T>(p.spatial_scale);
  const T offset = p.aligned ? T(0.5) : T(0);
  g.batch = static_cast<int64_t>(roi[0]);
  g.start_w = roi[1] * scale - offset;
  g.start_h = roi[2] * scale - offset;
  const T end_w = roi[3] * scale - offset;
  const T end_h = roi[4] * scale - offset;
  T roi_w = end_w - g.start_w, roi_h = end_h - g.start_h;
  if (!p.aligned) {  // legacy behaviour: force malformed rois to be 1x1
    roi_w = std::max(roi_w, T(1));
    roi_h = std::max(roi_h, T(1));
  }
  g.bin_h = roi_h / static_cast<T>(p.pooled_h);
  g.bin_w = roi_w / static_cast<T>(p.pooled_w);
  // Negative sizes (aligned rois with x2 < x1) give an empty grid here, hence an all-zero output.
  g.grid_h =
      p.sampling_ratio > 0 ? p.sampling_ratio : static_cast<int64_t>(std::ceil(roi_h / p.pooled_h));
  g.grid_w =
      p.sampling_ratio > 0 ? p.sampling_ratio : static_cast<int64_t>(std::ceil(roi_w / p.pooled_w));
  return g;
}

// Taps of every sample of the roi, in (ph, pw, iy, ix) order; empty when the grid is empty.
template <typename T>
void compute_taps(const RoiAlignParams& p, const RoiGeom<T>& g, int64_t H, int64_t W,
                  std::vector<Tap<T>>& taps) {
  taps.clear();
  if (g.grid_h <= 0 || g.grid_w <= 0) return;
  taps.reserve(p.pooled_h * p.pooled_w * g.grid_h * g.grid_w);
  for (int64_t ph = 0; ph < p.pooled_h; ++ph) {
    for (int64_t pw = 0; pw < p.pooled_w; ++pw) {
      for (int64_t iy = 0; iy < g.grid_h; ++iy) {
        const T yy = g.start_h + static_cast<T>(ph) * g.bin_h +
                     static_cast<T>(iy + .5f) * g.bin_h / static_cast<T>(g.grid_h);
        for (int64_t ix = 0; ix < g.grid_w; ++ix) {
          const T xx = g.start_w + static_cast<T>(pw) * g.bin_w +
                       static_cast<T>(ix + .5f) * g.bin_w / static_cast<T>(g.grid_w);
          T y = yy, x = xx;
          if (y < -1.0 || y > H || x < -1.0 || x > W) {
            taps.push_back({-1, -1, -1, -1, T(0), T(0), T(0), T(0)});
            continue;
          }
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
          taps.push_back({y_low * W + x_low, y_low * W + x_high, y_high * W + x_low,
                          y_high * W + x_high, hy * hx, hy * lx, ly * hx, ly * lx});
        }
      }
    }
  }
}

template <typename T>
void roi_align_cpu(const RoiAlignParams& p, const Tensor& x, const Tensor& rois,
                   const Tensor& out) {
  const int64_t K = rois.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t bins = p.pooled_h * p.pooled_w, plane = H * W;
  const T* xp = x.data<T>();
  const T* rp = rois.data<T>();
  T* yp = out.data<T>();
  // Work items are (roi, block of channels): many rois or many channels both keep the threads busy.
  const int64_t cblock = 16, nblocks = (C + cblock - 1) / cblock;
  parallel_for(0, K * nblocks, 1, [&](int64_t b, int64_t e) {
    std::vector<Tap<T>> taps;
    int64_t cached = -1;
    RoiGeom<T> g;
    for (int64_t item = b; item < e; ++item) {
      const int64_t k = item / nblocks, c0 = (item % nblocks) * cblock;
      const int64_t c1 = std::min(C, c0 + cblock);
      if (k != cached) {
        g = roi_geom(p, rp + k * 5);
        compute_taps(p, g, H, W, taps);
        cached = k;
      }
      const int64_t samples = g.grid_h * g.grid_w;
      // torchvision divides by max(count, 1): an empty grid gives 0, never 0/0.
      const T count = static_cast<T>(std::max<int64_t>(g.grid_h * g.grid_w, 1));
      for (int64_t c = c0; c < c1; ++c) {
        const T* src = xp + (g.batch * C + c) * plane;
        T* dst = yp + (k * C + c) * bins;
        if (taps.empty()) {
          std::fill(dst, dst + bins, T(0));
          continue;
        }
        const Tap<T>* t = taps.data();
        for (int64_t bin = 0; bin < bins; ++bin) {
          T v = 0;
          for (int64_t s = 0; s < samples; ++s, ++t) {
            if (t->pos1 < 0) continue;
            v += t->w1 * src[t->pos1] + t->w2 * src[t->pos2] + t->w3 * src[t->pos3] +
                 t->w4 * src[t->pos4];
          }
          dst[bin] = v / count;
        }
      }
    }
  });
}

template <typename T>
void roi_align_backward_cpu(const RoiAlignParams& p, const Tensor& grad_out, const Tensor& rois,
                            const Tensor& grad_x) {
  const int64_t K = rois.size(0), N = grad_x.size(0), C = grad_x.size(1), H = grad_x.size(2),
                W = grad_x.size(3);
  const int64_t bins = p.pooled_h * p.pooled_w, plane = H * W;
  const T* gp = grad_out.data<T>();
  const T* rp = rois.data<T>();
  T* gx = grad_x.data<T>();
  // Each task owns whole channels (of every image), so no two tasks write the same element. The
  // taps of a roi are recomputed per task: that is once per thread, not once per channel.
  parallel_for(0, C, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t n = 0; n < N; ++n) {
      std::fill(gx + (n * C + c0) * plane, gx + (n * C + c1) * plane, T(0));
    }
    std::vector<Tap<T>> taps;
    for (int64_t k = 0; k < K; ++k) {
      const RoiGeom<T> g = roi_geom(p, rp + k * 5);
      compute_taps(p, g, H, W, taps);
      if (taps.empty()) continue;
      const int64_t samples = g.grid_h * g.grid_w;
      const T count = static_cast<T>(g.grid_h * g.grid_w);
      for (int64_t c = c0; c < c1; ++c) {
        T* dst = gx + (g.batch * C + c) * plane;
        const T* src = gp + (k * C + c) * bins;
        const Tap<T>* t = taps.data();
        for (int64_t bin = 0; bin < bins; ++bin) {
          const T go = src[bin];
          for (int64_t s = 0; s < samples; ++s, ++t) {
            if (t->pos1 < 0) continue;
            dst[t->pos1] += go * t->w1 / count;
            dst[t->pos2] += go * t->w2 / count;
            dst[t->pos3] += go * t->w3 / count;
            dst[t->pos4] += go * t->w4 / count;
          }
        }
      }
    }
  });
}

DC_REGISTER_KERNEL(roi_align_kernel, CPU, f32, &roi_align_cpu<float>);
DC_REGISTER_KERNEL(roi_align_kernel, CPU, f64, &roi_align_cpu<double>);
DC_REGISTER_KERNEL(roi_align_backward_kernel, CPU, f32, &roi_align_backward_cpu<float>);
DC_REGISTER_KERNEL(roi_align_backward_kernel, CPU, f64, &roi_align_backward_cpu<double>);

}  // namespace
}  // namespace dc
