// Reading many one-element results (per-tensor norms, finiteness probes) on the host. On the CPU
// each is read directly; those on a device are gathered into one tensor there and copied to the
// host at once, so a step over P parameters synchronizes with the GPU once instead of P times.
#pragma once

#include <vector>

#include "core/tensor.h"

namespace dc {

// The value of each one-element tensor of `scalars` (any devices, any real dtypes), as double, in
// order. A tensor with more than one element is a dc::Error naming its position.
std::vector<double> host_scalars(const std::vector<Tensor>& scalars);

}  // namespace dc
