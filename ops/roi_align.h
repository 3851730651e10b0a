// RoIAlign (Mask R-CNN's region feature pooling), exactly as torchvision.ops.roi_align.
#pragma once

#include <array>

#include "core/tensor.h"
#include "ops/dispatch.h"

namespace dc {

// Pools each region of interest of `x` to a fixed ph x pw grid by bilinear sampling.
//
// x:    [N, C, H, W] feature map, f32 or f64.
// rois: [K, 5] of x's dtype, one row (batch_index, x1, y1, x2, y2) per region, in input-image
//       coordinates; batch_index (truncated toward zero) must lie in [0, N).
// output_size: {ph, pw}, both positive.
// spatial_scale: multiplies the box coordinates (1/16 for a stride-16 feature map).
// sampling_ratio: bilinear samples per bin along each axis; <= 0 uses ceil(roi_h / ph) by
//       ceil(roi_w / pw) samples (adaptive), as torchvision.
// aligned: shift the box by -0.5 pixel (pixel-center convention of Detectron2). When false, the
//       roi width and height are clamped to at least 1 (the legacy Mask R-CNN behaviour).
// Returns [K, C, ph, pw]: each bin is the mean of its samples. Samples outside [-1, H] x [-1, W]
// contribute 0 (but still count in the mean); coordinates in [-1, 0] are clamped to 0 and those
// past the last row/column to it.
//
// Gradient: flows to x (the adjoint of the bilinear sampling, scattered back into x). rois get no
// gradient, as in torchvision.
Tensor roi_align(const Tensor& x, const Tensor& rois, std::array<int64_t, 2> output_size,
                 double spatial_scale = 1.0, int64_t sampling_ratio = -1, bool aligned = false);

struct RoiAlignParams {
  int64_t pooled_h = 1, pooled_w = 1;
  double spatial_scale = 1.0;
  int64_t sampling_ratio = -1;
  bool aligned = false;
};

// x [N, C, H, W] and rois [K, 5] contiguous; out [K, C, ph, pw] is overwritten.
using RoiAlignKernelFn = void(const RoiAlignParams& p, const Tensor& x, const Tensor& rois,
                              const Tensor& out);
// grad_out [K, C, ph, pw] and rois contiguous; grad_x [N, C, H, W] is overwritten.
using RoiAlignBackwardKernelFn = void(const RoiAlignParams& p, const Tensor& grad_out,
                                      const Tensor& rois, const Tensor& grad_x);
DC_DECLARE_KERNEL(roi_align_kernel, RoiAlignKernelFn)
DC_DECLARE_KERNEL(roi_align_backward_kernel, RoiAlignBackwardKernelFn)

}  // namespace dc
