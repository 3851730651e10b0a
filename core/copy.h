// Raw copies between tensors of any layout and dtype (no autograd): the kernel under contiguous(),
// to(dtype), clone() and in-place assignment.
#pragma once

#include "core/tensor.h"

namespace dc {

// Copies src into dst elementwise, converting dtype; src is broadcast to dst's shape. When either
// tensor is on a CUDA device the copy goes to the CUDA backend (see register_device_copy); a copy
// into a CPU tensor has finished when this returns.
void copy_into(const Tensor& dst, const Tensor& src);
// The CUDA backend registers its copy here when it is linked in. It receives src already broadcast
// to dst's shape (zero strides), any dtypes, any devices as long as one of them is not the CPU.
using DeviceCopyFn = void(const Tensor& dst, const Tensor& src);
void register_device_copy(DeviceCopyFn* fn);
// Fills every element of dst with value (converted to dst's dtype).
void fill_(const Tensor& dst, double value);
// Expands `t` to `shape` by zero strides (raw view, no autograd); throws naming `op` if impossible.
Tensor broadcast_to_raw(const Tensor& t, const Shape& shape, const char* op);

}  // namespace dc
