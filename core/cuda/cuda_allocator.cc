#include "core/cuda/cuda_allocator.h"

#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "core/copy.h"
#include "core/cuda/cuda_check.h"
#include "core/cuda/device.h"
#include "core/cuda/stream.h"

namespace dc {
namespace {

// cudaMalloc/cudaFree on one device.
class CudaDeviceMemory final : public RawMemory {
 public:
  explicit CudaDeviceMemory(int device) : device_(device) {}
  void* alloc(size_t nbytes) override {
    CudaDeviceGuard guard(device_);
    void* p = nullptr;
    const cudaError_t e = cudaMalloc(&p, nbytes);
    if (e == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();
      return nullptr;
    }
    DC_CUDA_CHECK(e, "cudaMalloc of ", nbytes, " bytes on cuda:", device_);
    return p;
  }
  void free(void* ptr) override {
    CudaDeviceGuard guard(device_);
    DC_CUDA_CHECK(cudaFree(ptr), "cudaFree on cuda:", device_);
  }
  void synchronize() override { cuda_synchronize(device_); }
  std::string describe() const override {
    const auto [free, total] = cuda_memory_info(device_);
    return detail::concat("cuda:", device_, " (", cuda_device_properties(device_).name,
                          "): ", format_bytes(free), " free of ", format_bytes(total));
  }

 private:
  int device_;
};

// The Allocator of one device: a CachingAllocator keyed by the thread's current stream.
class CudaCachingAllocator final : public Allocator {
 public:
  explicit CudaCachingAllocator(int device)
      : device_(device), raw_(device), cache_(detail::concat("CUDA device cuda:", device), raw_) {}
  void* allocate(size_t nbytes) override {
    return cache_.allocate(nbytes, current_cuda_stream(device_).handle());
  }
  void deallocate(void* ptr, size_t) override { cache_.deallocate(ptr); }
  Device device() const override { return Device{DeviceType::CUDA, device_}; }
  CachingAllocator& cache() { return cache_; }

 private:
  int device_;
  CudaDeviceMemory raw_;
  CachingAllocator cache_;
};

CudaCachingAllocator& device_allocator(int index) {
  check_cuda_device(Device{DeviceType::CUDA, index});
  // Built once for all devices; never destroyed (tensors may outlive static destructors).
  static std::vector<CudaCachingAllocator*>* all = [] {
    auto* v = new std::vector<CudaCachingAllocator*>();
    for (int d = 0; d < cuda_device_count(); ++d) v->push_back(new CudaCachingAllocator(d));
    return v;
  }();
  return *(*all)[index];
}

Allocator& allocator_of_index(int index) { return device_allocator(index); }

[[maybe_unused]] const bool registered =
    (register_allocator(DeviceType::CUDA, &allocator_of_index), true);

// cudaHostAlloc/cudaFreeHost.
class PinnedMemory final : public RawMemory {
 public:
  void* alloc(size_t nbytes) override {
    void* p = nullptr;
    const cudaError_t e = cudaHostAlloc(&p, nbytes, cudaHostAllocPortable);
    if (e == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();
      return nullptr;
    }
    DC_CUDA_CHECK(e, "cudaHostAlloc of ", nbytes, " bytes");
    return p;
  }
  void free(void* ptr) override { DC_CUDA_CHECK(cudaFreeHost(ptr), "cudaFreeHost"); }
  void synchronize() override {
    for (int d = 0; d < cuda_device_count(); ++d) cuda_synchronize(d);
  }
  std::string describe() const override { return "pinned host memory"; }
};

// Pinned blocks: a freed block may still be the source or target of a queued async copy, so it
// waits, with an event recorded on the current stream at its release, until that work finished.
class PinnedAllocator final : public Allocator {
 public:
  PinnedAllocator() : cache_("pinned host memory", raw_) {}
  void* allocate(size_t nbytes) override {
    DC_CHECK(cuda_is_available(), "pinned memory needs a CUDA device: ", cuda_unavailable_reason());
    reclaim();
    // One key for every pinned block: host memory is not stream-ordered.
    void* p = cache_.allocate(nbytes, nullptr);
    std::lock_guard<std::mutex> lock(mu_);
    if (p != nullptr) pinned_.insert(p);
    return p;
  }
  void deallocate(void* ptr, size_t) override {
    if (ptr == nullptr) return;
    auto event = std::make_unique<CudaEvent>();
    event->record(current_cuda_stream());
    std::lock_guard<std::mutex> lock(mu_);
    pending_.push_back({ptr, std::move(event)});
  }
  Device device() const override { return kCPU; }
  bool owns(const void* p) {
    std::lock_guard<std::mutex> lock(mu_);
    return pinned_.count(const_cast<void*>(p)) > 0;
  }
  CachingAllocatorStats stats() const { return cache_.stats(); }

 private:
  void reclaim() {
    std::lock_guard<std::mutex> lock(mu_);
    while (!pending_.empty() && pending_.front().event->query()) {
      cache_.deallocate(pending_.front().ptr);
      pending_.pop_front();
    }
  }
  struct Pending {
    void* ptr;
    std::unique_ptr<CudaEvent> event;
  };
  PinnedMemory raw_;
  CachingAllocator cache_;
  std::mutex mu_;
  std::deque<Pending> pending_;
  std::set<void*> pinned_;  // every block ever handed out (blocks are never given back)
};

PinnedAllocator& pinned_allocator() {
  static PinnedAllocator* a = new PinnedAllocator();
  return *a;
}

}  // namespace

CachingAllocatorStats cuda_memory_stats(int device) {
  return device_allocator(device).cache().stats();
}
std::string cuda_memory_summary(int device) {
  return detail::concat("cuda:", device, ": ", device_allocator(device).cache().summary());
}
void cuda_empty_cache(int device) { device_allocator(device).cache().empty_cache(); }
void cuda_reset_peak_memory_stats(int device) { device_allocator(device).cache().reset_peak(); }

Tensor empty_pinned(const Shape& shape, DType dtype) {
  for (int64_t s : shape)
    DC_CHECK(s >= 0, "empty_pinned: negative size in shape ", shape_str(shape));
  const size_t nbytes = static_cast<size_t>(shape_numel(shape)) * dtype_size(dtype);
  auto storage = std::make_shared<StorageImpl>(nbytes, pinned_allocator());
  return make_tensor(std::move(storage), shape, contiguous_strides(shape), 0, dtype);
}

Tensor pin_memory(const Tensor& t) {
  DC_CHECK(t.device().is_cpu(), "pin_memory: expected a CPU tensor, got ", t.str(), " on ",
           t.device());
  if (is_pinned(t)) return t;
  Tensor p = empty_pinned(t.sizes(), t.dtype());
  copy_into(p, t);
  return p;
}

bool is_pinned(const Tensor& t) {
  if (!t.defined() || !t.device().is_cpu() || !t.storage() || t.storage()->data() == nullptr) {
    return false;
  }
  return pinned_allocator().owns(t.storage()->data());
}

CachingAllocatorStats pinned_memory_stats() { return pinned_allocator().stats(); }

}  // namespace dc
