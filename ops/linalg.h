// Matrix products: matmul (torch.matmul semantics, batch dims broadcast), bmm and linear.
#pragma once

#include "core/tensor.h"
#include "ops/dispatch.h"

namespace dc {

// 1-D x 1-D is a dot product (0-d result); a 1-D operand is treated as a row (left) or column
// (right) vector whose added dim is removed from the result; batch dims broadcast.
Tensor matmul(const Tensor& a, const Tensor& b);
// a [B, M, K] x b [B, K, N] -> [B, M, N]; no broadcasting.
Tensor bmm(const Tensor& a, const Tensor& b);
// x [..., in], weight [out, in], optional bias [out] -> [..., out].
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

// out [B, M, N] (contiguous) = a [B, M, K] x b [B, K, N]; a and b may have any strides (batch
// stride 0 for broadcasting); out, a and b share a dtype. B, M, N, K may be 0.
using GemmKernelFn = void(const Tensor& out, const Tensor& a, const Tensor& b);
DC_DECLARE_KERNEL(gemm_kernel, GemmKernelFn)

}  // namespace dc
