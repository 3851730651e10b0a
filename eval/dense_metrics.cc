#include "eval/dense_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "data/synth/face_template.h"
#include "eval/inputs.h"

namespace dc {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double ratio(double num, double den) { return den > 0 ? num / den : kNaN; }

}  // namespace

void UVErrorSums::add(const UVErrorSums& other) {
  sum_abs_u += other.sum_abs_u;
  sum_abs_v += other.sum_abs_v;
  count += other.count;
}
double UVErrorSums::mae_u() const { return ratio(sum_abs_u, static_cast<double>(count)); }
double UVErrorSums::mae_v() const { return ratio(sum_abs_v, static_cast<double>(count)); }
double UVErrorSums::mae() const {
  return ratio(sum_abs_u + sum_abs_v, 2.0 * static_cast<double>(count));
}

UVErrorSums uv_abs_error(const Tensor& pred_uv, const Tensor& gt_uv, const Tensor& gt_mask) {
  int64_t h = 0, w = 0, gh = 0, gw = 0;
  const std::vector<float> p = eval_read_uv(pred_uv, "uv_abs_error: pred_uv", &h, &w);
  const std::vector<float> g = eval_read_uv(gt_uv, "uv_abs_error: gt_uv", &gh, &gw);
  DC_CHECK(gh == h && gw == w, "uv_abs_error: pred_uv ", pred_uv.str(), " and gt_uv ", gt_uv.str(),
           " must have the same size");
  const std::vector<uint8_t> m = eval_read_mask(gt_mask, "uv_abs_error: gt_mask", h, w);
  const int64_t n = h * w;
  UVErrorSums s;
  for (int64_t i = 0; i < n; ++i) {
    if (!m[i]) continue;
    DC_CHECK(std::isfinite(p[i]) && std::isfinite(p[n + i]),
             "uv_abs_error: pred_uv is not finite "
             "at pixel (x ",
             i % w, ", y ", i / w, ")");
    DC_CHECK(std::isfinite(g[i]) && std::isfinite(g[n + i]),
             "uv_abs_error: gt_uv is not finite "
             "at pixel (x ",
             i % w, ", y ", i / w, ")");
    s.sum_abs_u += std::abs(static_cast<double>(p[i]) - g[i]);
    s.sum_abs_v += std::abs(static_cast<double>(p[n + i]) - g[n + i]);
    ++s.count;
  }
  return s;
}

void IoUCounts::add(const IoUCounts& other) {
  intersection += other.intersection;
  union_count += other.union_count;
}
double IoUCounts::iou() const {
  return ratio(static_cast<double>(intersection), static_cast<double>(union_count));
}

IoUCounts foreground_iou(const Tensor& pred_mask, const Tensor& gt_mask) {
  DC_CHECK(gt_mask.defined() && gt_mask.dim() == 2,
           "foreground_iou: gt_mask must be an H×W mask, got ",
           gt_mask.defined() ? gt_mask.str() : std::string("an undefined tensor"));
  const int64_t h = gt_mask.size(0), w = gt_mask.size(1);
  const std::vector<uint8_t> p = eval_read_mask(pred_mask, "foreground_iou: pred_mask", h, w);
  const std::vector<uint8_t> g = eval_read_mask(gt_mask, "foreground_iou: gt_mask", h, w);
  IoUCounts c;
  for (size_t i = 0; i < p.size(); ++i) {
    c.intersection += p[i] & g[i];
    c.union_count += p[i] | g[i];
  }
  return c;
}

ConfusionMatrix::ConfusionMatrix(int num_classes) : num_classes_(num_classes) {
  DC_CHECK(num_classes >= 1, "ConfusionMatrix: num_classes must be >= 1, got ", num_classes);
  counts_.assign(static_cast<size_t>(num_classes) * num_classes, 0);
}

void ConfusionMatrix::add(const Tensor& pred, const Tensor& gt) {
  DC_CHECK(gt.defined() && gt.dim() == 2, "ConfusionMatrix::add: gt must be an H×W label map, got ",
           gt.defined() ? gt.str() : std::string("an undefined tensor"));
  const int64_t h = gt.size(0), w = gt.size(1);
  const std::vector<int64_t> p = eval_read_labels(pred, "ConfusionMatrix::add: pred", h, w);
  const std::vector<int64_t> g = eval_read_labels(gt, "ConfusionMatrix::add: gt", h, w);
  for (size_t i = 0; i < p.size(); ++i) {
    DC_CHECK(p[i] >= 0 && p[i] < num_classes_, "ConfusionMatrix::add: pred label ", p[i],
             " at pixel (x ", i % w, ", y ", i / w, ") is outside [0, ", num_classes_, ")");
    DC_CHECK(g[i] >= 0 && g[i] < num_classes_, "ConfusionMatrix::add: gt label ", g[i],
             " at pixel (x ", i % w, ", y ", i / w, ") is outside [0, ", num_classes_, ")");
    ++counts_[static_cast<size_t>(g[i] * num_classes_ + p[i])];
  }
}

void ConfusionMatrix::add(const ConfusionMatrix& other) {
  DC_CHECK(other.num_classes_ == num_classes_, "ConfusionMatrix::add: ", other.num_classes_,
           " classes added to a matrix of ", num_classes_);
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
}

int64_t ConfusionMatrix::count(int gt_class, int pred_class) const {
  DC_CHECK(gt_class >= 0 && gt_class < num_classes_ && pred_class >= 0 && pred_class < num_classes_,
           "ConfusionMatrix::count: classes (", gt_class, ", ", pred_class, ") outside [0, ",
           num_classes_, ")");
  return counts_[static_cast<size_t>(gt_class * num_classes_ + pred_class)];
}

double ConfusionMatrix::iou(int c) const {
  DC_CHECK(c >= 0 && c < num_classes_, "ConfusionMatrix::iou: class ", c, " outside [0, ",
           num_classes_, ")");
  int64_t row = 0, col = 0;
  for (int j = 0; j < num_classes_; ++j) {
    row += count(c, j);
    col += count(j, c);
  }
  const int64_t tp = count(c, c);
  return ratio(static_cast<double>(tp), static_cast<double>(row + col - tp));
}

std::vector<double> ConfusionMatrix::ious() const {
  std::vector<double> out(num_classes_);
  for (int c = 0; c < num_classes_; ++c) out[c] = iou(c);
  return out;
}

double ConfusionMatrix::mean_iou(int first_class) const {
  DC_CHECK(first_class >= 0 && first_class < num_classes_,
           "ConfusionMatrix::mean_iou: first_class ", first_class, " outside [0, ", num_classes_,
           ")");
  double sum = 0;
  int n = 0;
  for (int c = first_class; c < num_classes_; ++c) {
    const double v = iou(c);
    if (std::isnan(v)) continue;
    sum += v;
    ++n;
  }
  return n > 0 ? sum / n : kNaN;
}

double ConfusionMatrix::pixel_accuracy() const {
  int64_t total = 0, correct = 0;
  for (int i = 0; i < num_classes_; ++i) {
    for (int j = 0; j < num_classes_; ++j) total += count(i, j);
    correct += count(i, i);
  }
  return ratio(static_cast<double>(correct), static_cast<double>(total));
}

std::vector<double> per_class_iou(const Tensor& pred, const Tensor& gt, int num_classes) {
  ConfusionMatrix m(num_classes);
  m.add(pred, gt);
  return m.ious();
}

Tensor face_parts_from_uv(const Tensor& uv, const Tensor& mask) {
  int64_t h = 0, w = 0;
  const std::vector<float> f = eval_read_uv(uv, "face_parts_from_uv: uv", &h, &w);
  const std::vector<uint8_t> m = eval_read_mask(mask, "face_parts_from_uv: mask", h, w);
  const int64_t n = h * w;
  Tensor out = empty({h, w}, DType::i64);
  int64_t* parts = out.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    parts[i] = kFaceBackground;
    if (!m[i]) continue;
    DC_CHECK(std::isfinite(f[i]) && std::isfinite(f[n + i]),
             "face_parts_from_uv: uv is not finite at pixel (x ", i % w, ", y ", i / w, ")");
    parts[i] = face_part_at(std::clamp(f[i], 0.0f, 1.0f), std::clamp(f[n + i], 0.0f, 1.0f));
  }
  return out;
}

}  // namespace dc
