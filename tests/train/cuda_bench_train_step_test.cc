// `densecorr bench train-step --device cuda` and `densecorr forward device=cuda` against the same
// commands on the CPU (SKIPPED without a GPU, with the reason).
//
// Tolerances (as in cuda_train_test.cc): cuDNN's algorithms, block-split batch-norm sums and
// atomics in some backward kernels sum in other orders than our CPU kernels, a few f32 ulps per op
// that three SGD steps carry to ~1e-5..1e-4 in the loss; losses are compared at 1e-3 relative.
// With TF32 (10-bit mantissas) the difference grows to ~1e-3..1e-2, hence TF32 stays off where the
// losses are compared to the CPU's. A wrong copy, a missed update or a stale batch moves them by
// far more.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "autograd/grad_mode.h"
#include "core/h5_tensor_file.h"
#include "nets/registry.h"
#include "nets/weights.h"
#include "ops/creation.h"
#include "tests/testing/cuda_testing.h"
#include "tests/testing/expect_error.h"
#include "tests/testing/temp_dir.h"
#include "train/bench_train_step.h"
#include "train/forward_command.h"

#ifdef DC_WITH_CUDA
#include "ops/cuda/cublas_gemm.h"
#include "ops/cuda/cudnn_conv.h"
#endif

namespace dc {
namespace {

constexpr double kLossRtol = 1e-3;

bench::TrainStepOptions resnet18_64x64(const std::string& device) {
  bench::TrainStepOptions o;
  o.model = "resnet18";
  o.size = 64;
  o.batch = 4;
  o.warmup = 1;  // 1 untimed + 2 timed: 3 steps, all losses recorded
  o.iters = 2;
  o.device = device;
  return o;
}

using CudaBenchTrainStepTest = CudaDeviceTest;

TEST_F(CudaBenchTrainStepTest, ThreeResNet18StepsOnCudaGiveTheCpuLosses) {
#ifdef DC_WITH_CUDA
  const bench::TrainStepResult cpu_run = bench::bench_train_step(resnet18_64x64("cpu"));
  const bench::TrainStepResult gpu_run = bench::bench_train_step(resnet18_64x64("cuda:0"));
  EXPECT_EQ(gpu_run.device, "cuda:0");
  EXPECT_FALSE(gpu_run.device_name.empty());
  ASSERT_EQ(cpu_run.losses.size(), 3u);
  ASSERT_EQ(gpu_run.losses.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(gpu_run.losses[i], cpu_run.losses[i], kLossRtol * std::abs(cpu_run.losses[i]))
        << "loss of step " << i + 1;
  }
  // The steps train (SGD on one fixed batch), so equal losses are not equal constants.
  EXPECT_LT(gpu_run.losses[2], gpu_run.losses[0]);
  ASSERT_EQ(gpu_run.step_ms.size(), 2u);
  const bench::StepPhases& p = gpu_run.median_phases;
  // Synchronized phases: forward and backward include their kernels, so neither is ~0.
  EXPECT_GT(p.forward_ms, 0);
  EXPECT_GT(p.backward_ms, 0);
  EXPECT_GT(p.optimizer_ms, 0);
  // The run's math switches are restored for the caller.
  EXPECT_FALSE(cuda_allow_tf32());
  EXPECT_FALSE(cudnn_benchmark());
#endif
}

TEST_F(CudaBenchTrainStepTest, Tf32RunsAndIsRestoredAndPerOpIsRefused) {
#ifdef DC_WITH_CUDA
  bench::TrainStepOptions o = resnet18_64x64("cuda");
  o.tf32 = true;
  const bench::TrainStepResult tf32_run = bench::bench_train_step(o);
  const bench::TrainStepResult cpu_run = bench::bench_train_step(resnet18_64x64("cpu"));
  // 10-bit mantissas: close to the CPU, but not held to the f32 tolerance.
  EXPECT_NEAR(tf32_run.losses[0], cpu_run.losses[0], 3e-2 * std::abs(cpu_run.losses[0]));
  EXPECT_FALSE(cuda_allow_tf32());
  o.tf32 = false;
  o.per_op = true;
  expect_error([&] { bench::bench_train_step(o); }, {"--per-op is CPU only", "--device cuda"});
#endif
}

// Runs `densecorr forward` with the given overrides and returns its logits (host tensor).
Tensor forward_logits(const std::string& dir, const std::string& tag, const std::string& device) {
  const std::string out = dir + "/out_" + tag + ".h5";
  EXPECT_EQ(cli::forward_command({"-c", dir + "/r18.yaml", "--weights", dir + "/r18.h5", "--input",
                                  dir + "/in.h5", "--output", out, "device=" + device}),
            0);
  return read_tensors(out, {"logits"})[0].second;
}

TEST_F(CudaBenchTrainStepTest, ForwardOnCudaMatchesTheCpu) {
  const std::string dir = fresh_test_dir("cuda_forward_");
  {
    std::ofstream cfg(dir + "/r18.yaml");
    cfg << "model:\n  name: resnet18\n";
  }
  // Weights with running statistics that are not the initial 0/1, so eval-mode batch norm matters.
  ModelOptions mo;
  mo.seed = 5;
  ModulePtr model = build_model("resnet18", mo);
  Generator gen(6);
  {
    NoGradGuard no_grad;
    model->train();
    for (int i = 0; i < 3; ++i) model->forward(randn({4, 3, 64, 64}, DType::f32, gen));
  }
  save_weights(*model, dir + "/r18.h5");
  write_tensor_file(dir + "/in.h5", {{"input", randn({2, 3, 64, 64}, DType::f32, gen)}});

  const Tensor want = forward_logits(dir, "cpu", "cpu");
  const Tensor got = forward_logits(dir, "cuda", "cuda:0");
  ASSERT_EQ(got.device(), kCPU);
  ASSERT_EQ(got.sizes(), (Shape{2, 1000}));
  double largest = 0;
  for (const double v : want.to_vector()) largest = std::max(largest, std::abs(v));
  ASSERT_GT(largest, 0);
  expect_close(got, want, 0, 1e-3 * largest, "forward logits, cuda:0 against cpu");
}

}  // namespace
}  // namespace dc
