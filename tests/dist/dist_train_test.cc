// Data-parallel training, run under `mpirun -np 2` by dist_train_test.sh: the parameters after N
// steps on 2 ranks with batch b each equal those of 1 rank with batch 2b (no batch norm,
// synchronized batch norm, gradient accumulation, both gradient-sync modes), the ranks stay
// identical, sharded evaluation equals single-process evaluation, the ranks agree on skipping a
// non-finite loss, a 2-rank run resumes exactly, and a global batch that does not divide among the
// ranks is an error. Each reference run is a single-process Trainer inside the same process.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <sstream>

#include "autograd/grad_mode.h"
#include "nets/basic_layers.h"
#include "nets/batch_norm.h"
#include "nets/conv.h"
#include "nets/linear.h"
#include "nets/registry.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/loss.h"
#include "ops/pool.h"
#include "tests/testing/expect_error.h"
#include "tests/testing/temp_dir.h"
#include "train/checkpoint.h"
#include "train/dist/comm.h"
#include "train/trainer.h"

namespace dc {
namespace {

// A small convnet for 16x16 inputs, optionally with batch norm after each convolution.
class SmallNet : public Module {
 public:
  SmallNet(int64_t classes, bool bn, Generator& gen) : Module("SmallNet") {
    Conv2dOptions o;
    o.padding = {1, 1};
    const std::array<int64_t, 2> k3{3, 3};
    conv1_ = register_module("conv1", std::make_shared<Conv2d>(3, 8, k3, o, gen));
    if (bn) bn1_ = register_module("bn1", std::make_shared<BatchNorm2d>(8));
    conv2_ = register_module("conv2", std::make_shared<Conv2d>(8, 16, k3, o, gen));
    if (bn) bn2_ = register_module("bn2", std::make_shared<BatchNorm2d>(16));
    fc_ = register_module("fc", std::make_shared<Linear>(16 * 4 * 4, classes, true, gen));
  }
  Tensor forward(const Tensor& x) override {
    Tensor h = conv1_->forward(x);
    h = max_pool2d(bn1_ ? bn1_->forward_relu(h) : relu(h), {2, 2});
    h = conv2_->forward(h);
    h = max_pool2d(bn2_ ? relu(bn2_->forward(h)) : relu(h), {2, 2});
    return fc_->forward(h.flatten(1));
  }

 private:
  std::shared_ptr<Conv2d> conv1_, conv2_;
  std::shared_ptr<BatchNorm2d> bn1_, bn2_;
  std::shared_ptr<Linear> fc_;
};

DC_REGISTER_MODEL("dist_test_net", [](const ModelOptions& o, Generator& gen) -> ModulePtr {
  return std::make_shared<SmallNet>(o.num_classes, false, gen);
});
DC_REGISTER_MODEL("dist_test_bn_net", [](const ModelOptions& o, Generator& gen) -> ModulePtr {
  return std::make_shared<SmallNet>(o.num_classes, true, gen);
});

int world_rank() {
  const char* r = std::getenv("OMPI_COMM_WORLD_RANK");
  return r ? std::atoi(r) : 0;
}

// Classification whose loss is NaN at call `g_nan_call` on rank 1 only.
int g_nan_call = -1;
class NanOnRank1Task : public Task {
 public:
  explicit NanOnRank1Task(const Config& cfg) {
    ModelOptions o;
    o.num_classes = 4;
    o.seed = static_cast<uint64_t>(cfg.get_int("seed"));
    model_ = build_model("dist_test_net", o);
  }
  Module& model() override { return *model_; }
  std::map<std::string, Tensor> losses(const Batch& batch) override {
    ++calls_;
    Tensor loss = cross_entropy(model_->forward(batch.at("image")), batch.at("label"));
    if (calls_ == g_nan_call && world_rank() == 1) {
      loss = loss * std::numeric_limits<double>::quiet_NaN();
    }
    return {{"loss_cls", loss}};
  }
  std::map<std::string, double> evaluate(DataLoader&) override { return {}; }
  std::string main_metric() const override { return "none"; }

 private:
  ModulePtr model_;
  int calls_ = 0;
};

// Classification whose loss is multiplied by 1e37 at call `g_boost_call` on rank 1 only: a
// finite loss whose scaled backward overflows (dynamic loss scaling's found_inf).
int g_boost_call = -1;
class BoostOnRank1Task : public NanOnRank1Task {
 public:
  using NanOnRank1Task::NanOnRank1Task;
  std::map<std::string, Tensor> losses(const Batch& batch) override {
    ++boost_calls_;
    std::map<std::string, Tensor> out = NanOnRank1Task::losses(batch);
    if (boost_calls_ == g_boost_call && world_rank() == 1) out["loss_cls"] = out["loss_cls"] * 1e37;
    return out;
  }

 private:
  int boost_calls_ = 0;
};

const bool registered = [] {
  register_task("dist_test_nan",
                [](const Config& cfg) { return std::make_unique<NanOnRank1Task>(cfg); });
  register_task("dist_test_boost",
                [](const Config& cfg) { return std::make_unique<BoostOnRank1Task>(cfg); });
  return true;
}();

std::shared_ptr<Communicator> world() {
  static std::shared_ptr<Communicator> comm = [] {
    CommOptions o;
    o.timeout_s = 120;
    return make_communicator(o);
  }();
  return comm;
}

std::shared_ptr<Communicator> single() {
  CommOptions o;
  o.backend = CommBackend::single;
  return make_communicator(o);
}

// A folder shared by the ranks, emptied by rank 0 before any rank uses it.
std::string shared_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string dir = temp_path(std::string("dist_train_") + info->name());
  if (world()->rank() == 0) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  world()->barrier();
  return dir;
}

Config base_config(const std::string& out, const std::string& model, int64_t global_batch) {
  Config cfg;
  cfg.set("task", "classify");
  cfg.set("out", out);
  cfg.set("model.name", model);
  cfg.set("model.num_classes", int64_t{4});
  cfg.set("data.train.name", "shapes");
  cfg.set("data.test.name", "shapes");
  cfg.set("data.train.num_samples", int64_t{200});
  cfg.set("data.test.num_samples", int64_t{37});  // odd: shards of 18 and 19
  cfg.set("data.image_size", int64_t{16});
  cfg.set("data.batch_size", global_batch);
  cfg.set("data.num_workers", int64_t{1});
  cfg.set("solver.max_iter", int64_t{6});
  cfg.set("solver.base_lr", 0.05);
  cfg.set("solver.lr_schedule", "cosine");
  cfg.set("solver.warmup_iters", int64_t{2});
  cfg.set("solver.checkpoint_period", int64_t{100});
  cfg.set("dist.bucket_mb", 0.004);  // several buckets for a 13k-parameter model
  cfg.set("log_period", int64_t{1});
  return cfg;
}

NamedTensors snapshot(const Module& m) {
  NamedTensors out;
  for (const auto& [k, v] : m.state_dict()) out.emplace_back(k, v.clone());
  return out;
}

// Largest |a - b| over every float entry of two state dicts (integer buffers must be equal).
double max_abs_diff(const NamedTensors& a, const NamedTensors& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    const std::vector<double> x = a[i].second.to_vector(), y = b[i].second.to_vector();
    EXPECT_EQ(x.size(), y.size()) << a[i].first;
    for (size_t k = 0; k < x.size() && k < y.size(); ++k) {
      worst = std::max(worst, std::abs(x[k] - y[k]));
    }
  }
  return worst;
}

// Every rank holds bit-identical parameters and buffers.
void expect_same_on_all_ranks(const Module& m) {
  for (const auto& [name, t] : m.state_dict()) {
    const Tensor all = world()->all_gather(t.contiguous(), name);
    const std::vector<double> mine = t.to_vector();
    for (int r = 0; r < world()->world_size(); ++r) {
      EXPECT_EQ(all.select(0, r).to_vector(), mine) << name << " differs on rank " << r;
    }
  }
}

// Trains `cfg` on all ranks (batch split) and in a single process (out + "_single"), compares.
void expect_matches_single_process(Config cfg, double tolerance) {
  const std::string out = cfg.get_string("out");
  std::ostringstream log;
  Trainer dist(cfg, log, false, world());
  const TrainResult r = dist.train(false);
  EXPECT_EQ(r.iterations_done, cfg.get_int("solver.max_iter"));
  expect_same_on_all_ranks(dist.task().model());

  cfg.set("out", out + "_single_rank" + std::to_string(world()->rank()));
  std::ostringstream log1;
  Trainer one(cfg, log1, false, single());
  one.train(false);
  const NamedTensors a = snapshot(dist.task().model()), b = snapshot(one.task().model());
  EXPECT_LT(max_abs_diff(a, b), tolerance);
  // Not trivially equal: training moved the parameters away from their initialization.
  EXPECT_GT(max_abs_diff(a, snapshot(*build_model(cfg.get_string("model.name"),
                                                  [&] {
                                                    ModelOptions o;
                                                    o.num_classes = 4;
                                                    return o;
                                                  }()))),
            1e-3);
  // Sharded evaluation of the 2-rank model equals single-process evaluation of the same model.
  const std::map<std::string, double> sharded = dist.evaluate();
  const std::map<std::string, double> whole =
      evaluate_on(dist.task(), build_dataset(cfg, "test"), cfg);
  EXPECT_EQ(sharded.at("samples"), 37);
  EXPECT_EQ(sharded.at("accuracy"), whole.at("accuracy"));
  // Per-batch f32 loss sums over batches of another size: equal up to float rounding.
  EXPECT_NEAR(sharded.at("loss_cls"), whole.at("loss_cls"), 1e-6 * std::abs(whole.at("loss_cls")));
}

TEST(DistTrain, TwoRanksEqualOneRankWithTheGlobalBatch) {
  ASSERT_EQ(world()->world_size(), 2) << "run under mpirun -np 2";
  expect_matches_single_process(base_config(shared_dir() + "/run", "dist_test_net", 8), 1e-5);
}

TEST(DistTrain, AfterBackwardSyncGivesTheSameParametersAsOverlap) {
  const std::string dir = shared_dir();
  Config cfg = base_config(dir + "/overlap", "dist_test_net", 8);
  std::ostringstream log;
  Trainer overlap(cfg, log, false, world());
  overlap.train(false);
  EXPECT_GT(overlap.grad_sync()->buckets().size(), 2u);
  cfg.set("out", dir + "/after");
  cfg.set("dist.grad_sync", "after_backward");
  Trainer after(cfg, log, false, world());
  after.train(false);
  // The same sums of two values per element, whatever the bucketing: bit-identical.
  EXPECT_EQ(max_abs_diff(snapshot(overlap.task().model()), snapshot(after.task().model())), 0.0);
}

TEST(DistTrain, SyncBatchNormEqualsOneRankWithTheGlobalBatch) {
  Config cfg = base_config(shared_dir() + "/run", "dist_test_bn_net", 8);
  cfg.set("model.sync_bn", true);
  // Parameters and running statistics (buffers are compared too).
  expect_matches_single_process(cfg, 1e-4);
}

TEST(DistTrain, WithoutSyncBatchNormTheStatisticsArePerRank) {
  // The control for the test above: plain batch norm on 4 samples per rank is a different model.
  Config cfg = base_config(shared_dir() + "/run", "dist_test_bn_net", 8);
  std::ostringstream log;
  Trainer dist(cfg, log, false, world());
  dist.train(false);
  cfg.set("out", cfg.get_string("out") + "_single_rank" + std::to_string(world()->rank()));
  Trainer one(cfg, log, false, single());
  one.train(false);
  EXPECT_GT(max_abs_diff(snapshot(dist.task().model()), snapshot(one.task().model())), 1e-3);
}

// Rank r's copy of every buffer (running statistics) as gathered from all ranks: true when some
// rank's values differ from rank 0's.
bool buffers_differ_across_ranks(const Module& m) {
  bool differ = false;
  for (const auto& [name, t] : m.named_buffers()) {
    const Tensor all = world()->all_gather(t.contiguous(), name);
    for (int r = 1; r < world()->world_size(); ++r) {
      differ = differ || all.select(0, r).to_vector() != all.select(0, 0).to_vector();
    }
  }
  return differ;
}

TEST(DistTrain, PlainBatchNormStatisticsAreRank0sAtEachCheckpoint) {
  // No test set, so only the checkpoint at the end can make the buffers agree: each rank's
  // running statistics come from its own 4 samples per step, yet all ranks end with rank 0's.
  const std::string dir = shared_dir();
  Config cfg = base_config(dir + "/run", "dist_test_bn_net", 8);
  cfg.set("data.test.name", "");
  std::ostringstream log;
  Trainer t(cfg, log, false, world());
  t.train(false);
  EXPECT_FALSE(buffers_differ_across_ranks(t.task().model()));
  expect_same_on_all_ranks(t.task().model());
  // The checkpoint (written by rank 0) holds exactly those buffers.
  const Checkpoint ckpt = load_checkpoint(dir + "/run/checkpoint_00000006.h5");
  int64_t compared = 0;
  for (const auto& [name, b] : t.task().model().named_buffers()) {
    for (const auto& [saved_name, saved] : ckpt.model) {
      if (saved_name != name) continue;
      EXPECT_EQ(saved.to_vector(), b.to_vector()) << name;
      ++compared;
    }
  }
  EXPECT_EQ(compared, static_cast<int64_t>(t.task().model().named_buffers().size()));
}

TEST(DistTrain, PlainBatchNormStatisticsAreBroadcastBeforeEvaluation) {
  Config cfg = base_config(shared_dir() + "/run", "dist_test_bn_net", 8);
  std::ostringstream log;
  Trainer t(cfg, log, false, world());
  t.train(false);
  // Give each rank different statistics: one training-mode forward on rank-specific inputs.
  Module& model = t.task().model();
  model.train();
  Generator gen(1000 + static_cast<uint64_t>(world()->rank()));
  {
    NoGradGuard no_grad;
    model.forward(randn({4, 3, 16, 16}, DType::f32, gen) * (1.0 + world()->rank()));
  }
  ASSERT_TRUE(buffers_differ_across_ranks(model)) << "the ranks' statistics should differ here";
  const NamedTensors rank0 = [&] {
    NamedTensors out;
    for (const auto& [name, b] : model.named_buffers()) {
      Tensor c = b.clone();
      world()->broadcast(c, 0, name);
      out.emplace_back(name, c);
    }
    return out;
  }();
  const std::map<std::string, double> metrics = t.evaluate();
  EXPECT_EQ(metrics.at("samples"), 37);
  EXPECT_FALSE(buffers_differ_across_ranks(model));
  EXPECT_EQ(max_abs_diff(model.named_buffers(), rank0), 0.0);  // rank 0's, not an average
  // Sharded evaluation equals a single-process evaluation of rank 0's model.
  const std::map<std::string, double> whole =
      evaluate_on(t.task(), build_dataset(cfg, "test"), cfg);
  EXPECT_EQ(metrics.at("accuracy"), whole.at("accuracy"));
}

TEST(DistTrain, GradientAccumulationReducesOnTheLastMicroBatch) {
  // 2 ranks x 2 micro-batches x 2 samples = 1 rank x 2 micro-batches x 4 samples.
  Config cfg = base_config(shared_dir() + "/run", "dist_test_net", 4);
  cfg.set("solver.accumulate_steps", int64_t{2});
  expect_matches_single_process(cfg, 1e-5);
}

TEST(DistTrain, ResumedTwoRankRunEqualsTheUninterruptedOne) {
  const std::string dir = shared_dir();
  Config cfg = base_config(dir + "/full", "dist_test_net", 8);
  cfg.set("solver.checkpoint_period", int64_t{3});
  cfg.set("solver.lr_schedule", "multistep");
  cfg.set("solver.steps", std::vector<int64_t>{4});
  std::ostringstream log;
  Trainer full(cfg, log, false, world());
  full.train(false);

  cfg.set("out", dir + "/parts");
  cfg.set("solver.max_iter", int64_t{3});
  {
    Trainer first(cfg, log, false, world());
    first.train(false);
  }
  world()->barrier();  // rank 0 has written the checkpoint
  cfg.set("solver.max_iter", int64_t{6});
  Trainer second(cfg, log, false, world());
  const TrainResult r = second.train(true);
  EXPECT_EQ(r.iterations_done, 6);
  EXPECT_EQ(max_abs_diff(snapshot(full.task().model()), snapshot(second.task().model())), 0.0);
  // Only rank 0 wrote: one checkpoint file per checkpoint, one train record per iteration.
  EXPECT_TRUE(std::filesystem::exists(dir + "/parts/checkpoint_00000006.h5"));
}

TEST(DistTrain, RanksAgreeToSkipANonFiniteLoss) {
  Config cfg = base_config(shared_dir() + "/run", "dist_test_net", 8);
  cfg.set("task", "dist_test_nan");
  cfg.set("data.test.name", "");
  cfg.set("solver.nan_policy", "skip");
  g_nan_call = 3;
  std::ostringstream log;
  Trainer t(cfg, log, false, world());
  const TrainResult r = t.train(false);
  // Rank 0's loss was finite, yet it skipped the update with rank 1.
  EXPECT_EQ(r.skipped, 1);
  expect_same_on_all_ranks(t.task().model());

  cfg.set("out", cfg.get_string("out") + "_stop");
  cfg.set("solver.nan_policy", "stop");
  Trainer s(cfg, log, false, world());
  expect_error([&] { s.train(false); }, {"iteration 3", "loss is not finite"});
  g_nan_call = -1;
}

TEST(DistTrain, DynamicLossScalingSkipsAnOverflowOnOneRankOnEveryRank) {
  const std::string dir = shared_dir();
  Config cfg = base_config(dir + "/two", "dist_test_net", 8);
  cfg.set("task", "dist_test_boost");
  cfg.set("data.test.name", "");
  cfg.set("solver.lr_schedule", "multistep");  // constant LR: no milestone is reached
  cfg.set("solver.steps", std::vector<int64_t>{1000});
  cfg.set("solver.warmup_iters", ConfigValue(int64_t{0}));
  cfg.set("solver.loss_scale", "dynamic");
  cfg.set("solver.loss_scale_init", 1024.0);
  cfg.set("solver.loss_scale_growth_interval", int64_t{2});
  cfg.set("solver.max_iter", int64_t{2});
  std::ostringstream log;
  g_boost_call = -1;
  Trainer two(cfg, log, false, world());
  two.train(false);
  EXPECT_EQ(two.loss_scaler()->scale(), 2048);

  // Rank 1's iteration 3 overflows; rank 0's alone would not.
  cfg.set("out", dir + "/three");
  cfg.set("solver.max_iter", int64_t{3});
  g_boost_call = 3;
  Trainer three(cfg, log, false, world());
  const TrainResult r = three.train(false);
  g_boost_call = -1;
  EXPECT_EQ(r.overflow_skips, 1);  // on every rank
  EXPECT_EQ(r.skipped, 0);
  EXPECT_EQ(three.loss_scaler()->scale(), 1024);  // 2048 backed off by 0.5 on every rank
  expect_same_on_all_ranks(three.task().model());
  EXPECT_EQ(max_abs_diff(snapshot(three.task().model()), snapshot(two.task().model())), 0.0);
}

TEST(DistTrain, GlobalBatchMustDivideAmongRanks) {
  Config cfg = base_config(shared_dir() + "/run", "dist_test_net", 7);
  std::ostringstream log;
  expect_error([&] { Trainer t(cfg, log, false, world()); },
               {"data.batch_size", "global batch 7", "2 ranks"});
}

}  // namespace
}  // namespace dc
