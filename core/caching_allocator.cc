#include "core/caching_allocator.h"

#include <cstdio>

#include "core/error.h"

namespace dc {

std::string format_bytes(size_t n) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[48];
  if (u == 0) {
    std::snprintf(buf, sizeof(buf), "%zu B", n);
  } else {
    std::snprintf(buf, sizeof(buf), "%.2f %s", v, units[u]);
  }
  return buf;
}

size_t CachingAllocator::bucket_size(size_t nbytes) {
  constexpr size_t kSmallStep = 512, kLarge = size_t(1) << 20;
  if (nbytes <= kLarge) return (nbytes + kSmallStep - 1) / kSmallStep * kSmallStep;
  // Four buckets per power of two: step = (largest power of two <= nbytes) / 4.
  size_t p = kLarge;
  while (p <= nbytes / 2) p *= 2;
  const size_t step = p / 4;
  return (nbytes + step - 1) / step * step;
}

CachingAllocator::~CachingAllocator() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [key, ptrs] : free_) {
    for (void* p : ptrs) raw_->free(p);
  }
}

void* CachingAllocator::allocate(size_t nbytes, const void* stream) {
  if (nbytes == 0) return nullptr;
  const size_t size = bucket_size(nbytes);
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.num_allocs;
  void* ptr = nullptr;
  auto it = free_.find({stream, size});
  if (it != free_.end() && !it->second.empty()) {
    ptr = it->second.back();
    it->second.pop_back();
    if (it->second.empty()) free_.erase(it);
    stats_.cached -= size;
    ++stats_.num_cache_hits;
  } else {
    ptr = raw_->alloc(size);
    if (ptr == nullptr) {
      // Out of memory: the cache may hold enough in other buckets or on other streams.
      const std::string before = summary_locked();
      const size_t released = release_cached_locked();
      if (released > 0) ptr = raw_->alloc(size);
      if (ptr == nullptr) {
        ++stats_.num_ooms;
        DC_FAIL(name_, " out of memory: tried to allocate ", format_bytes(nbytes), " (", nbytes,
                " bytes, bucket ", format_bytes(size), "); ", before, "; released ",
                format_bytes(released), " of cache and retried; ", raw_->describe());
      }
    }
    ++stats_.num_raw_allocs;
  }
  live_[ptr] = Block{size, nbytes, stream};
  stats_.allocated += size;
  stats_.requested += nbytes;
  if (stats_.allocated > stats_.peak_allocated) stats_.peak_allocated = stats_.allocated;
  return ptr;
}

void CachingAllocator::deallocate(void* ptr) {
  if (ptr == nullptr) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = live_.find(ptr);
  DC_CHECK(it != live_.end(), name_, ": deallocate of a pointer this allocator did not hand out");
  const Block b = it->second;
  live_.erase(it);
  stats_.allocated -= b.size;
  stats_.requested -= b.requested;
  stats_.cached += b.size;
  free_[{b.stream, b.size}].push_back(ptr);
}

size_t CachingAllocator::release_cached_locked() {
  if (free_.empty()) return 0;
  raw_->synchronize();
  size_t released = 0;
  for (auto& [key, ptrs] : free_) {
    for (void* p : ptrs) {
      raw_->free(p);
      released += key.second;
      ++stats_.num_raw_frees;
    }
  }
  free_.clear();
  stats_.cached -= released;
  return released;
}

void CachingAllocator::empty_cache() {
  std::lock_guard<std::mutex> lock(mu_);
  release_cached_locked();
}

CachingAllocatorStats CachingAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void CachingAllocator::reset_peak() {
  std::lock_guard<std::mutex> lock(mu_);
  stats_.peak_allocated = stats_.allocated;
}

std::string CachingAllocator::summary_locked() const {
  return detail::concat("allocated ", format_bytes(stats_.allocated), ", cached ",
                        format_bytes(stats_.cached), ", peak ", format_bytes(stats_.peak_allocated),
                        ", reserved ", format_bytes(stats_.reserved()), " (", stats_.num_allocs,
                        " allocations, ", stats_.num_cache_hits, " cache hits, ",
                        stats_.num_raw_allocs, " raw allocations, ", stats_.num_raw_frees,
                        " raw frees)");
}

std::string CachingAllocator::summary() const {
  std::lock_guard<std::mutex> lock(mu_);
  return summary_locked();
}

}  // namespace dc
