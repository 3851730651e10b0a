#include "ops/bench/peak_fma.h"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>

#include "core/thread_pool.h"

namespace dc {
namespace bench {
namespace {

constexpr int kAccumulators = 10;       // > FMA latency (4) x ports (2): keeps both FMA units busy
constexpr int64_t kIters = 10'000'000;  // ~16 ms a round at 3 GHz: well above timer noise

// Keeps the accumulators observable so the compiler cannot drop the loop.
std::atomic<float> g_sink{0};

void fma_loop(int64_t iters) {
  // Ten named accumulators rather than an array: GCC keeps an array on the stack at -O2, which
  // adds a store/load to every chain and measures memory latency instead of the FMA units.
  const __m256 a = _mm256_set1_ps(0.999999f);
  const __m256 b = _mm256_set1_ps(1e-7f);
  __m256 c0 = _mm256_set1_ps(0.0f), c1 = _mm256_set1_ps(0.1f), c2 = _mm256_set1_ps(0.2f);
  __m256 c3 = _mm256_set1_ps(0.3f), c4 = _mm256_set1_ps(0.4f), c5 = _mm256_set1_ps(0.5f);
  __m256 c6 = _mm256_set1_ps(0.6f), c7 = _mm256_set1_ps(0.7f), c8 = _mm256_set1_ps(0.8f);
  __m256 c9 = _mm256_set1_ps(0.9f);
  for (int64_t it = 0; it < iters; ++it) {
    // Independent chains: each accumulator depends only on itself.
    c0 = _mm256_fmadd_ps(c0, a, b);
    c1 = _mm256_fmadd_ps(c1, a, b);
    c2 = _mm256_fmadd_ps(c2, a, b);
    c3 = _mm256_fmadd_ps(c3, a, b);
    c4 = _mm256_fmadd_ps(c4, a, b);
    c5 = _mm256_fmadd_ps(c5, a, b);
    c6 = _mm256_fmadd_ps(c6, a, b);
    c7 = _mm256_fmadd_ps(c7, a, b);
    c8 = _mm256_fmadd_ps(c8, a, b);
    c9 = _mm256_fmadd_ps(c9, a, b);
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(c0, c1), _mm256_add_ps(c2, c3)),
                           _mm256_add_ps(_mm256_add_ps(c4, c5), _mm256_add_ps(c6, c7)));
  s = _mm256_add_ps(s, _mm256_add_ps(c8, c9));
  alignas(32) float out[8];
  _mm256_store_ps(out, s);
  g_sink.store(g_sink.load(std::memory_order_relaxed) + out[0], std::memory_order_relaxed);
}

}  // namespace

PeakResult measure_peak_fma() {
  const int threads = num_threads();
  auto run_round = [&](int64_t iters) {
    const auto t0 = std::chrono::steady_clock::now();
    parallel_for(0, threads, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) fma_loop(iters);
    });
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  run_round(kIters / 10);  // wakes the workers and lets the clock ramp up
  double best = 1e30;
  for (int r = 0; r < 7; ++r) best = std::min(best, run_round(kIters));
  PeakResult res;
  res.threads = threads;
  res.seconds = best;
  // One FMA = 2 flops per lane, 8 lanes.
  res.gflops = 2.0 * 8 * kAccumulators * static_cast<double>(kIters) * threads / best * 1e-9;
  return res;
}

}  // namespace bench
}  // namespace dc
