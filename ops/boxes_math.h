// The per-box arithmetic of the box ops and NMS (ops/boxes.h), shared by the CPU kernels
// (ops/cpu/boxes_cpu.cc) and the CUDA kernels (ops/cuda/boxes_cuda.cu): one definition, in
// torchvision's operation order, so the CPU tests exercise the arithmetic the GPU runs and IoUs
// (hence the boxes NMS keeps) come out the same on both devices.
//
// Conventions: boxes are (x1, y1, x2, y2) in pixels, in the element type T (float or double); no
// +1 in widths (torchvision's convention). max/min are std::max/std::min exactly
// (a < b ? b : a), so which argument wins on NaN is part of each formula and is kept as
// torchvision has it.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "core/host_device.h"

namespace dc {

// std::max / std::min on host and device (NaN: the first argument is returned unless b compares).
template <typename T>
DC_HOST_DEVICE_INLINE T box_max(T a, T b) {
  return a < b ? b : a;
}
template <typename T>
DC_HOST_DEVICE_INLINE T box_min(T a, T b) {
  return b < a ? b : a;
}

// A product (kMul) or a sum rounded on its own. The difference between the devices is deliberate:
// nvcc would fuse the product inter = w * h into the subtraction of the IoU's denominator (and an
// area into the sum of two areas), so the device uses the explicitly rounded intrinsics. GCC does
// not fuse them (inter is used twice, areas are stored; checked in the x86-64-v3 assembly), so the
// host uses plain operators, which round the same way.
template <bool kMul, typename T>
DC_HOST_DEVICE_INLINE T box_rn(T a, T b) {
#ifdef __CUDA_ARCH__
  static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value, "f32 or f64");
  if constexpr (std::is_same<T, float>::value) {
    return kMul ? __fmul_rn(a, b) : __fadd_rn(a, b);
  } else {
    return kMul ? __dmul_rn(a, b) : __dadd_rn(a, b);
  }
#else
  return kMul ? a * b : a + b;
#endif
}

// (x2 - x1) * (y2 - y1), as tv.ops.box_area.
template <typename T>
DC_HOST_DEVICE_INLINE T box_area_of(T x1, T y1, T x2, T y2) {
  return box_rn</*kMul=*/true>(x2 - x1, y2 - y1);
}

// The overlap of the intervals [a1, a2] and [b1, b2], min(a2, b2) - max(a1, b1), clamped at 0.
// The clamp's argument order is the one difference between the two torchvision IoU formulas, and a
// NaN coordinate shows it:
// - box_iou (tv.ops.box_iou: (rb - lt).clamp(min=0)) keeps a NaN side: max(side, 0);
// - NMS (torchvision's nms kernels: std::max(0, xx2 - xx1)) turns it into 0: max(0, side).
template <bool kNmsClamp, typename T>
DC_HOST_DEVICE_INLINE T box_overlap(T a1, T a2, T b1, T b2) {
  const T side = box_min(a2, b2) - box_max(a1, b1);
  return kNmsClamp ? box_max(T(0), side) : box_max(side, T(0));
}

// IoU of box a with box b given their areas: inter / (area_a + area_b - inter), inter the product
// of the overlaps (box_overlap; for NMS, a is the kept box).
template <bool kNmsClamp, typename T>
DC_HOST_DEVICE_INLINE T box_iou_of(T ax1, T ay1, T ax2, T ay2, T a_area, T bx1, T by1, T bx2, T by2,
                                   T b_area) {
  const T w = box_overlap<kNmsClamp>(ax1, ax2, bx1, bx2);
  const T h = box_overlap<kNmsClamp>(ay1, ay2, by1, by2);
  const T inter = box_rn</*kMul=*/true>(w, h);
  return inter / (box_rn</*kMul=*/false>(a_area, b_area) - inter);
}

// Element i of a [R, 4k] clip_boxes input: even columns are x, clamped to [0, width], odd ones y,
// clamped to [0, height]. Written with comparisons so NaN passes through, as torch.clamp.
template <typename T>
DC_HOST_DEVICE_INLINE T box_clip_value(T v, int64_t i, T height, T width) {
  const T hi = (i & 1) ? height : width;
  return v < T(0) ? T(0) : (v > hi ? hi : v);
}

// Regression targets (dx, dy, dw, dh) that turn proposal p into reference box g, as torchvision's
// BoxCoder.encode_single: centres at x1 + 0.5 w; dx = wx (g_cx - p_cx) / p_w,
// dw = ww log(g_w / p_w). Plain arithmetic: each compiler may fuse the centre computations into
// FMAs its own way, so CPU and GPU targets agree to rounding (not necessarily bit for bit).
template <typename T>
DC_HOST_DEVICE_INLINE void box_encode_one(const T* g, const T* p, T wx, T wy, T ww, T wh, T* r) {
  const T ex_w = p[2] - p[0], ex_h = p[3] - p[1];
  const T ex_cx = p[0] + T(0.5) * ex_w, ex_cy = p[1] + T(0.5) * ex_h;
  const T gt_w = g[2] - g[0], gt_h = g[3] - g[1];
  const T gt_cx = g[0] + T(0.5) * gt_w, gt_cy = g[1] + T(0.5) * gt_h;
  r[0] = wx * (gt_cx - ex_cx) / ex_w;
  r[1] = wy * (gt_cy - ex_cy) / ex_h;
  r[2] = ww * std::log(gt_w / ex_w);
  r[3] = wh * std::log(gt_h / ex_h);
}

// The largest T not above t (host only): for a T value v, (double)v > t exactly when
// v > box_threshold_below<T>(t), which lets NMS compare IoUs in T as torchvision compares them in
// double.
template <typename T>
inline T box_threshold_below(double t) {
  T f = static_cast<T>(t);
  if (static_cast<double>(f) > t) f = std::nextafter(f, -std::numeric_limits<T>::infinity());
  return f;
}

}  // namespace dc
