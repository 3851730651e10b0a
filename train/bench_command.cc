#include "train/bench_command.h"

#include <cmath>
#include <cstdio>
#include <iostream>

#include "core/thread_pool.h"
#include "ops/bench/bench.h"
#include "train/bench_loader_command.h"
#include "train/bench_synth_command.h"
#include "train/bench_train_step.h"
#include "train/cli_args.h"

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

void print_json(const BenchResult& r) {
  std::cout << "{\"name\": " << json_string(r.name)
            << ", \"median_ms\": " << json_number(r.median_ms)
            << ", \"min_ms\": " << json_number(r.min_ms)
            << ", \"gflops\": " << (r.gflops >= 0 ? json_number(r.gflops) : "null")
            << ", \"runs\": " << r.runs << ", \"threads\": " << r.threads << "}\n"
            << std::flush;
}

void print_row(const BenchResult& r) {
  char line[160];
  char gf[32] = "-";
  if (r.gflops >= 0) std::snprintf(gf, sizeof gf, "%.1f", r.gflops);
  std::snprintf(line, sizeof line, "%-40s %12.3f %12.3f %10s %6d\n", r.name.c_str(), r.median_ms,
                r.min_ms, gf, r.runs);
  std::cout << line << std::flush;
}

const std::vector<cli::FlagSpec>& ops_flags() {
  static const std::vector<cli::FlagSpec> flags = {
      {"threads", true, "CPU threads (default: all cores, or DC_NUM_THREADS)"},
      {"json", false, "one JSON object per line instead of a table"},
      {"filter", true, "only cases whose name contains this substring"},
      {"all", false, "also time cases not marked for perf mode"},
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
  const bool json = a.has("json");

  const std::vector<const OpCase*> cases = select_cases(o);
  const bool with_peak =
      o.filter.empty() || std::string("peak_fma").find(o.filter) != std::string::npos;
  if (cases.empty() && !with_peak) {
    throw cli::UsageError("bench ops: no op case matches --filter '" + o.filter + "'");
  }
  if (!json) {
    char head[160];
    std::snprintf(head, sizeof head, "%-40s %12s %12s %10s %6s\n", "name", "median ms", "min ms",
                  "GFLOP/s", "runs");
    std::cout << "threads: " << num_threads() << "\n" << head;
  }
  // A case that fails is a bug in that op, not in the command line: report it, time the rest, and
  // exit 1 at the end so scripts notice.
  int failed = 0;
  for (const OpCase* c : cases) {
    try {
      const BenchResult r = bench_case(*c, o);
      json ? print_json(r) : print_row(r);
    } catch (const std::exception& e) {
      std::cerr << "bench ops: case " << c->name << " failed: " << e.what() << "\n";
      ++failed;
    }
  }
  if (with_peak) {
    // Reported as a pseudo-case so scripts can read it from the same stream.
    const PeakResult p = measure_peak_fma();
    BenchResult r;
    r.name = "peak_fma";
    r.median_ms = r.min_ms = p.seconds * 1e3;
    r.gflops = p.gflops;
    r.runs = 7;
    r.threads = p.threads;
    json ? print_json(r) : print_row(r);
  }
  return failed ? 1 : 0;
}

}  // namespace bench
}  // namespace dc
