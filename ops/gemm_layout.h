// How a BLAS-style GEMM (OpenBLAS on the CPU, cuBLAS on CUDA) reads a row-major operand view
// without copying it. Both GEMM kernels use these rules, so the CPU tests exercise the layout
// logic the cuBLAS path runs.
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace dc {

// A row-major (rows x cols) matrix read by BLAS either as it is (transposed = false: unit column
// stride, rows `ld` elements apart; row-major NoTrans, or column-major op N of its transpose) or
// as the transpose of a matrix whose rows are its columns (transposed = true: unit row stride,
// columns `ld` apart).
struct GemmOperandLayout {
  bool transposed = false;
  int64_t ld = 1;
};

// The layout BLAS can read a (rows x cols) view with strides (row_stride, col_stride) in, if
// there is one: untransposed needs unit column stride (or one column) and a leading dimension of
// at least max(1, cols); transposed needs unit row stride (or one row) and a leading dimension of
// at least max(1, rows). A single row or column takes the smallest legal leading dimension, as
// its stride along the unit dimension is arbitrary. Untransposed wins when both fit.
bool gemm_operand_layout(int64_t rows, int64_t cols, int64_t row_stride, int64_t col_stride,
                         GemmOperandLayout* layout);

// A [B, R, C] operand BLAS can read batch by batch (batch b at offset b * stride(0)): `t` itself
// when gemm_operand_layout accepts its last two dims, else a contiguous copy (no autograd
// history), with `layout` set for the returned tensor.
Tensor gemm_operand(const Tensor& t, GemmOperandLayout* layout);

}  // namespace dc
