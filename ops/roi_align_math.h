// The sampling arithmetic of RoIAlign (ops/roi_align.h), shared by the CPU kernel
// (ops/cpu/roi_align_cpu.cc) and the CUDA kernel (ops/cuda/roi_align_cuda.cu): one definition, so
// the CPU tests against PyTorch exercise the exact arithmetic the GPU runs. It follows
// torchvision's roi_align kernels operation by operation, in the element type T (float or double:
// f32 rounds in float, as torchvision's f32 kernel does).
//
// Coordinates: a roi row is (batch_index, x1, y1, x2, y2) in input-image pixels; multiplied by
// spatial_scale it lands in feature-map coordinates, where pixel (y, x) of the H x W plane sits at
// integer (y, x). aligned=True shifts the box by -0.5 (Detectron2's half-pixel convention: pixel
// centres at integer + 0.5 in image space); aligned=False keeps it and clamps the roi's width and
// height to at least 1 (the legacy Mask R-CNN behaviour).
#pragma once

#include <cmath>
#include <cstdint>

#include "core/host_device.h"

namespace dc {

// A roi in feature-map coordinates and its sampling grid: bins of bin_h x bin_w starting at
// (start_h, start_w), each averaged over grid_h x grid_w samples.
template <typename T>
struct RoiAlignGeom {
  int64_t batch = 0;
  T start_h = 0, start_w = 0, bin_h = 0, bin_w = 0;
  int64_t grid_h = 0, grid_w = 0;
};

// The geometry of `roi` (5 values) for a pooled_h x pooled_w output. sampling_ratio > 0 fixes the
// samples per bin along each axis; otherwise they are ceil(roi size / pooled size) (adaptive).
// Negative sizes (aligned rois with x2 < x1) give an empty grid (grid_h or grid_w <= 0): the bins
// then average nothing and come out 0.
template <typename T>
DC_HOST_DEVICE_INLINE RoiAlignGeom<T> roi_align_geom(const T* roi, T scale, bool aligned,
                                                     int64_t pooled_h, int64_t pooled_w,
                                                     int64_t sampling_ratio) {
  RoiAlignGeom<T> g;
  const T offset = aligned ? T(0.5) : T(0);
  g.batch = static_cast<int64_t>(roi[0]);
  g.start_w = roi[1] * scale - offset;
  g.start_h = roi[2] * scale - offset;
  const T end_w = roi[3] * scale - offset;
  const T end_h = roi[4] * scale - offset;
  T roi_w = end_w - g.start_w, roi_h = end_h - g.start_h;
  if (!aligned) {  // legacy behaviour: force malformed rois to be 1x1 (std::max's NaN handling)
    roi_w = roi_w < T(1) ? T(1) : roi_w;
    roi_h = roi_h < T(1) ? T(1) : roi_h;
  }
  g.bin_h = roi_h / static_cast<T>(pooled_h);
  g.bin_w = roi_w / static_cast<T>(pooled_w);
  g.grid_h =
      sampling_ratio > 0 ? sampling_ratio : static_cast<int64_t>(std::ceil(roi_h / pooled_h));
  g.grid_w =
      sampling_ratio > 0 ? sampling_ratio : static_cast<int64_t>(std::ceil(roi_w / pooled_w));
  return g;
}

// What a bin's sum of samples is divided by: the sample count, at least 1 (torchvision's
// max(count, 1), so an empty grid gives 0, never 0/0).
template <typename T>
DC_HOST_DEVICE_INLINE T roi_align_divisor(const RoiAlignGeom<T>& g) {
  const int64_t count = g.grid_h * g.grid_w;
  return static_cast<T>(count > 1 ? count : 1);
}

// The coordinate of sample i (of `grid`) in bin p along one axis: start + p * bin +
// (i + 0.5) * bin / grid, in torchvision's operation order (i + 0.5 is rounded to float first).
template <typename T>
DC_HOST_DEVICE_INLINE T roi_align_sample(T start, T bin, int64_t p, int64_t i, int64_t grid) {
  return start + static_cast<T>(p) * bin + static_cast<T>(i + .5f) * bin / static_cast<T>(grid);
}

// One bilinear sample at (y, x) of an H x W plane. Returns false when it lies outside
// [-1, H] x [-1, W] (it then contributes nothing but still counts in the bin's mean). Otherwise
// fills the four taps' offsets into the plane (y * W + x: top-left, top-right, bottom-left,
// bottom-right) and their weights; coordinates in [-1, 0] are clamped to 0, those at or past the
// last row/column to it.
template <typename T>
DC_HOST_DEVICE_INLINE bool roi_align_bilinear(T y, T x, int64_t H, int64_t W, int64_t pos[4],
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

// Visits the samples of bin (ph, pw) in (iy, ix) order: fn(inside, pos, w) with the taps of
// roi_align_bilinear (pos and w are meaningless when inside is false).
template <typename T, typename F>
DC_HOST_DEVICE_INLINE void roi_align_for_each_sample(const RoiAlignGeom<T>& g, int64_t ph,
                                                     int64_t pw, int64_t H, int64_t W, F&& fn) {
  for (int64_t iy = 0; iy < g.grid_h; ++iy) {
    const T y = roi_align_sample(g.start_h, g.bin_h, ph, iy, g.grid_h);
    for (int64_t ix = 0; ix < g.grid_w; ++ix) {
      int64_t pos[4] = {-1, -1, -1, -1};
      T w[4] = {T(0), T(0), T(0), T(0)};
      const bool inside = roi_align_bilinear(
          y, roi_align_sample(g.start_w, g.bin_w, pw, ix, g.grid_w), H, W, pos, w);
      fn(inside, pos, w);
    }
  }
}

}  // namespace dc
