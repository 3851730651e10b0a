// The caching allocator's bookkeeping over a fake memory source with a fixed capacity: buckets,
// reuse per stream, statistics, the release-and-retry on exhaustion and the out-of-memory message.
// Runs on any machine (the CUDA allocator is this class over cudaMalloc).
#include "core/caching_allocator.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "tests/testing/expect_error.h"

namespace dc {
namespace {

// Heap memory with a byte budget; counts calls.
class FakeMemory final : public RawMemory {
 public:
  explicit FakeMemory(size_t capacity) : capacity_(capacity) {}
  void* alloc(size_t nbytes) override {
    if (used_ + nbytes > capacity_) return nullptr;
    used_ += nbytes;
    ++allocs;
    void* p = std::malloc(nbytes);
    sizes_[p] = nbytes;
    return p;
  }
  void free(void* ptr) override {
    used_ -= sizes_.at(ptr);
    sizes_.erase(ptr);
    ++frees;
    std::free(ptr);
  }
  void synchronize() override { ++syncs; }
  std::string describe() const override {
    return "fake: " + std::to_string(capacity_ - used_) + " bytes free of " +
           std::to_string(capacity_);
  }
  int allocs = 0, frees = 0, syncs = 0;

 private:
  size_t capacity_, used_ = 0;
  std::map<void*, size_t> sizes_;
};

const void* const kStreamA = reinterpret_cast<const void*>(0x10);
const void* const kStreamB = reinterpret_cast<const void*>(0x20);

TEST(CachingAllocator, BucketSizes) {
  EXPECT_EQ(CachingAllocator::bucket_size(1), 512u);
  EXPECT_EQ(CachingAllocator::bucket_size(512), 512u);
  EXPECT_EQ(CachingAllocator::bucket_size(513), 1024u);
  EXPECT_EQ(CachingAllocator::bucket_size(1 << 20), size_t(1) << 20);
  // Above 1 MiB: quarters of the power of two below: 1 MiB + 1 -> 1.25 MiB.
  EXPECT_EQ(CachingAllocator::bucket_size((1 << 20) + 1), size_t(5) << 18);
  EXPECT_EQ(CachingAllocator::bucket_size(3 << 20), size_t(3) << 20);
  EXPECT_EQ(CachingAllocator::bucket_size((3 << 20) + 1), size_t(7) << 19);  // 3.5 MiB
  for (size_t n : {size_t(1000), size_t(5000000), size_t(123456789)}) {
    const size_t b = CachingAllocator::bucket_size(n);
    EXPECT_GE(b, n);
    EXPECT_LE(b, n + n / 4 + 512) << n;  // at most 25% waste
  }
}

TEST(CachingAllocator, ReusesFreedBlocksOfTheSameBucketAndStream) {
  FakeMemory raw(1 << 24);
  CachingAllocator a("fake", raw);
  void* p = a.allocate(1000, kStreamA);
  a.deallocate(p);
  EXPECT_EQ(a.stats().cached, 1024u);
  EXPECT_EQ(a.stats().allocated, 0u);
  // Same bucket (1001..1024 round to 1024), same stream: the same block, no raw call.
  void* q = a.allocate(1020, kStreamA);
  EXPECT_EQ(q, p);
  EXPECT_EQ(raw.allocs, 1);
  EXPECT_EQ(a.stats().num_cache_hits, 1);
  EXPECT_EQ(a.stats().cached, 0u);
  // Another stream never gets it.
  a.deallocate(q);
  void* r = a.allocate(1000, kStreamB);
  EXPECT_NE(r, p);
  EXPECT_EQ(raw.allocs, 2);
  a.deallocate(r);
}

TEST(CachingAllocator, SteadyStateMakesNoRawCalls) {
  FakeMemory raw(1 << 26);
  CachingAllocator a("fake", raw);
  const std::vector<size_t> step = {4096, 1 << 20, 3 << 20, 700, 4096};
  for (int it = 0; it < 5; ++it) {
    std::vector<void*> live;
    for (size_t n : step) live.push_back(a.allocate(n, kStreamA));
    for (void* p : live) a.deallocate(p);
    if (it == 0) {
      EXPECT_EQ(raw.allocs, 5);
    }
  }
  EXPECT_EQ(raw.allocs, 5);
  EXPECT_EQ(raw.frees, 0);
  EXPECT_EQ(a.stats().num_allocs, 25);
  EXPECT_EQ(a.stats().num_cache_hits, 20);
}

TEST(CachingAllocator, StatisticsTrackAllocatedCachedAndPeak) {
  FakeMemory raw(1 << 24);
  CachingAllocator a("fake", raw);
  void* p = a.allocate(100, kStreamA);   // bucket 512
  void* q = a.allocate(2000, kStreamA);  // bucket 2048
  CachingAllocatorStats s = a.stats();
  EXPECT_EQ(s.allocated, 2560u);
  EXPECT_EQ(s.requested, 2100u);
  EXPECT_EQ(s.peak_allocated, 2560u);
  a.deallocate(q);
  s = a.stats();
  EXPECT_EQ(s.allocated, 512u);
  EXPECT_EQ(s.cached, 2048u);
  EXPECT_EQ(s.reserved(), 2560u);
  EXPECT_EQ(s.peak_allocated, 2560u);
  a.reset_peak();
  EXPECT_EQ(a.stats().peak_allocated, 512u);
  a.empty_cache();
  EXPECT_EQ(a.stats().cached, 0u);
  EXPECT_EQ(raw.frees, 1);
  EXPECT_GE(raw.syncs, 1);  // pending work is waited for before memory goes back
  a.deallocate(p);
  EXPECT_EQ(a.allocate(0, kStreamA), nullptr);
  expect_contains(a.summary(), {"allocated 0 B", "cached 512 B", "peak 512 B"});
}

TEST(CachingAllocator, ReleasesTheCacheAndRetriesBeforeFailing) {
  FakeMemory raw(4096);
  CachingAllocator a("fake", raw);
  void* p = a.allocate(3000, kStreamB);  // 3072 of 4096 taken
  a.deallocate(p);                       // cached, still taken from the source
  void* q = a.allocate(4000, kStreamA);  // fails raw, releases the cached 3072, succeeds
  EXPECT_NE(q, nullptr);
  EXPECT_EQ(raw.frees, 1);
  EXPECT_EQ(a.stats().cached, 0u);
  EXPECT_EQ(a.stats().num_ooms, 0);
  a.deallocate(q);
}

TEST(CachingAllocator, OutOfMemoryErrorReportsTheStatistics) {
  FakeMemory raw(8192);
  CachingAllocator a("CUDA device cuda:7", raw);
  void* p = a.allocate(5000, kStreamA);
  void* q = a.allocate(1000, kStreamA);
  a.deallocate(q);
  expect_error([&] { a.allocate(6000, kStreamA); },
               {"CUDA device cuda:7 out of memory", "tried to allocate 5.86 KiB (6000 bytes",
                "allocated 5.00 KiB", "cached 1.00 KiB", "peak 6.00 KiB",
                "released 1.00 KiB of cache", "fake: 3072 bytes free of 8192"});
  EXPECT_EQ(a.stats().num_ooms, 1);
  EXPECT_EQ(a.stats().allocated, 5120u);  // the failure changed nothing that was live
  a.deallocate(p);
  expect_error([&] { a.deallocate(reinterpret_cast<void*>(0x1234)); }, {"did not hand out"});
}

TEST(CachingAllocator, FormatsBytes) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1536), "1.50 KiB");
  EXPECT_EQ(format_bytes(size_t(3) << 30), "3.00 GiB");
}

}  // namespace
}  // namespace dc
