// Perf mode of the op-case registry (ops/op_case.h): times each case's `run` (plus backward when
// the case says so) with a fixed warm-up and a median over repeated runs, the same method
// scripts/bench_torch.py uses, so the two sets of numbers compare.
#pragma once

#include <string>
#include <vector>

#include "ops/bench/peak_fma.h"
#include "ops/op_case.h"

namespace dc {
namespace bench {

struct BenchOptions {
  std::string filter;  // keep cases whose name contains this (empty = all)
  bool all = false;    // also time cases without kPerf in their modes
  uint64_t seed = 0;
  int warmup = 2;
  int min_runs = 5;
  int max_runs = 50;
  double min_seconds = 0.5;  // fast ops repeat until this much time or max_runs
};

struct BenchResult {
  std::string name;
  double median_ms = 0;
  double min_ms = 0;
  double gflops = -1;  // < 0 where the case gives no flop count
  int runs = 0;
  int threads = 0;
};

// The cases `options` selects, in registration order.
std::vector<const OpCase*> select_cases(const BenchOptions& options);
// Times one case (forward, and backward with a ones gradient when c.perf_backward).
BenchResult bench_case(const OpCase& c, const BenchOptions& options);

// Median of samples (mean of the two middle ones for an even count); samples must be non-empty.
double median(std::vector<double> samples);

}  // namespace bench
}  // namespace dc
