// Reductions over dims. `dims` empty means all dims. keepdim keeps reduced dims as size 1.
#pragma once

#include <utility>
#include <vector>

#include "core/tensor.h"
#include "ops/dispatch.h"

namespace dc {

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
// Variance with `correction` (1 = unbiased, as torch.var's default).
Tensor var(const Tensor& x, const std::vector<int64_t>& dims = {}, int64_t correction = 1,
           bool keepdim = false);
// p-norm (p = 1 or 2, or any p > 0) over dims.
Tensor norm(const Tensor& x, double p = 2, const std::vector<int64_t>& dims = {},
            bool keepdim = false);
// Max/min over all elements (gradient split evenly among ties, as PyTorch's amax).
Tensor max(const Tensor& x);
Tensor min(const Tensor& x);
// Max/min along one dim: (values, indices as i64); the gradient goes to the index returned.
std::pair<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim = false);
std::pair<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim = false);

// Sums a broadcast gradient back to `shape` (the backward of broadcasting).
Tensor sum_to_shape(const Tensor& g, const Shape& shape);

enum class ReduceOp { kSum, kMax, kMin, kArgMax, kArgMin, kSumSquares, kSumAbsPow };
// in: [outer, r] contiguous (rows are reduced); out: [outer] (indices i64 for arg ops).
using ReduceKernelFn = void(ReduceOp op, const Tensor& out, const Tensor& in, double p);
DC_DECLARE_KERNEL(reduce_kernel, ReduceKernelFn)

}  // namespace dc
