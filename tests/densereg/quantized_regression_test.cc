// nets/quantized_regression.h: target encoding and decoding round trips for every K of the
// thesis's sweep, the losses against a hand computation on a small map, and bad inputs.
#include "nets/quantized_regression.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ops/creation.h"
#include "tests/testing/expect_error.h"

namespace dc {
namespace {

// Logits [1, K + 1, 1, P] whose argmax is label[p] (a margin of 20), residuals [1, K, 1, P] that
// hold r[p] in channel bin[p] and 0.9 (a wrong value) elsewhere.
void plant(const std::vector<int64_t>& label, const std::vector<int64_t>& bin,
           const std::vector<float>& r, int64_t k, Tensor* logits, Tensor* residuals) {
  const int64_t p = static_cast<int64_t>(label.size());
  std::vector<double> l((k + 1) * p, 0.0), res(k * p, 0.9);
  for (int64_t i = 0; i < p; ++i) {
    l[label[i] * p + i] = 20.0;
    res[bin[i] * p + i] = r[i];
  }
  *logits = tensor_from(l, {1, k + 1, 1, p});
  *residuals = tensor_from(res, {1, k, 1, p});
}

TEST(QuantizedRegression, RoundTripEveryK) {
  std::vector<double> us;
  // The f32 values the maps hold (0.7 is 0.69999999 in f32: bin 6 of 10, residual ~1).
  for (int i = 0; i <= 1000; ++i) us.push_back(static_cast<float>(i / 1000.0));
  const int64_t p = static_cast<int64_t>(us.size());
  const Tensor u = tensor_from(us, {1, 1, p});
  const Tensor mask = ones({1, 1, p}, DType::u8);
  for (int64_t k : {1, 2, 4, 10, 20, 40, 60}) {
    SCOPED_TRACE("K = " + std::to_string(k));
    const QuantizedTargets t = quantize_targets(u, mask, k);
    const std::vector<double> q = t.bin.to_vector(), r = t.residual.to_vector(),
                              lab = t.label.to_vector();
    std::vector<int64_t> qi, li;
    std::vector<float> rf;
    for (int64_t i = 0; i < p; ++i) {
      // q = floor(u K) clamped to K - 1; r = u K - q in [0, 1] (1 only at u = 1).
      const int64_t expect_q =
          std::min<int64_t>(static_cast<int64_t>(std::floor(us[i] * k)), k - 1);
      ASSERT_EQ(q[i], expect_q) << "u = " << us[i];
      ASSERT_EQ(lab[i], expect_q + 1);
      ASSERT_NEAR(r[i], us[i] * k - expect_q, 1e-5);
      ASSERT_GE(r[i], 0.0);
      ASSERT_LE(r[i], 1.0);
      qi.push_back(expect_q);
      li.push_back(expect_q + 1);
      rf.push_back(static_cast<float>(r[i]));
    }
    Tensor logits, residuals;
    plant(li, qi, rf, k, &logits, &residuals);
    const std::vector<double> hard =
        quantized_decode(logits, residuals, QuantizedDecode::kHard).to_vector();
    const std::vector<double> soft =
        quantized_decode(logits, residuals, QuantizedDecode::kSoft).to_vector();
    const std::vector<double> oracle =
        quantized_decode(logits, residuals, QuantizedDecode::kOracle, t.bin).to_vector();
    const std::vector<double> bins =
        quantized_decode(logits, residuals, QuantizedDecode::kBins).to_vector();
    for (int64_t i = 0; i < p; ++i) {
      ASSERT_NEAR(hard[i], us[i], 2e-6) << "hard, u = " << us[i];
      ASSERT_NEAR(oracle[i], us[i], 2e-6) << "oracle, u = " << us[i];
      // With a margin of 20 the softmax puts e^-20 per wrong bin: within K e^-20 of the hard.
      ASSERT_NEAR(soft[i], us[i], 1e-6 + k * std::exp(-20.0)) << "soft, u = " << us[i];
      // Bin centres: off by at most half a bin.
      ASSERT_NEAR(bins[i], (qi[i] + 0.5) / k, 1e-6);
      ASSERT_LE(std::abs(bins[i] - us[i]), 0.5 / k + 1e-6);
    }
  }
}

TEST(QuantizedRegression, BackgroundAndClamping) {
  const Tensor u = tensor_from({-0.2, 1.3, 0.55, 0.55}, {1, 2, 2});
  const Tensor mask = tensor_from({1, 1, 0, 1}, {1, 2, 2}, DType::u8);
  const QuantizedTargets t = quantize_targets(u, mask, 4);
  EXPECT_EQ(t.bin.to_vector(), (std::vector<double>{0, 3, 0, 2}));
  EXPECT_EQ(t.label.to_vector(), (std::vector<double>{1, 4, 0, 3}));
  const std::vector<double> r = t.residual.to_vector();
  EXPECT_NEAR(r[0], 0.0, 1e-6);  // clamped to u = 0
  EXPECT_NEAR(r[1], 1.0, 1e-6);  // clamped to u = 1: last bin, r = 1
  EXPECT_EQ(r[2], 0.0);          // background
  EXPECT_NEAR(r[3], 0.2, 1e-5);  // 0.55 * 4 = 2.2
}

TEST(QuantizedRegression, SoftDecodeIsTheMixture) {
  // K = 2, one pixel: bin logits (background 5, bins 0 and log 3) -> p = (1/4, 3/4) over the bins.
  const Tensor logits = tensor_from({5.0, 0.0, std::log(3.0)}, {1, 3, 1, 1});
  const Tensor residuals = tensor_from({0.2, 0.6}, {1, 2, 1, 1});
  const double soft = quantized_decode(logits, residuals, QuantizedDecode::kSoft).item<double>();
  EXPECT_NEAR(soft, 0.25 * 0.5 * (0 + 0.2) + 0.75 * 0.5 * (1 + 0.6), 1e-6);
  const double hard = quantized_decode(logits, residuals, QuantizedDecode::kHard).item<double>();
  EXPECT_NEAR(hard, 0.5 * (1 + 0.6), 1e-6);  // the background logit does not take part
  EXPECT_EQ(predicted_foreground(logits).to_vector(), std::vector<double>{0});
}

TEST(QuantizedRegression, LossesEqualHandComputation) {
  // K = 2, a 1×2×2 map: pixels u = 0.3, 0.8 (foreground), 0.6 (background), 1.0 (foreground).
  const int64_t k = 2;
  const Tensor u = tensor_from({0.3, 0.8, 0.6, 1.0}, {1, 2, 2});
  const Tensor mask = tensor_from({1, 1, 0, 1}, {1, 2, 2}, DType::u8);
  // Logits [1, 3, 2, 2] and residuals [1, 2, 2, 2], channel-major.
  const std::vector<double> lg{0.5,  -1.0, 2.0,  0.0,   // class 0 (background)
                               1.5,  0.2,  -0.5, 1.0,   // class 1 (bin 0)
                               -0.3, 2.5,  0.1,  0.4};  // class 2 (bin 1)
  const std::vector<double> rs{0.9, 0.1, 0.3, 0.2,      // bin 0's residual
                               0.4, 0.7, 0.5, -0.6};    // bin 1's residual
  const Tensor logits = tensor_from(lg, {1, 3, 2, 2});
  const Tensor residuals = tensor_from(rs, {1, 2, 2, 2});
  const QuantizedTargets t = quantize_targets(u, mask, k);
  const QuantizedLosses l = quantized_regression_losses(logits, residuals, t, 1.0);
  // By hand: labels (1, 2, 0, 2); bins (0, 1, -, 1); r = (0.6, 0.6, -, 1.0).
  const int label[4] = {1, 2, 0, 2};
  double ce = 0;
  for (int p = 0; p < 4; ++p) {
    double z = 0;
    for (int c = 0; c < 3; ++c) z += std::exp(lg[c * 4 + p]);
    ce += std::log(z) - lg[label[p] * 4 + p];
  }
  ce /= 4;
  // Residual channel of the ground-truth bin: pixel 0 bin 0 -> 0.9, pixel 1 bin 1 -> 0.7,
  // pixel 3 bin 1 -> -0.6; the loss compares them in coordinate units (times d = 1/2).
  // Smooth L1 (beta 1): 0.5 x^2 for |x| < 1, else |x| - 0.5.
  auto sl1 = [](double x) { return std::abs(x) < 1 ? 0.5 * x * x : std::abs(x) - 0.5; };
  const double d = 0.5;
  const double res = (sl1(d * (0.9 - 0.6)) + sl1(d * (0.7 - 0.6)) + sl1(d * (-0.6 - 1.0))) / 3;
  EXPECT_EQ(l.foreground, 3);
  EXPECT_NEAR(l.classification.item<double>(), ce, 1e-5);
  EXPECT_NEAR(l.residual.item<double>(), res, 1e-6);
  EXPECT_NEAR(res, (0.01125 + 0.00125 + 0.32) / 3, 1e-12);  // the hand numbers themselves
  // L1 (beta 0).
  const QuantizedLosses l1 = quantized_regression_losses(logits, residuals, t, 0.0);
  EXPECT_NEAR(l1.residual.item<double>(), (0.15 + 0.05 + 0.8) / 3, 1e-6);
}

TEST(QuantizedRegression, EmptyForegroundGivesZeroResidual) {
  const Tensor u = full({1, 2, 2}, 0.5);
  const QuantizedTargets t = quantize_targets(u, zeros({1, 2, 2}, DType::u8), 3);
  Tensor logits = zeros({1, 4, 2, 2}), residuals = zeros({1, 3, 2, 2});
  residuals.set_requires_grad(true);
  const QuantizedLosses l = quantized_regression_losses(logits, residuals, t);
  EXPECT_EQ(l.foreground, 0);
  EXPECT_EQ(l.residual.item<double>(), 0.0);
  l.residual.backward();
  EXPECT_EQ(residuals.grad().to_vector(), std::vector<double>(12, 0.0));
}

TEST(QuantizedRegression, Errors) {
  const Tensor u = zeros({1, 2, 2}), m = ones({1, 2, 2}, DType::u8);
  expect_error([&] { quantize_targets(u, m, 0); }, {"quantize_targets", "K", ">= 1", "0"});
  expect_error(
      [&] {
        quantize_targets(zeros({2, 2}), zeros({2, 2}), 2);
      },
      {"quantize_targets", "u", "[N, H, W]", "[2, 2]"});
  expect_error([&] { quantize_targets(u, ones({1, 2, 3}), 2); }, {"same shape", "[1, 2, 3]"});
  expect_error(
      [&] {
        quantized_decode(zeros({1, 3, 2, 2}), zeros({1, 3, 2, 2}), QuantizedDecode::kHard);
      },
      {"quantized_decode", "residuals", "[1, 2, 2, 2]", "[1, 3, 2, 2]"});
  expect_error(
      [&] {
        quantized_decode(zeros({1, 3, 2, 2}), zeros({1, 2, 2, 2}), QuantizedDecode::kOracle);
      },
      {"quantized_decode", "bin", "oracle"});
  const QuantizedTargets t = quantize_targets(zeros({1, 3, 3}), ones({1, 3, 3}), 2);
  expect_error(
      [&] {
        quantized_regression_losses(zeros({1, 3, 2, 2}), zeros({1, 2, 2, 2}), t);
      },
      {"quantized_regression_losses", "targets", "[1, 3, 3]", "[1, 2, 2]"});
}

}  // namespace
}  // namespace dc
