// Dropout with the project's counter-based generator (core/philox.h).
#pragma once

#include <cstdint>

#include "core/philox.h"
#include "core/tensor.h"
#include "ops/dispatch.h"

namespace dc {

// As F.dropout(x, p, training) on a f32/f64 tensor of any shape: in training, each element is
// zeroed with probability p and the kept ones are scaled by 1 / (1 - p) (inverted dropout), so
// the expectation is unchanged. The mask is drawn from `gen` (which advances by one counter per
// four elements): the same seed and offset give the same mask on any thread count; element i in
// row-major order uses word i % 4 of counter offset + i / 4, whatever x's strides.
// training = false or p = 0: returns x itself (as PyTorch, no copy, no draw); p = 1: zeros.
// The gradient is grad * mask / (1 - p) with the forward's mask. p outside [0, 1] is an error.
// PyTorch's random stream differs, so masks do not match torch's for the same seed.
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true,
               Generator& gen = default_generator());

// x contiguous; writes mask (x's dtype: 0 or 1 / (1 - p)) and y = x * mask, both contiguous,
// drawing element i from word i % 4 of counter first_counter + i / 4 of the generator `seed`.
using DropoutKernelFn = void(const Tensor& x, double p, uint64_t seed, uint64_t first_counter,
                             const Tensor& mask, const Tensor& y);
DC_DECLARE_KERNEL(dropout_kernel, DropoutKernelFn)

}  // namespace dc
