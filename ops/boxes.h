// Box operations and non-maximum suppression of object detection, as torchvision.ops and the box
// coder of torchvision's detection models (Detectron2's Box2BoxTransform).
//
// Boxes are (x1, y1, x2, y2) rows of a [N, 4] tensor (f32 or f64), x2 >= x1 and y2 >= y1 for a
// well-formed box; degenerate boxes are accepted and give the values the formulas give (a zero-area
// box has area 0 and an IoU of 0/0 = NaN with another zero-area box, as torchvision).
//
// Gradients: none of these ops records a gradient except decode_boxes (see there); their outputs
// never require grad.
#pragma once

#include <array>
#include <cmath>

#include "core/tensor.h"
#include "ops/dispatch.h"

namespace dc {

// [N] areas (x2 - x1) * (y2 - y1), as tv.ops.box_area.
Tensor box_area(const Tensor& boxes);
// [N, M] intersection over union of every pair, as tv.ops.box_iou:
// inter / (area_a + area_b - inter) with the intersection sides clamped at 0.
Tensor box_iou(const Tensor& a, const Tensor& b);
// Clamps x coordinates to [0, width] and y coordinates to [0, height], as
// tv.ops.clip_boxes_to_image(boxes, (height, width)). boxes: [..., 4k] (even columns x, odd y).
Tensor clip_boxes(const Tensor& boxes, int64_t height, int64_t width);

// Box coder weights (wx, wy, ww, wh): Faster R-CNN's RPN uses (1, 1, 1, 1), its box head
// (10, 10, 5, 5).
using BoxWeights = std::array<double, 4>;
// log(1000 / 16): the largest dw/dh decode_boxes feeds to exp (torchvision / Detectron2 default).
inline double default_box_scale_clamp() { return std::log(1000.0 / 16.0); }

// Regression targets [N, 4] (dx, dy, dw, dh) that turn each proposal into its reference box, as
// BoxCoder(weights).encode_single(reference_boxes, proposals):
// dx = wx (ref_cx - prop_cx) / prop_w, dw = ww log(ref_w / prop_w) (same for y and h).
// Both inputs [N, 4] of the same floating dtype. No gradient (targets are constants).
Tensor encode_boxes(const Tensor& reference_boxes, const Tensor& proposals,
                    const BoxWeights& weights);
// Applies deltas [N, 4k] (k boxes per row, e.g. one per class) to boxes [N, 4], as
// BoxCoder(weights, scale_clamp).decode_single(deltas, boxes): dw/dh are divided by the weights and
// clamped above at scale_clamp before exp. Returns [N, 4k] boxes (x1, y1, x2, y2).
// Gradient: composed from differentiable ops, so it flows to deltas (and to boxes, as in PyTorch);
// clamped dw/dh get zero gradient.
Tensor decode_boxes(const Tensor& deltas, const Tensor& boxes, const BoxWeights& weights,
                    double scale_clamp = default_box_scale_clamp());

// Greedy non-maximum suppression, as tv.ops.nms: visits boxes by decreasing score (equal scores in
// index order: torchvision's CPU kernel sorts stably; NaN scores first, as torch.sort) and keeps a
// box unless a kept box overlaps it with IoU > iou_threshold (an IoU exactly at the threshold does
// not suppress; a zero-area pair's NaN IoU never suppresses).
// boxes [N, 4], scores [N] of the same floating dtype. Returns the i64 indices of the kept boxes,
// by decreasing score; [0] for empty input.
Tensor nms(const Tensor& boxes, const Tensor& scores, double iou_threshold);
// NMS within each category: boxes whose idxs (i64 or i32 [N]) differ never suppress each other.
// Returns the kept indices by decreasing score, equal scores in index order — torchvision's order
// (its coordinate-offset path for N <= 1000; its per-class path for larger N orders equal scores
// by an unstable sort). IoU is computed on the original coordinates, so unlike torchvision's
// coordinate-offset trick no rounding or negative coordinates can make categories interact.
Tensor batched_nms(const Tensor& boxes, const Tensor& scores, const Tensor& idxs,
                   double iou_threshold);

// --- kernels (CPU: ops/cpu/boxes_cpu.cc). All tensors contiguous; outputs are overwritten. ---
enum class BoxUnaryOp { kArea, kClip };
// kArea: in [N, 4] -> out [N]. kClip: in/out [R, 4k], p0 = height, p1 = width.
using BoxUnaryKernelFn = void(BoxUnaryOp op, const Tensor& in, const Tensor& out, double p0,
                              double p1);
// a [N, 4], b [M, 4] -> out [N, M].
using BoxIouKernelFn = void(const Tensor& a, const Tensor& b, const Tensor& out);
// reference [N, 4], proposals [N, 4] -> out [N, 4].
using BoxEncodeKernelFn = void(const Tensor& reference, const Tensor& proposals,
                               const BoxWeights& weights, const Tensor& out);
// idxs undefined for plain NMS, else i64 [N] categories. Returns the kept i64 indices.
using NmsKernelFn = Tensor(const Tensor& boxes, const Tensor& scores, const Tensor& idxs,
                           double iou_threshold);
DC_DECLARE_KERNEL(box_unary_kernel, BoxUnaryKernelFn)
DC_DECLARE_KERNEL(box_iou_kernel, BoxIouKernelFn)
DC_DECLARE_KERNEL(box_encode_kernel, BoxEncodeKernelFn)
DC_DECLARE_KERNEL(nms_kernel, NmsKernelFn)

}  // namespace dc
