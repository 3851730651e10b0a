#include "ops/boxes.h"

#include "ops/elementwise.h"
#include "ops/join.h"

namespace dc {

DC_DEFINE_KERNEL(box_unary_kernel, BoxUnaryKernelFn)
DC_DEFINE_KERNEL(box_iou_kernel, BoxIouKernelFn)
DC_DEFINE_KERNEL(box_encode_kernel, BoxEncodeKernelFn)
DC_DEFINE_KERNEL(nms_kernel, NmsKernelFn)

namespace {

void check_boxes(const Tensor& b, const char* op, const char* what) {
  DC_CHECK(b.defined(), op, ": undefined ", what);
  DC_CHECK(b.dim() == 2 && b.size(1) == 4, op, ": expected ", what, " of shape [N, 4], got ",
           b.str());
  DC_CHECK(b.dtype() == DType::f32 || b.dtype() == DType::f64, op, ": expected f32 or f64 ", what,
           ", got ", b.str());
}

void check_same(const Tensor& a, const Tensor& b, const char* op) {
  DC_CHECK(a.dtype() == b.dtype() && a.device() == b.device(), op, ": inputs ", a.str(), " and ",
           b.str(), " must share dtype and device");
}

void check_scores(const Tensor& boxes, const Tensor& scores, const char* op) {
  check_boxes(boxes, op, "boxes");
  DC_CHECK(scores.defined() && scores.dim() == 1 && scores.size(0) == boxes.size(0), op,
           ": expected scores of shape [", boxes.size(0), "] (one per box of ", boxes.str(),
           "), got ", scores.defined() ? scores.str() : std::string("undefined"));
  check_same(boxes, scores, op);
}

}  // namespace

Tensor box_area(const Tensor& boxes) {
  check_boxes(boxes, "box_area", "boxes");
  Tensor out = empty({boxes.size(0)}, boxes.dtype(), boxes.device());
  if (out.numel() > 0) {
    box_unary_kernel().get(boxes.device(), boxes.dtype())(BoxUnaryOp::kArea,
                                                          boxes.detach().contiguous(), out, 0, 0);
  }
  return out;
}

Tensor box_iou(const Tensor& a, const Tensor& b) {
  check_boxes(a, "box_iou", "boxes1");
  check_boxes(b, "box_iou", "boxes2");
  check_same(a, b, "box_iou");
  Tensor out = empty({a.size(0), b.size(0)}, a.dtype(), a.device());
  if (out.numel() > 0) {
    box_iou_kernel().get(a.device(), a.dtype())(a.detach().contiguous(), b.detach().contiguous(),
                                                out);
  }
  return out;
}

Tensor clip_boxes(const Tensor& boxes, int64_t height, int64_t width) {
  DC_CHECK(boxes.defined(), "clip_boxes: undefined boxes");
  DC_CHECK(boxes.dim() >= 1 && boxes.size(-1) % 4 == 0 && boxes.size(-1) > 0,
           "clip_boxes: expected boxes of shape [..., 4k] (x1, y1, x2, y2 per box), got ",
           boxes.str());
  DC_CHECK(boxes.dtype() == DType::f32 || boxes.dtype() == DType::f64,
           "clip_boxes: expected f32 or f64 boxes, got ", boxes.str());
  DC_CHECK(height >= 0 && width >= 0, "clip_boxes: image size must be non-negative, got height ",
           height, " and width ", width);
  Tensor out = empty(boxes.sizes(), boxes.dtype(), boxes.device());
  if (out.numel() > 0) {
    box_unary_kernel().get(boxes.device(), boxes.dtype())(
        BoxUnaryOp::kClip, boxes.detach().contiguous(), out, static_cast<double>(height),
        static_cast<double>(width));
  }
  return out;
}

Tensor encode_boxes(const Tensor& reference_boxes, const Tensor& proposals,
                    const BoxWeights& weights) {
  check_boxes(reference_boxes, "encode_boxes", "reference_boxes");
  check_boxes(proposals, "encode_boxes", "proposals");
  check_same(reference_boxes, proposals, "encode_boxes");
  DC_CHECK(reference_boxes.size(0) == proposals.size(0), "encode_boxes: reference_boxes ",
           reference_boxes.str(), " and proposals ", proposals.str(),
           " must have the same number of boxes");
  Tensor out = empty({proposals.size(0), 4}, proposals.dtype(), proposals.device());
  if (out.numel() > 0) {
    box_encode_kernel().get(out.device(), out.dtype())(
        reference_boxes.detach().contiguous(), proposals.detach().contiguous(), weights, out);
  }
  return out;
}

Tensor decode_boxes(const Tensor& deltas, const Tensor& boxes, const BoxWeights& weights,
                    double scale_clamp) {
  check_boxes(boxes, "decode_boxes", "boxes");
  DC_CHECK(deltas.defined() && deltas.dim() == 2 && deltas.size(1) % 4 == 0 && deltas.size(1) > 0,
           "decode_boxes: expected deltas of shape [N, 4k], got ",
           deltas.defined() ? deltas.str() : std::string("undefined"));
  DC_CHECK(deltas.size(0) == boxes.size(0), "decode_boxes: deltas ", deltas.str(), " and boxes ",
           boxes.str(), " must have the same number of rows");
  check_same(deltas, boxes, "decode_boxes");
  // The same sequence of ops as torchvision's decode_single, so autograd gives its gradient and f32
  // rounding matches.
  const int64_t cols = deltas.size(1);
  const Tensor widths = boxes.select(1, 2) - boxes.select(1, 0);
  const Tensor heights = boxes.select(1, 3) - boxes.select(1, 1);
  const Tensor ctr_x = boxes.select(1, 0) + 0.5 * widths;
  const Tensor ctr_y = boxes.select(1, 1) + 0.5 * heights;
  const Tensor dx = deltas.slice(1, 0, cols, 4) / weights[0];
  const Tensor dy = deltas.slice(1, 1, cols, 4) / weights[1];
  const double inf = INFINITY;
  const Tensor dw = clamp(deltas.slice(1, 2, cols, 4) / weights[2], -inf, scale_clamp);
  const Tensor dh = clamp(deltas.slice(1, 3, cols, 4) / weights[3], -inf, scale_clamp);
  const Tensor pred_ctr_x = dx * widths.unsqueeze(1) + ctr_x.unsqueeze(1);
  const Tensor pred_ctr_y = dy * heights.unsqueeze(1) + ctr_y.unsqueeze(1);
  const Tensor half_w = 0.5 * (exp(dw) * widths.unsqueeze(1));
  const Tensor half_h = 0.5 * (exp(dh) * heights.unsqueeze(1));
  return stack({pred_ctr_x - half_w, pred_ctr_y - half_h, pred_ctr_x + half_w, pred_ctr_y + half_h},
               2)
      .flatten(1);
}

Tensor nms(const Tensor& boxes, const Tensor& scores, double iou_threshold) {
  check_scores(boxes, scores, "nms");
  return nms_kernel().get(boxes.device(), boxes.dtype())(
      boxes.detach().contiguous(), scores.detach().contiguous(), Tensor(), iou_threshold);
}

Tensor batched_nms(const Tensor& boxes, const Tensor& scores, const Tensor& idxs,
                   double iou_threshold) {
  check_scores(boxes, scores, "batched_nms");
  DC_CHECK(idxs.defined() && idxs.dim() == 1 && idxs.size(0) == boxes.size(0) &&
               (idxs.dtype() == DType::i64 || idxs.dtype() == DType::i32),
           "batched_nms: expected idxs of shape [", boxes.size(0),
           "] and dtype i64 or i32 (one category per box), got ",
           idxs.defined() ? idxs.str() : std::string("undefined"));
  return nms_kernel().get(boxes.device(), boxes.dtype())(
      boxes.detach().contiguous(), scores.detach().contiguous(), idxs.to(DType::i64).contiguous(),
      iou_threshold);
}

}  // namespace dc
