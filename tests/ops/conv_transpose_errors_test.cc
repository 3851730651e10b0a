// Wrong shapes, options and dtypes given to conv_transpose2d raise dc::Error whose message names
// the op, the offending shapes or values and what was expected.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ops/conv_transpose.h"
#include "ops/creation.h"
#include "ops/reduce.h"
#include "tests/testing/expect_error.h"

namespace dc {
namespace {

TEST(ConvTransposeErrors, WrongRank) {
  expect_error(
      [] {
        conv_transpose2d(zeros({1, 2, 4, 4}), zeros({2, 3, 3}));
      },
      {"conv_transpose2d", "4-D weight", "[2, 3, 3]"});
  expect_error(
      [] {
        conv_transpose2d(zeros({2, 4, 4}), zeros({2, 3, 3, 3}));
      },
      {"conv_transpose2d", "4-D input", "[2, 4, 4]"});
}

TEST(ConvTransposeErrors, ChannelMismatch) {
  // The weight's first dim is the input channel count.
  expect_error(
      [] {
        conv_transpose2d(zeros({1, 2, 4, 4}), zeros({3, 2, 3, 3}));
      },
      {"conv_transpose2d", "[3, 2, 3, 3]", "[1, 2, 4, 4]", "input channels"});
  expect_error(
      [] {
        conv_transpose2d(zeros({1, 2, 4, 4}), zeros({2, 3, 3, 3}), zeros({2}));
      },
      {"conv_transpose2d", "bias", "[3]", "f32[2]"});
}

TEST(ConvTransposeErrors, GroupsNotDividing) {
  expect_error(
      [] {
        conv_transpose2d(zeros({1, 3, 4, 4}), zeros({3, 2, 3, 3}), Tensor(), {1, 1}, {0, 0}, {0, 0},
                         {1, 1}, 2);
      },
      {"conv_transpose2d", "[1, 3, 4, 4]", "divisible by groups = 2"});
  expect_error(
      [] {
        conv_transpose2d(zeros({1, 2, 4, 4}), zeros({2, 2, 3, 3}), Tensor(), {1, 1}, {0, 0}, {0, 0},
                         {1, 1}, 0);
      },
      {"conv_transpose2d", "groups must be positive"});
}

TEST(ConvTransposeErrors, BadOutputPadding) {
  // output_padding 2 with stride 2 and dilation 1: neither is larger.
  expect_error(
      [] {
        conv_transpose2d(zeros({1, 2, 4, 4}), zeros({2, 2, 3, 3}), Tensor(), {2, 2}, {1, 1},
                         {2, 0});
      },
      {"conv_transpose2d", "output_padding (2, 0)", "stride (2, 2)", "dilation (1, 1)"});
  expect_error(
      [] {
        conv_transpose2d(zeros({1, 2, 4, 4}), zeros({2, 2, 3, 3}), Tensor(), {1, 1}, {0, 0},
                         {0, -1});
      },
      {"conv_transpose2d", "output_padding (0, -1)"});
  // Allowed when below the dilation, as in PyTorch: Ho = 3 - 2 + 4 + 1 + 1 = 7.
  const Tensor y = conv_transpose2d(zeros({1, 2, 4, 4}), zeros({2, 2, 3, 3}), Tensor(), {1, 1},
                                    {1, 1}, {1, 1}, {2, 2});
  EXPECT_EQ(y.sizes(), Shape({1, 2, 7, 7}));
}

TEST(ConvTransposeErrors, NegativeOutputSize) {
  // (2-1)*1 - 2*3 + 1*(3-1) + 0 + 1 = -2.
  expect_error(
      [] {
        conv_transpose2d(zeros({1, 2, 2, 2}), zeros({2, 2, 3, 3}), Tensor(), {1, 1}, {3, 3});
      },
      {"conv_transpose2d", "output size (-2, -2)", "not positive", "[1, 2, 2, 2]",
       "padding (3, 3)"});
  // Exactly zero is rejected too: (2-1)*1 - 2*1 + 0 + 0 + 1 = 0 rows.
  expect_error(
      [] {
        conv_transpose2d(zeros({1, 2, 2, 2}), zeros({2, 2, 1, 1}), Tensor(), {1, 1}, {1, 0});
      },
      {"conv_transpose2d", "output size (0, 2)"});
}

TEST(ConvTransposeErrors, BadOptionsAndDtypes) {
  expect_error(
      [] {
        conv_transpose2d(zeros({1, 2, 4, 4}), zeros({2, 2, 3, 3}), Tensor(), {0, 1});
      },
      {"conv_transpose2d", "stride must be positive", "(0, 1)"});
  expect_error(
      [] {
        conv_transpose2d(zeros({1, 2, 4, 4}), zeros({2, 2, 3, 3}), Tensor(), {1, 1}, {-1, 0});
      },
      {"conv_transpose2d", "padding must be non-negative", "(-1, 0)"});
  expect_error(
      [] {
        conv_transpose2d(zeros({1, 2, 4, 4}), zeros({2, 2, 3, 3}), Tensor(), {1, 1}, {0, 0}, {0, 0},
                         {1, 0});
      },
      {"conv_transpose2d", "dilation must be positive", "(1, 0)"});
  expect_error(
      [] {
        conv_transpose2d(zeros({1, 2, 4, 4}), zeros({2, 2, 3, 3}, DType::f64));
      },
      {"conv_transpose2d", "f32[1, 2, 4, 4]", "f64[2, 2, 3, 3]"});
  expect_error(
      [] {
        conv_transpose2d(zeros({1, 2, 4, 4}, DType::i64), zeros({2, 2, 3, 3}, DType::i64));
      },
      {"conv_transpose2d", "floating", "i64[1, 2, 4, 4]"});
  expect_error(
      [] {
        conv_transpose2d(zeros({1, 2, 0, 4}), zeros({2, 2, 3, 3}));
      },
      {"conv_transpose2d", "non-empty", "[1, 2, 0, 4]"});
}

TEST(ConvTransposeErrors, EmptyBatchGivesEmptyOutputAndZeroGradients) {
  Tensor x = zeros({0, 2, 3, 3}).set_requires_grad(true);
  Tensor w = randn({2, 3, 3, 3}).set_requires_grad(true);
  Tensor b = randn({3}).set_requires_grad(true);
  Tensor y = conv_transpose2d(x, w, b, {2, 2}, {1, 1}, {1, 1});
  EXPECT_EQ(y.sizes(), Shape({0, 3, 6, 6}));
  sum(y).backward();
  EXPECT_EQ(w.grad().sizes(), w.sizes());
  for (double v : w.grad().to_vector()) EXPECT_EQ(v, 0.0);
  for (double v : b.grad().to_vector()) EXPECT_EQ(v, 0.0);
}

}  // namespace
}  // namespace dc
