// Bad inputs to the core op families throw dc::Error with a message naming the op and the shapes.
#include <gtest/gtest.h>

#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/join.h"
#include "ops/reduce.h"
#include "tests/testing/expect_error.h"

namespace dc {
namespace {

TEST(OpErrors, BinaryBroadcastMismatch) {
  expect_error([] { add(zeros({2, 3}), zeros({4})); }, {"add", "[2, 3]", "[4]"});
  expect_error([] { mul(zeros({2, 3}), zeros({3, 2})); }, {"mul", "[3, 2]"});
}

TEST(OpErrors, IntegerDivisionAndUnsupportedDtype) {
  expect_error([] { div(zeros({2}, DType::i64), ones({2}, DType::i64)); }, {"div", "i64"});
  expect_error([] { exp(zeros({2}, DType::i32)); }, {"i32"});
  expect_error([] { add(zeros({2}, DType::f16), zeros({2}, DType::f16)); },
               {"binary_kernel", "f16"});
}

TEST(OpErrors, WhereNeedsBoolCondition) {
  expect_error([] { where(zeros({2}), zeros({2}), zeros({2})); }, {"where", "bool"});
}

TEST(OpErrors, ClampBounds) {
  expect_error([] { clamp(zeros({2}), 1, 0); }, {"clamp"});
}

TEST(OpErrors, ReductionDims) {
  expect_error([] { sum(zeros({2, 3}), {2}); }, {"sum", "dim 2"});
  expect_error([] { sum(zeros({2, 3}), {1, 1}); }, {"sum", "twice"});
  expect_error([] { mean(zeros({2}, DType::i64)); }, {"mean", "i64"});
  expect_error([] { max(zeros({0, 3})); }, {"max", "empty"});
  expect_error([] { argmax(zeros({3, 0}), 1); }, {"argmax"});
  expect_error([] { norm(zeros({3}), -1); }, {"norm"});
}

TEST(OpErrors, JoinShapes) {
  expect_error([] { cat({zeros({2, 3}), zeros({2, 4})}, 0); }, {"cat", "[2, 4]", "dim 1"});
  expect_error([] { cat({zeros({2, 3}), zeros({2, 3}, DType::f64)}, 0); }, {"cat", "f64"});
  expect_error([] { stack({zeros({2}), zeros({3})}); }, {"stack", "[3]"});
  expect_error([] { split(zeros({5}), std::vector<int64_t>{2, 2}); }, {"split", "5"});
  expect_error([] { chunk(zeros({5}), 0); }, {"chunk"});
}

TEST(OpErrors, CreationArguments) {
  expect_error([] { arange(0, 5, 0); }, {"arange", "step"});
  expect_error([] { rand({2}, DType::i64); }, {"rand", "i64"});
}

TEST(OpErrors, MissingKernelNamesDeviceAndDtype) {
  // bool tensors have no add kernel: the message lists what is registered instead.
  expect_error([] { add(zeros({2}, DType::b8), zeros({2}, DType::b8)); },
               {"binary_kernel", "bool", "cpu/f32"});
}

}  // namespace
}  // namespace dc
