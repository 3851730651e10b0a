// Joining and splitting along a dim: cat, stack, split, chunk.
#pragma once

#include <vector>

#include "core/tensor.h"

namespace dc {

// Concatenates along dim; all tensors share dtype, device and every other dim. Empty 1-D tensors
// ([0]) are skipped, as in PyTorch.
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
// Stacks equally shaped tensors along a new dim.
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
// Views of consecutive pieces of `split_size` (the last may be smaller).
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim = 0);
// Views of the given sizes, which must add up to the dim's size.
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim = 0);
// `chunks` views of nearly equal size (ceil(n / chunks) each).
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim = 0);

}  // namespace dc
