// Cases of batch_norm: training and eval, with and without affine, 2-D and 4-D input. Oracle
// cases also return the running statistics after the call; the op updates clones, so the case
// inputs stay as made and PyTorch sees the same starting statistics.
#include "ops/elementwise.h"
#include "ops/norm.h"
#include "ops/op_case.h"

namespace dc {
namespace {

using Ts = std::vector<Tensor>;

struct Bn {
  std::string name;
  Shape shape;
  bool training, affine, relu;
};

std::vector<OpCase> norm_cases() {
  std::vector<OpCase> cs;
  const Bn bns[] = {
      {"train_affine_4d", {3, 4, 5, 6}, true, true, false},
      {"train_noaffine_4d", {2, 3, 4, 5}, true, false, false},
      {"train_affine_2d", {8, 5}, true, true, false},
      {"train_noaffine_2d", {6, 3}, true, false, false},
      {"train_affine_3d", {4, 3, 7}, true, true, false},
      {"eval_affine_4d", {3, 4, 5, 6}, false, true, false},
      {"eval_noaffine_2d", {8, 5}, false, false, false},
      {"eval_affine_2d", {7, 3}, false, true, false},
      {"relu_train_affine_4d", {2, 3, 4, 5}, true, true, true},
  };
  for (const Bn& b : bns) {
    const int64_t C = b.shape[1];
    // x0 input, x1 weight, x2 bias, x3 running_mean, x4 running_var.
    std::vector<InputSpec> in = {normal(b.shape), normal({C}), normal({C}), normal({C}, false),
                                 positive({C}, false)};
    auto call = [b](const Ts& x, const Tensor& rm, const Tensor& rv) {
      const Tensor w = b.affine ? x[1] : Tensor(), bias = b.affine ? x[2] : Tensor();
      return b.relu ? batch_norm_relu(x[0], w, bias, rm, rv, b.training, 0.3)
                    : batch_norm(x[0], w, bias, rm, rv, b.training, 0.3);
    };
    const std::string affine = b.affine ? "x1, x2" : "None, None";
    const std::string expr = std::string("F.batch_norm(x0, rm, rv, ") + affine +
                             ", training=" + (b.training ? "True" : "False") + ", momentum=0.3)";
    OpCase oc;
    oc.name = "batch_norm/" + b.name;
    oc.inputs = in;
    if (!b.affine) {
      oc.inputs[1].requires_grad = false;
      oc.inputs[2].requires_grad = false;
    }
    oc.run = [call](const Ts& x) {
      Tensor rm = x[3].clone(), rv = x[4].clone();
      Tensor y = call(x, rm, rv);
      return Ts{y, rm, rv};
    };
    oc.torch = "rm = x3.clone(); rv = x4.clone(); y = " + (b.relu ? "F.relu(" + expr + ")" : expr) +
               "; out = (y, rm, rv)";
    oc.modes = kOracle;
    oc.atol = 1e-4;
    cs.push_back(oc);
    // Finite differences see only y: the running statistics carry no gradient by design.
    OpCase gc = oc;
    gc.name = "batch_norm/" + b.name + "_grad";
    gc.run = [call](const Ts& x) {
      Tensor rm = x[3].clone(), rv = x[4].clone();
      return Ts{call(x, rm, rv)};
    };
    gc.modes = kGrad;
    cs.push_back(gc);
  }
  OpCase perf;
  perf.name = "bn_relu_64x56_b8_fwd";
  perf.inputs = {normal({8, 64, 56, 56}, false), normal({64}, false), normal({64}, false),
                 normal({64}, false), positive({64}, false)};
  perf.run = [](const Ts& x) {
    return Ts{batch_norm_relu(x[0], x[1], x[2], x[3], x[4], /*training=*/true)};
  };
  perf.torch = "F.relu(F.batch_norm(x0, x3.clone(), x4.clone(), x1, x2, training=True))";
  perf.modes = kPerf;
  perf.flops = 8.0 * 64 * 56 * 56 * 6;
  cs.push_back(perf);
  return cs;
}

// frozen_batch_norm: torchvision's FrozenBatchNorm2d itself is the oracle for 4-D inputs (its
// buffers loaded from the case inputs); other ranks use its formula, which torchvision only
// applies to 4-D. Only x requires grad: the four per-channel tensors are buffers in torchvision.
std::vector<OpCase> frozen_bn_cases() {
  std::vector<OpCase> cs;
  struct F {
    std::string name;
    InputSpec x;
    double eps;
  };
  const F fs[] = {
      {"4d", normal({2, 3, 4, 5}), 1e-5},
      {"4d_noncontig", transposed(normal({2, 4, 3, 5})), 1e-5},
      {"4d_eps01", normal({3, 2, 3, 3}), 0.1},
      {"2d", normal({6, 4}), 1e-5},
      {"3d", normal({2, 3, 7}), 1e-3},
  };
  for (const F& f : fs) {
    const int64_t C = f.x.shape[1];
    const double eps = f.eps;
    const std::string e = std::to_string(eps), c = std::to_string(C);
    std::string torch;
    if (f.x.shape.size() == 4) {
      torch = "m = tv.ops.FrozenBatchNorm2d(" + c + ", eps=" + e +
              ")\nm.weight.copy_(x1); m.bias.copy_(x2); m.running_mean.copy_(x3); "
              "m.running_var.copy_(x4)\nout = m(x0)";
    } else {
      const std::string shape = f.x.shape.size() == 2 ? "(1, -1)" : "(1, -1, 1)";
      torch = "scale = x1 * (x4 + " + e +
              ").rsqrt(); shift = x2 - x3 * scale; out = x0 * scale.view" + shape +
              " + shift.view" + shape;
    }
    cs.push_back(make_case(
        "frozen_batch_norm/" + f.name,
        {f.x, normal({C}, false), normal({C}, false), normal({C}, false), positive({C}, false)},
        [eps](const Ts& x) { return Ts{frozen_batch_norm(x[0], x[1], x[2], x[3], x[4], eps)}; },
        torch));
  }
  return cs;
}

DC_OP_CASES(norm_cases());
DC_OP_CASES(frozen_bn_cases());

}  // namespace
}  // namespace dc
