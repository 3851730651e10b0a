// Bad inputs to the pooling, normalization, softmax and loss ops throw dc::Error naming the op.
#include <gtest/gtest.h>

#include <string>

#include "ops/creation.h"
#include "ops/loss.h"
#include "ops/norm.h"
#include "ops/pool.h"
#include "ops/softmax.h"
#include "tests/testing/expect_error.h"

namespace dc {
namespace {

TEST(PoolErrors, MaxPoolRejectsWrongRankAndDtype) {
  EXPECT_THROW(max_pool2d(zeros({4, 4}), {2, 2}), Error);
  expect_error([] { max_pool2d(zeros({4, 4}), {2, 2}); }, {"max_pool2d", "f32[4, 4]"});
  expect_error([] { max_pool2d(zeros({1, 1, 4, 4}, DType::i64), {2, 2}); }, {"max_pool2d", "i64"});
  expect_error([] { max_pool2d(zeros({1, 1, 2, 2}), {3, 3}); }, {"max_pool2d", "too small"});
  expect_error(
      [] {
        max_pool2d(zeros({1, 1, 8, 8}), {2, 2}, {2, 2}, {2, 2});
      },
      {"max_pool2d", "padding"});
}

TEST(PoolErrors, AvgPoolRejectsWrongRankAndDtype) {
  expect_error([] { avg_pool2d(zeros({1, 1, 1, 4, 4}), {2, 2}); }, {"avg_pool2d", "4-D"});
  expect_error([] { avg_pool2d(zeros({1, 4, 4}, DType::i32), {2, 2}); }, {"avg_pool2d", "i32"});
  expect_error([] { avg_pool2d(zeros({1, 4, 4}), {0, 2}); }, {"avg_pool2d", "kernel"});
}

TEST(PoolErrors, AdaptiveAvgPoolRejectsBadInput) {
  expect_error([] { adaptive_avg_pool2d(zeros({4}), {2, 2}); }, {"adaptive_avg_pool2d"});
  expect_error(
      [] {
        adaptive_avg_pool2d(zeros({1, 4, 4}), {0, 2});
      },
      {"adaptive_avg_pool2d", "output size"});
}

TEST(NormErrors, BatchNormRejectsBadShapes) {
  expect_error([] { batch_norm(zeros({4}), Tensor(), Tensor(), Tensor(), Tensor(), true); },
               {"batch_norm", "f32[4]"});
  expect_error(
      [] {
        batch_norm(zeros({4, 3}), zeros({5}), Tensor(), Tensor(), Tensor(), true);
      },
      {"batch_norm", "weight", "f32[5]"});
  expect_error(
      [] {
        batch_norm(zeros({4, 3}, DType::i64), Tensor(), Tensor(), Tensor(), Tensor(), true);
      },
      {"batch_norm", "i64"});
  expect_error(
      [] {
        batch_norm(zeros({4, 3}), Tensor(), Tensor(), Tensor(), Tensor(), false);
      },
      {"batch_norm", "running"});
  expect_error(
      [] {
        batch_norm(zeros({1, 3}), Tensor(), Tensor(), Tensor(), Tensor(), true);
      },
      {"batch_norm", "more than 1 value"});
  expect_error(
      [] {
        batch_norm(zeros({4, 3}), Tensor(), Tensor(), zeros({2}), ones({3}), true);
      },
      {"batch_norm", "running_mean"});
}

TEST(SoftmaxErrors, RejectsBadDimAndDtype) {
  expect_error([] { softmax(zeros({2, 3}), 2); }, {"softmax"});
  expect_error([] { softmax(zeros({2, 3}, DType::i64), 1); }, {"softmax", "i64"});
  expect_error([] { log_softmax(zeros({2, 3}), -3); }, {"log_softmax"});
  expect_error([] { log_softmax(zeros({2, 3}, DType::b8), 0); }, {"log_softmax"});
}

TEST(LossErrors, CrossEntropyRejectsBadTargets) {
  expect_error(
      [] {
        cross_entropy(zeros({4, 3}), zeros({4}, DType::f32));
      },
      {"cross_entropy", "i64"});
  expect_error(
      [] {
        cross_entropy(zeros({4, 3}), zeros({5}, DType::i64));
      },
      {"cross_entropy", "i64[5]", "f32[4, 3]"});
  expect_error(
      [] {
        cross_entropy(zeros({4, 3}), zeros({4}, DType::i64), ones({4}));
      },
      {"cross_entropy", "weight"});
  expect_error(
      [] {
        cross_entropy(zeros({4, 3}), full({4}, 7, DType::i64));
      },
      {"cross_entropy", "target value 7"});
  expect_error(
      [] {
        cross_entropy(zeros({4, 3}), full({4}, -1, DType::i64));
      },
      {"cross_entropy", "target value -1"});
  expect_error([] { cross_entropy(zeros({4}), zeros({}, DType::i64)); }, {"cross_entropy"});
}

TEST(LossErrors, SmoothL1RejectsBadShapesAndMask) {
  expect_error(
      [] {
        smooth_l1_loss(zeros({4, 3}), zeros({3, 4}));
      },
      {"smooth_l1_loss", "f32[4, 3]", "f32[3, 4]"});
  expect_error(
      [] {
        smooth_l1_loss(zeros({4, 3}, DType::i64), zeros({4, 3}, DType::i64));
      },
      {"smooth_l1_loss", "i64"});
  expect_error(
      [] {
        smooth_l1_loss(zeros({4, 3}), zeros({4, 3}), -1.0);
      },
      {"smooth_l1_loss", "beta"});
  expect_error(
      [] {
        smooth_l1_loss(zeros({4, 3}), zeros({4, 3}), 1.0, ones({2, 3}));
      },
      {"smooth_l1_loss", "mask", "f32[2, 3]"});
  expect_error(
      [] {
        smooth_l1_loss(zeros({4, 3}), zeros({4, 3}), 1.0, zeros({4, 3}, DType::i64));
      },
      {"smooth_l1_loss", "mask"});
}

}  // namespace
}  // namespace dc
