// A caching allocator over a raw memory source (cudaMalloc, cudaHostAlloc, or a fake one in tests).
//
// Requests are rounded up to a size bucket; a freed block goes to the free list of its (stream,
// bucket) and the next request of that bucket on that stream takes it back without calling the raw
// source. After the first iteration of a training loop, whose shapes repeat, every allocation is a
// cache hit: no cudaMalloc/cudaFree in the steady state. Blocks are reused only on the stream they
// were allocated on, so stream order alone makes the reuse safe (a block used on another stream
// must be synchronised by the user, as with PyTorch's record_stream).
//
// When the raw source is out of memory, every cached block is released (after raw.synchronize())
// and the request is retried once; if it fails again, allocate() throws a dc::Error that reports
// the request, the bytes allocated, cached and at peak, and the source's own description (free and
// total device memory).
//
// Buckets: up to 1 MiB, multiples of 512 bytes; above, four buckets per power of two (a request
// wastes at most 25%, and usually far less).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace dc {

// Where a caching allocator gets its memory from.
class RawMemory {
 public:
  virtual ~RawMemory() = default;
  // nullptr when out of memory; any other failure throws dc::Error.
  virtual void* alloc(size_t nbytes) = 0;
  virtual void free(void* ptr) = 0;
  // Waits for pending work that may still use freed blocks (before they go back to the source).
  virtual void synchronize() {}
  // One line for error messages, e.g. "cuda:0 (NVIDIA H100): 1.2 GiB free of 79.1 GiB".
  virtual std::string describe() const = 0;
};

// Byte counts are of bucket-rounded blocks; counts are events since construction.
struct CachingAllocatorStats {
  size_t allocated = 0;       // blocks handed out and not yet freed
  size_t requested = 0;       // bytes asked for by those blocks (before rounding)
  size_t cached = 0;          // free blocks kept for reuse
  size_t peak_allocated = 0;  // highest `allocated` since construction or reset_peak()
  size_t reserved() const { return allocated + cached; }  // everything taken from the source
  int64_t num_allocs = 0;                                 // allocate() calls with nbytes > 0
  int64_t num_cache_hits = 0;                             // of those, served from a free list
  int64_t num_raw_allocs = 0;  // calls into the raw source that succeeded
  int64_t num_raw_frees = 0;   // blocks given back to the raw source
  int64_t num_ooms = 0;        // requests that failed even after releasing the cache
};

class CachingAllocator {
 public:
  // `name` names the memory in messages ("CUDA out of memory on cuda:0").
  CachingAllocator(std::string name, RawMemory& raw) : name_(std::move(name)), raw_(&raw) {}
  ~CachingAllocator();  // returns cached blocks to the source; live blocks are left alone
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;

  // A block of at least nbytes for use on `stream` (an opaque key; nullptr is a stream too).
  // nbytes == 0 gives nullptr.
  void* allocate(size_t nbytes, const void* stream);
  // Returns a block to the free list of the stream it was allocated on. nullptr is ignored; a
  // pointer this allocator did not hand out is a dc::Error.
  void deallocate(void* ptr);
  // Gives every cached block back to the source (after raw.synchronize()).
  void empty_cache();
  CachingAllocatorStats stats() const;
  void reset_peak();
  // The stats as one line: "allocated 1.5 MiB, cached 512 B, peak 2.0 MiB, ...".
  std::string summary() const;

  static size_t bucket_size(size_t nbytes);

 private:
  struct Block {
    size_t size;       // bucket size
    size_t requested;  // nbytes asked for
    const void* stream;
  };
  using FreeKey = std::pair<const void*, size_t>;  // (stream, bucket size)

  size_t release_cached_locked();  // gives every free block back; returns the bytes released
  std::string summary_locked() const;

  std::string name_;
  RawMemory* raw_;
  mutable std::mutex mu_;
  std::unordered_map<void*, Block> live_;
  std::map<FreeKey, std::vector<void*>> free_;
  CachingAllocatorStats stats_;
};

// "1.50 GiB", "512 B": binary units with two decimals, for memory messages.
std::string format_bytes(size_t n);

}  // namespace dc
