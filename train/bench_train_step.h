// `densecorr bench train-step`: times whole training steps of a registered model on the CPU or a
// CUDA device, the same step that scripts/bench_train_torch.py times in PyTorch:
//
//   optimizer.zero_grad()            (gradients dropped, as set_to_none=True)
//   loss = cross_entropy(model(x), labels)
//   loss.backward()
//   optimizer.step()                 SGD, lr 0.01, momentum 0.9, weight decay 1e-4
//
// on a fixed random batch x [batch, 3, size, size] ~ N(0, 1) and labels uniform in [0, 1000),
// drawn from Generator(seed); the model is built by name (nets/registry.h) with 1000 classes, in
// training mode (batch norm uses batch statistics and updates its running ones).
//
// On a CUDA device (options.device, parsed by train/run_device.h) the model is built and the batch
// drawn on the host exactly as on the CPU (same weights, same batch), then moved to the device
// once; the optimizer's state is made there. Kernels run asynchronously, so every phase ends with a
// device synchronize before the host clock is read (otherwise a phase would measure its kernel
// launches only), and each step's loss is copied to the host after the step's clock has stopped.
// cuDNN picks its convolution algorithms by timing them the first time a shape is seen
// (set_cudnn_benchmark(true), as torch.backends.cudnn.benchmark = True), which happens in the
// warm-up steps; f32 matmuls and convolutions stay exact f32 unless options.tf32 (TF32 tensor
// cores for both, ops/cuda/cublas_gemm.h). Both switches are restored when the run ends.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "autograd/profiler.h"

namespace dc {
namespace bench {

struct TrainStepOptions {
  std::string model = "resnet18";
  int64_t size = 224;  // input height and width
  int64_t batch = 8;
  int iters = 10;       // timed steps
  int warmup = 2;       // untimed steps first (oneDNN primitive creation, first-touch of buffers)
  bool per_op = false;  // time each op's forward and backward (autograd/profiler.h); CPU only
  uint64_t seed = 0;
  // cpu, cuda or cuda:N (train/run_device.h; errors name the option --device).
  std::string device = "cpu";
  // f32 matmuls and convolutions on TF32 tensor cores (CUDA only; off: exact f32, as PyTorch's
  // default for matmul; PyTorch's default for cuDNN convolutions is TF32 on).
  bool tf32 = false;
};

// Milliseconds of one step split by phase (a step is their sum).
struct StepPhases {
  double zero_grad_ms = 0, forward_ms = 0, loss_ms = 0, backward_ms = 0, optimizer_ms = 0;
};

struct TrainStepResult {
  TrainStepOptions options;
  std::string device;       // the device the step ran on, resolved: "cpu", "cuda:0", ...
  std::string device_name;  // the GPU's name on CUDA (cudaGetDeviceProperties), else ""
  int threads = 0;
  std::vector<double> step_ms;  // every timed step, in order
  double median_ms = 0, min_ms = 0;
  double images_per_s = 0;     // batch / median step time
  StepPhases median_phases;    // the median of each phase over the timed steps
  std::vector<double> losses;  // loss of every step, warm-up included
  // With per_op: per op name, the seconds and calls summed over the timed steps (divide by
  // step_ms.size() for per-step figures), largest first.
  std::vector<profiler::OpTime> per_op;
};

// Builds the model, optimizer and batch, runs warmup + iters steps and times the last iters.
// Throws dc::Error for an unknown model (naming the closest registered one), bad sizes, a device
// this build or machine does not have (naming --device and the devices that exist), --tf32 on the
// CPU, and --per-op on CUDA: the per-op hook reads the host clock between op launches, which on an
// asynchronous device would time the launches rather than the kernels, so it is refused there.
TrainStepResult bench_train_step(const TrainStepOptions& options);

// `densecorr bench train-step ...`; args: everything after "train-step". Returns the exit status.
int bench_train_step_command(const std::vector<std::string>& args);

}  // namespace bench
}  // namespace dc
