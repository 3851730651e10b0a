// Sorting along a dim: sort, argsort, topk. NaN counts as larger than every number (ascending
// sorts put NaN last, descending sorts and topk(largest) put it first), as in PyTorch.
#pragma once

#include <utility>

#include "core/tensor.h"
#include "ops/dispatch.h"

namespace dc {

// As torch.sort: (values, indices) of x sorted along dim, both of x's shape (indices i64, into
// x's dim). Equal elements always keep their original order (the sort is stable whatever
// `stable` says; PyTorch only promises that with stable=true). Gradient flows to x through the
// values (each value's gradient goes back to the element it came from).
std::pair<Tensor, Tensor> sort(const Tensor& x, int64_t dim = -1, bool descending = false,
                               bool stable = false);
// As torch.argsort: the indices of sort (i64, no gradient).
Tensor argsort(const Tensor& x, int64_t dim = -1, bool descending = false, bool stable = false);
// As torch.topk: the k largest (or smallest) elements along dim and their i64 indices; the
// output has x's shape with dim resized to k, 0 <= k <= x.size(dim). Results are always sorted
// (largest first, or smallest first when largest = false), also when sorted = false, where
// PyTorch leaves the order unspecified. Among equal values the lower index comes first (PyTorch
// does not define which of equal values is returned). Gradient flows to x through the values.
std::pair<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim = -1, bool largest = true,
                               bool sorted = true);

// --- kernels (registered per device and dtype in ops/cpu/sort_cpu.cc) ---
// Every row of x along dim is ordered (descending or ascending, ties by index, NaN largest) and
// its first values.size(dim) entries are written to values and indices (any strides).
using SortKernelFn = void(const Tensor& values, const Tensor& indices, const Tensor& x, int64_t dim,
                          bool descending);
DC_DECLARE_KERNEL(sort_kernel, SortKernelFn)

}  // namespace dc
