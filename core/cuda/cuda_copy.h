// Copies that involve CUDA tensors.
//
// copy_into (core/copy.h) handles every combination of devices, dtypes, layouts and broadcasting
// once the CUDA backend is linked in, and Tensor::to(Device) goes through it: a copy to the CPU has
// finished when it returns, and so has a copy from pinned host memory (its source may be reused at
// once). The functions here skip that final wait.
#pragma once

#include "core/tensor.h"

namespace dc {

// Like copy_into, queued on the current stream of the CUDA side without waiting for it when the
// host side (if any) is pinned memory (see core/cuda/cuda_allocator.h). With pageable host memory
// it waits like copy_into. The caller keeps both tensors alive and unmodified until the stream has
// done the copy (CudaEvent or stream synchronize), as with PyTorch's non_blocking=True.
void copy_async(const Tensor& dst, const Tensor& src);
// t's values on `device` as a new contiguous tensor (no autograd), copied with copy_async.
Tensor to_device_async(const Tensor& t, Device device);

}  // namespace dc
