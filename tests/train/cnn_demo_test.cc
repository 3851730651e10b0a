// The quickstart demo as an integration test of conv2d/relu/max_pool2d/linear/cross_entropy and
// autograd: a shortened training must learn the generated task.
#include "train/cnn_demo.h"

#include <gtest/gtest.h>

#include <set>

namespace dc {
namespace demo {
namespace {

TEST(CnnDemo, GeneratedDataIsDeterministicAndCoversAllClasses) {
  std::vector<float> a, b;
  std::vector<int64_t> la, lb;
  generate_shapes(7, 64, &a, &la);
  generate_shapes(7, 64, &b, &lb);
  EXPECT_EQ(a, b);
  EXPECT_EQ(la, lb);
  ASSERT_EQ(a.size(), 64u * 16 * 16);
  EXPECT_EQ(std::set<int64_t>(la.begin(), la.end()), (std::set<int64_t>{0, 1, 2, 3}));
  generate_shapes(8, 64, &b, &lb);
  EXPECT_NE(a, b);
}

TEST(CnnDemo, ShortTrainingLearnsTheTask) {
  CnnDemoOptions o;
  o.iters = 150;
  o.seed = 1;
  const CnnDemoResult r = run_cnn_demo(o);
  ASSERT_GE(r.loss_curve.size(), 2u);
  const double first = r.loss_curve.front().second;
  const double last = r.loss_curve.back().second;
  EXPECT_LT(last, 0.5 * first) << "loss went from " << first << " to " << last;
  EXPECT_GT(r.test_accuracy, 0.9);
}

}  // namespace
}  // namespace demo
}  // namespace dc
