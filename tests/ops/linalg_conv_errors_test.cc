// Wrong shapes and dtypes given to matmul, bmm, linear and conv2d raise dc::Error whose message
// names the op and the offending shapes.
#include <gtest/gtest.h>

#include <string>

#include "ops/conv.h"
#include "ops/creation.h"
#include "ops/linalg.h"
#include "tests/testing/expect_error.h"

namespace dc {
namespace {

TEST(LinalgErrors, MatmulInnerDimMismatch) {
  EXPECT_THROW(matmul(zeros({2, 3}), zeros({4, 5})), Error);
  expect_error([] { matmul(zeros({2, 3}), zeros({4, 5})); }, {"matmul", "[2, 3]", "[4, 5]"});
  expect_error([] { matmul(zeros({2, 2, 3}), zeros({3, 3, 4})); }, {"matmul", "[2, 2, 3]"});
  expect_error([] { matmul(zeros({}), zeros({3})); }, {"matmul"});
}

TEST(LinalgErrors, MatmulDtypeMismatch) {
  EXPECT_THROW(matmul(zeros({2, 3}), zeros({3, 4}, DType::f64)), Error);
  expect_error([] { matmul(zeros({2, 3}), zeros({3, 4}, DType::f64)); }, {"matmul", "f64[3, 4]"});
  expect_error(
      [] {
        matmul(zeros({2, 3}, DType::i64), zeros({3, 4}, DType::i64));
      },
      {"matmul", "i64[2, 3]"});
}

TEST(LinalgErrors, Bmm) {
  EXPECT_THROW(bmm(zeros({2, 3}), zeros({3, 4})), Error);
  expect_error([] { bmm(zeros({2, 3}), zeros({3, 4})); }, {"bmm", "[2, 3]", "3-D"});
  expect_error([] { bmm(zeros({2, 3, 4}), zeros({3, 4, 5})); }, {"bmm", "[2, 3, 4]", "[3, 4, 5]"});
  expect_error([] { bmm(zeros({2, 3, 4}), zeros({2, 5, 5})); }, {"bmm", "inner"});
  expect_error([] { bmm(zeros({2, 3, 4}), zeros({2, 4, 5}, DType::f64)); }, {"bmm", "dtype"});
}

TEST(LinalgErrors, Linear) {
  EXPECT_THROW(linear(zeros({5, 4}), zeros({3, 5})), Error);
  expect_error([] { linear(zeros({5, 4}), zeros({3, 5})); }, {"linear", "[5, 4]", "[3, 5]"});
  expect_error([] { linear(zeros({5, 4}), zeros({3, 4, 1})); }, {"linear", "[3, 4, 1]"});
  expect_error([] { linear(zeros({5, 4}), zeros({3, 4}), zeros({4})); }, {"linear", "bias", "[4]"});
  expect_error([] { linear(zeros({5, 4}), zeros({3, 4}, DType::f64)); }, {"linear", "f64"});
}

TEST(ConvErrors, Conv2dShapes) {
  EXPECT_THROW(conv2d(zeros({1, 3, 5, 5}), zeros({4, 2, 3, 3})), Error);
  expect_error(
      [] {
        conv2d(zeros({1, 3, 5, 5}), zeros({4, 2, 3, 3}));
      },
      {"conv2d", "[1, 3, 5, 5]", "[4, 2, 3, 3]"});
  expect_error(
      [] {
        conv2d(zeros({3, 5, 5}), zeros({4, 3, 3, 3}));
      },
      {"conv2d", "4-D", "[3, 5, 5]"});
  expect_error(
      [] {
        conv2d(zeros({1, 3, 2, 2}), zeros({4, 3, 3, 3}));
      },
      {"conv2d", "[1, 3, 2, 2]", "smaller"});
  expect_error(
      [] {
        conv2d(zeros({1, 4, 5, 5}), zeros({3, 2, 3, 3}), Tensor(), {1, 1}, {0, 0}, {1, 1}, 2);
      },
      {"conv2d", "groups", "[3, 2, 3, 3]"});
  expect_error(
      [] {
        conv2d(zeros({1, 3, 5, 5}), zeros({4, 3, 3, 3}), zeros({3}));
      },
      {"conv2d", "bias", "[3]"});
  expect_error(
      [] {
        conv2d(zeros({1, 3, 5, 5}), zeros({4, 3, 3, 3}), Tensor(), {0, 1});
      },
      {"conv2d", "stride"});
  expect_error(
      [] {
        conv2d(zeros({1, 3, 5, 5}), zeros({4, 3, 3, 3}), Tensor(), {1, 1}, {-1, 0});
      },
      {"conv2d", "padding"});
  expect_error(
      [] {
        conv2d(zeros({1, 3, 5, 5}), zeros({4, 3, 3, 3}), Tensor(), {1, 1}, {0, 0}, {0, 1});
      },
      {"conv2d", "dilation"});
}

TEST(ConvErrors, Conv2dDtype) {
  EXPECT_THROW(conv2d(zeros({1, 3, 5, 5}), zeros({4, 3, 3, 3}, DType::f64)), Error);
  expect_error(
      [] {
        conv2d(zeros({1, 3, 5, 5}), zeros({4, 3, 3, 3}, DType::f64));
      },
      {"conv2d", "f32[1, 3, 5, 5]", "f64[4, 3, 3, 3]"});
  expect_error(
      [] {
        conv2d(zeros({1, 3, 5, 5}, DType::i64), zeros({4, 3, 3, 3}, DType::i64));
      },
      {"conv2d", "i64"});
}

}  // namespace
}  // namespace dc
