#include "core/allocator.h"

#include <cstdlib>
#include <new>

#include "core/error.h"

namespace dc {

void* CpuAllocator::allocate(size_t nbytes) {
  if (nbytes == 0) return nullptr;
  // aligned_alloc needs a size that is a multiple of the alignment.
  const size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded);
  DC_CHECK(p != nullptr, "out of CPU memory allocating ", nbytes,
           " bytes (in use: ", in_use_.load(), " bytes)");
  const size_t now = in_use_.fetch_add(nbytes) + nbytes;
  size_t prev = peak_.load();
  while (now > prev && !peak_.compare_exchange_weak(prev, now)) {
  }
  return p;
}

void CpuAllocator::deallocate(void* ptr, size_t nbytes) {
  if (ptr == nullptr) return;
  in_use_.fetch_sub(nbytes);
  std::free(ptr);
}

AllocatorStats CpuAllocator::stats() const {
  AllocatorStats s;
  s.in_use = in_use_.load();
  s.peak = peak_.load();
  return s;
}

CpuAllocator& cpu_allocator() {
  static CpuAllocator* a = new CpuAllocator();  // never destroyed: tensors may outlive statics
  return *a;
}

namespace {
DeviceAllocatorFn* g_cuda_allocator = nullptr;
}

void register_allocator(DeviceType type, DeviceAllocatorFn* allocator_of_index) {
  DC_CHECK(type == DeviceType::CUDA, "only the CUDA allocator can be registered");
  g_cuda_allocator = allocator_of_index;
}

Allocator& allocator_for(Device device) {
  if (device.is_cpu()) return cpu_allocator();
  DC_CHECK(g_cuda_allocator != nullptr, "device ", device,
           " requested but this build has no CUDA backend (built CPU-only)");
  return g_cuda_allocator(device.index);
}

}  // namespace dc
