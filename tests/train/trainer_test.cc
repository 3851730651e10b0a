// The Trainer end to end on the generated shapes dataset: it learns, logs, evaluates and
// checkpoints on schedule, resumes exactly, applies the NaN policy, stops cleanly on SIGINT, and
// accumulates gradients as one large batch would. Plus its parts: the progress display and the
// metrics log.
#include "train/trainer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "nets/basic_layers.h"
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
#include "train/metrics_log.h"
#include "train/progress.h"

namespace dc {
namespace {

// A small convnet without batch norm (so gradient accumulation is exactly a larger batch), for
// 16×16 inputs: the quickstart demo's network.
class TinyNet : public Module {
 public:
  TinyNet(int64_t classes, Generator& gen) : Module("TinyNet") {
    Conv2dOptions o;
    o.padding = {1, 1};
    const std::array<int64_t, 2> k3{3, 3};
    conv1_ = register_module("conv1", std::make_shared<Conv2d>(3, 8, k3, o, gen));
    conv2_ = register_module("conv2", std::make_shared<Conv2d>(8, 16, k3, o, gen));
    fc_ = register_module("fc", std::make_shared<Linear>(16 * 4 * 4, classes, true, gen));
  }
  Tensor forward(const Tensor& x) override {
    Tensor h = max_pool2d(relu(conv1_->forward(x)), {2, 2});
    h = max_pool2d(relu(conv2_->forward(h)), {2, 2});
    return fc_->forward(h.flatten(1));
  }

 private:
  std::shared_ptr<Conv2d> conv1_, conv2_;
  std::shared_ptr<Linear> fc_;
};

DC_REGISTER_MODEL("test_tinynet", [](const ModelOptions& o, Generator& gen) -> ModulePtr {
  return std::make_shared<TinyNet>(o.num_classes, gen);
});

// A classification task that sabotages chosen calls of losses(): a NaN loss, or a SIGINT.
int g_nan_call = -1;
int g_sigint_call = -1;

class SabotagedTask : public Task {
 public:
  explicit SabotagedTask(const Config& cfg) {
    ModelOptions o;
    o.num_classes = 4;
    o.seed = static_cast<uint64_t>(cfg.get_int("seed"));
    model_ = build_model("test_tinynet", o);
  }
  Module& model() override { return *model_; }
  std::map<std::string, Tensor> losses(const Batch& batch) override {
    ++calls_;
    if (calls_ == g_sigint_call) std::raise(SIGINT);
    Tensor loss = cross_entropy(model_->forward(batch.at("image")), batch.at("label"));
    if (calls_ == g_nan_call) loss = loss * std::numeric_limits<double>::quiet_NaN();
    return {{"loss_cls", loss}};
  }
  std::map<std::string, double> evaluate(DataLoader& loader) override {
    int64_t n = 0;
    while (std::optional<Batch> b = loader.next()) n += b->size();
    return {{"samples", static_cast<double>(n)}};
  }
  std::string main_metric() const override { return "samples"; }

 private:
  ModulePtr model_;
  int calls_ = 0;
};

const bool registered = [] {
  register_task("test_sabotaged",
                [](const Config& cfg) { return std::make_unique<SabotagedTask>(cfg); });
  return true;
}();

Config shapes_config(const std::string& out) {
  Config cfg;
  cfg.set("task", "classify");
  cfg.set("out", out);
  cfg.set("model.name", "test_tinynet");
  cfg.set("model.num_classes", int64_t{4});
  cfg.set("data.train.name", "shapes");
  cfg.set("data.test.name", "shapes");
  cfg.set("data.train.num_samples", int64_t{400});
  cfg.set("data.test.num_samples", int64_t{200});
  cfg.set("data.image_size", int64_t{16});
  cfg.set("data.batch_size", int64_t{8});
  cfg.set("data.num_workers", int64_t{2});
  cfg.set("solver.max_iter", int64_t{12});
  cfg.set("solver.base_lr", 0.05);
  cfg.set("solver.lr_schedule", "cosine");
  cfg.set("solver.warmup_iters", int64_t{3});
  cfg.set("solver.checkpoint_period", int64_t{5});
  cfg.set("log_period", int64_t{1});
  return cfg;
}

std::vector<nlohmann::json> read_records(const std::string& run_dir) {
  std::ifstream in(run_dir + "/metrics.jsonl");
  std::vector<nlohmann::json> records;
  std::string line;
  while (std::getline(in, line)) records.push_back(nlohmann::json::parse(line));
  return records;
}

// iteration -> loss of each "train" record.
std::map<int64_t, double> train_losses(const std::string& run_dir) {
  std::map<int64_t, double> out;
  for (const auto& r : read_records(run_dir)) {
    if (r["type"] == "train") out[r["iteration"].get<int64_t>()] = r["loss"].get<double>();
  }
  return out;
}

TensorMap snapshot(const Module& m) {
  TensorMap out;
  for (const auto& [k, v] : m.state_dict()) out.emplace_back(k, v.clone());
  return out;
}

double max_abs_diff(const TensorMap& a, const TensorMap& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const Tensor x = a[i].second.to(DType::f64).contiguous();
    const Tensor y = b[i].second.to(DType::f64).contiguous();
    for (int64_t k = 0; k < x.numel(); ++k) {
      worst = std::max(worst, std::abs(x.data<double>()[k] - y.data<double>()[k]));
    }
  }
  return worst;
}

TEST(ProgressDisplay, FormatsDurations) {
  EXPECT_EQ(ProgressDisplay::format_duration(0), "0:00");
  EXPECT_EQ(ProgressDisplay::format_duration(65), "1:05");
  EXPECT_EQ(ProgressDisplay::format_duration(3725), "1:02:05");
  EXPECT_EQ(ProgressDisplay::format_duration(-1), "?");
}

TEST(ProgressDisplay, PlainLinesEveryPeriodWithMedianLosses) {
  std::ostringstream out;
  ProgressDisplay p(out, /*interactive=*/false, 0, 6, 3);
  for (int i = 1; i <= 6; ++i) p.update(i, {{"a", static_cast<double>(i)}, {"b", 10.0}}, 0.5);
  std::istringstream lines(out.str());
  std::vector<std::string> got;
  for (std::string l; std::getline(lines, l);) got.push_back(l);
  ASSERT_EQ(got.size(), 2u) << out.str();
  // Medians of the last 3 iterations: a = 2 then 5; the total adds b = 10.
  EXPECT_NE(got[0].find("iter 3/6"), std::string::npos) << got[0];
  EXPECT_NE(got[0].find("loss 12 (a 2 b 10)"), std::string::npos) << got[0];
  EXPECT_NE(got[1].find("iter 6/6"), std::string::npos) << got[1];
  EXPECT_NE(got[1].find("loss 15 (a 5 b 10)"), std::string::npos) << got[1];
  EXPECT_NE(got[1].find("lr 0.5"), std::string::npos) << got[1];
  EXPECT_EQ(out.str().find('\r'), std::string::npos);
}

TEST(ProgressDisplay, TerminalRedrawsOneLine) {
  std::ostringstream out;
  ProgressDisplay p(out, /*interactive=*/true, 0, 2, 1);
  p.update(1, {{"a", 1.0}}, 0.1);
  p.message("eval: x");
  p.update(2, {{"a", 1.0}}, 0.1);
  p.finish();
  EXPECT_NE(out.str().find("\r\033[K[############............] iter 1/2"), std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("eval: x\n"), std::string::npos);
  EXPECT_NE(out.str().find("[########################] iter 2/2"), std::string::npos);
}

TEST(MetricsLog, WritesJsonLinesAndTruncatesOnResume) {
  const std::string path = fresh_test_dir() + "/metrics.jsonl";
  {
    MetricsLog log(path);
    for (int64_t it = 1; it <= 4; ++it) log.write("train", it, {{"loss", 1.0 / 3 * it}});
    log.write("eval", 4, {{"acc", std::numeric_limits<double>::quiet_NaN()}});
  }
  {
    std::ofstream cut(path, std::ios::app);
    cut << "{\"type\": \"train\", \"iter";  // a line cut short by a kill
  }
  MetricsLog resumed(path, /*keep_up_to=*/2);
  resumed.write("train", 3, {{"loss", 7.0}});
  std::ifstream in(path);
  std::vector<nlohmann::json> r;
  for (std::string l; std::getline(in, l);) r.push_back(nlohmann::json::parse(l));
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0]["iteration"], 1);
  EXPECT_EQ(r[0]["loss"].get<double>(), 1.0 / 3);  // doubles read back exactly
  EXPECT_EQ(r[1]["iteration"], 2);
  EXPECT_EQ(r[2]["loss"].get<double>(), 7.0);
}

TEST(MetricsLog, NonFiniteValuesAreNull) {
  const std::string path = fresh_test_dir() + "/m.jsonl";
  MetricsLog log(path);
  log.write("skip", 1, {{"loss", std::numeric_limits<double>::infinity()}});
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_TRUE(nlohmann::json::parse(line)["loss"].is_null()) << line;
}

TEST(Trainer, LearnsShapesAndLogsEvaluatesCheckpointsOnSchedule) {
  const std::string dir = fresh_test_dir();
  Config cfg = shapes_config(dir);
  cfg.set("data.batch_size", int64_t{32});
  cfg.set("data.train.num_samples", int64_t{4000});
  cfg.set("solver.max_iter", int64_t{150});
  cfg.set("solver.base_lr", 0.02);
  cfg.set("solver.lr_schedule", "multistep");
  cfg.set("solver.steps", std::vector<int64_t>{1000});
  cfg.set("solver.checkpoint_period", int64_t{60});
  cfg.set("solver.eval_period", int64_t{50});
  cfg.set("log_period", int64_t{25});
  std::ostringstream log;
  Trainer trainer(cfg, log, false);
  const TrainResult r = trainer.train(false);
  EXPECT_EQ(r.iterations_done, 150);
  EXPECT_FALSE(r.interrupted);
  // Four balanced classes: chance is 25%. 150 steps of the small convnet get far above it.
  EXPECT_GT(r.metrics.at("accuracy"), 0.6) << log.str();
  EXPECT_EQ(r.metrics.at("samples"), 200);
  for (int64_t it : {60, 120, 150}) {
    EXPECT_TRUE(std::filesystem::exists(checkpoint_path(dir, it))) << it;
  }
  EXPECT_FALSE(std::filesystem::exists(checkpoint_path(dir, 50)));
  std::vector<int64_t> train_its, eval_its;
  for (const auto& rec : read_records(dir)) {
    (rec["type"] == "train" ? train_its : eval_its).push_back(rec["iteration"].get<int64_t>());
    if (rec["type"] == "train") {
      EXPECT_TRUE(rec.contains("loss_cls") && rec.contains("lr") && rec.contains("time_s"));
    }
  }
  EXPECT_EQ(train_its, (std::vector<int64_t>{25, 50, 75, 100, 125, 150}));
  EXPECT_EQ(eval_its, (std::vector<int64_t>{50, 100, 150}));
  // The resolved config is in the run folder and loads back equal.
  EXPECT_EQ(load_config(dir + "/config.yaml"), cfg);
  // The final checkpoint reloads into a fresh model with the trained weights.
  EXPECT_EQ(max_abs_diff(load_checkpoint(checkpoint_path(dir, 150)).model,
                         snapshot(trainer.task().model())),
            0);
  Trainer again(cfg, log, false);
  load_model_weights(again.task().model(), checkpoint_path(dir, 150), false, log);
  EXPECT_EQ(max_abs_diff(snapshot(again.task().model()), snapshot(trainer.task().model())), 0);
  EXPECT_EQ(again.evaluate().at("accuracy"), r.metrics.at("accuracy"));
}

TEST(Trainer, ResumeContinuesWithIdenticalLosses) {
  const std::string full_dir = fresh_test_dir("full_"), part_dir = fresh_test_dir("part_");
  std::ostringstream log;
  Trainer full(shapes_config(full_dir), log, false);
  full.train(false);
  // The same run again, then rewound to its checkpoint at 5 as if killed between 5 and 10: what
  // it logged after 5 is dropped and recomputed from the checkpoint alone.
  Trainer(shapes_config(part_dir), log, false).train(false);
  std::filesystem::remove(checkpoint_path(part_dir, 10));
  std::filesystem::remove(checkpoint_path(part_dir, 12));
  Trainer resumed(shapes_config(part_dir), log, false);
  const TrainResult r = resumed.train(true);
  EXPECT_EQ(r.iterations_done, 12);
  const std::map<int64_t, double> a = train_losses(full_dir), b = train_losses(part_dir);
  ASSERT_EQ(a.size(), 12u);
  EXPECT_EQ(a, b);  // bit for bit, iterations 6 to 12 recomputed after the rewind to 5
  EXPECT_EQ(max_abs_diff(snapshot(full.task().model()), snapshot(resumed.task().model())), 0);
}

TEST(Trainer, RefusesToOverwriteOrResumeNothing) {
  const std::string dir = fresh_test_dir();
  std::ostringstream log;
  expect_error([&] { Trainer(shapes_config(dir), log, false).train(true); },
               {"--resume", "has no checkpoint"});
  Config cfg = shapes_config(dir);
  cfg.set("solver.max_iter", int64_t{5});
  Trainer(cfg, log, false).train(false);
  expect_error([&] { Trainer(cfg, log, false).train(false); },
               {"already has checkpoints", "checkpoint_00000005.h5", "--resume"});
  Config other_seed = cfg;
  other_seed.set("seed", int64_t{3});
  other_seed.set("solver.max_iter", int64_t{8});
  expect_error([&] { Trainer(other_seed, log, false).train(true); }, {"another seed"});
  // A run folder left by another optimizer (SGD wrote momentum buffers, Adam wants moments): the
  // error names the checkpoint file, and the refused resume leaves the run's config.yaml alone.
  Config other_optimizer = cfg;
  other_optimizer.set("solver.optimizer", "adam");
  expect_error([&] { Trainer(other_optimizer, log, false).train(true); },
               {"checkpoint_00000005.h5", "optimizer state does not fit this config",
                "momentum_buffer", "config of the run that wrote it"});
  EXPECT_EQ(load_config(dir + "/config.yaml"), cfg);
  Config other_model = cfg;
  other_model.set("model.num_classes", int64_t{3});
  expect_error([&] { Trainer(other_model, log, false).train(true); },
               {"checkpoint_00000005.h5", "model state does not fit this config"});
  EXPECT_EQ(load_config(dir + "/config.yaml"), cfg);
}

TEST(Trainer, NanPolicyStopNamesTheIteration) {
  Config cfg = shapes_config(fresh_test_dir());
  cfg.set("task", "test_sabotaged");
  g_nan_call = 4;
  std::ostringstream log;
  expect_error([&] { Trainer(cfg, log, false).train(false); },
               {"iteration 4", "not finite", "nan_policy=stop", "Last checkpoint: none"});
  g_nan_call = -1;
}

TEST(Trainer, NanPolicySkipLeavesTheWeightsAlone) {
  const std::string dir = fresh_test_dir();
  Config cfg = shapes_config(dir);
  cfg.set("task", "test_sabotaged");
  cfg.set("solver.nan_policy", "skip");
  cfg.set("solver.max_iter", int64_t{6});
  cfg.set("solver.checkpoint_period", int64_t{1});
  g_nan_call = 5;  // iteration 5
  std::ostringstream log;
  Trainer t(cfg, log, false);
  const TrainResult r = t.train(false);
  g_nan_call = -1;
  EXPECT_EQ(r.skipped, 1);
  EXPECT_NE(log.str().find("iteration 5: non-finite loss, update skipped"), std::string::npos);
  int skips = 0;
  for (const auto& rec : read_records(dir)) {
    if (rec["type"] != "skip") continue;
    ++skips;
    EXPECT_EQ(rec["iteration"], 5);
    EXPECT_TRUE(rec["loss"].is_null());
  }
  EXPECT_EQ(skips, 1);
  EXPECT_EQ(train_losses(dir).count(5), 0u);
  EXPECT_EQ(train_losses(dir).size(), 5u);
  // The skipped iteration made no update: the weights and the optimizer state after iteration 5
  // are those after iteration 4, while iteration 6 did update.
  const Checkpoint c4 = load_checkpoint(checkpoint_path(dir, 4));
  const Checkpoint c5 = load_checkpoint(checkpoint_path(dir, 5));
  const Checkpoint c6 = load_checkpoint(checkpoint_path(dir, 6));
  EXPECT_EQ(max_abs_diff(c4.model, c5.model), 0);
  EXPECT_GT(max_abs_diff(c5.model, c6.model), 0);
  ASSERT_EQ(c4.optimizer.tensors.size(), c5.optimizer.tensors.size());
  for (const auto& [k, v] : c4.optimizer.tensors) {
    EXPECT_EQ(max_abs_diff({{k, v}}, {{k, c5.optimizer.tensors.at(k)}}), 0) << k;
  }
  // ... but its batch was consumed: the loader moved on by one batch per iteration.
  EXPECT_EQ(c5.rng.at("loader").offset, 5u);
}

TEST(Trainer, SigintWritesACheckpointAndStops) {
  const std::string dir = fresh_test_dir();
  Config cfg = shapes_config(dir);
  cfg.set("task", "test_sabotaged");
  g_sigint_call = 4;
  std::ostringstream log;
  const TrainResult r = Trainer(cfg, log, false).train(false);
  g_sigint_call = -1;
  EXPECT_TRUE(r.interrupted);
  EXPECT_EQ(r.iterations_done, 4);
  EXPECT_TRUE(std::filesystem::exists(checkpoint_path(dir, 4)));
  EXPECT_NE(log.str().find("interrupted"), std::string::npos);
  EXPECT_EQ(load_checkpoint(checkpoint_path(dir, 4)).iteration, 4);
}

TEST(Trainer, AccumulatedGradientsEqualOneLargeBatch) {
  std::ostringstream log;
  Config big = shapes_config(fresh_test_dir("big_"));
  big.set("solver.max_iter", int64_t{4});
  big.set("solver.clip_grad_norm", 1.0);
  Config accumulated = big;
  accumulated.set("out", fresh_test_dir("acc_"));
  accumulated.set("data.batch_size", int64_t{4});
  accumulated.set("solver.accumulate_steps", int64_t{2});
  Trainer a(big, log, false), b(accumulated, log, false);
  a.train(false);
  b.train(false);
  // The same samples in the same order (two batches of 4 are one batch of 8 of the stream), the
  // mean of two half-batch means is the full mean: equal up to float rounding.
  EXPECT_LT(max_abs_diff(snapshot(a.task().model()), snapshot(b.task().model())), 2e-6);
  const std::map<int64_t, double> la = train_losses(big.get_string("out")),
                                  lb = train_losses(accumulated.get_string("out"));
  for (const auto& [it, loss] : la) EXPECT_NEAR(lb.at(it), loss, 1e-5) << it;
}

TEST(Trainer, ConfigMistakesNameTheKey) {
  std::ostringstream log;
  Config cfg = shapes_config(fresh_test_dir());
  cfg.set("task", "clasify");
  expect_error([&] { Trainer(cfg, log, false); },
               {"config key task", "unknown task \"clasify\"", "did you mean \"classify\""});
  cfg.set("task", "");
  expect_error([&] { Trainer(cfg, log, false); }, {"config key task is not set", "classify"});
  cfg.set("task", "classify");
  cfg.set("data.train.name", "shape");
  expect_error([&] { Trainer(cfg, log, false); },
               {"config key data.train.name", "did you mean \"shapes\""});
  cfg.set("data.train.name", "shapes");
  cfg.set("model.num_classes", int64_t{1});
  expect_error([&] { Trainer(cfg, log, false); }, {"model.num_classes", "at least 2"});
}

}  // namespace
}  // namespace dc
