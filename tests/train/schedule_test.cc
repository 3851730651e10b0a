// LR schedules against torch.optim.lr_scheduler for every iteration of a run, warmup against
// torch's LinearLR/ConstantLR chained multiplicatively (ChainedScheduler) or the closed form.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ops/creation.h"
#include "tests/train/oracle_util.h"
#include "train/optim/sgd.h"
#include "train/schedule/lr_schedule.h"

namespace dc {
namespace {

constexpr double kBaseLr = 0.2;

struct SchedCase {
  std::string name;
  std::string schedule;  // make_schedule name
  ScheduleOptions options;
  std::string torch;  // a list of schedulers over `opt`, chained multiplicatively
  int iters;
};

ScheduleOptions opts(const std::function<void(ScheduleOptions&)>& f) {
  ScheduleOptions o;
  o.warmup_iters = 0;
  f(o);
  return o;
}

const std::string kStep = "S.StepLR(opt, step_size=7, gamma=0.5)";
const std::string kMulti = "S.MultiStepLR(opt, milestones=[10, 25, 25, 33], gamma=0.1)";
const std::string kPoly = "S.PolynomialLR(opt, total_iters=30, power=0.9)";
const std::string kCos = "S.CosineAnnealingLR(opt, T_max=30)";

std::vector<SchedCase> cases() {
  auto step = [](ScheduleOptions& o) {
    o.step_size = 7;
    o.gamma = 0.5;
  };
  auto multi = [](ScheduleOptions& o) {
    o.milestones = {10, 25, 25, 33};
    o.gamma = 0.1;
  };
  auto poly = [](ScheduleOptions& o) {
    o.max_iter = 30;
    o.power = 0.9;
  };
  auto cos = [](ScheduleOptions& o) { o.max_iter = 30; };
  auto linear = [](ScheduleOptions& o) {
    o.warmup_method = "linear";
    o.warmup_iters = 8;
    o.warmup_factor = 0.01;
  };
  auto constant = [](ScheduleOptions& o) {
    o.warmup_method = "constant";
    o.warmup_iters = 5;
    o.warmup_factor = 0.1;
  };
  const std::string lin = "S.LinearLR(opt, start_factor=0.01, total_iters=8)";
  const std::string con = "S.ConstantLR(opt, factor=0.1, total_iters=5)";
  return {
      {"step", "step", opts(step), "[" + kStep + "]", 40},
      {"multistep", "multistep", opts(multi), "[" + kMulti + "]", 40},
      {"poly", "poly", opts(poly), "[" + kPoly + "]", 40},
      {"cosine", "cosine", opts(cos), "[" + kCos + "]", 31},
      {"cosine_eta_min", "cosine", opts([&](ScheduleOptions& o) {
         cos(o);
         o.eta_min = 1e-3;
       }),
       "[S.CosineAnnealingLR(opt, T_max=30, eta_min=1e-3)]", 31},
      {"linear_warmup_step", "step", opts([&](ScheduleOptions& o) {
         step(o);
         linear(o);
       }),
       "[" + lin + ", " + kStep + "]", 40},
      {"linear_warmup_multistep", "WarmupMultiStepLR", opts([&](ScheduleOptions& o) {
         multi(o);
         linear(o);
       }),
       "[" + lin + ", " + kMulti + "]", 40},
      {"constant_warmup_multistep", "multistep", opts([&](ScheduleOptions& o) {
         multi(o);
         constant(o);
       }),
       "[" + con + ", " + kMulti + "]", 40},
      {"linear_warmup_poly", "WarmupPolyLR", opts([&](ScheduleOptions& o) {
         poly(o);
         linear(o);
       }),
       "[" + lin + ", " + kPoly + "]", 40},
      {"linear_warmup_cosine", "WarmupCosineLR", opts([&](ScheduleOptions& o) {
         cos(o);
         linear(o);
       }),
       "[" + lin + ", " + kCos + "]", 31},
      {"constant_warmup_cosine", "cosine", opts([&](ScheduleOptions& o) {
         cos(o);
         constant(o);
       }),
       "[" + con + ", " + kCos + "]", 31},
  };
}

class ScheduleVsTorch : public ::testing::TestWithParam<size_t> {};

TEST_P(ScheduleVsTorch, EveryIterationMatches) {
  DC_REQUIRE_ORACLE();
  const SchedCase c = cases()[GetParam()];
  const std::unique_ptr<LrSchedule> s = make_schedule(c.schedule, c.options);
  const std::string expr =
      "S = torch.optim.lr_scheduler\n"
      "opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=" +
      std::to_string(kBaseLr) +
      ")\n"
      "scheds = " +
      c.torch +
      "\n"
      "sched = scheds[0] if len(scheds) == 1 else S.ChainedScheduler(scheds)\n"
      "lrs = []\n"
      "for it in range(" +
      std::to_string(c.iters) +
      "):\n"
      "    lrs.append(opt.param_groups[0]['lr'])\n"
      "    opt.step()\n"
      "    sched.step()\n"
      "out = torch.tensor(lrs, dtype=torch.float64)\n";
  const testing::OracleResult ref = testing::TorchOracle::instance().run(expr, {});
  ASSERT_EQ(ref.outputs.size(), 1u);
  std::vector<double> ours;
  for (int it = 0; it < c.iters; ++it) ours.push_back(s->lr(it, kBaseLr));
  // PyTorch computes most of these recursively (lr_t from lr_{t-1}): equal up to rounding.
  test_util::expect_close(ours, ref.outputs[0], 1e-15, 1e-10, c.name);
  // The schedule is not constant, so a wrong formula cannot pass by accident.
  EXPECT_NE(ours.front(), ours.back());
}

INSTANTIATE_TEST_SUITE_P(Schedule, ScheduleVsTorch, ::testing::Range<size_t>(0, cases().size()),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return cases()[info.param].name;
                         });

// Warmup with a cosine that ends at eta_min > 0 has no torch chain equivalent (CosineAnnealingLR's
// recursive form is not multiplicative): check the closed form by hand.
TEST(Schedule, WarmupTimesCosineWithEtaMinClosedForm) {
  CosineLrSchedule s(20, 0.01, WarmupOptions{WarmupMethod::kLinear, 4, 0.25});
  const double pi = std::acos(-1.0);
  for (int it = 0; it <= 25; ++it) {
    const double a = it < 4 ? it / 4.0 : 1.0;
    const double warm = it < 4 ? 0.25 * (1 - a) + a : 1.0;
    const double t = std::min(it, 20);
    const double expected = warm * (0.01 + (0.5 - 0.01) * (1 + std::cos(pi * t / 20)) / 2);
    EXPECT_NEAR(s.lr(it, 0.5), expected, 1e-15) << "iteration " << it;
  }
  EXPECT_DOUBLE_EQ(s.lr(0, 0.5), 0.25 * 0.5);
  EXPECT_DOUBLE_EQ(s.lr(20, 0.5), 0.01);
  EXPECT_DOUBLE_EQ(s.lr(100, 0.5), 0.01);  // held at eta_min after max_iter
}

// apply_schedule scales each group's own base rate, and the rate depends on the iteration only.
TEST(Schedule, ApplyUsesEachGroupsInitialLr) {
  Tensor a = zeros({2}), b = zeros({3});
  a.set_requires_grad(true);
  b.set_requires_grad(true);
  ParamGroup g0{{a}}, g1{{b}};
  g1.lr = 0.01;
  SgdOptions o;
  o.lr = 0.1;
  SGD opt({g0, g1}, o);
  ScheduleOptions so;
  so.milestones = {3, 6};
  so.warmup_iters = 2;
  const auto s = make_schedule("multistep", so);
  for (int it : {0, 1, 4, 7, 2, 0}) {
    apply_schedule(opt, *s, it);
    EXPECT_DOUBLE_EQ(opt.lr(0), s->lr(it, 0.1)) << it;
    EXPECT_DOUBLE_EQ(opt.lr(1), s->lr(it, 0.01)) << it;
  }
  EXPECT_DOUBLE_EQ(*opt.param_groups()[1].initial_lr, 0.01);
}

TEST(Schedule, FactoryRejectsBadNamesAndOptions) {
  EXPECT_THROW(make_schedule("cosnie", ScheduleOptions()), Error);
  try {
    make_schedule("cosnie", ScheduleOptions());
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'cosnie'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("multistep"), std::string::npos) << e.what();
  }
  ScheduleOptions o;
  o.max_iter = 10;
  o.warmup_iters = 3;
  o.warmup_method = "linaer";
  EXPECT_THROW(make_schedule("poly", o), Error);
  EXPECT_THROW(make_schedule("step", ScheduleOptions()), Error);  // step_size 0
  ScheduleOptions m;
  m.milestones = {5, 3};
  EXPECT_THROW(make_schedule("multistep", m), Error);
  EXPECT_THROW(make_schedule("cosine", ScheduleOptions()), Error);  // max_iter 0
}

}  // namespace
}  // namespace dc
