// CUDA memory: the caching device allocator behind every CUDA tensor, its statistics, and pinned
// (page-locked) host memory for fast asynchronous host<->device copies.
//
// Each device has one CachingAllocator (core/caching_allocator.h) over cudaMalloc/cudaFree; blocks
// are cached per (current stream, size bucket), so a training loop whose shapes repeat stops
// calling cudaMalloc after its first step. When cudaMalloc fails, the cache is released and the
// request retried; if it still fails the dc::Error reads like
//   CUDA out of memory on cuda:0: tried to allocate 1.00 TiB (...); allocated 2.00 MiB, cached
//   0 B, peak 2.00 MiB, ...; cuda:0 (NVIDIA H100 80GB HBM3): 78.6 GiB free of 79.1 GiB
#pragma once

#include <string>

#include "core/caching_allocator.h"
#include "core/tensor.h"

namespace dc {

// Statistics of a device's caching allocator (bytes of bucket-rounded blocks).
CachingAllocatorStats cuda_memory_stats(int device);
// One line: allocated, cached, peak, reserved and the event counts.
std::string cuda_memory_summary(int device);
// Gives the device's cached free blocks back to CUDA (they stay counted in `reserved` until then).
void cuda_empty_cache(int device);
void cuda_reset_peak_memory_stats(int device);

// Pinned host memory. A pinned tensor is a CPU tensor (device() is cpu) whose storage is
// page-locked, so host<->device copies from or to it can run asynchronously (copy_async). Freed
// pinned blocks are cached too, and reused only once the copies queued before their release
// have finished.
Tensor empty_pinned(const Shape& shape, DType dtype = DType::f32);
// A pinned copy of a CPU tensor (contiguous), or t itself when it is already pinned.
Tensor pin_memory(const Tensor& t);
bool is_pinned(const Tensor& t);
CachingAllocatorStats pinned_memory_stats();

}  // namespace dc
