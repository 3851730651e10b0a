// Optimizers, clipping, state dicts and gradient accumulation against PyTorch 1.13, step by step.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "autograd/grad_mode.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/linalg.h"
#include "ops/reduce.h"
#include "tests/train/oracle_util.h"
#include "train/optim/adam.h"
#include "train/optim/clip_grad.h"
#include "train/optim/grad_accumulator.h"
#include "train/optim/param_groups.h"
#include "train/optim/sgd.h"

namespace dc {
namespace {

using test_util::expect_close;
using test_util::to_oracle;

constexpr int kSteps = 12;

// Three parameters: p0 [3, 4] and p1 [6] in group 0, p2 [2, 3] in group 1. p1 gets no gradient on
// steps t % 4 == 2 (both frameworks then skip it, its state included).
const std::vector<Shape> kShapes = {{3, 4}, {6}, {2, 3}};
bool has_grad(size_t i, int t) { return !(i == 1 && t % 4 == 2); }

struct Scenario {
  std::string name;
  // Builds our optimizer over the three parameters.
  std::function<std::unique_ptr<Optimizer>(const std::vector<Tensor>&)> make;
  // The PyTorch constructor over `ps` (the same three parameters).
  std::string torch;
};

std::vector<ParamGroup> two_groups(const std::vector<Tensor>& p, double lr1, double wd1) {
  ParamGroup g0{{p[0], p[1]}};
  ParamGroup g1{{p[2]}};
  g1.lr = lr1;
  g1.weight_decay = wd1;
  return {g0, g1};
}

std::string torch_groups(double lr1, double wd1) {
  return "[{'params': [ps[0], ps[1]]}, {'params': [ps[2]], 'lr': " + std::to_string(lr1) +
         ", 'weight_decay': " + std::to_string(wd1) + "}]";
}

std::vector<Scenario> scenarios() {
  std::vector<Scenario> s;
  auto sgd = [&](const std::string& name, SgdOptions o, const std::string& kw) {
    s.push_back({"sgd_" + name,
                 [o](const std::vector<Tensor>& p) {
                   return std::make_unique<SGD>(two_groups(p, 0.03, 0.02), o);
                 },
                 "torch.optim.SGD(" + torch_groups(0.03, 0.02) + ", " + kw + ")"});
  };
  SgdOptions plain;
  plain.lr = 0.1;
  sgd("plain", plain, "lr=0.1");
  SgdOptions mom = plain;
  mom.momentum = 0.9;
  sgd("momentum", mom, "lr=0.1, momentum=0.9");
  SgdOptions damp = mom;
  damp.dampening = 0.3;
  sgd("dampening", damp, "lr=0.1, momentum=0.9, dampening=0.3");
  SgdOptions nest = mom;
  nest.nesterov = true;
  nest.weight_decay = 1e-2;
  sgd("nesterov_wd", nest, "lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-2");
  SgdOptions wd = plain;
  wd.weight_decay = 5e-2;
  sgd("wd", wd, "lr=0.1, weight_decay=5e-2");

  auto adam = [&](const std::string& name, bool w, AdamOptions o, const std::string& kw) {
    s.push_back({name,
                 [o, w](const std::vector<Tensor>& p) -> std::unique_ptr<Optimizer> {
                   if (w) return std::make_unique<AdamW>(two_groups(p, 0.003, 0.05), o);
                   return std::make_unique<Adam>(two_groups(p, 0.003, 0.05), o);
                 },
                 std::string(w ? "torch.optim.AdamW(" : "torch.optim.Adam(") +
                     torch_groups(0.003, 0.05) + ", " + kw + ")"});
  };
  AdamOptions a;
  a.lr = 0.01;
  adam("adam", false, a, "lr=0.01");
  AdamOptions aw = a;
  aw.weight_decay = 0.1;
  aw.beta1 = 0.8;
  aw.beta2 = 0.95;
  aw.eps = 1e-6;
  adam("adam_wd_betas", false, aw, "lr=0.01, weight_decay=0.1, betas=(0.8, 0.95), eps=1e-6");
  AdamOptions ams = a;
  ams.amsgrad = true;
  ams.weight_decay = 1e-2;
  adam("adam_amsgrad", false, ams, "lr=0.01, amsgrad=True, weight_decay=1e-2");
  AdamOptions w = AdamW::default_options();
  w.lr = 0.01;
  adam("adamw", true, w, "lr=0.01");
  AdamOptions wams = w;
  wams.amsgrad = true;
  wams.weight_decay = 0.2;
  adam("adamw_amsgrad", true, wams, "lr=0.01, amsgrad=True, weight_decay=0.2");
  return s;
}

// Initial parameters and the gradients of every step ([kSteps, ...shape]), deterministic.
struct Problem {
  std::vector<Tensor> init, grads;
};

Problem make_problem(DType dt, uint64_t seed) {
  Generator gen(seed);
  Problem pr;
  for (const Shape& s : kShapes) {
    pr.init.push_back(randn(s, dt, gen));
    Shape gs = s;
    gs.insert(gs.begin(), kSteps);
    pr.grads.push_back(randn(gs, dt, gen));
  }
  return pr;
}

std::vector<Tensor> fresh_params(const Problem& pr) {
  std::vector<Tensor> ps;
  for (const Tensor& t : pr.init) {
    Tensor p = t.clone();
    p.set_requires_grad(true);
    ps.push_back(p);
  }
  return ps;
}

// Gives every parameter its step-t gradient through a real backward: sum(p * G_t) has gradient
// G_t exactly.
void backward_step(const std::vector<Tensor>& ps, const Problem& pr, int t) {
  Tensor loss;
  for (size_t i = 0; i < ps.size(); ++i) {
    if (!has_grad(i, t)) continue;
    Tensor part = sum(mul(ps[i], pr.grads[i].select(0, t).contiguous()));
    loss = loss.defined() ? add(loss, part) : part;
  }
  loss.backward();
}

// Runs steps [from, to) of our optimizer; returns the parameters after each step, flattened.
std::vector<std::vector<double>> run_steps(Optimizer& opt, const std::vector<Tensor>& ps,
                                           const Problem& pr, int from, int to) {
  std::vector<std::vector<double>> out;
  for (int t = from; t < to; ++t) {
    opt.zero_grad();
    backward_step(ps, pr, t);
    opt.step();
    for (const Tensor& p : ps) out.push_back(p.to_vector());
  }
  return out;
}

std::string torch_run(const std::string& ctor, DType dt) {
  return "ps = [x0.detach().clone(), x1.detach().clone(), x2.detach().clone()]\n"
         "opt = " +
         ctor +
         "\n"
         "out = []\n"
         "for t in range(" +
         std::to_string(kSteps) +
         "):\n"
         "    grads = [x3[t], None if t % 4 == 2 else x4[t], x5[t]]\n"
         "    for p, g in zip(ps, grads):\n"
         "        p.grad = None if g is None else g.clone()\n"
         "    opt.step()\n"
         "    out += [p.detach().clone() for p in ps]\n";
}

class OptimizerVsTorch : public ::testing::TestWithParam<std::tuple<size_t, DType>> {};

TEST_P(OptimizerVsTorch, EveryStepMatches) {
  DC_REQUIRE_ORACLE();
  const Scenario sc = scenarios()[std::get<0>(GetParam())];
  const DType dt = std::get<1>(GetParam());
  const Problem pr = make_problem(dt, 17);
  std::vector<Tensor> ps = fresh_params(pr);
  std::unique_ptr<Optimizer> opt = sc.make(ps);
  const auto ours = run_steps(*opt, ps, pr, 0, kSteps);
  std::vector<testing::OracleTensor> in;
  for (const Tensor& t : pr.init) in.push_back(to_oracle(t));
  for (const Tensor& t : pr.grads) in.push_back(to_oracle(t));
  const testing::OracleResult ref =
      testing::TorchOracle::instance().run(torch_run(sc.torch, dt), in);
  ASSERT_EQ(ref.outputs.size(), ours.size());
  const bool f64 = dt == DType::f64;
  for (size_t k = 0; k < ours.size(); ++k) {
    expect_close(ours[k], ref.outputs[k], f64 ? 1e-12 : 2e-6, f64 ? 1e-10 : 1e-5,
                 sc.name + " step " + std::to_string(k / 3) + " param " + std::to_string(k % 3));
  }
  // The updates really moved the parameters (a no-op optimizer would fail above only if PyTorch
  // did not move them either).
  EXPECT_NE(ours.back(), pr.init[2].to_vector());
}

std::string scenario_name(const ::testing::TestParamInfo<std::tuple<size_t, DType>>& info) {
  return scenarios()[std::get<0>(info.param)].name + "_" + dtype_name(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(Optim, OptimizerVsTorch,
                         ::testing::Combine(::testing::Range<size_t>(0, scenarios().size()),
                                            ::testing::Values(DType::f32, DType::f64)),
                         scenario_name);

// --- state dict: stepping k, saving, restoring into a fresh optimizer and stepping on is
// bit-identical to the uninterrupted run ---
class StateDictRoundTrip : public ::testing::TestWithParam<size_t> {};

TEST_P(StateDictRoundTrip, ResumeIsBitIdentical) {
  const Scenario sc = scenarios()[GetParam()];
  const Problem pr = make_problem(DType::f32, 5);
  std::vector<Tensor> a = fresh_params(pr);
  auto opt_a = sc.make(a);
  const auto full = run_steps(*opt_a, a, pr, 0, kSteps);

  const int k = 5;
  std::vector<Tensor> b = fresh_params(pr);
  auto opt_b = sc.make(b);
  run_steps(*opt_b, b, pr, 0, k);
  const OptimizerState saved = opt_b->state_dict();
  // The snapshot does not alias the live state: stepping on must not change it.
  const std::vector<double> before =
      saved.tensors.empty() ? std::vector<double>{} : saved.tensors.begin()->second.to_vector();
  run_steps(*opt_b, b, pr, k, k + 1);
  if (!saved.tensors.empty()) {
    EXPECT_EQ(saved.tensors.begin()->second.to_vector(), before);
  }

  // A fresh optimizer over parameters restored to their step-k values.
  std::vector<Tensor> c = fresh_params(pr);
  {
    NoGradGuard ng;
    for (size_t i = 0; i < c.size(); ++i) {
      const std::vector<double>& v = full[(k - 1) * 3 + i];
      Tensor src = tensor_from(v, c[i].sizes(), c[i].dtype());
      std::copy(src.data<float>(), src.data<float>() + src.numel(), c[i].data<float>());
    }
  }
  auto opt_c = sc.make(c);
  opt_c->load_state_dict(saved);
  const auto resumed = run_steps(*opt_c, c, pr, k, kSteps);
  for (size_t j = 0; j < resumed.size(); ++j) {
    EXPECT_EQ(resumed[j], full[k * 3 + j]) << sc.name << " resumed step " << (k + j / 3);
  }
  if (sc.name != "sgd_plain" && sc.name != "sgd_wd") {
    EXPECT_FALSE(saved.tensors.empty());
  }
  // Without the state the continuation differs for every stateful optimizer (the check can fail).
  if (!saved.tensors.empty()) {
    std::vector<Tensor> d = fresh_params(pr);
    {
      NoGradGuard ng;
      for (size_t i = 0; i < d.size(); ++i) {
        Tensor src = tensor_from(full[(k - 1) * 3 + i], d[i].sizes(), d[i].dtype());
        std::copy(src.data<float>(), src.data<float>() + src.numel(), d[i].data<float>());
      }
    }
    auto opt_d = sc.make(d);
    EXPECT_NE(run_steps(*opt_d, d, pr, k, kSteps).back(), full.back());
  }
}

INSTANTIATE_TEST_SUITE_P(Optim, StateDictRoundTrip, ::testing::Range<size_t>(0, scenarios().size()),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return scenarios()[info.param].name;
                         });

TEST(StateDict, HoldsGroupOptionsAndSteps) {
  const Problem pr = make_problem(DType::f32, 3);
  std::vector<Tensor> ps = fresh_params(pr);
  AdamW opt(two_groups(ps, 0.003, 0.05));
  run_steps(opt, ps, pr, 0, 3);
  const OptimizerState s = opt.state_dict();
  EXPECT_EQ(s.scalars.at("num_groups"), 2);
  EXPECT_EQ(s.scalars.at("group.0.num_params"), 2);
  EXPECT_EQ(s.scalars.at("group.1.lr"), 0.003);
  EXPECT_EQ(s.scalars.at("group.0.weight_decay"), 1e-2);
  EXPECT_EQ(s.scalars.at("state.0.step"), 3);
  EXPECT_EQ(s.scalars.at("state.1.step"), 2);  // no gradient at t = 2
  EXPECT_EQ(s.tensors.count("state.2.exp_avg_sq"), 1u);
  EXPECT_EQ(s.tensors.count("state.2.max_exp_avg_sq"), 0u);
}

// --- gradient clipping ---
struct ClipCase {
  std::string name;
  double max_norm, norm_type;
};

class ClipVsTorch : public ::testing::TestWithParam<std::tuple<ClipCase, DType>> {};

TEST_P(ClipVsTorch, MatchesClipGradNorm) {
  DC_REQUIRE_ORACLE();
  const ClipCase cc = std::get<0>(GetParam());
  const DType dt = std::get<1>(GetParam());
  const Problem pr = make_problem(dt, 23);
  std::vector<Tensor> ps = fresh_params(pr);
  backward_step(ps, pr, 2);  // p1 has no gradient: ignored by both
  const double total = clip_grad_norm(ps, cc.max_norm, cc.norm_type);
  const std::string nt = std::isinf(cc.norm_type) ? "math.inf" : std::to_string(cc.norm_type);
  const std::string expr =
      "ps = [x0.detach().clone(), x1.detach().clone(), x2.detach().clone()]\n"
      "ps[0].grad = x3[2].clone(); ps[2].grad = x5[2].clone()\n"
      "n = torch.nn.utils.clip_grad_norm_(ps, " +
      std::to_string(cc.max_norm) + ", norm_type=" + nt +
      ")\n"
      "out = [n.double(), ps[0].grad, ps[2].grad]\n";
  std::vector<testing::OracleTensor> in;
  for (const Tensor& t : pr.init) in.push_back(to_oracle(t));
  for (const Tensor& t : pr.grads) in.push_back(to_oracle(t));
  const testing::OracleResult ref = testing::TorchOracle::instance().run(expr, in);
  const bool f64 = dt == DType::f64;
  const double atol = f64 ? 1e-12 : 1e-6, rtol = f64 ? 1e-10 : 1e-5;
  expect_close({total}, ref.outputs[0], atol, rtol, cc.name + " total norm");
  expect_close(ps[0].grad().to_vector(), ref.outputs[1], atol, rtol, cc.name + " grad 0");
  expect_close(ps[2].grad().to_vector(), ref.outputs[2], atol, rtol, cc.name + " grad 2");
  EXPECT_FALSE(ps[1].grad().defined());
  // The chosen max_norm decides whether anything was scaled.
  const bool clipped = ps[0].grad().to_vector() != pr.grads[0].select(0, 2).to_vector();
  EXPECT_EQ(clipped, cc.max_norm < total) << cc.name;
}

INSTANTIATE_TEST_SUITE_P(
    Optim, ClipVsTorch,
    ::testing::Combine(::testing::Values(ClipCase{"l2_clips", 1.0, 2.0},
                                         ClipCase{"l2_no_clip", 100.0, 2.0},
                                         ClipCase{"inf_clips", 0.5, kInfNorm},
                                         ClipCase{"inf_no_clip", 50.0, kInfNorm},
                                         ClipCase{"l1_clips", 2.0, 1.0}),
                       ::testing::Values(DType::f32, DType::f64)),
    [](const ::testing::TestParamInfo<std::tuple<ClipCase, DType>>& info) {
      return std::get<0>(info.param).name + "_" + dtype_name(std::get<1>(info.param));
    });

TEST(Clip, NoGradientsGiveZero) {
  Tensor p = zeros({3});
  p.set_requires_grad(true);
  EXPECT_EQ(clip_grad_norm({p}, 1.0), 0.0);
}

// --- gradient accumulation: k micro-batches of b samples give the step of one batch of k*b for a
// mean loss (linear layer + mean squared error built from ops) ---
Tensor mse_linear_loss(const Tensor& x, const Tensor& y, const Tensor& w, const Tensor& b) {
  return mean(square(sub(linear(x, w, b), y)));
}

template <typename Opt, typename Options>
void check_accumulation(const Options& options) {
  Generator gen(31);
  const int64_t k = 4, mb = 3, in = 5, out = 2;
  const Tensor w0 = randn({out, in}, DType::f64, gen), b0 = randn({out}, DType::f64, gen);
  const int steps = 3;
  std::vector<Tensor> xs, ys;
  for (int s = 0; s < steps; ++s) {
    xs.push_back(randn({k * mb, in}, DType::f64, gen));
    ys.push_back(randn({k * mb, out}, DType::f64, gen));
  }
  auto params = [&] {
    Tensor w = w0.clone(), b = b0.clone();
    w.set_requires_grad(true);
    b.set_requires_grad(true);
    return std::vector<Tensor>{w, b};
  };
  std::vector<Tensor> big = params(), small = params();
  Opt opt_big(big, options), opt_small(small, options);
  GradAccumulator acc(opt_small, k);
  int clip_calls = 0;
  for (int s = 0; s < steps; ++s) {
    mse_linear_loss(xs[s], ys[s], big[0], big[1]).backward();
    opt_big.step();
    opt_big.zero_grad();
    for (int64_t j = 0; j < k; ++j) {
      mse_linear_loss(xs[s].narrow(0, j * mb, mb), ys[s].narrow(0, j * mb, mb), small[0], small[1])
          .backward();
      const bool stepped = acc.micro_step([&] { ++clip_calls; });
      EXPECT_EQ(stepped, j == k - 1);
    }
    EXPECT_FALSE(small[0].grad().defined());  // dropped after the step
  }
  EXPECT_EQ(clip_calls, steps);
  for (int i = 0; i < 2; ++i) {
    const std::vector<double> a = big[i].to_vector(), b = small[i].to_vector();
    for (size_t e = 0; e < a.size(); ++e) EXPECT_NEAR(a[e], b[e], 1e-12) << "param " << i;
    EXPECT_NE(a, (i == 0 ? w0 : b0).to_vector());
  }
}

TEST(GradAccumulation, SgdMomentumMatchesBigBatch) {
  SgdOptions o;
  o.lr = 0.1;
  o.momentum = 0.9;
  o.weight_decay = 1e-3;
  check_accumulation<SGD>(o);
}

TEST(GradAccumulation, AdamWMatchesBigBatch) {
  AdamOptions o = AdamW::default_options();
  o.lr = 0.01;
  check_accumulation<AdamW>(o);
}

// --- weight-decay groups ---
TEST(WeightDecayGroups, ExcludesNormsAndBiasesByNameAndRank) {
  auto p = [](Shape s, bool rg = true) {
    Tensor t = zeros(s);
    t.set_requires_grad(rg);
    return t;
  };
  const Tensor conv_w = p({8, 3, 3, 3}), fc_w = p({10, 8}), fc_b = p({10}), bn_w = p({8}),
               bn_b = p({8}), norm_b = p({8}), down_b = p({8}), frozen = p({8, 8}, false);
  const NamedParams named = {{"conv1.weight", conv_w},
                             {"bn1.weight", bn_w},
                             {"bn1.bias", bn_b},
                             {"layer1.0.norm2.bias", norm_b},
                             {"fc.weight", fc_w},
                             {"fc.bias", fc_b},
                             {"layer1.0.downsample.1.bias", down_b},
                             {"frozen.weight", frozen},
                             {"fc_alias.weight", fc_w}};
  WeightDecayGroupOptions o;
  o.weight_decay = 1e-4;
  auto ids = [](const ParamGroup& g) {
    std::vector<const TensorImpl*> v;
    for (const Tensor& t : g.params) v.push_back(t.impl());
    return v;
  };
  std::vector<ParamGroup> gs = weight_decay_groups(named, o);
  ASSERT_EQ(gs.size(), 2u);
  EXPECT_EQ(gs[0].name, "decay");
  EXPECT_EQ(*gs[0].weight_decay, 1e-4);
  EXPECT_EQ(*gs[1].weight_decay, 0.0);
  EXPECT_EQ(ids(gs[0]), (std::vector<const TensorImpl*>{conv_w.impl(), fc_w.impl()}));
  EXPECT_EQ(ids(gs[1]), (std::vector<const TensorImpl*>{bn_w.impl(), bn_b.impl(), norm_b.impl(),
                                                        fc_b.impl(), down_b.impl()}));
  // Biases decayed, norms not: a plain bias (fc.bias, downsample.1.bias: its module name says
  // nothing) goes back to the decay group; norm biases stay out.
  o.exclude_bias = false;
  gs = weight_decay_groups(named, o);
  EXPECT_EQ(ids(gs[0]), (std::vector<const TensorImpl*>{conv_w.impl(), fc_w.impl(), fc_b.impl(),
                                                        down_b.impl()}));
  // A predicate adds exclusions.
  o.exclude = [](const std::string& name, const Tensor&) { return name.rfind("layer1.", 0) == 0; };
  gs = weight_decay_groups(named, o);
  EXPECT_EQ(ids(gs[0]), (std::vector<const TensorImpl*>{conv_w.impl(), fc_w.impl(), fc_b.impl()}));
  // The groups feed an optimizer directly.
  SgdOptions so;
  so.lr = 0.1;
  SGD opt(gs, so);
  EXPECT_EQ(*opt.param_groups()[1].weight_decay, 0.0);
}

}  // namespace
}  // namespace dc
