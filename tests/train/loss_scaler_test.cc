// Dynamic loss scaling (train/loss_scaler.h): the GradScaler schedule of the scale by hand, the
// option checks, the finite-gradient test on inf/NaN, and in the Trainer: without overflow a
// dynamically scaled f32 run equals an unscaled one bit for bit (power-of-two scales are exact),
// an overflowing step is skipped and the scale backs off, and a resumed run continues the scale.
#include "train/loss_scaler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>

#include "nets/linear.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/loss.h"
#include "ops/reduce.h"
#include "tests/testing/expect_error.h"
#include "tests/testing/temp_dir.h"
#include "train/config/config.h"
#include "train/task.h"
#include "train/trainer.h"

namespace dc {
namespace {

TEST(LossScaler, GrowsAfterTheIntervalAndBacksOffOnOverflow) {
  LossScalerOptions o;
  o.init = 1024;
  o.growth_interval = 3;
  DynamicLossScaler s(o);
  EXPECT_EQ(s.scale(), 1024);
  EXPECT_TRUE(s.update(false));
  EXPECT_TRUE(s.update(false));
  EXPECT_EQ(s.scale(), 1024);
  EXPECT_EQ(s.good_steps(), 2);
  EXPECT_TRUE(s.update(false));  // third good step: grows
  EXPECT_EQ(s.scale(), 2048);
  EXPECT_EQ(s.good_steps(), 0);
  EXPECT_TRUE(s.update(false));
  EXPECT_FALSE(s.update(true));  // overflow: skip, halve, restart the count
  EXPECT_EQ(s.scale(), 1024);
  EXPECT_EQ(s.good_steps(), 0);
  EXPECT_FALSE(s.update(true));
  EXPECT_EQ(s.scale(), 512);
  s.set_state(4096, 2);
  EXPECT_TRUE(s.update(false));
  EXPECT_EQ(s.scale(), 8192);
}

TEST(LossScaler, DefaultsAreGradScalers) {
  const LossScalerOptions o;
  EXPECT_EQ(o.init, 65536);
  EXPECT_EQ(o.growth, 2);
  EXPECT_EQ(o.backoff, 0.5);
  EXPECT_EQ(o.growth_interval, 2000);
  const Config cfg;
  EXPECT_EQ(cfg.get_string("solver.loss_scale"), "none");
  EXPECT_EQ(cfg.get_double("solver.loss_scale_init"), o.init);
  EXPECT_EQ(cfg.get_double("solver.loss_scale_growth"), o.growth);
  EXPECT_EQ(cfg.get_double("solver.loss_scale_backoff"), o.backoff);
  EXPECT_EQ(cfg.get_int("solver.loss_scale_growth_interval"), o.growth_interval);
}

TEST(LossScaler, RejectsBadOptionsNamingTheKey) {
  LossScalerOptions o;
  o.backoff = 1;
  expect_error([&] { DynamicLossScaler s(o); }, {"solver.loss_scale_backoff", "(0, 1)", "got 1"});
  o = {};
  o.growth = 1;
  expect_error([&] { DynamicLossScaler s(o); }, {"solver.loss_scale_growth", "> 1"});
  o = {};
  o.init = 0;
  expect_error([&] { DynamicLossScaler s(o); }, {"solver.loss_scale_init", "positive"});
  o = {};
  o.growth_interval = 0;
  expect_error([&] { DynamicLossScaler s(o); }, {"solver.loss_scale_growth_interval"});
  DynamicLossScaler s({});
  expect_error([&] { s.set_state(-1, 0); }, {"saved scale -1"});
  expect_error([&] { s.set_state(8, 2000); }, {"2000 good steps", "growth_interval 2000"});
}

TEST(LossScaler, FiniteGradientsCheckSeesInfAndNaN) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (double bad : {inf, -inf, nan}) {
    Tensor a = tensor_from({1, 2, 3}, {3});
    Tensor b = tensor_from({4, 5}, {2});
    Tensor unused = tensor_from({1}, {1});
    for (Tensor* t : {&a, &b, &unused}) t->set_requires_grad(true);
    // d/da sum(a * wa) = wa: the gradients are exactly the weights.
    (sum(a * tensor_from({1, 2, 3}, {3})) + sum(b * tensor_from({0.5, 1e30}, {2}))).backward();
    EXPECT_TRUE(grads_are_finite({a, b, unused}));  // unused has no gradient: ignored
    Tensor c = tensor_from({1, 2}, {2});
    c.set_requires_grad(true);
    sum(c * tensor_from({3, bad}, {2})).backward();
    EXPECT_FALSE(grads_are_finite({a, c, b})) << bad;
    EXPECT_TRUE(grads_are_finite({a, b}));
  }
}

// A linear classifier on 16x16 images, and a task whose loss is multiplied at call g_boost_call
// by 1e37: still a finite f32 loss (up to 34 before boosting), but one that overflows once scaled
// by 2^10 or more.
class LinearNet : public Module {
 public:
  LinearNet(int64_t classes, Generator& gen) : Module("LinearNet") {
    fc_ = register_module("fc", std::make_shared<Linear>(3 * 16 * 16, classes, true, gen));
  }
  Tensor forward(const Tensor& x) override { return fc_->forward(x.flatten(1)); }

 private:
  std::shared_ptr<Linear> fc_;
};

int g_boost_call = -1;

class BoostedTask : public Task {
 public:
  explicit BoostedTask(const Config& cfg) {
    Generator gen(static_cast<uint64_t>(cfg.get_int("seed")));
    model_ = std::make_shared<LinearNet>(4, gen);
  }
  Module& model() override { return *model_; }
  std::map<std::string, Tensor> losses(const Batch& batch) override {
    ++calls_;
    Tensor loss = cross_entropy(model_->forward(batch.at("image")), batch.at("label"));
    if (calls_ == g_boost_call) loss = loss * 1e37;
    return {{"loss_cls", loss}};
  }
  std::map<std::string, double> evaluate(DataLoader&) override { return {}; }
  std::string main_metric() const override { return "none"; }

 private:
  std::shared_ptr<Module> model_;
  int calls_ = 0;
};

const bool registered = [] {
  register_task("test_boosted",
                [](const Config& cfg) { return std::make_unique<BoostedTask>(cfg); });
  return true;
}();

Config scaled_config(const std::string& out, int64_t max_iter) {
  Config cfg;
  cfg.set("task", "test_boosted");
  cfg.set("out", out);
  cfg.set("data.train.name", "shapes");
  cfg.set("data.train.num_samples", int64_t{200});
  cfg.set("data.image_size", int64_t{16});
  cfg.set("data.batch_size", int64_t{8});
  cfg.set("data.num_workers", int64_t{1});
  cfg.set("solver.max_iter", max_iter);
  cfg.set("solver.base_lr", 0.05);
  cfg.set("solver.lr_schedule", "multistep");  // constant: no milestone is reached
  cfg.set("solver.steps", std::vector<int64_t>{1000});
  cfg.set("solver.warmup_iters", ConfigValue(int64_t{0}));
  cfg.set("solver.checkpoint_period", int64_t{1000});
  cfg.set("solver.loss_scale", "dynamic");
  cfg.set("solver.loss_scale_init", 1024.0);
  cfg.set("solver.loss_scale_growth_interval", int64_t{2});
  cfg.set("log_period", int64_t{1});
  return cfg;
}

std::vector<double> params_of(Trainer& t) {
  std::vector<double> out;
  for (const auto& [name, p] : t.task().model().named_parameters()) {
    const std::vector<double> v = p.to_vector();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

std::string fresh_dir(const std::string& name) {
  const std::string dir = temp_path(name);
  std::filesystem::remove_all(dir);
  return dir;
}

TEST(LossScalerTrainer, WithoutOverflowScalingIsExactInF32) {
  g_boost_call = -1;
  std::ostringstream log;
  Config cfg = scaled_config(fresh_dir("scaled"), 6);
  Trainer scaled(cfg, log, false);
  const TrainResult r = scaled.train(false);
  EXPECT_EQ(r.overflow_skips, 0);
  // Grew after iterations 2, 4 and 6: 1024 * 2^3.
  EXPECT_EQ(scaled.loss_scaler()->scale(), 8192);
  cfg.set("out", fresh_dir("unscaled"));
  cfg.set("solver.loss_scale", "none");
  Trainer plain(cfg, log, false);
  plain.train(false);
  EXPECT_EQ(plain.loss_scaler(), nullptr);
  // Power-of-two scales commute with rounding: the same parameters, bit for bit.
  EXPECT_EQ(params_of(scaled), params_of(plain));
}

TEST(LossScalerTrainer, AnOverflowingStepIsSkippedAndTheScaleBacksOff) {
  std::ostringstream log;
  g_boost_call = -1;
  Trainer two(scaled_config(fresh_dir("two"), 2), log, false);
  two.train(false);
  g_boost_call = 3;
  Trainer three(scaled_config(fresh_dir("three"), 3), log, false);
  const TrainResult r = three.train(false);
  g_boost_call = -1;
  EXPECT_EQ(r.overflow_skips, 1);
  EXPECT_EQ(r.skipped, 0);  // the loss itself was finite: not a nan_policy skip
  // 1024 -> 2048 after iteration 2 -> 1024 after the overflow of iteration 3.
  EXPECT_EQ(three.loss_scaler()->scale(), 1024);
  EXPECT_EQ(three.loss_scaler()->good_steps(), 0);
  // Iteration 3 changed nothing.
  EXPECT_EQ(params_of(three), params_of(two));
}

TEST(LossScalerTrainer, AResumedRunContinuesTheScale) {
  std::ostringstream log;
  g_boost_call = 2;
  const std::string full_dir = fresh_dir("full");
  Trainer full(scaled_config(full_dir, 5), log, false);
  full.train(false);
  // 1024 (it1, 1 good) -> overflow it2: 512 -> it3, it4: 1024 -> it5: 1 good step.
  EXPECT_EQ(full.loss_scaler()->scale(), 1024);
  EXPECT_EQ(full.loss_scaler()->good_steps(), 1);

  const std::string dir = fresh_dir("parts");
  Config cfg = scaled_config(dir, 3);
  cfg.set("solver.checkpoint_period", int64_t{3});
  {
    g_boost_call = 2;
    Trainer first(cfg, log, false);
    first.train(false);
    EXPECT_EQ(first.loss_scaler()->scale(), 512);
    EXPECT_EQ(first.loss_scaler()->good_steps(), 1);
  }
  g_boost_call = -1;  // the resumed task counts calls from 1 again; nothing to boost
  cfg.set("solver.max_iter", int64_t{5});
  Trainer second(cfg, log, false);
  second.train(true);
  EXPECT_EQ(second.loss_scaler()->scale(), 1024);
  EXPECT_EQ(second.loss_scaler()->good_steps(), 1);
  EXPECT_EQ(params_of(second), params_of(full));
}

}  // namespace
}  // namespace dc
