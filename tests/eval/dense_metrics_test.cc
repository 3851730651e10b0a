// Dense metrics against hand computations: the U,V error over the ground-truth foreground,
// foreground IoU, the confusion matrix's per-class and mean IoU (absent classes left out), part
// transfer through a (U, V) field built from face_part_at, and part transfer on a rendered face
// against the sample's own part map.
#include "eval/dense_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/philox.h"
#include "data/synth/face_template.h"
#include "data/synth/face_world.h"
#include "tests/testing/expect_error.h"

namespace dc {
namespace {

TEST(UVError, HandComputed) {
  // 1×3 image; pixel 1 is background (its large error must not count).
  const Tensor gt = tensor_from({0.1, 0.5, 0.9, 0.2, 0.2, 0.2}, {2, 1, 3});
  const Tensor pred = tensor_from({0.2, 0.0, 0.6, 0.2, 0.9, 0.0}, {2, 1, 3});
  const Tensor mask = tensor_from({1, 0, 1}, {1, 3}, DType::u8);
  const UVErrorSums s = uv_abs_error(pred, gt, mask);
  EXPECT_EQ(s.count, 2);
  EXPECT_NEAR(s.mae_u(), (0.1 + 0.3) / 2, 1e-7);
  EXPECT_NEAR(s.mae_v(), (0.0 + 0.2) / 2, 1e-7);
  EXPECT_NEAR(s.mae(), (0.1 + 0.3 + 0.0 + 0.2) / 4, 1e-7);
  UVErrorSums pooled = s;
  pooled.add(uv_abs_error(gt, gt, mask));  // a perfect image halves the pooled error
  EXPECT_EQ(pooled.count, 4);
  EXPECT_NEAR(pooled.mae(), 0.6 / 8, 1e-7);
  EXPECT_TRUE(std::isnan(UVErrorSums{}.mae()));
  expect_error(
      [&] {
        uv_abs_error(pred, tensor_from({0, 0}, {2, 1, 1}), mask);
      },
      {"uv_abs_error", "same size"});
}

TEST(ForegroundIoU, HandComputed) {
  const Tensor pred = tensor_from({1, 1, 0, 0, 1, 0}, {2, 3}, DType::u8);
  const Tensor gt = tensor_from({1, 0, 0, 1, 1, 0}, {2, 3}, DType::i64);
  const IoUCounts c = foreground_iou(pred, gt);
  EXPECT_EQ(c.intersection, 2);
  EXPECT_EQ(c.union_count, 4);
  EXPECT_DOUBLE_EQ(c.iou(), 0.5);
  IoUCounts empty_union;
  EXPECT_TRUE(std::isnan(empty_union.iou()));
  expect_error([&] { foreground_iou(empty({3, 2}, DType::u8), gt); }, {"pred_mask", "2×3"});
}

TEST(ConfusionMatrix, PerClassAndMeanIoU) {
  // gt:   0 1 1 2      pred: 0 1 2 2
  //       0 0 1 1            1 0 1 1
  // class 0: TP 2, FP 0, FN 1 → 2/3; class 1: TP 3, FP 1, FN 1 → 3/5; class 2: TP 1, FP 1 → 1/2;
  // class 3: absent → NaN.
  const Tensor gt = tensor_from({0, 1, 1, 2, 0, 0, 1, 1}, {2, 4}, DType::i64);
  const Tensor pred = tensor_from({0, 1, 2, 2, 1, 0, 1, 1}, {2, 4}, DType::i32);
  ConfusionMatrix m(4);
  m.add(pred, gt);
  EXPECT_EQ(m.count(1, 2), 1);
  EXPECT_EQ(m.count(0, 1), 1);
  const std::vector<double> iou = m.ious();
  EXPECT_DOUBLE_EQ(iou[0], 2.0 / 3);
  EXPECT_DOUBLE_EQ(iou[1], 3.0 / 5);
  EXPECT_DOUBLE_EQ(iou[2], 1.0 / 2);
  EXPECT_TRUE(std::isnan(iou[3]));
  EXPECT_DOUBLE_EQ(m.mean_iou(), (3.0 / 5 + 1.0 / 2) / 2);
  EXPECT_DOUBLE_EQ(m.mean_iou(0), (2.0 / 3 + 3.0 / 5 + 1.0 / 2) / 3);
  EXPECT_DOUBLE_EQ(m.pixel_accuracy(), 6.0 / 8);
  const std::vector<double> direct = per_class_iou(pred, gt, 4);
  EXPECT_DOUBLE_EQ(direct[1], 3.0 / 5);
  ConfusionMatrix twice(4);
  twice.add(m);
  twice.add(m);
  EXPECT_EQ(twice.count(1, 1), 6);
  EXPECT_DOUBLE_EQ(twice.iou(1), 3.0 / 5);

  expect_error(
      [&] {
        m.add(tensor_from({0, 5}, {1, 2}, DType::i64), tensor_from({0, 0}, {1, 2}, DType::i64));
      },
      {"pred label 5", "x 1, y 0", "[0, 4)"});
  expect_error(
      [&] {
        m.add(tensor_from({0.0, 1.0}, {1, 2}), tensor_from({0, 0}, {1, 2}, DType::i64));
      },
      {"integer labels"});
  expect_error([] { ConfusionMatrix bad(0); }, {"num_classes must be >= 1"});
}

// A field sampling the chart at the centres of a 96×96 grid; parts read through it are
// face_part_at of the same values, with clamping outside [0, 1]² and background off the mask.
TEST(PartTransfer, FieldBuiltFromFacePartAt) {
  constexpr int n = 96;
  Tensor uv = empty({2, n, n});
  Tensor mask = empty({n, n}, DType::u8);
  float* f = uv.data<float>();
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      f[y * n + x] = (x + 0.5f) / n;
      f[n * n + y * n + x] = (y + 0.5f) / n;
      mask.data<uint8_t>()[y * n + x] = (x + y) % 7 != 0;
    }
  }
  f[0] = 1.5f;                  // U overshoots the chart at pixel (0, 0): clamped to 1
  mask.data<uint8_t>()[0] = 1;  // (0 + 0) % 7 == 0 would have cleared it
  const Tensor parts = face_parts_from_uv(uv, mask);
  ASSERT_EQ(parts.sizes(), (Shape{n, n}));
  ASSERT_EQ(parts.dtype(), DType::i64);
  const int64_t* p = parts.data<int64_t>();
  std::vector<int> seen(kFaceNumLabels, 0);
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      const int i = y * n + x;
      const int64_t want = i == 0
                               ? face_part_at(1.0f, 0.5f / n)
                               : (mask.data<uint8_t>()[i] ? face_part_at(f[i], f[n * n + i]) : 0);
      ASSERT_EQ(p[i], want) << "x " << x << " y " << y;
      ++seen[p[i]];
    }
  }
  for (int c = 0; c < kFaceNumLabels; ++c) EXPECT_GT(seen[c], 0) << "part " << c;
  // Scored against itself, every part is perfect.
  ConfusionMatrix m(kFaceNumLabels);
  m.add(parts, parts);
  EXPECT_DOUBLE_EQ(m.mean_iou(), 1.0);

  Tensor bad = uv.clone();
  bad.data<float>()[n + 3] = std::nanf("");
  expect_error([&] { face_parts_from_uv(bad, mask); }, {"face_parts_from_uv", "x 3, y 1"});
}

// On a rendered face, parts transferred through the exact (U, V) reproduce the sample's part map
// (the renderer labels each pixel by face_part_at of its (U, V)).
TEST(PartTransfer, RenderedFaceMatchesTheSamplePartMap) {
  FaceWorldOptions options;
  options.size = 128;
  Generator rng(11);
  const Sample s = render_face(rng, options);
  const Tensor parts = face_parts_from_uv(s.at("uv"), s.at("mask"));
  ConfusionMatrix m(kFaceNumLabels);
  m.add(parts, s.at("part"));
  const int64_t total = 128 * 128;
  int64_t agree = 0;
  for (int c = 0; c < kFaceNumLabels; ++c) agree += m.count(c, c);
  EXPECT_GE(agree, total - total / 200);  // the odd boundary pixel may round the other way
  EXPECT_GT(m.mean_iou(), 0.97);
}

}  // namespace
}  // namespace dc
