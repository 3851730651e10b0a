#include "ops/bench/bench.h"

#include <algorithm>
#include <chrono>

#include "autograd/node.h"
#include "core/thread_pool.h"
#include "ops/creation.h"

namespace dc {
namespace bench {
namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Outputs that backward starts from: floating ones that are part of the graph (integer outputs,
// like argmax indices, carry no gradient).
std::vector<Tensor> differentiable(const std::vector<Tensor>& outs) {
  std::vector<Tensor> roots;
  for (const Tensor& t : outs) {
    if (t.defined() && is_floating(t.dtype()) && t.requires_grad()) roots.push_back(t);
  }
  return roots;
}

}  // namespace

double median(std::vector<double> samples) {
  DC_CHECK(!samples.empty(), "median of no samples");
  std::sort(samples.begin(), samples.end());
  const size_t n = samples.size();
  return n % 2 ? samples[n / 2] : 0.5 * (samples[n / 2 - 1] + samples[n / 2]);
}

std::vector<const OpCase*> select_cases(const BenchOptions& options) {
  std::vector<const OpCase*> out;
  for (const OpCase& c : all_op_cases()) {
    if (!options.all && !(c.modes & kPerf)) continue;
    if (!options.filter.empty() && c.name.find(options.filter) == std::string::npos) continue;
    out.push_back(&c);
  }
  return out;
}

BenchResult bench_case(const OpCase& c, const BenchOptions& options) {
  // Inputs are made once: generating them is not part of what is timed.
  std::vector<Tensor> inputs = make_case_inputs(c, options.seed, DType::f32);
  std::vector<Tensor> grad_ones;  // made from the first run's outputs, reused afterwards

  auto one_run = [&] {
    std::vector<Tensor> outs = c.run(inputs);
    if (!c.perf_backward) return;
    std::vector<Tensor> roots = differentiable(outs);
    if (roots.empty()) return;
    if (grad_ones.size() != roots.size()) {
      grad_ones.clear();
      for (const Tensor& r : roots) grad_ones.push_back(ones_like(r));
    }
    run_backward(roots, grad_ones, /*retain_graph=*/false);
  };
  // Accumulating into .grad would add an extra add kernel per run; zero_grad drops it instead, as
  // optimizer.zero_grad(set_to_none=True) does in the PyTorch script.
  auto clear_grads = [&] {
    for (Tensor& t : inputs) {
      if (t.requires_grad()) t.zero_grad();
    }
  };

  for (int i = 0; i < options.warmup; ++i) {
    one_run();
    clear_grads();
  }
  std::vector<double> ms;
  const double start = now_seconds();
  while (true) {
    const double t0 = now_seconds();
    one_run();
    const double t1 = now_seconds();
    clear_grads();
    ms.push_back((t1 - t0) * 1e3);
    const int n = static_cast<int>(ms.size());
    if (n >= options.max_runs) break;
    if (n >= options.min_runs && now_seconds() - start >= options.min_seconds) break;
  }

  BenchResult r;
  r.name = c.name;
  r.median_ms = median(ms);
  r.min_ms = *std::min_element(ms.begin(), ms.end());
  r.runs = static_cast<int>(ms.size());
  r.threads = num_threads();
  if (c.flops > 0 && r.median_ms > 0) r.gflops = c.flops / (r.median_ms * 1e-3) * 1e-9;
  return r;
}

}  // namespace bench
}  // namespace dc
