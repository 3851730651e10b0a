// Bad inputs to frozen_batch_norm, instance_norm, group_norm, leaky_relu, dropout and the
// elementwise losses (BCE with logits, L1, MSE) throw dc::Error naming the op, the offending
// shapes or values, and what was expected.
#include <gtest/gtest.h>

#include <string>

#include "ops/creation.h"
#include "ops/dropout.h"
#include "ops/elementwise.h"
#include "ops/instance_group_norm.h"
#include "ops/loss.h"
#include "ops/norm.h"
#include "tests/testing/expect_error.h"

namespace dc {
namespace {

TEST(FrozenBatchNormErrors, RejectsMissingOrMisshapedStatistics) {
  const Tensor c3 = ones({3});
  expect_error([&] { frozen_batch_norm(zeros({4}), c3, c3, c3, c3); },
               {"frozen_batch_norm", "f32[4]", "at least 2 dims"});
  expect_error(
      [&] {
        frozen_batch_norm(zeros({2, 3, 4, 4}), c3, c3, Tensor(), c3);
      },
      {"frozen_batch_norm", "required"});
  expect_error(
      [&] {
        frozen_batch_norm(zeros({2, 3, 4, 4}), ones({4}), c3, c3, c3);
      },
      {"frozen_batch_norm", "weight", "f32[4]", "3 elements"});
  expect_error(
      [&] {
        frozen_batch_norm(zeros({2, 3, 4}, DType::i32), c3, c3, c3, c3);
      },
      {"frozen_batch_norm", "i32"});
  expect_error(
      [&] {
        frozen_batch_norm(zeros({2, 3, 4}), c3, c3, c3, c3, -1.0);
      },
      {"frozen_batch_norm", "eps"});
}

TEST(GroupNormErrors, RejectsGroupsThatDoNotDivideChannels) {
  expect_error(
      [] {
        group_norm(zeros({2, 6, 4}), 4);
      },
      {"group_norm", "num_groups", "6 channels", "f32[2, 6, 4]", "got 4"});
  expect_error([] { group_norm(zeros({2, 6, 4}), 0); }, {"group_norm", "num_groups"});
  expect_error([] { group_norm(zeros({6}), 1); }, {"group_norm", "f32[6]"});
  expect_error(
      [] {
        group_norm(zeros({2, 6, 4}), 2, ones({5}));
      },
      {"group_norm", "weight", "6 elements", "f32[5]"});
  expect_error([] { group_norm(zeros({2, 6}, DType::i64), 2); }, {"group_norm", "i64"});
}

TEST(InstanceNormErrors, RejectsBadShapesAndMissingRunningStats) {
  expect_error([] { instance_norm(zeros({2, 3})); }, {"instance_norm", "f32[2, 3]", "3 dims"});
  expect_error(
      [] {
        instance_norm(zeros({2, 3, 1}));
      },
      {"instance_norm", "more than 1 spatial element", "f32[2, 3, 1]"});
  expect_error(
      [] {
        instance_norm(zeros({2, 3, 4}), Tensor(), Tensor(), Tensor(), Tensor(), false);
      },
      {"instance_norm", "use_input_stats=false", "running_mean"});
  expect_error(
      [] {
        instance_norm(zeros({2, 3, 4}), Tensor(), Tensor(), ones({2}), ones({3}));
      },
      {"instance_norm", "running_mean", "f32[2]", "3 elements"});
  expect_error([] { instance_norm(zeros({2, 3, 4}, DType::i32)); }, {"instance_norm", "i32"});
}

TEST(LeakyReluErrors, RejectsIntegerInput) {
  expect_error([] { leaky_relu(zeros({3}, DType::i64)); }, {"leaky_relu", "i64"});
}

TEST(DropoutErrors, RejectsProbabilityOutsideUnitInterval) {
  Generator gen(0);
  expect_error([&] { dropout(ones({3}), 1.01, true, gen); }, {"dropout", "[0, 1]", "1.01"});
  expect_error([&] { dropout(ones({3}), -0.5, false, gen); }, {"dropout", "[0, 1]", "-0.5"});
  expect_error([&] { dropout(ones({3}, DType::i32), 0.5, true, gen); }, {"dropout", "i32"});
}

TEST(LossErrors, BceWithLogitsRejectsBadShapesAndWeights) {
  const char* op = "binary_cross_entropy_with_logits";
  expect_error(
      [] {
        binary_cross_entropy_with_logits(zeros({2, 3}), zeros({3, 2}));
      },
      {op, "f32[2, 3]", "f32[3, 2]", "same shape"});
  expect_error(
      [] {
        binary_cross_entropy_with_logits(zeros({2, 3}), zeros({2, 3}, DType::f64));
      },
      {op, "dtype"});
  expect_error(
      [] {
        binary_cross_entropy_with_logits(zeros({2, 3}), zeros({2, 3}), ones({2}));
      },
      {op, "weight", "f32[2]", "broadcast"});
  expect_error(
      [] {
        binary_cross_entropy_with_logits(zeros({2, 3}), zeros({2, 3}), Tensor(), ones({4}));
      },
      {op, "pos_weight", "f32[4]", "broadcast"});
  expect_error(
      [] {
        binary_cross_entropy_with_logits(zeros({2, 3}), zeros({2, 3}), Tensor(), Tensor(),
                                         ones({3, 3}));
      },
      {op, "mask", "f32[3, 3]", "broadcast"});
}

TEST(LossErrors, L1AndMseRejectBadShapesAndMasks) {
  expect_error([] { l1_loss(zeros({2, 3}), zeros({2})); }, {"l1_loss", "same shape"});
  expect_error(
      [] {
        mse_loss(zeros({2, 3}), zeros({2, 3}, DType::i64));
      },
      {"mse_loss", "floating", "i64"});
  expect_error(
      [] {
        mse_loss(zeros({2, 3}), zeros({2, 3}), ones({2}, DType::i32));
      },
      {"mse_loss", "mask", "bool or floating"});
  expect_error(
      [] {
        l1_loss(zeros({2, 3}), zeros({2, 3}), ones({4}));
      },
      {"l1_loss", "mask", "f32[4]", "broadcast"});
}

}  // namespace
}  // namespace dc
