// The shared pool: full coverage of ranges, exceptions propagate, nesting runs serially.
#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "core/error.h"

namespace dc {
namespace {

TEST(ThreadPool, CoversRangeExactlyOnce) {
  set_num_threads(2);
  std::vector<std::atomic<int>> hits(10007);
  parallel_for(0, 10007, 10, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) hits[i]++;
  });
  for (auto& h : hits) ASSERT_EQ(h.load(), 1);
}

TEST(ThreadPool, SmallRangesRunInline) {
  int calls = 0;
  parallel_for(0, 5, 100, [&](int64_t b, int64_t e) {
    ++calls;
    EXPECT_EQ(b, 0);
    EXPECT_EQ(e, 5);
  });
  EXPECT_EQ(calls, 1);
  parallel_for(3, 3, 1, [&](int64_t, int64_t) { FAIL() << "empty range must not run"; });
}

TEST(ThreadPool, ExceptionReachesCaller) {
  EXPECT_THROW(parallel_for(0, 1000, 1,
                            [](int64_t b, int64_t) {
                              if (b > 0) DC_FAIL("worker failed");
                            }),
               Error);
  // The pool still works afterwards.
  std::atomic<int64_t> total{0};
  parallel_for(0, 1000, 1, [&](int64_t b, int64_t e) { total += e - b; });
  EXPECT_EQ(total.load(), 1000);
}

TEST(ThreadPool, NestedCallsDoNotDeadlock) {
  std::atomic<int64_t> total{0};
  parallel_for(0, 4, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      parallel_for(0, 100, 1, [&](int64_t bb, int64_t ee) { total += ee - bb; });
    }
  });
  EXPECT_EQ(total.load(), 400);
}

TEST(ThreadPool, ResizeAndListener) {
  static int seen = 0;
  add_thread_count_listener([](int n) { seen = n; });
  set_num_threads(1);
  EXPECT_EQ(num_threads(), 1);
  EXPECT_EQ(seen, 1);
  set_num_threads(2);
  EXPECT_EQ(seen, 2);
  EXPECT_THROW(set_num_threads(0), Error);
}

}  // namespace
}  // namespace dc
