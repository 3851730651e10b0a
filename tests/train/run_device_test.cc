// The config key `device` and what the trainer does with it, on the CPU: the accepted forms and
// their errors, a CUDA device asked of a build or machine without one (the case of every machine
// without a GPU, CI included), batch_to and module_device, host_scalars (the one-copy read of
// per-tensor norms), comm_options_of. The same paths on a GPU: tests/train/cuda_train_test.cc.
#include "train/run_device.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>

#include "nets/linear.h"
#include "ops/creation.h"
#include "tests/testing/expect_error.h"
#include "tests/testing/temp_dir.h"
#include "train/batch_device.h"
#include "train/optim/host_scalars.h"
#include "train/trainer.h"

namespace dc {
namespace {

TEST(RunDevice, ParsesCpuCudaAndNumberedCuda) {
  const DeviceRequest cpu = parse_device_request("cpu");
  EXPECT_TRUE(cpu.is_cpu());
  const DeviceRequest cuda = parse_device_request("cuda");
  EXPECT_EQ(cuda.type, DeviceType::CUDA);
  EXPECT_EQ(cuda.index, -1);  // the rank's device
  const DeviceRequest three = parse_device_request("cuda:3");
  EXPECT_EQ(three.type, DeviceType::CUDA);
  EXPECT_EQ(three.index, 3);
  EXPECT_EQ(parse_device_request("cuda:12").index, 12);
  EXPECT_EQ(resolve_device("cpu", 0), kCPU);
  EXPECT_EQ(resolve_device("cpu", 5), kCPU);
}

TEST(RunDevice, BadFormsNameTheKeyAndTheAcceptedForms) {
  for (const char* bad : {"gpu", "CUDA", "cuda:", "cuda:x", "cuda:-1", "cuda:1a", "cuda0", " cpu",
                          "", "cuda:123456789"}) {
    expect_error([&] { parse_device_request(bad); },
                 {"config key device", std::string("'") + bad + "'", "cpu, cuda or cuda:N"});
  }
  expect_error([] { parse_device_request("tpu", "eval.device"); }, {"config key eval.device"});
  expect_error([] { resolve_device("gpu", 0); }, {"config key device", "'gpu'"});
}

// Without a usable GPU (a CPU-only build, or no device or driver) every CUDA form is refused with
// the reason; with GPUs only an index past the last one is.
TEST(RunDevice, CudaWithoutSuchADeviceIsAClearError) {
  const int n = usable_cuda_devices();
  if (n == 0) {
    for (const char* value : {"cuda", "cuda:0", "cuda:3"}) {
      expect_error([&] { resolve_device(value, 0); },
                   {"config key device", std::string("'") + value + "'", "the only device is cpu"});
    }
    expect_error([] { check_device_usable("cuda"); },
                 {"config key device", "'cuda'", "the only device is cpu"});
    expect_error([] { use_device(Device{DeviceType::CUDA, 0}); }, {"cuda:0"});
  } else {
    const std::string past = "cuda:" + std::to_string(n);
    expect_error([&] { resolve_device(past, 0); },
                 {"config key device", past, "this machine has " + std::to_string(n)});
    expect_error([&] { check_device_usable(past); }, {"config key device", past});
    check_device_usable("cuda");
    EXPECT_EQ(resolve_device("cuda:0", 3), (Device{DeviceType::CUDA, 0}));
  }
  check_device_usable("cpu");
  use_device(kCPU);  // nothing to do, never an error
}

Batch sample_batch() {
  Batch b;
  b.tensors["image"] = tensor_from({1, 2, 3, 4, 5, 6}, {2, 3});
  b.tensors["label"] = tensor_from({0, 1}, {2}, DType::i64);
  b.lists["boxes"] = {tensor_from({0, 0, 1, 1}, {1, 4}), tensor_from({}, {0, 4})};
  b.indices = {7, 3};
  b.epoch = 5;
  return b;
}

TEST(BatchTo, CpuToCpuSharesEveryTensorAndKeepsTheHostFields) {
  const Batch b = sample_batch();
  const Batch moved = batch_to(b, kCPU);
  ASSERT_EQ(moved.tensors.size(), 2u);
  EXPECT_TRUE(moved.at("image").same(b.at("image")));
  EXPECT_TRUE(moved.at("label").same(b.at("label")));
  ASSERT_EQ(moved.list("boxes").size(), 2u);
  EXPECT_TRUE(moved.list("boxes")[0].same(b.list("boxes")[0]));
  EXPECT_TRUE(moved.list("boxes")[1].same(b.list("boxes")[1]));
  EXPECT_EQ(moved.indices, (std::vector<int64_t>{7, 3}));
  EXPECT_EQ(moved.epoch, 5);
  EXPECT_EQ(moved.size(), 2);
  EXPECT_EQ(moved.at("image").to_vector(), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  // An empty batch stays empty.
  const Batch none = batch_to(Batch(), kCPU);
  EXPECT_TRUE(none.tensors.empty());
  EXPECT_TRUE(none.lists.empty());
}

TEST(BatchTo, AnUnusableDeviceNamesTheFieldAndTheDevice) {
  if (usable_cuda_devices() > 0) GTEST_SKIP() << "this machine has a GPU: no failure to see";
  const Batch b = sample_batch();
  expect_error(
      [&] {
        batch_to(b, Device{DeviceType::CUDA, 0});
      },
      {"batch_to(cuda:0)", "field '", "f32[2, 3]"});
}

TEST(PinBatch, WithoutAGpuIsAClearErrorAndLeavesTheBatchAlone) {
  if (usable_cuda_devices() > 0) GTEST_SKIP() << "this machine has a GPU: no failure to see";
  Batch b = sample_batch();
  const Tensor image = b.at("image");
#ifdef DC_WITH_CUDA
  expect_error([&] { pin_batch(b); }, {"pinned memory needs a CUDA device"});
#else
  expect_error([&] { pin_batch(b); }, {"pin_batch", "no CUDA backend"});
#endif
  EXPECT_TRUE(b.at("image").same(image));
}

TEST(ModuleDevice, IsTheParametersDevice) {
  Generator gen(1);
  Linear layer(3, 2, true, gen);
  EXPECT_EQ(module_device(layer), kCPU);
  Module empty_module("Empty");
  EXPECT_EQ(module_device(empty_module), kCPU);
}

TEST(HostScalars, ReadsOneElementTensorsOfAnyDtypeInOrder) {
  const std::vector<double> v = host_scalars({
      full({}, 1.5),
      full({}, -2.25, DType::f64),
      full({1}, 7, DType::i64),
      full({1, 1}, 0.1),  // f32: 0.1 rounded to float, read exactly as item<double>() reads it
      full({}, std::numeric_limits<double>::infinity()),
  });
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(v[0], 1.5);
  EXPECT_EQ(v[1], -2.25);
  EXPECT_EQ(v[2], 7);
  EXPECT_EQ(v[3], static_cast<double>(0.1f));
  EXPECT_TRUE(std::isinf(v[4]));
  EXPECT_TRUE(host_scalars({}).empty());
  expect_error(
      [] {
        host_scalars({full({}, 1.0), zeros({2})});
      },
      {"host_scalars", "entry 1", "f32[2]", "one element"});
  expect_error([] { host_scalars({Tensor()}); }, {"entry 0", "undefined"});
}

TEST(CommOptionsOf, CarriesTheNumberedCudaDeviceForNccl) {
  Config cfg;
  cfg.set("dist.timeout_s", int64_t{42});
  CommOptions co = comm_options_of(cfg);
  EXPECT_EQ(co.cuda_device, -1);
  EXPECT_EQ(co.timeout_s, 42);
  cfg.set("device", "cuda:2");
  co = comm_options_of(cfg);
  EXPECT_EQ(co.cuda_device, 2);
  cfg.set("device", "cuda");
  EXPECT_EQ(comm_options_of(cfg).cuda_device, -1);
  // NCCL for a model on the CPU (or in a build without NCCL) names the key.
  cfg.set("device", "cpu");
  cfg.set("dist.backend", "nccl");
  expect_error([&] { comm_options_of(cfg); }, {"config key dist.backend", "nccl"});
}

Config tiny_classify(const std::string& out) {
  Config cfg;
  cfg.set("task", "classify");
  cfg.set("out", out);
  cfg.set("model.name", "resnet18");
  cfg.set("model.num_classes", int64_t{4});
  cfg.set("data.train.name", "shapes");
  cfg.set("data.train.num_samples", int64_t{32});
  cfg.set("data.image_size", int64_t{16});
  cfg.set("data.batch_size", int64_t{4});
  cfg.set("solver.max_iter", int64_t{2});
  cfg.set("log_period", int64_t{1});
  return cfg;
}

TEST(TrainerDevice, CudaWithoutAGpuFailsBeforeAnythingIsBuiltOrWritten) {
  if (usable_cuda_devices() > 0) GTEST_SKIP() << "this machine has a GPU: no failure to see";
  const std::string out = fresh_test_dir() + "/run";
  std::ostringstream log;
  for (const char* value : {"cuda", "cuda:0", "cuda:1"}) {
    Config cfg = tiny_classify(out);
    cfg.set("device", value);
    expect_error([&] { Trainer(cfg, log, false); },
                 {"config key device", std::string("'") + value + "'", "the only device is cpu"});
  }
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(TrainerDevice, CpuRunKeepsEverythingOnTheCpu) {
  const std::string out = fresh_test_dir();
  std::ostringstream log;
  Config cfg = tiny_classify(out);
  cfg.set("device", "cpu");
  Trainer trainer(cfg, log, false);
  EXPECT_EQ(trainer.device(), kCPU);
  EXPECT_EQ(trainer.grad_sync(), nullptr);  // one rank, not NCCL: no gradient averaging
  const TrainResult r = trainer.train(false);
  EXPECT_EQ(r.iterations_done, 2);
  for (const auto& [name, t] : trainer.task().model().state_dict()) {
    EXPECT_EQ(t.device(), kCPU) << name;
  }
  // The header names no device for the CPU (the line is as before this key existed).
  EXPECT_EQ(log.str().find(", device "), std::string::npos) << log.str();
}

}  // namespace
}  // namespace dc
