// Memory allocators behind tensor storage. The CPU allocator hands out 64-byte aligned blocks (one
// cache line, the widest vector load); a CUDA caching allocator implements the same interface.
#pragma once

#include <atomic>
#include <cstddef>

#include "core/device.h"

namespace dc {

class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(size_t nbytes) = 0;
  virtual void deallocate(void* ptr, size_t nbytes) = 0;
  virtual Device device() const = 0;
};

// Byte counters kept by an allocator, for users reasoning about memory.
struct AllocatorStats {
  size_t in_use = 0;
  size_t peak = 0;
  size_t cached = 0;
};

class CpuAllocator final : public Allocator {
 public:
  static constexpr size_t kAlignment = 64;
  void* allocate(size_t nbytes) override;
  void deallocate(void* ptr, size_t nbytes) override;
  Device device() const override { return kCPU; }
  AllocatorStats stats() const;

 private:
  std::atomic<size_t> in_use_{0};
  std::atomic<size_t> peak_{0};
};

CpuAllocator& cpu_allocator();
// The allocator for a device. CUDA devices get theirs from the function the CUDA backend
// registers when it is linked in (one caching allocator per device index); that function throws a
// dc::Error when the index names no usable device.
Allocator& allocator_for(Device device);
using DeviceAllocatorFn = Allocator&(int index);
void register_allocator(DeviceType type, DeviceAllocatorFn* allocator_of_index);

}  // namespace dc
