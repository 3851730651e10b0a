// Perf mode of the op-case registry (ops/op_case.h): times each case's `run` (plus backward when
// the case says so) with a fixed warm-up and a median over repeated runs, the same method
// scripts/bench_torch.py and scripts/bench_ops_torch.py use, so the numbers compare.
//
// On the CPU a run is timed by the host clock; on CUDA by two CUDA events recorded on the current
// stream around it (so the time is the device timeline from the first kernel queued to the last
// one finished, host launch overhead included where it leaves the GPU idle), after a warm-up and a
// cuda_synchronize. Inputs are made on the host from the case's seed and copied to the device
// once, outside the timed region.
#pragma once

#include <string>
#include <vector>

#include "core/device.h"
#include "ops/bench/peak_fma.h"
#include "ops/op_case.h"

namespace dc {
namespace bench {

// A timed case: an op case plus what only the benchmark needs.
struct BenchCase {
  OpCase op;
  DType dtype = DType::f32;   // floating inputs are made in this dtype
  bool tf32 = false;          // f32 GEMMs may use TF32 tensor cores (set_cuda_allow_tf32)
  bool large = false;         // perf-size case: run by default on CUDA only (see BenchOptions)
  bool memory_bound = false;  // elementwise / reduction / copy: quoted against copy bandwidth
};

// Every registered op case with kPerf in its modes (f32; memory_bound for the unary/, binary/ and
// reduce/ families), then the large cases of ops/bench/large_cases.cc, in that order.
const std::vector<BenchCase>& all_bench_cases();
// The large cases alone: 4096^3 GEMM in f32, TF32, f16 and bf16; ResNet-50 convolutions at batch
// 32 forward and forward+backward; 256 MiB elementwise add, sum and device-to-device copy;
// RoIAlign, grid_sample and softmax + cross-entropy at DensePose-RCNN sizes.
std::vector<BenchCase> large_bench_cases();
// Name of the large case whose GB/s is the reference for memory_bound cases ("fraction of copy").
extern const char* const kCopyCaseName;

struct BenchOptions {
  std::string filter;  // keep cases whose name contains this (empty = all)
  bool all = false;    // also time registered cases without kPerf in their modes
  bool large = false;  // also the large cases on the CPU (on CUDA they are always included)
  Device device = kCPU;
  uint64_t seed = 0;
  int warmup = 2;
  int min_runs = 5;
  int max_runs = 50;
  double min_seconds = 0.5;  // fast ops repeat until this much time or max_runs
};

struct BenchResult {
  std::string name;
  std::string device;  // "cpu", "cuda:0"
  std::string dtype;   // "f32", "tf32", "f16", "bf16"
  double median_ms = 0;
  double min_ms = 0;
  double gflops = -1;  // < 0 where the case gives no flop count
  // Bytes of the inputs read plus the outputs written, once, per median run (forward-only cases;
  // < 0 for forward+backward cases, whose traffic is not counted).
  double gbps = -1;
  int runs = 0;
  int threads = 0;
};

// The cases `options` selects, in all_bench_cases() order.
std::vector<const BenchCase*> select_cases(const BenchOptions& options);
// Times one case on options.device (forward, and backward with a ones gradient when
// c.op.perf_backward). Throws dc::Error when the op fails (e.g. no kernel for the device).
BenchResult bench_case(const BenchCase& c, const BenchOptions& options);

// The inputs of op case `c` (make_case_inputs with floating inputs in float_dtype) on `device`,
// with the same values, requires_grad flags and, for transposed specs, the same strides as on the
// CPU.
std::vector<Tensor> make_case_inputs_on(const OpCase& c, uint64_t seed, DType float_dtype,
                                        Device device);

// Median of samples (mean of the two middle ones for an even count); samples must be non-empty.
double median(std::vector<double> samples);

}  // namespace bench
}  // namespace dc
