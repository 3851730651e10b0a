// comm_bench: times the gradient all-reduce of data-parallel training on this machine.
//   mpirun -np 2 bazel-bin/train/dist/comm_bench [--mb 46.8] [--bucket-mb 25] [--iters 20]
// All-reduces (mean) a list of f32 tensors totalling --mb megabytes, shaped like a network's
// gradients (ResNet-18's 11.7 M parameters by default), through all_reduce_bucketed, and reports
// the median time per call, the algorithm bandwidth (bytes / time), and the latency of a one-float
// all_reduce. Rank 0 prints; the figures go to docs/PERFORMANCE.md with the machine and date.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "core/copy.h"
#include "train/cli_args.h"
#include "train/dist/comm.h"

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int run(const std::vector<std::string>& args) {
  const std::vector<dc::cli::FlagSpec> flags = {
      {"mb", true, "total gradient megabytes (default 46.8, ResNet-18)"},
      {"bucket-mb", true, "bucket size in megabytes (default 25)"},
      {"iters", true, "timed iterations (default 20)"}};
  const dc::cli::ParsedArgs a = dc::cli::parse_args("comm_bench", args, flags);
  const double mb = std::stod(a.get("mb", "46.8"));
  const double bucket_mb = std::stod(a.get("bucket-mb", "25"));
  const int64_t iters = a.get_int("iters", 20, 1, 100000);
  DC_CHECK(mb > 0 && bucket_mb > 0, "comm_bench: --mb and --bucket-mb must be positive");

  auto comm = dc::make_communicator();
  // Gradient-like sizes: a few large tensors and many small ones (weights and norm parameters).
  const int64_t total = static_cast<int64_t>(mb * 1e6 / 4);
  std::vector<dc::Tensor> grads;
  for (int64_t left = total, k = 0; left > 0; ++k) {
    const int64_t n = std::min(left, k % 3 == 2 ? int64_t{64} : std::max<int64_t>(total / 20, 1));
    dc::Tensor t = dc::empty({n});
    dc::fill_(t, 1.0 + comm->rank());
    grads.push_back(t);
    left -= n;
  }
  const int64_t bucket_bytes = static_cast<int64_t>(bucket_mb * 1e6);
  comm->all_reduce_bucketed(grads, dc::CommReduce::mean, bucket_bytes);  // warm-up
  std::vector<double> times, latency;
  int64_t buckets = 0;
  for (int64_t i = 0; i < iters; ++i) {
    comm->barrier();
    const auto t0 = std::chrono::steady_clock::now();
    buckets = comm->all_reduce_bucketed(grads, dc::CommReduce::mean, bucket_bytes);
    const auto t1 = std::chrono::steady_clock::now();
    dc::Tensor one = dc::empty({1});
    dc::fill_(one, 1);
    comm->all_reduce(one);
    const auto t2 = std::chrono::steady_clock::now();
    times.push_back(std::chrono::duration<double>(t1 - t0).count());
    latency.push_back(std::chrono::duration<double>(t2 - t1).count());
  }
  if (comm->rank() == 0) {
    const double t = median(times);
    std::printf(
        "comm_bench: backend %s, %d ranks, %zu tensors, %.1f MB f32 in %lld buckets of %.1f MB: "
        "all_reduce_bucketed(mean) median %.2f ms (%.2f GB/s algbw); 1-float all_reduce median "
        "%.1f us\n",
        comm->backend_name(), comm->world_size(), grads.size(), total * 4 / 1e6,
        static_cast<long long>(buckets), bucket_mb, t * 1e3, total * 4 / t / 1e9,
        median(latency) * 1e6);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const dc::cli::UsageError& e) {
    std::fprintf(stderr, "comm_bench: error: %s\n", e.what());
    return 2;
  } catch (const dc::Error& e) {
    std::fprintf(stderr, "comm_bench: error: %s\n", e.what());
    return 2;
  }
}
