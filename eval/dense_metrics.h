// Dense DenseReg metrics: the U,V error over the ground-truth foreground, the foreground IoU, and
// part segmentation by transferring the 8 template parts through a predicted (U, V) field, scored
// by per-class IoU (the same scorer serves a directly predicted segmentation).
//
// Set-level figures are pooled: each per-image function returns counts that add(), so a set's
// figure is over all its pixels (as a confusion matrix over a test set), not a mean of per-image
// ratios.
//
// Conventions (data/sample.h): uv 2×H×W floating (U then V), masks H×W of any dtype (nonzero =
// foreground), label maps H×W integer (i64, i32 or u8). All on the CPU.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace dc {

// Sums of the absolute U and V errors over ground-truth foreground pixels.
struct UVErrorSums {
  double sum_abs_u = 0, sum_abs_v = 0;
  int64_t count = 0;  // ground-truth foreground pixels

  void add(const UVErrorSums& other);
  double mae_u() const;  // sum_abs_u / count (NaN when count is 0)
  double mae_v() const;  // sum_abs_v / count
  double mae() const;    // (sum_abs_u + sum_abs_v) / (2 count): the mean absolute U,V error
};

// |Û − U| and |V̂ − V| summed over the pixels where gt_mask is nonzero (wherever the prediction
// puts its own foreground). A non-finite predicted or ground-truth value there is an error.
UVErrorSums uv_abs_error(const Tensor& pred_uv, const Tensor& gt_uv, const Tensor& gt_mask);

// Intersection and union pixel counts of two masks.
struct IoUCounts {
  int64_t intersection = 0, union_count = 0;

  void add(const IoUCounts& other);
  double iou() const;  // intersection / union (NaN when the union is empty)
};

// Foreground IoU: |pred ∩ gt| / |pred ∪ gt| over pixels.
IoUCounts foreground_iou(const Tensor& pred_mask, const Tensor& gt_mask);

// A num_classes × num_classes confusion matrix of pixel labels, rows the ground truth.
class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int num_classes);

  // Counts every pixel of a pair of H×W label maps; a label outside [0, num_classes) is an error
  // naming the map, the pixel and the value.
  void add(const Tensor& pred, const Tensor& gt);
  void add(const ConfusionMatrix& other);

  int num_classes() const { return num_classes_; }
  int64_t count(int gt_class, int pred_class) const;

  // IoU of class c: TP / (TP + FP + FN); NaN when c appears in neither the predictions nor the
  // ground truth (absent classes are left out of mean_iou, as in the usual mIoU).
  double iou(int c) const;
  std::vector<double> ious() const;  // iou(c) for every class
  // Mean of iou(c) over c in [first_class, num_classes) that are not NaN (NaN when none is):
  // first_class = 1 (the default) leaves the background out (the 8 face parts), 0 includes it.
  double mean_iou(int first_class = 1) const;
  // Fraction of pixels labelled correctly (NaN when empty).
  double pixel_accuracy() const;

 private:
  int num_classes_;
  std::vector<int64_t> counts_;  // [gt * num_classes + pred]
};

// Per-class IoU of one pair of label maps (ConfusionMatrix(num_classes).add(pred, gt).ious()).
std::vector<double> per_class_iou(const Tensor& pred, const Tensor& gt, int num_classes);

// Part segmentation transferred from the template through a (U, V) field: the H×W i64 map with
// face_part_at(û, v̂) (data/synth/face_template.h, labels 1..8) where mask is nonzero and 0
// (background) elsewhere. Predicted (U, V) outside [0, 1]² is clamped to it (a regressor's output
// may overshoot the chart); a non-finite value under the mask is an error.
Tensor face_parts_from_uv(const Tensor& uv, const Tensor& mask);

}  // namespace dc
