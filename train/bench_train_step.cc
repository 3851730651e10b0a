#include "train/bench_train_step.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "autograd/node.h"
#include "core/thread_pool.h"
#include "nets/registry.h"
#include "ops/bench/bench.h"
#include "ops/creation.h"
#include "ops/loss.h"
#include "train/cli_args.h"
#include "train/optim/sgd.h"
#include "train/run_device.h"

#ifdef DC_WITH_CUDA
#include "core/cuda/device.h"
#include "ops/cuda/cublas_gemm.h"
#include "ops/cuda/cudnn_conv.h"
#endif

namespace dc {
namespace bench {
namespace {

constexpr int64_t kClasses = 1000;
constexpr const char* kUsage =
    "usage: densecorr bench train-step --model NAME [--device cpu|cuda|cuda:N] [--tf32] "
    "[--size S] [--batch B] [--threads N] [--iters N] [--warmup N] [--seed S] [--per-op] [--json]";

const std::vector<cli::FlagSpec>& flags() {
  static const std::vector<cli::FlagSpec> f = {
      {"model", true, "registered model name (required), e.g. resnet18, resnet50"},
      {"device", true, "cpu (default), cuda or cuda:N"},
      {"tf32", false, "CUDA: f32 matmuls and convolutions on TF32 tensor cores (default off)"},
      {"size", true, "input height and width (default 224)"},
      {"batch", true, "batch size (default 8)"},
      {"threads", true, "CPU threads (default: all cores, or DC_NUM_THREADS)"},
      {"iters", true, "timed steps (default 10)"},
      {"warmup", true, "untimed steps before them (default 2)"},
      {"seed", true, "seed of the weights, input and labels (default 0)"},
      {"per-op", false, "also print the time of each op's forward and backward (CPU only)"},
      {"json", false, "one JSON object instead of a table"},
  };
  return f;
}

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string json_number(double v) { return std::isfinite(v) ? fmt("%.6g", v) : "null"; }

void print_table(const TrainStepResult& r) {
  const TrainStepOptions& o = r.options;
  const StepPhases& p = r.median_phases;
  std::cout << "train-step " << o.model << "  batch " << o.batch << "  size " << o.size;
  if (r.device == "cpu") {
    std::cout << "  threads " << r.threads;
  } else {
    std::cout << "  device " << r.device << " (" << r.device_name << ")  tf32 "
              << (o.tf32 ? "on" : "off");
  }
  std::cout << "  iters " << r.step_ms.size() << "  warmup " << o.warmup
            << (o.per_op ? "  (per-op timing on)" : "") << "\n"
            << "step ms: median " << fmt("%.2f", r.median_ms) << "  min " << fmt("%.2f", r.min_ms)
            << "   images/s: " << fmt("%.2f", r.images_per_s) << "\n"
            << "phases, median ms: zero_grad " << fmt("%.2f", p.zero_grad_ms) << "  forward "
            << fmt("%.2f", p.forward_ms) << "  loss " << fmt("%.2f", p.loss_ms) << "  backward "
            << fmt("%.2f", p.backward_ms) << "  optimizer " << fmt("%.2f", p.optimizer_ms) << "\n";
  if (r.per_op.empty()) return;
  const double steps = static_cast<double>(r.step_ms.size());
  char line[200];
  std::snprintf(line, sizeof line, "%-32s %12s %8s %12s %8s %7s\n", "op (ms per step)", "forward",
                "calls", "backward", "calls", "%step");
  std::cout << line;
  double mean_step = 0;
  for (double v : r.step_ms) mean_step += v / steps;
  for (const profiler::OpTime& t : r.per_op) {
    const double f = t.forward_seconds * 1e3 / steps, b = t.backward_seconds * 1e3 / steps;
    std::snprintf(line, sizeof line, "%-32s %12.3f %8.0f %12.3f %8.0f %6.1f%%\n", t.name.c_str(), f,
                  t.forward_calls / steps, b, t.backward_calls / steps,
                  100.0 * (f + b) / mean_step);
    std::cout << line;
  }
}

void print_json(const TrainStepResult& r) {
  const TrainStepOptions& o = r.options;
  const StepPhases& p = r.median_phases;
  std::cout << "{\"model\": \"" << o.model << "\", \"size\": " << o.size
            << ", \"batch\": " << o.batch << ", \"device\": \"" << r.device << "\"";
  if (!r.device_name.empty()) std::cout << ", \"device_name\": \"" << r.device_name << "\"";
  std::cout << ", \"tf32\": " << (o.tf32 ? "true" : "false") << ", \"threads\": " << r.threads
            << ", \"iters\": " << r.step_ms.size() << ", \"warmup\": " << o.warmup
            << ", \"median_ms\": " << json_number(r.median_ms)
            << ", \"min_ms\": " << json_number(r.min_ms)
            << ", \"images_per_s\": " << json_number(r.images_per_s) << ", \"phases_ms\": {"
            << "\"zero_grad\": " << json_number(p.zero_grad_ms)
            << ", \"forward\": " << json_number(p.forward_ms)
            << ", \"loss\": " << json_number(p.loss_ms)
            << ", \"backward\": " << json_number(p.backward_ms)
            << ", \"optimizer\": " << json_number(p.optimizer_ms) << "}, \"steps_ms\": [";
  for (size_t i = 0; i < r.step_ms.size(); ++i) {
    std::cout << (i ? ", " : "") << json_number(r.step_ms[i]);
  }
  std::cout << "]";
  if (!r.per_op.empty()) {
    const double steps = static_cast<double>(r.step_ms.size());
    std::cout << ", \"per_op_ms_per_step\": [";
    for (size_t i = 0; i < r.per_op.size(); ++i) {
      const profiler::OpTime& t = r.per_op[i];
      std::cout << (i ? ", " : "") << "{\"op\": \"" << t.name
                << "\", \"forward\": " << json_number(t.forward_seconds * 1e3 / steps)
                << ", \"backward\": " << json_number(t.backward_seconds * 1e3 / steps) << "}";
    }
    std::cout << "]";
  }
  std::cout << "}\n" << std::flush;
}

// The CUDA math switches of one run (TF32, cuDNN's timed algorithm search), restored when it ends
// so that a caller's own settings (a test, a later benchmark) are untouched.
class CudaMathScope {
 public:
  CudaMathScope(Device device, bool tf32) {
    if (device.is_cpu()) return;
#ifdef DC_WITH_CUDA
    active_ = true;
    saved_tf32_ = cuda_allow_tf32();
    saved_benchmark_ = cudnn_benchmark();
    set_cuda_allow_tf32(tf32);
    set_cudnn_benchmark(true);
#else
    (void)tf32;
#endif
  }
  ~CudaMathScope() {
#ifdef DC_WITH_CUDA
    if (!active_) return;
    set_cuda_allow_tf32(saved_tf32_);
    set_cudnn_benchmark(saved_benchmark_);
#endif
  }
  CudaMathScope(const CudaMathScope&) = delete;
  CudaMathScope& operator=(const CudaMathScope&) = delete;

 private:
  bool active_ = false, saved_tf32_ = false, saved_benchmark_ = false;
};

// Waits for the device's queued work, so that the host clock read next covers the kernels and not
// only their launches. Nothing to wait for on the CPU (its ops return when done).
void synchronize(Device device) {
#ifdef DC_WITH_CUDA
  if (!device.is_cpu()) cuda_synchronize(device.index);
#else
  (void)device;
#endif
}

std::string device_name(Device device) {
#ifdef DC_WITH_CUDA
  if (!device.is_cpu()) return cuda_device_properties(device.index).name;
#else
  (void)device;
#endif
  return "";
}

}  // namespace

TrainStepResult bench_train_step(const TrainStepOptions& o) {
  DC_CHECK(o.batch >= 1, "bench train-step: --batch must be >= 1, got ", o.batch);
  DC_CHECK(o.size >= 1, "bench train-step: --size must be >= 1, got ", o.size);
  DC_CHECK(o.iters >= 1, "bench train-step: --iters must be >= 1, got ", o.iters);
  DC_CHECK(o.warmup >= 0, "bench train-step: --warmup must be >= 0, got ", o.warmup);
  // Checked before anything is built: a missing GPU is a usage error, named by its flag.
  const Device device = resolve_device(o.device, 0, "--device");
  DC_CHECK(!o.tf32 || !device.is_cpu(),
           "bench train-step: --tf32 selects TF32 tensor cores, a CUDA mode; it has no meaning "
           "with --device cpu");
  DC_CHECK(!o.per_op || device.is_cpu(), "bench train-step: --per-op is CPU only (--device ",
           o.device,
           "): it reads the host clock between ops, and CUDA ops return once their kernels are "
           "queued, so it would time launches, not kernels; time the step without --per-op, or "
           "profile the kernels with nsys");
  use_device(device);
  const CudaMathScope math(device, o.tf32);
  ModelOptions mo;
  mo.num_classes = kClasses;
  mo.seed = o.seed;
  // Built and drawn on the host whatever the device, so that every device starts from the same
  // weights and batch; moved before the optimizer exists, so its state is made on the device.
  ModulePtr model = build_model(o.model, mo);
  model->train();
  model->to(device);
  SgdOptions so;
  so.lr = 0.01;
  so.momentum = 0.9;
  so.weight_decay = 1e-4;
  SGD sgd(model->parameters(), so);
  Generator gen(o.seed + 1);
  const Tensor x = randn({o.batch, 3, o.size, o.size}, DType::f32, gen).to(device);
  const Tensor labels = randint(0, kClasses, {o.batch}, DType::i64, gen).to(device);

  TrainStepResult r;
  r.options = o;
  r.device = device.str();
  r.device_name = device_name(device);
  r.threads = num_threads();
  std::vector<StepPhases> phases;
  const bool profile = o.per_op;
  for (int i = 0; i < o.warmup + o.iters; ++i) {
    const bool timed = i >= o.warmup;
    if (timed && profile && i == o.warmup) {
      profiler::reset();
      profiler::set_enabled(true);
    }
    StepPhases p;
    // Each clock read follows a synchronize (a no-op on the CPU): see bench_train_step.h.
    synchronize(device);
    const double t0 = profiler::now_seconds();
    sgd.zero_grad();
    synchronize(device);
    const double t1 = profiler::now_seconds();
    if (profile) profiler::mark();  // the forward clock starts here, not at zero_grad
    const Tensor logits = model->forward(x);
    synchronize(device);
    const double t2 = profiler::now_seconds();
    const Tensor loss = cross_entropy(logits, labels);
    synchronize(device);
    const double t3 = profiler::now_seconds();
    loss.backward();
    synchronize(device);
    const double t4 = profiler::now_seconds();
    sgd.step();
    synchronize(device);
    const double t5 = profiler::now_seconds();
    // Read after the clock stopped: the copy to the host is not part of the step.
    r.losses.push_back(loss.detach().to(kCPU).item<double>());
    if (!timed) continue;
    p.zero_grad_ms = (t1 - t0) * 1e3;
    p.forward_ms = (t2 - t1) * 1e3;
    p.loss_ms = (t3 - t2) * 1e3;
    p.backward_ms = (t4 - t3) * 1e3;
    p.optimizer_ms = (t5 - t4) * 1e3;
    phases.push_back(p);
    r.step_ms.push_back((t5 - t0) * 1e3);
  }
  if (profile) {
    profiler::set_enabled(false);
    r.per_op = profiler::snapshot();
    profiler::reset();
  }
  r.median_ms = median(r.step_ms);
  r.min_ms = *std::min_element(r.step_ms.begin(), r.step_ms.end());
  r.images_per_s = o.batch / (r.median_ms * 1e-3);
  auto phase_median = [&](double StepPhases::*field) {
    std::vector<double> v;
    for (const StepPhases& p : phases) v.push_back(p.*field);
    return median(v);
  };
  r.median_phases.zero_grad_ms = phase_median(&StepPhases::zero_grad_ms);
  r.median_phases.forward_ms = phase_median(&StepPhases::forward_ms);
  r.median_phases.loss_ms = phase_median(&StepPhases::loss_ms);
  r.median_phases.backward_ms = phase_median(&StepPhases::backward_ms);
  r.median_phases.optimizer_ms = phase_median(&StepPhases::optimizer_ms);
  return r;
}

int bench_train_step_command(const std::vector<std::string>& args) {
  const cli::ParsedArgs a = cli::parse_args("bench train-step", args, flags());
  if (!a.has("model")) {
    throw cli::UsageError(std::string("bench train-step: missing --model NAME (") + kUsage + ")");
  }
  if (a.has("threads")) set_num_threads(static_cast<int>(a.get_int("threads", 1, 1, 1024)));
  TrainStepOptions o;
  o.model = a.get("model", "");
  o.size = a.get_int("size", o.size, 1, 16384);
  o.batch = a.get_int("batch", o.batch, 1, 1 << 20);
  o.iters = static_cast<int>(a.get_int("iters", o.iters, 1, 1000000));
  o.warmup = static_cast<int>(a.get_int("warmup", o.warmup, 0, 1000000));
  o.seed = static_cast<uint64_t>(a.get_int("seed", 0, 0, INT64_MAX));
  o.per_op = a.has("per-op");
  o.device = a.get("device", o.device);
  o.tf32 = a.has("tf32");
  const TrainStepResult r = bench_train_step(o);
  a.has("json") ? print_json(r) : print_table(r);
  return 0;
}

}  // namespace bench
}  // namespace dc
