#include "train/bench_loader_command.h"

#include <cstdio>
#include <iostream>

#include "core/thread_pool.h"
#include "data/loader_bench.h"
#include "train/cli_args.h"

namespace dc {
namespace bench {

int bench_loader_command(const std::vector<std::string>& args) {
  static const std::vector<cli::FlagSpec> flags = {
      {"workers", true, "loader threads (default 2; 0 loads in the calling thread)"},
      {"batch", true, "samples per batch (default 32)"},
      {"batches", true, "timed batches (default 200)"},
      {"prefetch", true, "batches queued ahead per worker (default 2)"},
      {"size", true, "side S of the 3xSxS in-memory images (default 128)"},
      {"crop", true, "side of the random crop each sample returns (default 112)"},
      {"json", false, "one JSON object instead of a table line"},
  };
  const cli::ParsedArgs a = cli::parse_args("bench loader", args, flags);
  LoaderBenchOptions o;
  o.num_workers = static_cast<int>(a.get_int("workers", o.num_workers, 0, 256));
  o.batch_size = a.get_int("batch", o.batch_size, 1, 1 << 16);
  o.batches = a.get_int("batches", o.batches, 1, 1 << 30);
  o.prefetch = static_cast<int>(a.get_int("prefetch", o.prefetch, 1, 1024));
  o.image_size = a.get_int("size", o.image_size, 1, 8192);
  o.crop = a.get_int("crop", std::min(o.crop, o.image_size), 1, o.image_size);
  const LoaderBenchResult r = bench_loader(o);
  char line[256];
  if (a.has("json")) {
    std::snprintf(line, sizeof line,
                  "{\"name\": \"loader\", \"workers\": %d, \"batch\": %lld, \"prefetch\": %d, "
                  "\"crop\": %lld, \"batches\": %lld, \"seconds\": %.6g, \"batches_per_s\": %.6g, "
                  "\"samples_per_s\": %.6g, \"mb_per_s\": %.6g}\n",
                  o.num_workers, static_cast<long long>(o.batch_size), o.prefetch,
                  static_cast<long long>(o.crop), static_cast<long long>(r.batches), r.seconds,
                  r.batches_per_s, r.samples_per_s, r.megabytes_per_s);
  } else {
    std::snprintf(line, sizeof line,
                  "loader: workers %d, batch %lld, crop 3x%lldx%lld: %.1f batches/s, %.0f "
                  "samples/s, %.0f MB/s (%lld batches in %.3f s)\n",
                  o.num_workers, static_cast<long long>(o.batch_size),
                  static_cast<long long>(o.crop), static_cast<long long>(o.crop), r.batches_per_s,
                  r.samples_per_s, r.megabytes_per_s, static_cast<long long>(r.batches), r.seconds);
  }
  std::cout << line << std::flush;
  return 0;
}

}  // namespace bench
}  // namespace dc
