// Raw copies between tensors of any layout and dtype (no autograd): the kernel under contiguous(),
// to(dtype), clone() and in-place assignment.
#pragma once

#include "core/tensor.h"

namespace dc {

// Copies src into dst elementwise, converting dtype; src is broadcast to dst's shape.
void copy_into(const Tensor& dst, const Tensor& src);
// Fills every element of dst with value (converted to dst's dtype).
void fill_(const Tensor& dst, double value);
// Expands `t` to `shape` by zero strides (raw view, no autograd); throws naming `op` if impossible.
Tensor broadcast_to_raw(const Tensor& t, const Shape& shape, const char* op);

}  // namespace dc
