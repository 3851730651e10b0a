// Philox known answers, determinism, and the distributions of rand/randn/randint/bernoulli.
#include <gtest/gtest.h>

#include <cmath>

#include "core/philox.h"
#include "ops/creation.h"

namespace dc {
namespace {

TEST(Philox, KnownAnswersFromRandom123) {
  // philox4x32_10 test vectors of the Random123 distribution (kat_vectors).
  EXPECT_EQ(philox4x32_10({0, 0, 0, 0}, {0, 0}),
            (std::array<uint32_t, 4>{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(
      philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}),
      (std::array<uint32_t, 4>{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(
      philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
      (std::array<uint32_t, 4>{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(Random, SameSeedSameValuesAndStateResumes) {
  Generator a(42), b(42);
  EXPECT_EQ(randn({100}, DType::f32, a).to_vector(), randn({100}, DType::f32, b).to_vector());
  // Restoring (seed, offset) continues the stream exactly: what a checkpoint relies on.
  Generator c(7);
  randn({10}, DType::f32, c);
  const uint64_t off = c.offset();
  const auto next = rand({5}, DType::f32, c).to_vector();
  Generator d(0);
  d.set_state(7, off);
  EXPECT_EQ(rand({5}, DType::f32, d).to_vector(), next);
}

TEST(Random, ValuesDoNotDependOnThreadSplit) {
  // Element i depends only on (seed, offset + i): one draw of 2n equals two draws of n.
  Generator a(3), b(3);
  const auto whole = rand({2000}, DType::f64, a).to_vector();
  auto first = rand({1000}, DType::f64, b).to_vector();
  const auto second = rand({1000}, DType::f64, b).to_vector();
  first.insert(first.end(), second.begin(), second.end());
  EXPECT_EQ(whole, first);
}

TEST(Random, DistributionMoments) {
  Generator g(1);
  const auto u = rand({200000}, DType::f64, g).to_vector();
  double mu = 0, lo = 1, hi = 0;
  for (double v : u) {
    mu += v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  mu /= u.size();
  EXPECT_NEAR(mu, 0.5, 0.005);
  EXPECT_GE(lo, 0.0);
  EXPECT_LT(hi, 1.0);
  const auto n = randn({200000}, DType::f64, g).to_vector();
  double m1 = 0, m2 = 0;
  for (double v : n) {
    m1 += v;
    m2 += v * v;
  }
  m1 /= n.size();
  m2 /= n.size();
  EXPECT_NEAR(m1, 0.0, 0.01);
  EXPECT_NEAR(m2, 1.0, 0.01);
}

TEST(Random, RandintRangeAndBernoulli) {
  Generator g(5);
  const auto r = randint(-3, 4, {10000}, DType::i64, g).to_vector();
  std::vector<int> hist(7, 0);
  for (double v : r) {
    ASSERT_GE(v, -3);
    ASSERT_LT(v, 4);
    ++hist[static_cast<int>(v) + 3];
  }
  for (int h : hist) EXPECT_NEAR(h, 10000 / 7.0, 150);
  EXPECT_THROW(randint(2, 2, {3}), Error);
  const auto b = bernoulli(full({20000}, 0.3, DType::f32), g).to_vector();
  double s = 0;
  for (double v : b) {
    ASSERT_TRUE(v == 0 || v == 1);
    s += v;
  }
  EXPECT_NEAR(s / b.size(), 0.3, 0.01);
  EXPECT_THROW(bernoulli(full({2}, 1.5)), Error);
}

}  // namespace
}  // namespace dc
