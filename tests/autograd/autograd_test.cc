// The autograd engine: accumulation, retain_graph, NoGradGuard, requires_grad propagation, graphs
// with shared subexpressions and views, and gradcheck itself.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/gradcheck.h"
#include "autograd/node.h"
#include "core/copy.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"

namespace dc {
namespace {

Tensor leaf(const std::vector<double>& v, const Shape& s, DType t = DType::f64) {
  Tensor x = tensor_from(v, s, t);
  x.set_requires_grad(true);
  return x;
}

TEST(Autograd, ClosedFormGradient) {
  // d/dx sum(x^2 * 3 + x) = 6x + 1
  Tensor x = leaf({1, -2, 0.5}, {3});
  sum(square(x) * 3.0 + x).backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{7, -11, 4}));
}

TEST(Autograd, GradientsAccumulateOverTwoBackwards) {
  Tensor x = leaf({1, 2}, {2});
  sum(x * x).backward();
  sum(x * 3.0).backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{5, 7}));
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autograd, SecondBackwardWithoutRetainGraphFails) {
  Tensor x = leaf({1, 2}, {2});
  Tensor y = sum(exp(x));
  y.backward();
  try {
    y.backward();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("retain_graph"), std::string::npos) << e.what();
  }
}

TEST(Autograd, RetainGraphAllowsSecondBackward) {
  Tensor x = leaf({0.5}, {1});
  Tensor y = sum(exp(x));
  y.backward(Tensor(), /*retain_graph=*/true);
  y.backward();
  EXPECT_NEAR(x.grad().item<double>(), 2 * std::exp(0.5), 1e-12);
}

TEST(Autograd, NoGradGuardRecordsNothing) {
  Tensor x = leaf({1, 2}, {2});
  {
    NoGradGuard g;
    Tensor y = x * 2.0;
    EXPECT_FALSE(y.requires_grad());
    EXPECT_FALSE(y.grad_fn());
  }
  Tensor z = x * 2.0;
  EXPECT_TRUE(z.requires_grad());
  EXPECT_FALSE(z.is_leaf());
  EXPECT_EQ(z.grad_fn()->name(), "mul");
}

TEST(Autograd, RequiresGradPropagation) {
  Tensor a = leaf({1}, {1});
  Tensor b = tensor_from({2}, {1}, DType::f64);
  EXPECT_TRUE((a + b).requires_grad());
  EXPECT_FALSE((b + b).requires_grad());
  EXPECT_FALSE(gt(a, b).requires_grad());  // comparisons are not differentiable
  EXPECT_FALSE(a.detach().requires_grad());
  EXPECT_THROW((a * 2.0).set_requires_grad(false), Error);
  EXPECT_THROW(tensor_from({1}, {1}, DType::i64).set_requires_grad(true), Error);
}

TEST(Autograd, SharedSubexpressionRunsOnceWithSummedGradient) {
  // y = u * u + u with u = exp(x): dy/dx = (2u + 1) u
  Tensor x = leaf({0.3, -0.2}, {2});
  Tensor u = exp(x);
  sum(u * u + u).backward();
  const auto g = x.grad().to_vector();
  for (int i = 0; i < 2; ++i) {
    const double uv = std::exp(i == 0 ? 0.3 : -0.2);
    EXPECT_NEAR(g[i], (2 * uv + 1) * uv, 1e-12);
  }
}

TEST(Autograd, ThroughViews) {
  Tensor x = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  // Each element's gradient is the number of times it appears in the views, times the weight.
  Tensor y = sum(x.transpose(0, 1).select(0, 1)) * 2.0 + sum(x.slice(1, 0, 3, 2)) +
             sum(x.view({3, 2}).narrow(0, 2, 1));
  y.backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{1, 2, 1, 1, 2 + 1, 1 + 1}));
}

TEST(Autograd, BroadcastGradientIsSummed) {
  Tensor a = leaf({1, 2, 3}, {3});
  Tensor b = leaf({10, 20}, {2, 1});
  sum(a * b).backward();
  EXPECT_EQ(a.grad().to_vector(), (std::vector<double>{30, 30, 30}));
  EXPECT_EQ(b.grad().to_vector(), (std::vector<double>{6, 6}));
}

TEST(Autograd, BackwardNeedsScalarOrGradOutput) {
  Tensor x = leaf({1, 2}, {2});
  Tensor y = x * 2.0;
  EXPECT_THROW(y.backward(), Error);
  y.backward(tensor_from({1, -1}, {2}, DType::f64));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{2, -2}));
  EXPECT_THROW(tensor_from({1}, {1}).backward(), Error);  // nothing requires grad
}

TEST(Autograd, LeafGradIsPrivateCopy) {
  Tensor x = leaf({1, 2}, {2});
  Tensor g = tensor_from({5, 6}, {2}, DType::f64);
  (x * 1.0).backward(g);
  fill_(g, 0.0);  // changing the caller's tensor must not change x.grad
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{5, 6}));
}

TEST(Gradcheck, DetectsAWrongGradient) {
  Tensor x = leaf({0.1, 0.2, 0.3}, {3});
  // sign(x) * x has gradient sign(x) analytically but sign has no gradient, so autograd returns
  // zero: gradcheck must flag it.
  GradcheckResult bad = gradcheck(
      [](const std::vector<Tensor>& v) { return mul(v[0], sign(v[0]).detach()) * v[0]; }, {x});
  EXPECT_TRUE(bad.ok);  // sign(x) is constant here: d/dx (s * x * x) = 2 s x, correct
  GradcheckResult wrong = gradcheck(
      [](const std::vector<Tensor>& v) { return v[0].detach() * v[0]; }, {x});  // drops one term
  EXPECT_FALSE(wrong.ok);
  EXPECT_NE(wrong.message.find("element 0"), std::string::npos) << wrong.message;
}

TEST(Gradcheck, AcceptsCorrectCompositeAndRejectsF32) {
  Tensor x = leaf({0.4, -0.7, 1.1, 0.2}, {2, 2});
  EXPECT_TRUE(gradcheck(
                  [](const std::vector<Tensor>& v) {
                    return tanh(v[0]) * sigmoid(v[0]) / (square(v[0]) + 1.0);
                  },
                  {x})
                  .ok);
  Tensor f = leaf({1}, {1}, DType::f32);
  EXPECT_THROW(gradcheck([](const std::vector<Tensor>& v) { return v[0]; }, {f}), Error);
}

}  // namespace
}  // namespace dc
