// tune_malloc_for_steady_streams(): large blocks stay on the heap (no mmap per block) and the
// environment's own malloc tunables take precedence.
#include "train/malloc_tuning.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdlib>
#include <cstring>

namespace dc {
namespace {

TEST(MallocTuning, EnvironmentTunablesWin) {
  ASSERT_EQ(setenv("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=1000000", 1), 0);
  EXPECT_FALSE(tune_malloc_for_steady_streams());
  // Tunables of other glibc parts do not count.
  ASSERT_EQ(setenv("GLIBC_TUNABLES", "glibc.cpu.hwcaps=-AVX512F", 1), 0);
  EXPECT_TRUE(tune_malloc_for_steady_streams());
  unsetenv("GLIBC_TUNABLES");
}

TEST(MallocTuning, LargeBlocksComeFromTheHeapAndStayThere) {
  ASSERT_TRUE(tune_malloc_for_steady_streams());
  // 8 MB is far above glibc's default mmap threshold (128 kB, dynamic up to 32 MB): untuned, a
  // first block this size is mmap'ed (hblks counts it). Tuned, it comes from the heap.
  const size_t before = mallinfo2().hblks;
  const size_t n = size_t{8} << 20;
  char* block = static_cast<char*>(std::malloc(n));
  ASSERT_NE(block, nullptr);
  std::memset(block, 1, n);  // the pages are really used
  EXPECT_EQ(mallinfo2().hblks, before) << "an 8 MB block was mmap'ed";
  std::free(block);
  // Freed, it stays in the process (not trimmed back to the kernel): the heap keeps at least it.
  EXPECT_GE(mallinfo2().arena, n);
  EXPECT_GE(mallinfo2().fordblks, n);
}

}  // namespace
}  // namespace dc
