#include "ops/bench/bench.h"

#include <algorithm>
#include <chrono>
#include <memory>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "core/thread_pool.h"
#include "ops/creation.h"

#ifdef DC_WITH_CUDA
#include "core/cuda/device.h"
#include "core/cuda/stream.h"
#include "ops/cuda/cublas_gemm.h"
#endif

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

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

int64_t nbytes(const Tensor& t) {
  return t.defined() ? t.numel() * static_cast<int64_t>(dtype_size(t.dtype())) : 0;
}

// Times one run: the host clock on the CPU, CUDA events on the current stream on a GPU.
class RunTimer {
 public:
  explicit RunTimer(Device device) : device_(device) {
#ifdef DC_WITH_CUDA
    if (!device.is_cpu()) {
      start_ = std::make_unique<CudaEvent>(true);
      stop_ = std::make_unique<CudaEvent>(true);
    }
#endif
  }
  void start() {
#ifdef DC_WITH_CUDA
    if (start_) return start_->record();
#endif
    t0_ = now_seconds();
  }
  double stop_ms() {
#ifdef DC_WITH_CUDA
    if (stop_) {
      stop_->record();
      stop_->synchronize();
      return start_->elapsed_ms(*stop_);
    }
#endif
    return (now_seconds() - t0_) * 1e3;
  }
  void synchronize() {
#ifdef DC_WITH_CUDA
    if (!device_.is_cpu()) cuda_synchronize(device_.index);
#endif
  }

 private:
  Device device_;
  double t0_ = 0;
#ifdef DC_WITH_CUDA
  std::unique_ptr<CudaEvent> start_, stop_;
#endif
};

// Lets f32 GEMMs use TF32 for one case and restores the previous setting.
class Tf32Scope {
 public:
  explicit Tf32Scope(bool on) {
#ifdef DC_WITH_CUDA
    saved_ = cuda_allow_tf32();
    set_cuda_allow_tf32(on);
#else
    DC_CHECK(!on, "bench: TF32 cases need the CUDA backend");
#endif
  }
  ~Tf32Scope() {
#ifdef DC_WITH_CUDA
    set_cuda_allow_tf32(saved_);
#endif
  }

 private:
  bool saved_ = false;
};

}  // namespace

const char* const kCopyCaseName = "large/copy_d2d_64M_f32";

double median(std::vector<double> samples) {
  DC_CHECK(!samples.empty(), "median of no samples");
  std::sort(samples.begin(), samples.end());
  const size_t n = samples.size();
  return n % 2 ? samples[n / 2] : 0.5 * (samples[n / 2 - 1] + samples[n / 2]);
}

const std::vector<BenchCase>& all_bench_cases() {
  static const std::vector<BenchCase>* cases = [] {
    auto* out = new std::vector<BenchCase>();
    for (const OpCase& c : all_op_cases()) {
      BenchCase b;
      b.op = c;
      b.memory_bound = starts_with(c.name, "unary/") || starts_with(c.name, "binary/") ||
                       starts_with(c.name, "reduce/");
      out->push_back(std::move(b));
    }
    for (BenchCase& b : large_bench_cases()) {
      b.large = true;
      out->push_back(std::move(b));
    }
    return out;
  }();
  return *cases;
}

std::vector<const BenchCase*> select_cases(const BenchOptions& options) {
  std::vector<const BenchCase*> out;
  for (const BenchCase& c : all_bench_cases()) {
    if (!c.large && !options.all && !(c.op.modes & kPerf)) continue;
    if (c.large && options.device.is_cpu() && !options.large) continue;
    if (!options.filter.empty() && c.op.name.find(options.filter) == std::string::npos) continue;
    out.push_back(&c);
  }
  return out;
}

std::vector<Tensor> make_case_inputs_on(const OpCase& c, uint64_t seed, DType float_dtype,
                                        Device device) {
  std::vector<Tensor> inputs = make_case_inputs(c, seed, float_dtype);
  if (device.is_cpu()) return inputs;
  NoGradGuard no_grad;
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& t = inputs[k];
    const bool grad = t.requires_grad();
    // A transposed spec is a transposed view of a contiguous tensor: move that tensor and view it
    // the same way, so the device kernels see the same strides as the CPU ones.
    Tensor moved = c.inputs[k].transposed && t.dim() >= 2
                       ? t.detach().transpose(-2, -1).to(device).transpose(-2, -1)
                       : t.detach().to(device);
    moved = moved.detach();
    if (grad) moved.set_requires_grad(true);
    inputs[k] = moved;
  }
  return inputs;
}

BenchResult bench_case(const BenchCase& bc, const BenchOptions& options) {
  const OpCase& c = bc.op;
  DC_CHECK(!bc.tf32 || !options.device.is_cpu(), "bench: case ", c.name,
           " uses TF32, a CUDA tensor-core mode; run it with --device cuda");
  const Tf32Scope tf32(bc.tf32);
  // Inputs are made once: generating them is not part of what is timed.
  std::vector<Tensor> inputs = make_case_inputs_on(c, options.seed, bc.dtype, options.device);
  std::vector<Tensor> grad_ones;  // made from the first run's outputs, reused afterwards
  int64_t out_bytes = 0;

  auto one_run = [&] {
    std::vector<Tensor> outs = c.run(inputs);
    out_bytes = 0;
    for (const Tensor& t : outs) out_bytes += nbytes(t);
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

  RunTimer timer(options.device);
  for (int i = 0; i < options.warmup; ++i) {
    one_run();
    clear_grads();
  }
  timer.synchronize();
  std::vector<double> ms;
  const double start = now_seconds();
  while (true) {
    timer.start();
    one_run();
    ms.push_back(timer.stop_ms());
    clear_grads();
    const int n = static_cast<int>(ms.size());
    if (n >= options.max_runs) break;
    if (n >= options.min_runs && now_seconds() - start >= options.min_seconds) break;
  }
  timer.synchronize();

  BenchResult r;
  r.name = c.name;
  r.device = options.device.str();
  r.dtype = bc.tf32 ? "tf32" : dtype_name(bc.dtype);
  r.median_ms = median(ms);
  r.min_ms = *std::min_element(ms.begin(), ms.end());
  r.runs = static_cast<int>(ms.size());
  r.threads = num_threads();
  if (c.flops > 0 && r.median_ms > 0) r.gflops = c.flops / (r.median_ms * 1e-3) * 1e-9;
  if (!c.perf_backward && r.median_ms > 0) {
    int64_t in_bytes = 0;
    for (const Tensor& t : inputs) in_bytes += nbytes(t);
    r.gbps = static_cast<double>(in_bytes + out_bytes) / (r.median_ms * 1e-3) * 1e-9;
  }
  return r;
}

}  // namespace bench
}  // namespace dc
