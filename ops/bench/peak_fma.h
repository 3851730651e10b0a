// A measured FP32 peak: the reference that GEMM efficiency ("sgemm >= 80% of peak") is quoted
// against, so the percentage reflects this machine's clock and core count rather than a datasheet.
#pragma once

namespace dc {
namespace bench {

struct PeakResult {
  double gflops = 0;   // FP32 GFLOP/s over all pool threads
  double seconds = 0;  // wall time of the best measured round
  int threads = 0;
};

// Runs a register-only AVX2 FMA loop on every pool thread (through parallel_for, the same threads
// the kernels use) and returns the best of a few rounds.
PeakResult measure_peak_fma();

}  // namespace bench
}  // namespace dc
