// The 300W metric against hand computations: NME of one image (all points, counted points, a
// missing landmark), CED fractions, the exact AUC of the step function (also against a fine
// numerical integral), failure rates at both cut-offs and their <= / > convention, the named
// summary, and the error paths.
#include "eval/landmark_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "tests/testing/expect_error.h"

namespace dc {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// gt point k at (k, 2k): the outer eye corners (36, 72) and (45, 90) are √405 apart.
Tensor grid_points() {
  std::vector<double> v;
  for (int k = 0; k < 68; ++k) {
    v.push_back(k);
    v.push_back(2 * k);
  }
  return tensor_from(v, {68, 2});
}

TEST(LandmarkNme, HandComputedImage) {
  const Tensor gt = grid_points();
  Tensor pred = gt.clone();
  float* p = pred.data<float>();
  p[0] += 3;  // point 0 off by (3, 4): error 5
  p[1] += 4;
  p[3] += 2;  // point 1 off by (0, 2): error 2
  EXPECT_NEAR(landmark_nme(pred, gt), 7.0 / 68 / std::sqrt(405.0), 1e-12);
  EXPECT_NEAR(landmark_nme(gt, gt), 0.0, 0.0);

  // Counting only points 0, 1 and 2 (e.g. the visible ones).
  std::vector<double> counted(68, 0);
  counted[0] = counted[1] = counted[2] = 1;
  const Tensor c = tensor_from(counted, {68}, DType::u8);
  EXPECT_NEAR(landmark_nme(pred, gt, c), 7.0 / 3 / std::sqrt(405.0), 1e-12);

  // A landmark not found (NaN) makes the image a failure, unless it is not counted.
  p[2 * 10] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(landmark_nme(pred, gt), kInf);
  EXPECT_NEAR(landmark_nme(pred, gt, c), 7.0 / 3 / std::sqrt(405.0), 1e-12);
}

TEST(LandmarkNme, Errors) {
  const Tensor gt = grid_points();
  expect_error([&] { landmark_nme(empty({67, 2}), gt); }, {"landmark_nme", "68 points"});
  expect_error([&] { landmark_nme(gt, gt, empty({5}, DType::u8)); }, {"counted", "68 values"});
  Tensor same_eyes = gt.clone();
  same_eyes.data<float>()[2 * 45] = 36;
  same_eyes.data<float>()[2 * 45 + 1] = 72;
  expect_error([&] { landmark_nme(gt, same_eyes); }, {"outer-eye-corner distance", "is 0"});
  Tensor nan_gt = gt.clone();
  nan_gt.data<float>()[7] = std::numeric_limits<float>::quiet_NaN();
  expect_error([&] { landmark_nme(gt, nan_gt); }, {"gt point 3", "not finite"});
  std::vector<double> none(68, 0);
  expect_error([&] { landmark_nme(gt, gt, tensor_from(none, {68}, DType::u8)); },
               {"counted marks no point"});
}

TEST(Ced, HandComputedSet) {
  const std::vector<double> e = {0.02, 0.04, 0.10};
  EXPECT_DOUBLE_EQ(ced_fraction(e, 0.0), 0.0);
  EXPECT_DOUBLE_EQ(ced_fraction(e, 0.02), 1.0 / 3);  // <=: the image at exactly 0.02 counts
  EXPECT_DOUBLE_EQ(ced_fraction(e, 0.05), 2.0 / 3);
  EXPECT_DOUBLE_EQ(ced_fraction(e, 0.10), 1.0);
  // ∫_0^0.08 CED = (0.06 + 0.04 + 0)/3; normalized by 0.08.
  EXPECT_NEAR(ced_auc(e, 0.08), 0.10 / 0.24, 1e-15);
  EXPECT_NEAR(ced_auc(e, 0.10), (0.08 + 0.06) / 0.30, 1e-15);
  EXPECT_DOUBLE_EQ(failure_rate(e, 0.08), 1.0 / 3);
  EXPECT_DOUBLE_EQ(failure_rate(e, 0.10), 0.0);  // NME == cut-off is not a failure
  EXPECT_DOUBLE_EQ(ced_auc({0.0, 0.0}, 0.08), 1.0);
  EXPECT_DOUBLE_EQ(ced_auc({0.5}, 0.08), 0.0);
}

TEST(Ced, AucEqualsTheNumericalIntegral) {
  std::vector<double> e;
  for (int i = 0; i < 37; ++i) e.push_back(0.003 * i + 0.0011 * (i % 5));
  e.push_back(kInf);
  const int steps = 200000;
  double area = 0;
  for (int i = 0; i < steps; ++i) area += ced_fraction(e, (i + 0.5) * 0.08 / steps);
  EXPECT_NEAR(ced_auc(e, 0.08), area / steps, 1e-4);
}

TEST(Ced, SummaryNamesItsCutoffs) {
  const NmeSummary s = summarize_nme({0.02, kInf, 0.04, 0.10});
  EXPECT_EQ(s.num_images, 4);
  EXPECT_EQ(s.num_incomplete, 1);
  EXPECT_NEAR(s.mean_nme, (0.02 + 0.04 + 0.10) / 3, 1e-15);
  ASSERT_EQ(s.cutoffs.size(), 2u);
  EXPECT_DOUBLE_EQ(s.cutoffs[0].cutoff, 0.08);
  EXPECT_NEAR(s.cutoffs[0].auc, 0.10 / 0.32, 1e-15);
  EXPECT_DOUBLE_EQ(s.cutoffs[0].failure_rate, 0.5);
  EXPECT_DOUBLE_EQ(s.cutoffs[1].failure_rate, 0.25);  // only the missing landmark's image
  const auto named = s.named();
  std::vector<std::string> names;
  for (const auto& kv : named) names.push_back(kv.first);
  EXPECT_EQ(names,
            (std::vector<std::string>{"nme_mean", "num_images", "num_incomplete", "auc@0.08",
                                      "failure_rate@0.08", "auc@0.10", "failure_rate@0.10"}));
  EXPECT_DOUBLE_EQ(named[6].second, 0.25);
  EXPECT_EQ(cutoff_name(0.1), "0.10");
  EXPECT_EQ(cutoff_name(0.075), "0.075");
  EXPECT_TRUE(std::isnan(summarize_nme({kInf}).mean_nme));
}

TEST(Ced, Errors) {
  expect_error([] { summarize_nme({}); }, {"summarize_nme", "empty"});
  expect_error([] { ced_auc({0.1, -0.01}, 0.08); }, {"ced_auc", "NME 1", ">= 0"});
  expect_error([] { failure_rate({std::nan("")}, 0.08); }, {"failure_rate", "NME 0"});
  expect_error([] { ced_auc({0.1}, 0); }, {"cut-off must be > 0"});
  expect_error([] { summarize_nme({0.1}, {0.08, -1}); }, {"summarize_nme", "cut-off"});
}

}  // namespace
}  // namespace dc
