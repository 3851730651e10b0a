// Training on a GPU against the same training on the CPU (SKIPPED without a GPU, with the reason):
// a small ResNet-18 classification run and a tiny DenseReg run from the same seed (so the same
// initial weights and batches) give the same losses and parameters; a checkpoint written by a
// CUDA run resumes on the CPU (and one written on the CPU resumes on CUDA) as the uninterrupted
// run continues; a one-rank NCCL run gives the parameters of the run without a communicator;
// pinned batches copied asynchronously train like pageable ones.
//
// Tolerances: the CUDA run is not bitwise the CPU run. cuDNN picks its own convolution
// algorithms (implicit GEMM, Winograd, FFT) whose summation orders differ from our CPU
// convolutions, batch-norm statistics are double sums split across blocks, and several backward
// kernels accumulate with atomics. Each op then differs from the CPU by a few f32 ulps (~1e-6
// relative), and a few SGD/Adam steps carry that to ~1e-5..1e-4 in the weights. So losses are
// compared at 1e-3 relative and parameters at 1e-3 of each tensor's largest magnitude (plus 1e-5
// absolute); a real mistake (a missed update, a wrong device copy, a stale batch) moves them by
// orders of magnitude more. TF32 stays off (the default), or the tolerance would have to be ~1e-2.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/cuda/cuda_allocator.h"
#include "ops/creation.h"
#include "tests/testing/cuda_testing.h"
#include "tests/testing/temp_dir.h"
#include "train/batch_device.h"
#include "train/checkpoint.h"
#include "train/dist/comm.h"
#include "train/trainer.h"

namespace dc {
namespace {

constexpr double kLossRtol = 1e-3;
constexpr double kParamRel = 1e-3;
constexpr double kParamAtol = 1e-5;

std::vector<double> train_losses(const std::string& run_dir) {
  std::ifstream in(run_dir + "/metrics.jsonl");
  std::vector<double> out;
  for (std::string line; std::getline(in, line);) {
    const auto r = nlohmann::json::parse(line);
    if (r["type"] == "train") out.push_back(r["loss"].get<double>());
  }
  return out;
}

void expect_losses_close(const std::vector<double>& got, const std::vector<double>& want,
                         const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], kLossRtol * std::abs(want[i]) + 1e-6)
        << what << ": loss of iteration " << i + 1;
  }
}

// Every tensor of two checkpoints' models (host tensors, as checkpoints hold them).
void expect_models_close(const std::string& got_path, const std::string& want_path,
                         double rel = kParamRel) {
  const Checkpoint got = load_checkpoint(got_path), want = load_checkpoint(want_path);
  ASSERT_EQ(got.model.size(), want.model.size());
  for (size_t i = 0; i < want.model.size(); ++i) {
    const auto& [name, w] = want.model[i];
    ASSERT_EQ(got.model[i].first, name);
    const Tensor& g = got.model[i].second;
    ASSERT_EQ(g.sizes(), w.sizes()) << name;
    ASSERT_EQ(g.device(), kCPU) << name << ": checkpoints hold host tensors";
    double largest = 0;
    for (const double v : w.to_vector()) largest = std::max(largest, std::abs(v));
    expect_close(g, w, 0, rel * largest + kParamAtol, name);
  }
}

Config classify_config(const std::string& out, const std::string& device) {
  Config cfg;
  cfg.set("task", "classify");
  cfg.set("out", out);
  cfg.set("device", device);
  cfg.set("model.name", "resnet18");
  cfg.set("model.num_classes", int64_t{4});
  cfg.set("data.train.name", "shapes");
  cfg.set("data.test.name", "shapes");
  cfg.set("data.train.num_samples", int64_t{64});
  cfg.set("data.test.num_samples", int64_t{16});
  cfg.set("data.image_size", int64_t{32});
  cfg.set("data.batch_size", int64_t{8});
  cfg.set("data.num_workers", int64_t{1});
  cfg.set("solver.base_lr", 0.05);
  cfg.set("solver.momentum", 0.9);
  cfg.set("solver.warmup_iters", ConfigValue(int64_t{0}));  // int64_t{0} alone binds to const char*
  cfg.set("solver.clip_grad_norm", 5.0);  // exercises the per-tensor norms read from the device
  cfg.set("solver.max_iter", int64_t{4});
  cfg.set("solver.checkpoint_period", int64_t{2});
  cfg.set("log_period", int64_t{1});
  return cfg;
}

Config densereg_config(const std::string& out, const std::string& device) {
  Config cfg;
  cfg.set("task", "densereg");
  cfg.set("out", out);
  cfg.set("device", device);
  cfg.set("model.name", "densereg_r18");
  cfg.set("densereg.num_bins", int64_t{4});
  cfg.set("densereg.trunk_stages", int64_t{3});
  cfg.set("densereg.depth_head", true);  // the relative-depth targets found on the host
  cfg.set("data.train.name", "synth_faces");
  cfg.set("data.test.name", "synth_faces");
  cfg.set("data.train.num_samples", int64_t{16});
  cfg.set("data.test.num_samples", int64_t{4});
  cfg.set("data.image_size", int64_t{48});
  cfg.set("data.synth_faces.supersample", int64_t{1});
  cfg.set("data.batch_size", int64_t{4});
  cfg.set("data.num_workers", int64_t{1});
  cfg.set("solver.optimizer", "adam");
  cfg.set("solver.base_lr", 0.002);
  cfg.set("solver.warmup_iters", ConfigValue(int64_t{0}));  // int64_t{0} alone binds to const char*
  cfg.set("solver.max_iter", int64_t{3});
  cfg.set("solver.checkpoint_period", int64_t{3});
  cfg.set("log_period", int64_t{1});
  return cfg;
}

TrainResult run(const Config& cfg, bool resume = false,
                std::shared_ptr<Communicator> comm = nullptr) {
  std::ostringstream log;
  Trainer trainer(cfg, log, false, std::move(comm));
  const TrainResult r = trainer.train(resume);
  EXPECT_EQ(r.iterations_done, cfg.get_int("solver.max_iter")) << log.str();
  return r;
}

using CudaTrainTest = CudaDeviceTest;

TEST_F(CudaTrainTest, ClassifyResNet18MatchesTheCpuRun) {
  const std::string cpu_dir = fresh_test_dir("cpu"), gpu_dir = fresh_test_dir("gpu");
  const TrainResult on_cpu = run(classify_config(cpu_dir, "cpu"));
  {
    std::ostringstream log;
    Trainer trainer(classify_config(gpu_dir, "cuda"), log, false);
    EXPECT_EQ(trainer.device(), kCuda0);
    for (const auto& [name, t] : trainer.task().model().state_dict()) {
      EXPECT_EQ(t.device(), kCuda0) << name;
    }
    const TrainResult on_gpu = trainer.train(false);
    EXPECT_NE(log.str().find(", device cuda:0"), std::string::npos) << log.str();
    EXPECT_NEAR(on_gpu.metrics.at("loss_cls"), on_cpu.metrics.at("loss_cls"),
                kLossRtol * on_cpu.metrics.at("loss_cls"));
    EXPECT_EQ(on_gpu.metrics.at("samples"), 16);
  }
  expect_losses_close(train_losses(gpu_dir), train_losses(cpu_dir), "classify");
  expect_models_close(checkpoint_path(gpu_dir, 4), checkpoint_path(cpu_dir, 4));
  // The optimizer state (momentum buffers) was written from the device too.
  const Checkpoint g = load_checkpoint(checkpoint_path(gpu_dir, 4));
  const Checkpoint c = load_checkpoint(checkpoint_path(cpu_dir, 4));
  ASSERT_EQ(g.optimizer.tensors.size(), c.optimizer.tensors.size());
  for (const auto& [key, t] : c.optimizer.tensors) {
    ASSERT_EQ(g.optimizer.tensors.count(key), 1u) << key;
    double largest = 0;
    for (const double v : t.to_vector()) largest = std::max(largest, std::abs(v));
    expect_close(g.optimizer.tensors.at(key), t, 0, kParamRel * largest + kParamAtol, key);
  }
}

TEST_F(CudaTrainTest, DenseRegMatchesTheCpuRun) {
  const std::string cpu_dir = fresh_test_dir("cpu"), gpu_dir = fresh_test_dir("gpu");
  const TrainResult on_cpu = run(densereg_config(cpu_dir, "cpu"));
  const TrainResult on_gpu = run(densereg_config(gpu_dir, "cuda:0"));
  expect_losses_close(train_losses(gpu_dir), train_losses(cpu_dir), "densereg");
  expect_models_close(checkpoint_path(gpu_dir, 3), checkpoint_path(cpu_dir, 3));
  // Evaluation ran on the GPU's heads, read back on the host.
  for (const char* k : {"uv_error", "loss_u_cls", "depth_error"}) {
    ASSERT_EQ(on_gpu.metrics.count(k), 1u) << k;
    EXPECT_NEAR(on_gpu.metrics.at(k), on_cpu.metrics.at(k), 1e-2 * on_cpu.metrics.at(k) + 1e-4)
        << k;
  }
}

// A checkpoint holds no device: the first half of a run on one device, the second on the other,
// ends where the CPU run does.
TEST_F(CudaTrainTest, CheckpointsResumeAcrossDevices) {
  const std::string cpu_dir = fresh_test_dir("cpu");
  run(classify_config(cpu_dir, "cpu"));
  for (const auto& [first, second] : {std::pair<std::string, std::string>{"cuda", "cpu"},
                                      std::pair<std::string, std::string>{"cpu", "cuda"}}) {
    const std::string dir = fresh_test_dir(first + "_then_" + second);
    Config half = classify_config(dir, first);
    half.set("solver.max_iter", int64_t{2});
    run(half);
    // Same schedule as the full run (max_iter is part of the LR schedule): resume from 2 to 4.
    run(classify_config(dir, second), /*resume=*/true);
    expect_losses_close(train_losses(dir), train_losses(cpu_dir), first + " then " + second);
    expect_models_close(checkpoint_path(dir, 4), checkpoint_path(cpu_dir, 4));
  }
}

// NCCL in a world of one still runs its collectives (the gradient all-reduce, the loss
// agreement): the parameters equal the run without a communicator's. The two runs are on the same
// GPU with the same algorithms, so they agree far more closely than CUDA and CPU do; 1e-5 allows
// for cuDNN's non-deterministic backward algorithms.
TEST_F(CudaTrainTest, OneRankNcclRunEqualsTheRunWithoutCommunication) {
  if (!nccl_available()) GTEST_SKIP() << "this build links no NCCL";
  const std::string plain_dir = fresh_test_dir("plain"), nccl_dir = fresh_test_dir("nccl");
  run(classify_config(plain_dir, "cuda"));
  Config cfg = classify_config(nccl_dir, "cuda");
  cfg.set("dist.backend", "nccl");
  CommOptions co = comm_options_of(cfg);
  ASSERT_EQ(co.backend, CommBackend::nccl);
  const std::shared_ptr<Communicator> comm = make_communicator(co);
  ASSERT_EQ(comm->world_size(), 1);
  std::ostringstream log;
  Trainer trainer(cfg, log, false, comm);
  ASSERT_NE(trainer.grad_sync(), nullptr) << "a one-rank NCCL run must average through NCCL";
  comm->reset_stats();
  trainer.train(false);
  EXPECT_GT(comm->stats().collectives, 0) << "no NCCL collective ran";
  expect_losses_close(train_losses(nccl_dir), train_losses(plain_dir), "nccl");
  expect_models_close(checkpoint_path(nccl_dir, 4), checkpoint_path(plain_dir, 4), 1e-5);
}

// Runs everywhere: a build's CUDA support is what the device key reports.
TEST(CudaTrainBuild, DeviceKeyMatchesTheBuild) {
  Config cfg = classify_config(fresh_test_dir(), "cuda:64");
  std::ostringstream log;
  try {
    Trainer trainer(cfg, log, false);
    ADD_FAILURE() << "cuda:64 accepted";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("config key device: 'cuda:64'"), std::string::npos) << msg;
#ifdef DC_WITH_CUDA
    EXPECT_EQ(msg.find("this build has no CUDA backend"), std::string::npos) << msg;
#else
    EXPECT_NE(msg.find("this build has no CUDA backend"), std::string::npos) << msg;
#endif
  }
}

// data.pin_memory (default true on a GPU): loader threads pin the batches and batch_to copies them
// asynchronously. The pinned run must train on the same data as the pageable one: a copy that
// raced its kernels or a batch freed too early would show as losses far off.
TEST_F(CudaTrainTest, PinnedBatchesTrainLikePageableOnes) {
  Batch b;
  b.tensors["image"] = randn({2, 3, 5, 7});
  b.lists["boxes"] = {randn({3, 4}), randn({1, 4})};
  b.indices = {4, 9};
  Batch pinned = b;
  pin_batch(pinned);
  EXPECT_TRUE(is_pinned(pinned.at("image")));
  EXPECT_TRUE(is_pinned(pinned.list("boxes")[1]));
  const Batch on_gpu = batch_to(pinned, kCuda0);
  pinned = Batch();  // the host copies go at once; the allocator holds them until copied
  expect_close(on_gpu.at("image").to(kCPU), b.at("image"), 0, 0, "image");
  expect_close(on_gpu.list("boxes")[0].to(kCPU), b.list("boxes")[0], 0, 0, "boxes[0]");
  EXPECT_EQ(on_gpu.indices, b.indices);

  const std::string pinned_dir = fresh_test_dir("pinned"),
                    pageable_dir = fresh_test_dir("pageable");
  Config pinned_cfg = classify_config(pinned_dir, "cuda");
  pinned_cfg.set("data.num_workers", int64_t{2});
  Config pageable_cfg = pinned_cfg;
  pageable_cfg.set("out", pageable_dir);
  pageable_cfg.set("data.pin_memory", false);
  run(pinned_cfg);
  run(pageable_cfg);
  expect_losses_close(train_losses(pinned_dir), train_losses(pageable_dir), "pinned vs pageable");
}

}  // namespace
}  // namespace dc
