// `densecorr bench synth`: how fast the synthetic world renders samples on one thread.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace dc {
namespace bench {

// Per-sample figures of one world: the median and mean over the timed samples.
struct SynthBenchResult {
  std::string world;  // "face" or "body"
  int size = 0, count = 0, supersample = 0;
  std::string antialias;  // "edges" or "full"
  double cpu_ms_median = 0, cpu_ms_mean = 0, wall_ms_median = 0;
  // Median thread CPU milliseconds per stage, in the order the world runs them.
  std::vector<std::pair<std::string, double>> stages_ms;
  double samples_per_s() const { return 1e3 / cpu_ms_median; }
};

// Renders `count` samples of `world` ("face" or "body") at size×size after `warmup` untimed ones,
// sample i from Generator(seed + i), on the calling thread; stage times are thread CPU time.
SynthBenchResult bench_synth(const std::string& world, int count, int size, int warmup,
                             uint64_t seed, int supersample, const std::string& antialias);

// args: everything after "bench synth". Returns the process exit status.
int bench_synth_command(const std::vector<std::string>& args);

}  // namespace bench
}  // namespace dc
