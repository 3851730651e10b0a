// dropout: PyTorch's random stream differs from our Philox one, so instead of an oracle these
// tests check the distribution (fraction of zeros within a binomial bound), the inverted scaling,
// reproducibility for a seed and across thread counts, that backward reuses the forward's mask,
// the identity / all-zero special cases and the bad-p errors.
#include "ops/dropout.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/thread_pool.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"

namespace dc {
namespace {

int64_t count_zeros(const Tensor& t) {
  int64_t z = 0;
  for (double v : t.to_vector()) z += v == 0.0;
  return z;
}

TEST(Dropout, FractionOfZerosIsWithinBinomialBound) {
  for (DType dt : {DType::f32, DType::f64}) {
    for (double p : {0.1, 0.3, 0.5, 0.9}) {
      const int64_t n = 200003;  // not a multiple of 4: the last Philox block is partial
      Generator gen(1234);
      const Tensor y = dropout(ones({n}, dt), p, true, gen);
      const double zeros = static_cast<double>(count_zeros(y));
      const double sd = std::sqrt(n * p * (1 - p));
      // 5 standard deviations: a false failure has probability below 1e-6.
      EXPECT_NEAR(zeros, n * p, 5 * sd) << "p = " << p << ", dtype " << dtype_name(dt);
    }
  }
}

TEST(Dropout, KeptElementsAreScaledByInverseKeepProbability) {
  Generator data(5);
  const Tensor x = randn({4, 1000}, DType::f32, data);
  Generator gen(7);
  const double p = 0.25;
  const Tensor y = dropout(x, p, true, gen);
  const std::vector<double> xv = x.to_vector(), yv = y.to_vector();
  int64_t kept = 0;
  for (size_t i = 0; i < xv.size(); ++i) {
    if (yv[i] == 0.0) continue;
    ++kept;
    EXPECT_FLOAT_EQ(yv[i], static_cast<float>(xv[i] * (1.0f / 0.75f))) << "element " << i;
  }
  EXPECT_GT(kept, 2000);  // about 3000 are kept; the loop above really checked something
}

TEST(Dropout, SameSeedSameMaskAcrossCallsAndThreadCounts) {
  const Tensor x = ones({3, 5, 77});
  Generator a(42), b(42), c(43);
  const Tensor ya = dropout(x, 0.5, true, a);
  const int threads = num_threads();
  set_num_threads(1);
  const Tensor yb = dropout(x, 0.5, true, b);
  set_num_threads(threads);
  EXPECT_EQ(ya.to_vector(), yb.to_vector());
  EXPECT_NE(ya.to_vector(), dropout(x, 0.5, true, c).to_vector());
  // The generator advanced by one counter per four elements, so the next draw differs.
  EXPECT_EQ(a.offset(), static_cast<uint64_t>((x.numel() + 3) / 4));
  EXPECT_NE(ya.to_vector(), dropout(x, 0.5, true, a).to_vector());
}

TEST(Dropout, NonContiguousInputUsesLogicalElementOrder) {
  Generator data(3);
  const Tensor base = randn({6, 9}, DType::f64, data);
  const Tensor xt = base.transpose(0, 1);  // non-contiguous [9, 6]
  ASSERT_FALSE(xt.is_contiguous());
  Generator a(11), b(11);
  EXPECT_EQ(dropout(xt, 0.4, true, a).to_vector(),
            dropout(xt.contiguous(), 0.4, true, b).to_vector());
}

TEST(Dropout, BackwardUsesTheForwardMask) {
  Generator data(9);
  Tensor x = randn({8, 333}, DType::f64, data);
  x.set_requires_grad(true);
  const Tensor g = randn({8, 333}, DType::f64, data);
  Generator gen(21);
  const Tensor y = dropout(x, 0.6, true, gen);
  y.backward(g);
  const std::vector<double> xv = x.to_vector(), yv = y.to_vector(), gv = g.to_vector(),
                            dx = x.grad().to_vector();
  int64_t checked = 0;
  for (size_t i = 0; i < xv.size(); ++i) {
    if (xv[i] == 0.0) continue;
    // grad_x = g * mask and mask = y / x: zero where dropped, g / (1 - p) where kept.
    EXPECT_NEAR(dx[i], gv[i] * (yv[i] / xv[i]), 1e-12) << "element " << i;
    EXPECT_TRUE(yv[i] == 0.0 ? dx[i] == 0.0 : std::abs(dx[i] - gv[i] / 0.4) < 1e-12);
    ++checked;
  }
  EXPECT_EQ(checked, x.numel());
}

TEST(Dropout, EvalAndZeroProbabilityAreIdentityAndDrawNothing) {
  Generator data(1);
  const Tensor x = randn({5, 4}, DType::f32, data);
  Generator gen(2);
  EXPECT_TRUE(dropout(x, 0.5, /*training=*/false, gen).same(x));
  EXPECT_TRUE(dropout(x, 0.0, /*training=*/true, gen).same(x));
  EXPECT_EQ(gen.offset(), 0u);
}

TEST(Dropout, ProbabilityOneGivesZerosAndZeroGradient) {
  Generator data(4);
  Tensor x = randn({3, 7}, DType::f64, data);
  x.set_requires_grad(true);
  Generator gen(2);
  const Tensor y = dropout(x, 1.0, true, gen);
  EXPECT_EQ(count_zeros(y), y.numel());
  sum(y).backward();
  EXPECT_EQ(count_zeros(x.grad()), x.numel());
}

TEST(Dropout, RejectsProbabilityOutsideUnitIntervalAndIntegerInput) {
  Generator gen(0);
  for (double p : {-0.1, 1.5}) {
    try {
      dropout(ones({4}), p, true, gen);
      ADD_FAILURE() << "expected dc::Error for p = " << p;
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("dropout"), std::string::npos) << msg;
      EXPECT_NE(msg.find("[0, 1]"), std::string::npos) << msg;
    }
  }
  EXPECT_THROW(dropout(ones({4}, DType::i64), 0.5, true, gen), Error);
}

}  // namespace
}  // namespace dc
