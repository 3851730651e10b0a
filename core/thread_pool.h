// The shared CPU thread pool. Every parallel CPU kernel goes through parallel_for, and BLAS and
// oneDNN are told to use the same number of threads, so nothing oversubscribes the cores.
#pragma once

#include <cstdint>
#include <functional>

namespace dc {

// Number of threads kernels use (default: the hardware's, or DC_NUM_THREADS).
int num_threads();
// Resizes the pool; also sets OpenBLAS/oneDNN thread counts through the registered hook.
void set_num_threads(int n);
// Lets a library (BLAS) learn the pool size whenever it changes.
void add_thread_count_listener(void (*listener)(int));

// Splits [begin, end) into at most num_threads() contiguous chunks of at least `grain` elements
// and runs fn(chunk_begin, chunk_end) on them in parallel; returns when all are done. Nested calls
// from inside a worker run serially. Exceptions from any chunk are rethrown to the caller.
void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn);

// While one is alive, parallel_for calls made on the thread that created it run serially on that
// thread. Data-loader threads hold one, so that ops used while loading samples never queue behind
// (or steal threads from) the training step's parallel regions. Nests; restores the previous state.
class SerialThreadScope {
 public:
  SerialThreadScope();
  ~SerialThreadScope();
  SerialThreadScope(const SerialThreadScope&) = delete;
  SerialThreadScope& operator=(const SerialThreadScope&) = delete;

 private:
  bool previous_;
};

}  // namespace dc
