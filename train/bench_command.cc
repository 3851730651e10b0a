#include "train/bench_command.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "core/thread_pool.h"
#include "ops/bench/bench.h"
#include "train/bench_loader_command.h"
#include "train/bench_synth_command.h"
#include "train/bench_train_step.h"
#include "train/cli_args.h"

#ifdef DC_WITH_CUDA
#include "core/cuda/device.h"
#include "ops/cuda/impl_select.h"
#endif

namespace dc {
namespace bench {
namespace {

// JSON string escaping for case names (which are plain ASCII identifiers, but be safe).
std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", ch);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// What the run measures, printed with every result.
struct RunInfo {
  std::string impl;       // "vendor" or "ours" on CUDA, "" on the CPU
  double copy_gbps = -1;  // the measured copy bandwidth, once the copy case has run
};

double copy_fraction(const BenchCase& c, const BenchResult& r, const RunInfo& info) {
  return c.memory_bound && r.gbps > 0 && info.copy_gbps > 0 ? r.gbps / info.copy_gbps : -1;
}

std::string opt_number(double v) { return v >= 0 ? json_number(v) : "null"; }

void print_json(const BenchCase& c, const BenchResult& r, const RunInfo& info) {
  std::cout << "{\"name\": " << json_string(r.name) << ", \"device\": " << json_string(r.device)
            << ", \"dtype\": " << json_string(r.dtype)
            << ", \"impl\": " << (info.impl.empty() ? "null" : json_string(info.impl))
            << ", \"median_ms\": " << json_number(r.median_ms)
            << ", \"min_ms\": " << json_number(r.min_ms) << ", \"gflops\": " << opt_number(r.gflops)
            << ", \"gbps\": " << opt_number(r.gbps)
            << ", \"copy_fraction\": " << opt_number(copy_fraction(c, r, info))
            << ", \"runs\": " << r.runs << ", \"threads\": " << r.threads << "}\n"
            << std::flush;
}

void print_row(const BenchCase& c, const BenchResult& r, const RunInfo& info) {
  char line[200];
  char gf[32] = "-", gb[32] = "-", frac[32] = "";
  if (r.gflops >= 0) std::snprintf(gf, sizeof gf, "%.1f", r.gflops);
  if (r.gbps >= 0) std::snprintf(gb, sizeof gb, "%.1f", r.gbps);
  const double f = copy_fraction(c, r, info);
  if (f >= 0) std::snprintf(frac, sizeof frac, "%.0f%%", 100 * f);
  std::snprintf(line, sizeof line, "%-48s %5s %11.3f %11.3f %10s %8s %6s %5d\n", r.name.c_str(),
                r.dtype.c_str(), r.median_ms, r.min_ms, gf, gb, frac, r.runs);
  std::cout << line << std::flush;
}

// The pseudo-case of the CPU FMA peak, in the shape of the other rows.
void print_peak(bool json) {
  const PeakResult p = measure_peak_fma();
  BenchCase c;
  BenchResult r;
  r.name = "peak_fma";
  r.device = "cpu";
  r.dtype = "f32";
  r.median_ms = r.min_ms = p.seconds * 1e3;
  r.gflops = p.gflops;
  r.runs = 7;
  r.threads = p.threads;
  json ? print_json(c, r, RunInfo{}) : print_row(c, r, RunInfo{});
}

const char* init_name(InputSpec::Init init) {
  switch (init) {
    case InputSpec::Init::kNormal:
      return "normal";
    case InputSpec::Init::kUniform:
      return "uniform";
    case InputSpec::Init::kPositive:
      return "positive";
    case InputSpec::Init::kInteger:
      return "integer";
    case InputSpec::Init::kBool:
      return "bool";
  }
  return "normal";
}

// One JSON object per case: what scripts/bench_ops_torch.py needs to time the same thing with
// PyTorch (inputs as specs, the torch expression over x0, x1, ..., flops, backward or not).
void print_case_json(const BenchCase& c) {
  std::cout << "{\"name\": " << json_string(c.op.name)
            << ", \"dtype\": " << json_string(dtype_name(c.dtype))
            << ", \"tf32\": " << (c.tf32 ? "true" : "false")
            << ", \"large\": " << (c.large ? "true" : "false")
            << ", \"memory_bound\": " << (c.memory_bound ? "true" : "false")
            << ", \"backward\": " << (c.op.perf_backward ? "true" : "false")
            << ", \"flops\": " << (c.op.flops > 0 ? json_number(c.op.flops) : "null")
            << ", \"torch\": " << json_string(c.op.torch) << ", \"inputs\": [";
  for (size_t k = 0; k < c.op.inputs.size(); ++k) {
    const InputSpec& s = c.op.inputs[k];
    std::cout << (k ? ", " : "") << "{\"shape\": [";
    for (size_t d = 0; d < s.shape.size(); ++d) std::cout << (d ? ", " : "") << s.shape[d];
    const DType dt = is_floating(s.dtype) ? c.dtype : s.dtype;
    std::cout << "], \"dtype\": " << json_string(dtype_name(dt))
              << ", \"init\": " << json_string(init_name(s.init))
              << ", \"low\": " << json_number(s.low) << ", \"high\": " << json_number(s.high)
              << ", \"requires_grad\": " << (s.requires_grad && is_floating(dt) ? "true" : "false")
              << ", \"transposed\": " << (s.transposed ? "true" : "false") << "}";
  }
  std::cout << "]}\n";
}

Device parse_device(const std::string& s) {
  if (s == "cpu") return kCPU;
  if (s == "cuda") return Device{DeviceType::CUDA, 0};
  if (s.rfind("cuda:", 0) == 0 && s.size() > 5 &&
      s.find_first_not_of("0123456789", 5) == std::string::npos && s.size() < 9) {
    return Device{DeviceType::CUDA, std::stoi(s.substr(5))};
  }
  throw cli::UsageError("bench ops: --device must be cpu, cuda or cuda:N, got '" + s + "'");
}

// Fails with the reason when `device` cannot run kernels in this build on this machine.
void check_device(const Device& device) {
  if (device.is_cpu()) return;
#ifdef DC_WITH_CUDA
  DC_CHECK(cuda_is_available(), "bench ops --device ", device.str(),
           ": no CUDA device: ", cuda_unavailable_reason());
  DC_CHECK(device.index < cuda_device_count(), "bench ops --device ", device.str(), ": only ",
           cuda_device_count(), " CUDA device(s)");
#else
  DC_FAIL("bench ops --device ", device.str(),
          ": this build has no CUDA backend (no CUDA toolkit was found when it was built)");
#endif
}

const std::vector<cli::FlagSpec>& ops_flags() {
  static const std::vector<cli::FlagSpec> flags = {
      {"threads", true, "CPU threads (default: all cores, or DC_NUM_THREADS)"},
      {"json", false, "one JSON object per line instead of a table"},
      {"filter", true, "only cases whose name contains this substring"},
      {"all", false, "also time cases not marked for perf mode"},
      {"device", true, "cpu (default), cuda or cuda:N"},
      {"impl", true, "CUDA GEMM/conv implementation: vendor (cuBLAS/cuDNN, default) or ours"},
      {"large", false, "also the large cases on the CPU (always included on CUDA)"},
      {"list", false, "list the selected cases (with --json: their inputs and torch expressions)"},
  };
  return flags;
}

}  // namespace

int bench_command(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "loader") {
    return bench_loader_command(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (!args.empty() && args[0] == "synth") {
    return bench_synth_command(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (!args.empty() && args[0] == "train-step") {
    return bench_train_step_command(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (args.empty() || args[0] != "ops") {
    throw cli::UsageError(
        args.empty() ? "bench: missing what to benchmark (usage: densecorr bench "
                       "ops|loader|synth|train-step [flags])"
                     : "bench: unknown target '" + args[0] +
                           "' (usage: densecorr bench ops|loader|synth|train-step [flags])");
  }
  const cli::ParsedArgs a = cli::parse_args(
      "bench ops", std::vector<std::string>(args.begin() + 1, args.end()), ops_flags());
  if (a.has("threads")) set_num_threads(static_cast<int>(a.get_int("threads", 1, 1, 1024)));
  BenchOptions o;
  o.filter = a.get("filter", "");
  o.all = a.has("all");
  o.large = a.has("large");
  o.device = parse_device(a.get("device", "cpu"));
  const bool json = a.has("json");
  const std::string impl = a.get("impl", "vendor");
  if (impl != "vendor" && impl != "ours") {
    throw cli::UsageError("bench ops: --impl must be vendor or ours, got '" + impl + "'");
  }
  if (a.has("impl") && o.device.is_cpu()) {
    throw cli::UsageError(
        "bench ops: --impl chooses between CUDA implementations; it needs "
        "--device cuda");
  }

  std::vector<const BenchCase*> cases = select_cases(o);
  // The CPU FMA peak is a CPU figure; a CUDA run quotes memory-bound cases against the copy.
  const bool with_peak =
      o.device.is_cpu() &&
      (o.filter.empty() || std::string("peak_fma").find(o.filter) != std::string::npos);
  if (cases.empty() && !with_peak) {
    throw cli::UsageError("bench ops: no op case matches --filter '" + o.filter + "'");
  }
  if (a.has("list")) {
    for (const BenchCase* c : cases) {
      if (json) {
        print_case_json(*c);
      } else {
        std::cout << c->op.name << "\n";
      }
    }
    return 0;
  }
  check_device(o.device);
  // Memory-bound cases are quoted as a fraction of the measured copy bandwidth: measure it first.
  const bool any_memory_bound = std::any_of(cases.begin(), cases.end(), [](const BenchCase* c) {
    return c->memory_bound && !c->op.perf_backward;
  });
  if (any_memory_bound && (!o.device.is_cpu() || o.large)) {
    for (const BenchCase& c : all_bench_cases()) {
      if (c.op.name != kCopyCaseName) continue;
      cases.erase(std::remove(cases.begin(), cases.end(), &c), cases.end());
      cases.insert(cases.begin(), &c);
    }
  }

  RunInfo info;
  if (!o.device.is_cpu()) info.impl = impl;
#ifdef DC_WITH_CUDA
  const CudaImpl which = impl == "ours" ? CudaImpl::kOurs : CudaImpl::kVendor;
  const ScopedCudaImpl scoped(which, which);
#endif
  if (!json) {
    char head[200];
    std::snprintf(head, sizeof head, "%-48s %5s %11s %11s %10s %8s %6s %5s\n", "name", "dtype",
                  "median ms", "min ms", "GFLOP/s", "GB/s", "%copy", "runs");
    std::cout << "device: " << o.device.str();
    if (!info.impl.empty()) std::cout << "  impl: " << info.impl;
    std::cout << "  threads: " << num_threads() << "\n" << head;
  }
  // A case that fails is a bug in that op (or an op with no kernel for the device yet), not in
  // the command line: report it, time the rest, and exit 1 at the end so scripts notice.
  int failed = 0;
  for (const BenchCase* c : cases) {
    try {
      const BenchResult r = bench_case(*c, o);
      if (c->op.name == kCopyCaseName) info.copy_gbps = r.gbps;
      json ? print_json(*c, r, info) : print_row(*c, r, info);
    } catch (const std::exception& e) {
      std::cerr << "bench ops: case " << c->op.name << " failed on " << o.device.str() << ": "
                << e.what() << "\n";
      ++failed;
    }
  }
  if (with_peak) print_peak(json);  // a pseudo-case, so scripts read it from the same stream
  return failed ? 1 : 0;
}

}  // namespace bench
}  // namespace dc
