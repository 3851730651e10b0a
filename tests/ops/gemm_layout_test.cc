// ops/gemm_layout.h: the rules by which OpenBLAS (CPU) and cuBLAS (CUDA) read a GEMM operand view
// without a copy, checked on hand cases (what the BLAS interface accepts for each stride pattern),
// and gemm_operand's copy of a view BLAS cannot read.
#include "ops/gemm_layout.h"

#include <gtest/gtest.h>

#include "ops/creation.h"
#include "ops/linalg.h"
#include "tests/testing/expect_error.h"

namespace dc {
namespace {

GemmOperandLayout layout_of(int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  GemmOperandLayout l{true, -7};
  EXPECT_TRUE(gemm_operand_layout(rows, cols, rs, cs, &l)) << rows << "x" << cols;
  return l;
}

void expect_layout(const GemmOperandLayout& l, bool transposed, int64_t ld) {
  EXPECT_EQ(l.transposed, transposed);
  EXPECT_EQ(l.ld, ld);
}

TEST(GemmOperandLayout, RowMajorAndTransposedViews) {
  // A contiguous 3x5 matrix: rows 5 apart.
  expect_layout(layout_of(3, 5, 5, 1), false, 5);
  // Its transpose (5x3 with strides 1, 5): the columns of the view are rows of memory.
  expect_layout(layout_of(5, 3, 1, 5), true, 5);
  // A 3x5 window of a 3x8 matrix: rows 8 apart, still no copy.
  expect_layout(layout_of(3, 5, 8, 1), false, 8);
  // Untransposed wins when both fit (a 1x1 matrix).
  expect_layout(layout_of(1, 1, 9, 9), false, 1);
}

TEST(GemmOperandLayout, SingleRowsAndColumnsTakeTheSmallestLegalLd) {
  // One row: the row stride is arbitrary (here 0, as after expand), ld = cols.
  expect_layout(layout_of(1, 4, 0, 1), false, 4);
  // One row with strided columns: read as a transposed column, ld = the column stride.
  expect_layout(layout_of(1, 4, 0, 3), true, 3);
  // One column: untransposed with ld = the row stride.
  expect_layout(layout_of(6, 1, 2, 0), false, 2);
  // One column with adjacent rows: ld = 1.
  expect_layout(layout_of(6, 1, 1, 0), false, 1);
}

TEST(GemmOperandLayout, UnreadableViewsAreRejected) {
  GemmOperandLayout l;
  // Both strides > 1 (every other row and column).
  EXPECT_FALSE(gemm_operand_layout(3, 4, 10, 2, &l));
  // Unit column stride but rows overlapping (stride 2 < 4 columns), and rows not unit-stride.
  EXPECT_FALSE(gemm_operand_layout(3, 4, 2, 1, &l));
  // Broadcast rows (row stride 0) of several columns.
  EXPECT_FALSE(gemm_operand_layout(3, 4, 0, 1, &l));
}

TEST(GemmOperand, ReturnsTheViewOrAContiguousCopy) {
  const Tensor m = arange(0, 24).reshape({2, 3, 4});
  GemmOperandLayout l;
  // Readable as it is: the same storage.
  EXPECT_TRUE(gemm_operand(m, &l).same(m));
  expect_layout(l, false, 4);
  const Tensor t = m.transpose(1, 2);  // [2, 4, 3], strides (12, 1, 4)
  EXPECT_TRUE(gemm_operand(t, &l).same(t));
  expect_layout(l, true, 4);
  // Every other column: copied into a contiguous [2, 3, 2] with the same values.
  const Tensor strided = m.slice(2, 0, 4, 2);
  const Tensor c = gemm_operand(strided, &l);
  EXPECT_FALSE(c.same(strided));
  EXPECT_TRUE(c.is_contiguous());
  expect_layout(l, false, 2);
  EXPECT_EQ(c.to_vector(), strided.to_vector());
  expect_error([&] { gemm_operand(arange(0, 4), &l); }, {"gemm_operand", "[batch, rows, cols]"});
}

}  // namespace
}  // namespace dc
