// The gradient-ready hook (autograd/grad_ready.h): called once per reached leaf, after the leaf's
// last gradient of the pass was accumulated (so .grad is already final), in execution order,
// only while a scope is installed; plus GradSync's bucket plan and its single-rank pass.
// (Vector losses with explicit ones as grad_output: ops/reduce.h's dc::ReduceOp clashes with
// train/dist/comm.h's, so this file includes only the latter.)
#include "autograd/grad_ready.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "ops/creation.h"
#include "ops/elementwise.h"
#include "train/grad_sync.h"

namespace dc {
namespace {

Tensor leaf(std::vector<double> v) {
  Tensor t = tensor_from(v, {static_cast<int64_t>(v.size())});
  t.set_requires_grad(true);
  return t;
}

TEST(GradReadyHook, FiresOncePerLeafWithTheFinalGradient) {
  // loss = a * b + a * a + c * x: a receives three gradients (b, a, a), b one (a), c one (x);
  // x does not require grad and is never reported.
  Tensor a = leaf({1, 2}), b = leaf({3, 4}), c = leaf({5, 6});
  Tensor x = tensor_from({7.0, 8.0}, {2});
  Tensor loss = add(add(mul(a, b), mul(a, a)), mul(c, x));
  std::map<const TensorImpl*, int> calls;
  std::map<const TensorImpl*, std::vector<double>> grad_at_call;
  std::vector<const TensorImpl*> order;
  {
    GradReadyHookScope scope([&](const Tensor& t) {
      ++calls[t.impl()];
      order.push_back(t.impl());
      grad_at_call[t.impl()] = t.grad().to_vector();
    });
    loss.backward(ones({2}));
  }
  EXPECT_EQ(calls.size(), 3u);
  for (const Tensor* t : {&a, &b, &c}) EXPECT_EQ(calls[t->impl()], 1);
  // d/da = b + 2a = [5, 8]; d/db = a; d/dc = x: already complete when the hook ran.
  EXPECT_EQ(grad_at_call[a.impl()], (std::vector<double>{5, 8}));
  EXPECT_EQ(grad_at_call[b.impl()], (std::vector<double>{1, 2}));
  EXPECT_EQ(grad_at_call[c.impl()], (std::vector<double>{7, 8}));
  EXPECT_EQ(a.grad().to_vector(), (std::vector<double>{5, 8}));

  // Without a scope nothing is called, and gradients accumulate as before.
  mul(c, x).backward(ones({2}));
  EXPECT_EQ(calls[c.impl()], 1);
  EXPECT_EQ(c.grad().to_vector(), (std::vector<double>{14, 16}));
}

TEST(GradReadyHook, RootLeafAndNestedScopes) {
  Tensor a = leaf({2});
  int outer = 0, inner = 0;
  GradReadyHookScope s1([&](const Tensor&) { ++outer; });
  {
    GradReadyHookScope s2([&](const Tensor&) { ++inner; });
    a.backward();  // a leaf root: final at once
  }
  EXPECT_EQ(inner, 1);
  EXPECT_EQ(outer, 0);
  mul(a, a).backward();
  EXPECT_EQ(outer, 1);
  EXPECT_EQ(a.grad().to_vector(), (std::vector<double>{5}));  // 1 + 2a
}

TEST(GradSync, BucketsInReverseOrderAndSingleRankPassKeepsGradients) {
  CommOptions o;
  o.backend = CommBackend::single;
  auto comm = make_communicator(o);
  // f32 sizes 4, 4, 2 (16, 16, 8 bytes) with 24-byte buckets, reversed: {2, 1}, {0}.
  Tensor p0 = leaf({1, 1, 1, 1}), p1 = leaf({1, 2, 3, 4}), p2 = leaf({5, 6});
  GradSyncOptions gso;
  gso.bucket_bytes = 24;
  GradSync sync(comm, {p0, p1, p2}, {"p0", "p1", "p2"}, gso);
  ASSERT_EQ(sync.buckets().size(), 2u);
  EXPECT_EQ(sync.buckets()[0], (std::vector<size_t>{2, 1}));
  EXPECT_EQ(sync.buckets()[1], (std::vector<size_t>{0}));
  sync.begin();
  mul(p1, p1).backward(ones({4}));  // p0 and p2 unused: they get zero gradients
  sync.end();
  EXPECT_EQ(p1.grad().to_vector(), (std::vector<double>{2, 4, 6, 8}));
  EXPECT_EQ(p0.grad().to_vector(), (std::vector<double>{0, 0, 0, 0}));
  EXPECT_EQ(p2.grad().to_vector(), (std::vector<double>{0, 0}));
  EXPECT_EQ(comm->stats().collectives, 2);  // one per bucket
  EXPECT_THROW(sync.end(), Error);
}

}  // namespace
}  // namespace dc
