// Bad inputs to the optimizer updates, optimizers, clipping and state dicts throw dc::Error
// naming the op and what was expected.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/optim_update.h"
#include "ops/reduce.h"
#include "tests/testing/expect_error.h"
#include "train/optim/adam.h"
#include "train/optim/clip_grad.h"
#include "train/optim/grad_accumulator.h"
#include "train/optim/sgd.h"

namespace dc {
namespace {

Tensor leaf(Shape s, DType dt = DType::f32) {
  Tensor t = zeros(s, dt);
  t.set_requires_grad(true);
  return t;
}

TEST(OptimUpdateErrors, SgdChecksShapesDtypesAndOptions) {
  const Tensor p = zeros({3, 4}), g = zeros({3, 4}), b = zeros({3, 4});
  expect_error(
      [&] {
        sgd_update_(p, zeros({4, 3}), b, 0.1, 0.9, 0, 0, false, false);
      },
      {"sgd_update_", "grad", "f32[4, 3]", "f32[3, 4]"});
  expect_error(
      [&] {
        sgd_update_(p, zeros({3, 4}, DType::f64), b, 0.1, 0, 0, 0, false, false);
      },
      {"sgd_update_", "f64[3, 4]"});
  expect_error(
      [&] {
        sgd_update_(zeros({3}, DType::i64), zeros({3}, DType::i64), Tensor(), 0.1, 0, 0, 0, false,
                    false);
      },
      {"sgd_update_", "f32 or f64", "i64[3]"});
  expect_error([&] { sgd_update_(p, g, Tensor(), 0.1, 0.9, 0, 0, false, false); },
               {"sgd_update_", "momentum_buf", "undefined"});
  expect_error([&] { sgd_update_(p, g, b, 0.1, 0.0, 0, 0, true, false); },
               {"sgd_update_", "Nesterov", "momentum 0"});
  expect_error([&] { sgd_update_(p, g, b, -1, 0.9, 0, 0, false, false); }, {"sgd_update_", "lr"});
  expect_error(
      [&] {
        sgd_update_(zeros({4, 3}).t(), g, b, 0.1, 0.9, 0, 0, false, false);
      },
      {"sgd_update_", "contiguous"});
}

TEST(OptimUpdateErrors, AdamChecksStateAndHyperparameters) {
  const Tensor p = zeros({5}), g = zeros({5}), m = zeros({5}), v = zeros({5});
  expect_error([&] { adam_update_(p, g, zeros({4}), v, 1, 0.1, 0.9, 0.999, 1e-8, 0, false); },
               {"adam_update_", "exp_avg", "f32[4]", "f32[5]"});
  expect_error([&] { adam_update_(p, g, m, v, 0, 0.1, 0.9, 0.999, 1e-8, 0, false); },
               {"adam_update_", "step", ">= 1"});
  expect_error([&] { adam_update_(p, g, m, v, 1, 0.1, 1.0, 0.999, 1e-8, 0, true); },
               {"AdamW", "beta1", "[0, 1)"});
  expect_error([&] { adam_update_(p, g, m, v, 1, 0.1, 0.9, 0.999, 1e-8, 0, false, zeros({2})); },
               {"adam_update_", "max_exp_avg_sq"});
}

TEST(OptimizerErrors, RejectsBadParamsAndOptions) {
  SgdOptions o;
  expect_error([&] { SGD({leaf({2})}, o); }, {"SGD", "lr"});
  o.lr = 0.1;
  const Tensor p = leaf({2});
  expect_error([&] { SGD({ParamGroup{{p}}, ParamGroup{{p}}}, o); }, {"SGD", "more than once"});
  expect_error([&] { SGD({leaf({2}, DType::f16)}, o); }, {"SGD", "f16[2]", "f32 or f64"});
  expect_error([&] { SGD({ParamGroup{{}}}, o); }, {"SGD", "empty parameter list"});
  o.nesterov = true;
  expect_error([&] { SGD({p}, o); }, {"SGD", "Nesterov"});
  AdamOptions a;
  a.beta2 = 1.5;
  expect_error([&] { Adam({p}, a); }, {"Adam", "beta2"});
  SgdOptions ok;
  ok.lr = 0.1;
  SGD sgd({p}, ok);
  expect_error([&] { sgd.set_lr(0, -0.5); }, {"SGD", "lr", "-0.5"});
  expect_error([&] { sgd.set_lr(3, 0.5); }, {"SGD", "group 3"});
  expect_error([&] { GradAccumulator(sgd, 0); }, {"GradAccumulator", "micro_batches"});
}

TEST(OptimizerErrors, LoadStateDictRejectsMismatches) {
  AdamOptions a;
  const Tensor p = leaf({3}), q = leaf({4});
  Adam adam({p, q}, a);
  OptimizerState s = adam.state_dict();
  Adam other({p}, a);
  expect_error([&] { other.load_state_dict(s); }, {"Adam.load_state_dict", "group 0", "2"});
  SgdOptions so;
  so.lr = 0.1;
  so.momentum = 0.9;
  SGD sgd({leaf({3}), leaf({4})}, so);
  expect_error([&] { sgd.load_state_dict(s); }, {"SGD", "momentum"});
  OptimizerState bad = s;
  bad.tensors["state.1.exp_avg"] = zeros({5});
  expect_error([&] { adam.load_state_dict(bad); }, {"state.1.exp_avg", "f32[5]", "f32[4]"});
  bad = s;
  bad.tensors["state.0.momentum_buffer"] = zeros({3});
  expect_error([&] { adam.load_state_dict(bad); }, {"momentum_buffer"});
  bad = s;
  bad.scalars["group.0.lr_typo"] = 1;
  expect_error([&] { adam.load_state_dict(bad); }, {"group.0.lr_typo"});
}

TEST(ClipErrors, RejectsBadNormTypeAndNonFinite) {
  expect_error([] { clip_grad_norm({leaf({2})}, 1.0, 0.0); }, {"clip_grad_norm", "norm_type"});
  Tensor p = leaf({2});
  sum(mul(p, tensor_from({INFINITY, 1.0}, {2}))).backward();
  expect_error([&] { clip_grad_norm({p}, 1.0, 2.0, true); }, {"clip_grad_norm", "non-finite"});
}

}  // namespace
}  // namespace dc
