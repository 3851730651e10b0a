// `densecorr bench train-step` and the per-op timing hook it reads (autograd/profiler.h): the
// timed step is a real training step (the loss falls on a fixed batch), the op counts per step are
// those of the network, and bad options fail with messages naming them.
#include "train/bench_train_step.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

#include "autograd/profiler.h"
#include "core/thread_pool.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"
#include "tests/testing/expect_error.h"
#include "train/cli_args.h"

namespace dc {
namespace {

std::map<std::string, profiler::OpTime> by_name(const std::vector<profiler::OpTime>& ops) {
  std::map<std::string, profiler::OpTime> m;
  for (const profiler::OpTime& t : ops) m[t.name] = t;
  return m;
}

// This binary links oneDNN, hence libgomp: parallel_for then runs on the OpenMP team (see
// core/thread_pool.cc), which must keep parallel_for's contract.
TEST(ParallelForOnOpenMP, ChunksRunOnTheOpenMPTeamOnceEachAndErrorsReachTheCaller) {
  using ThreadNumFn = int (*)();
  auto thread_num = reinterpret_cast<ThreadNumFn>(dlsym(RTLD_DEFAULT, "omp_get_thread_num"));
  ASSERT_NE(thread_num, nullptr) << "libgomp is expected in a binary that links oneDNN";
  const int saved = num_threads();
  set_num_threads(2);
  std::vector<std::atomic<int>> hits(1000);
  std::mutex mu;
  std::set<int> team_ids;
  parallel_for(0, 1000, 10, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) ++hits[i];
    std::lock_guard<std::mutex> lk(mu);
    team_ids.insert(thread_num());
  });
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(hits[i].load(), 1) << i;
  EXPECT_EQ(team_ids, (std::set<int>{0, 1}));
  // Nested calls run inline in the chunk that makes them.
  std::atomic<int64_t> total{0};
  parallel_for(0, 4, 1, [&](int64_t b, int64_t e) {
    parallel_for(0, 100, 1, [&](int64_t bb, int64_t ee) { total += ee - bb; });
  });
  EXPECT_EQ(total.load(), 200);
  EXPECT_THROW(parallel_for(0, 100, 1,
                            [&](int64_t b, int64_t) {
                              if (b > 0) throw std::runtime_error("chunk failed");
                            }),
               std::runtime_error);
  set_num_threads(saved);
}

TEST(ProfilerTest, CountsForwardAndBackwardPerOpAndNothingWhenOff) {
  Generator gen(3);
  Tensor x = randn({4, 5}, DType::f32, gen).set_requires_grad(true);
  profiler::reset();
  // Off: nothing is recorded.
  sum(relu(x)).backward();
  EXPECT_TRUE(profiler::snapshot().empty());

  profiler::set_enabled(true);
  for (int i = 0; i < 2; ++i) {
    x.zero_grad();
    Tensor y = relu(x);
    Tensor z = sum(y * y);  // relu, mul, sum forward; their three backwards
    z.backward();
  }
  profiler::set_enabled(false);
  auto ops = by_name(profiler::snapshot());
  profiler::reset();
  ASSERT_EQ(ops.count("relu"), 1u);
  ASSERT_EQ(ops.count("mul"), 1u);
  ASSERT_EQ(ops.count("sum"), 1u);
  for (const char* name : {"relu", "mul", "sum"}) {
    EXPECT_EQ(ops[name].forward_calls, 2) << name;
    EXPECT_EQ(ops[name].backward_calls, 2) << name;
    EXPECT_GE(ops[name].forward_seconds, 0) << name;
    EXPECT_GE(ops[name].backward_seconds, 0) << name;
  }
  // The leaf x receives its gradient once per backward.
  ASSERT_EQ(ops.count("autograd: accumulate .grad"), 1u);
  EXPECT_EQ(ops["autograd: accumulate .grad"].backward_calls, 2);
  EXPECT_EQ(ops["autograd: accumulate .grad"].forward_calls, 0);
  // Ops run inside backward (under no-grad) are not counted as forward calls: exactly the three
  // recorded in the forward, nothing else.
  int64_t forward_calls = 0;
  for (const auto& [name, t] : ops) forward_calls += t.forward_calls;
  EXPECT_EQ(forward_calls, 6);
}

TEST(BenchTrainStepTest, ResNet18StepsTrainAndCountTheNetworksOps) {
  bench::TrainStepOptions o;
  o.model = "resnet18";
  o.size = 32;
  o.batch = 2;
  o.iters = 4;
  o.warmup = 1;
  o.per_op = true;
  const bench::TrainStepResult r = bench::bench_train_step(o);
  ASSERT_EQ(r.step_ms.size(), 4u);
  ASSERT_EQ(r.losses.size(), 5u);
  EXPECT_GT(r.median_ms, 0);
  EXPECT_LE(r.min_ms, r.median_ms);
  EXPECT_NEAR(r.images_per_s, 2 / (r.median_ms * 1e-3), 1e-9 * r.images_per_s);
  // 1000 classes, random weights: the first loss is near ln(1000) = 6.91.
  EXPECT_GT(r.losses[0], 5.0);
  EXPECT_LT(r.losses[0], 9.0);
  // SGD on one fixed batch: the loss falls.
  EXPECT_LT(r.losses.back(), r.losses[0] - 0.5);
  const bench::StepPhases& p = r.median_phases;
  EXPECT_GT(p.forward_ms, 0);
  EXPECT_GT(p.backward_ms, 0);
  EXPECT_GT(p.optimizer_ms, 0);
  // Each phase is part of its step, so its median is at most the longest step.
  const double longest = *std::max_element(r.step_ms.begin(), r.step_ms.end());
  for (double ms : {p.zero_grad_ms, p.forward_ms, p.loss_ms, p.backward_ms, p.optimizer_ms}) {
    EXPECT_LE(ms, longest);
  }

  // Per timed step, ResNet-18 runs 20 convolutions (stem, 16 in blocks, 3 downsample), 9 batch
  // norms fused with their ReLU (stem and each block's bn1), 11 plain ones (bn2 of 8 blocks, 3
  // downsample), 9 adds (8 residual, the fc's bias), one max pool and the fc's matmul.
  auto ops = by_name(r.per_op);
  const std::map<std::string, int64_t> per_step = {
      {"conv2d", 20},    {"batch_norm_relu", 9}, {"batch_norm", 11},  {"add", 9},
      {"max_pool2d", 1}, {"matmul", 1},          {"cross_entropy", 1}};
  for (const auto& [name, n] : per_step) {
    ASSERT_EQ(ops.count(name), 1u) << name;
    EXPECT_EQ(ops[name].forward_calls, n * 4) << name;
    EXPECT_EQ(ops[name].backward_calls, n * 4) << name;
  }
  // The per-op times are parts of the timed steps.
  double op_seconds = 0, step_seconds = 0;
  for (const profiler::OpTime& t : r.per_op) op_seconds += t.forward_seconds + t.backward_seconds;
  for (double ms : r.step_ms) step_seconds += ms * 1e-3;
  EXPECT_GT(op_seconds, 0.3 * step_seconds);
  EXPECT_LE(op_seconds, step_seconds);
}

TEST(BenchTrainStepTest, SameSeedSameLosses) {
  bench::TrainStepOptions o;
  o.model = "resnet18";
  o.size = 32;
  o.batch = 2;
  o.iters = 1;
  o.warmup = 1;
  const std::vector<double> a = bench::bench_train_step(o).losses;
  const std::vector<double> b = bench::bench_train_step(o).losses;
  EXPECT_EQ(a, b);
  o.seed = 1;
  EXPECT_NE(bench::bench_train_step(o).losses[0], a[0]);
  // --device cpu, said explicitly, is the default step: the same losses bit for bit.
  o.seed = 0;
  o.device = "cpu";
  const bench::TrainStepResult cpu = bench::bench_train_step(o);
  EXPECT_EQ(cpu.losses, a);
  EXPECT_EQ(cpu.device, "cpu");
  EXPECT_EQ(cpu.device_name, "");
}

// A device that does not exist, a malformed one, and --tf32 without a GPU are errors naming the
// flag before anything is built. cuda:99 fails on every machine: "the only device is cpu" without
// a GPU (or without the CUDA backend), the device count with GPUs; both messages list cpu.
TEST(BenchTrainStepTest, DeviceErrorsNameTheFlag) {
  bench::TrainStepOptions o;
  o.model = "resnet18";
  o.size = 32;
  o.batch = 2;
  o.iters = 1;
  o.device = "cuda:99";
  expect_error([&] { bench::bench_train_step(o); }, {"option --device", "'cuda:99'", "cpu"});
  o.device = "gpu";
  expect_error([&] { bench::bench_train_step(o); },
               {"option --device", "'gpu'", "expected cpu, cuda or cuda:N"});
  o.device = "cpu";
  o.tf32 = true;
  expect_error([&] { bench::bench_train_step(o); }, {"--tf32", "CUDA", "--device cpu"});
  // Through the command's flag parsing too (main turns these dc::Errors into exit status 2;
  // tests/train/bench_forward_device_cli_test.sh checks that from the shell).
  expect_error(
      [&] {
        bench::bench_train_step_command({"--model", "resnet18", "--device", "gpu"});
      },
      {"option --device", "'gpu'"});
  expect_error(
      [&] {
        bench::bench_train_step_command({"--model", "resnet18", "--device", "cuda:99"});
      },
      {"option --device", "'cuda:99'"});
}

TEST(BenchTrainStepTest, BadOptionsNameWhatIsWrong) {
  bench::TrainStepOptions o;
  o.model = "resnet81";
  o.size = 32;
  o.batch = 2;
  expect_error([&] { bench::bench_train_step(o); }, {"unknown model", "resnet81", "resnet18"});
  o.model = "resnet18";
  o.batch = 0;
  expect_error([&] { bench::bench_train_step(o); }, {"--batch", ">= 1", "0"});
  o.batch = 2;
  o.iters = 0;
  expect_error([&] { bench::bench_train_step(o); }, {"--iters", ">= 1"});
  o.iters = 1;
  o.size = 0;
  expect_error([&] { bench::bench_train_step(o); }, {"--size", ">= 1"});

  auto usage_error = [](const std::vector<std::string>& args) {
    try {
      bench::bench_train_step_command(args);
    } catch (const cli::UsageError& e) {
      return std::string(e.what());
    }
    ADD_FAILURE() << "expected a UsageError";
    return std::string();
  };
  expect_contains(usage_error({"--size", "32"}), {"missing --model"});
  expect_contains(usage_error({"--model", "resnet18", "--batch", "x"}), {"--batch", "integer"});
  expect_contains(usage_error({"--model", "resnet18", "--bogus"}), {"--bogus"});
}

}  // namespace
}  // namespace dc
