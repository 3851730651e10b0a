// Indexing ops: gather/scatter along a dim, index_select/index_add, masked selection and fill,
// one_hot. Index tensors are i64 (i32 is accepted and converted); an index outside its dim's range
// throws dc::Error naming the op, the value and the valid range. Negative index values are out of
// range, as in PyTorch (these ops do not wrap them).
#pragma once

#include "core/tensor.h"
#include "ops/dispatch.h"

namespace dc {

// As torch.gather: out has index's shape and out[i][j][k] = x[i][index[i][j][k]][k] (dim = 1).
// index has x's number of dims and index.size(d) <= x.size(d) for d != dim. Gradient flows to x
// (scatter-added, so repeated indices accumulate).
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);

// As torch.scatter_add (out-of-place): out = x.clone(); out[i][index[i][j][k]][k] += src[i][j][k]
// for every position of index (dim = 1). Duplicate targets accumulate. index, x and src have the
// same number of dims; index.size(d) <= src.size(d) for all d and <= x.size(d) for d != dim.
// Gradients: to x (the output gradient) and to src (the output gradient gathered at index; zero
// where src is not covered by index).
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);

// As torch.index_select: index is 1-D (or 0-d); out is x with dim resized to index.numel() and
// out.select(dim, j) = x.select(dim, index[j]). Gradient flows to x (index_add, so repeated
// indices accumulate).
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);

// As torch.index_add (out-of-place): out = x.clone(); out.select(dim, index[j]) += alpha *
// src.select(dim, j). index is 1-D (or 0-d) with src.size(dim) entries; src has x's shape except
// in dim. Duplicate indices accumulate. Gradients: to x (the output gradient) and to src (alpha
// times the output gradient selected at index).
Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src,
                 double alpha = 1);

// As torch.masked_select: x and the bool mask broadcast to a common shape; the result is 1-D with
// the selected elements in row-major order (empty when the mask is all false). Gradient flows to x
// (scattered back to the selected positions, summed over broadcast dims).
Tensor masked_select(const Tensor& x, const Tensor& mask);

// As torch.masked_fill (out-of-place): x and the bool mask broadcast to a common shape; elements
// where mask is true become value. Gradient flows to x where mask is false.
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);

// As F.one_hot: an i64 tensor of shape index.shape + [num_classes] with a 1 at each index value.
// num_classes = -1 infers max(index) + 1. Values must lie in [0, num_classes). No gradient.
Tensor one_hot(const Tensor& index, int64_t num_classes = -1);

// --- kernels (registered per device and dtype in ops/cpu/index_cpu.cc) ---
// Every index tensor given to a kernel is i64; kernels check index values and throw dc::Error.

// gather: out[p, j] = x[p, index[p, j]] along dim; out has index's shape (any strides of x and
// index; out contiguous). Index values must lie in [0, x.size(dim)).
using GatherKernelFn = void(const Tensor& out, const Tensor& x, int64_t dim, const Tensor& index);
// scatter_add: out[p, index[p, j]] += src[p, j] along dim over index's shape; out already holds x.
using ScatterAddKernelFn = void(const Tensor& out, int64_t dim, const Tensor& index,
                                const Tensor& src);
// index_select on contiguous x viewed as [outer, n, inner]; out [outer, index.numel(), inner].
using IndexSelectKernelFn = void(const Tensor& out, const Tensor& x, int64_t dim,
                                 const Tensor& index);
// index_add into contiguous out (already holding x) from contiguous src, scaled by alpha.
using IndexAddKernelFn = void(const Tensor& out, int64_t dim, const Tensor& index,
                              const Tensor& src, double alpha);
// masked_select: returns the 1-D tensor of x's elements where mask (same shape) is true.
using MaskedSelectKernelFn = Tensor(const Tensor& x, const Tensor& mask);
// masked_scatter: out (zero-filled, mask's shape) gets src's consecutive elements at true
// positions.
using MaskedScatterKernelFn = void(const Tensor& out, const Tensor& mask, const Tensor& src);
// one_hot: returns [index.numel(), num_classes] (i64) from contiguous i64 index; num_classes < 0
// infers max + 1.
using OneHotKernelFn = Tensor(const Tensor& index, int64_t num_classes);
DC_DECLARE_KERNEL(gather_kernel, GatherKernelFn)
DC_DECLARE_KERNEL(scatter_add_kernel, ScatterAddKernelFn)
DC_DECLARE_KERNEL(index_select_kernel, IndexSelectKernelFn)
DC_DECLARE_KERNEL(index_add_kernel, IndexAddKernelFn)
DC_DECLARE_KERNEL(masked_select_kernel, MaskedSelectKernelFn)
DC_DECLARE_KERNEL(masked_scatter_kernel, MaskedScatterKernelFn)
DC_DECLARE_KERNEL(one_hot_kernel, OneHotKernelFn)

}  // namespace dc
