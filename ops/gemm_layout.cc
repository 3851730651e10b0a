#include "ops/gemm_layout.h"

#include <algorithm>

#include "core/error.h"

namespace dc {

bool gemm_operand_layout(int64_t rows, int64_t cols, int64_t row_stride, int64_t col_stride,
                         GemmOperandLayout* layout) {
  if (cols == 1 || col_stride == 1) {
    const int64_t ld = rows == 1 ? std::max<int64_t>(1, cols) : row_stride;
    if (ld >= std::max<int64_t>(1, cols)) {
      *layout = {false, ld};
      return true;
    }
  }
  if (rows == 1 || row_stride == 1) {
    const int64_t ld = cols == 1 ? std::max<int64_t>(1, rows) : col_stride;
    if (ld >= std::max<int64_t>(1, rows)) {
      *layout = {true, ld};
      return true;
    }
  }
  return false;
}

Tensor gemm_operand(const Tensor& t, GemmOperandLayout* layout) {
  DC_CHECK(t.dim() == 3, "gemm_operand: expected a [batch, rows, cols] operand, got ", t.str());
  if (gemm_operand_layout(t.size(1), t.size(2), t.stride(1), t.stride(2), layout)) return t;
  const Tensor c = t.contiguous().detach();
  // A contiguous [B, R, C] view always has the untransposed layout with ld = max(1, C).
  gemm_operand_layout(c.size(1), c.size(2), c.stride(1), c.stride(2), layout);
  return c;
}

}  // namespace dc
