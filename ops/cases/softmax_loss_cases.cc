// Cases of softmax / log_softmax and of the losses (cross entropy, masked smooth L1).
#include "ops/cases/case_util.h"
#include "ops/loss.h"
#include "ops/op_case.h"
#include "ops/softmax.h"

namespace dc {
namespace {

using Ts = std::vector<Tensor>;

std::vector<OpCase> softmax_cases() {
  std::vector<OpCase> cs;
  struct S {
    const char* name;
    InputSpec in;
    int64_t dim;
  };
  const S ss[] = {
      {"dim0_4x5", normal({4, 5}), 0},
      {"dim1_3x4x5", normal({3, 4, 5}), 1},
      {"dimlast_3x7", normal({3, 7}), -1},
      {"dimlast_2x3x70", normal({2, 3, 70}), -1},
      {"dim1_2x5x70", normal({2, 5, 70}), 1},  // inner 70 spans two blocks of the kernel
      {"noncontig_dim0", transposed(normal({5, 4})), 0},
      {"noncontig_dimlast", transposed(normal({2, 5, 4})), -1},
      {"scale_large", uniform({3, 6}, -80, 80), 1},
  };
  for (const S& s : ss) {
    const std::string d = std::to_string(s.dim);
    const int64_t dim = s.dim;
    cs.push_back(make_case(
        std::string("softmax/") + s.name, {s.in},
        [dim](const Ts& x) { return Ts{softmax(x[0], dim)}; }, "torch.softmax(x0, " + d + ")"));
    cs.push_back(make_case(
        std::string("log_softmax/") + s.name, {s.in},
        [dim](const Ts& x) { return Ts{log_softmax(x[0], dim)}; },
        "torch.log_softmax(x0, " + d + ")"));
  }
  return cs;
}

std::vector<OpCase> cross_entropy_cases() {
  std::vector<OpCase> cs;
  struct Ce {
    std::string name;
    Shape logits;
    bool weighted;
    int64_t ignore;  // class index to ignore, or -100 (no target uses it)
    Reduction red;
  };
  const Ce ces[] = {
      {"2d_mean", {6, 5}, false, -100, Reduction::kMean},
      {"2d_sum", {6, 5}, false, -100, Reduction::kSum},
      {"2d_none", {6, 5}, false, -100, Reduction::kNone},
      {"2d_weight_mean", {7, 4}, true, -100, Reduction::kMean},
      {"2d_weight_none", {7, 4}, true, -100, Reduction::kNone},
      {"2d_ignore_mean", {9, 3}, false, 1, Reduction::kMean},
      {"2d_weight_ignore_mean", {9, 4}, true, 2, Reduction::kMean},
      {"2d_weight_ignore_sum", {9, 4}, true, 0, Reduction::kSum},
      {"4d_mean", {2, 3, 4, 5}, false, -100, Reduction::kMean},
      {"4d_weight_ignore_mean", {2, 4, 3, 3}, true, 1, Reduction::kMean},
      {"4d_none", {2, 3, 2, 4}, false, 2, Reduction::kNone},
      {"3d_sum", {3, 4, 5}, true, -100, Reduction::kSum},
  };
  for (const Ce& ce : ces) {
    const int64_t C = ce.logits[1];
    Shape ts = ce.logits;
    ts.erase(ts.begin() + 1);
    std::vector<InputSpec> in = {normal(ce.logits), integers(ts, 0, C)};
    if (ce.weighted) in.push_back(positive({C}, false));
    const bool weighted = ce.weighted;
    const int64_t ignore = ce.ignore;
    const Reduction red = ce.red;
    cs.push_back(make_case(
        "cross_entropy/" + ce.name, in,
        [weighted, ignore, red](const Ts& x) {
          return Ts{cross_entropy(x[0], x[1], weighted ? x[2] : Tensor(), ignore, red)};
        },
        std::string("F.cross_entropy(x0, x1, weight=") + (weighted ? "x2" : "None") +
            ", ignore_index=" + std::to_string(ignore) + ", reduction='" + reduction_name(red) +
            "')"));
  }
  OpCase perf = make_case(
      "softmax_ce_8x1000_fwdbwd", {normal({8, 1000}), integers({8}, 0, 1000)},
      [](const Ts& x) { return Ts{cross_entropy(x[0], x[1])}; }, "F.cross_entropy(x0, x1)", kPerf);
  perf.perf_backward = true;
  perf.flops = 8.0 * 1000 * 6;
  cs.push_back(perf);
  return cs;
}

std::vector<OpCase> smooth_l1_cases() {
  std::vector<OpCase> cs;
  struct Sl {
    std::string name;
    Shape shape;
    double beta;
    int mask;  // 0 none, 1 same-shape float 0/1, 2 broadcast bool
    Reduction red;
  };
  const Sl sls[] = {
      {"beta1_mean", {4, 5}, 1.0, 0, Reduction::kMean},
      {"beta05_sum", {3, 6}, 0.5, 0, Reduction::kSum},
      {"beta05_none", {3, 6}, 0.5, 0, Reduction::kNone},
      {"beta0_mean", {4, 5}, 0.0, 0, Reduction::kMean},
      {"beta1_mask_mean", {4, 5}, 1.0, 1, Reduction::kMean},
      {"beta05_mask_sum", {3, 4}, 0.5, 1, Reduction::kSum},
      {"beta1_mask_none", {3, 4}, 1.0, 1, Reduction::kNone},
      {"beta05_bcast_bool_mask_mean", {2, 3, 4}, 0.5, 2, Reduction::kMean},
      {"beta0_bcast_bool_mask_mean", {2, 3, 4}, 0.0, 2, Reduction::kMean},
  };
  for (const Sl& s : sls) {
    // Inputs spread over [-2, 2] so both branches of the loss are exercised.
    std::vector<InputSpec> in = {uniform(s.shape, -2, 2), uniform(s.shape, -2, 2)};
    Shape ms = s.shape;
    if (s.mask == 1) in.push_back(integers(ms, 0, 2, DType::f32));
    if (s.mask == 2) {
      ms.front() = 1;
      in.push_back(booleans(ms));
    }
    const double beta = s.beta;
    const bool masked = s.mask != 0;
    const Reduction red = s.red;
    const std::string b = std::to_string(beta);
    std::string torch;
    if (!masked) {
      torch = "F.smooth_l1_loss(x0, x1, beta=" + b + ", reduction='" + reduction_name(red) + "')";
    } else {
      const std::string l =
          "(F.smooth_l1_loss(x0, x1, beta=" + b + ", reduction='none') * x2.to(x0.dtype))";
      const std::string cnt = "x2.to(x0.dtype).expand_as(x0).sum()";
      torch = red == Reduction::kNone  ? l
              : red == Reduction::kSum ? l + ".sum()"
                                       : l + ".sum() / " + cnt;
    }
    OpCase c = make_case(
        "smooth_l1_loss/" + s.name, in,
        [beta, masked, red](const Ts& x) {
          return Ts{smooth_l1_loss(x[0], x[1], beta, masked ? x[2] : Tensor(), red)};
        },
        torch);
    cs.push_back(c);
  }
  return cs;
}

DC_OP_CASES(softmax_cases());
DC_OP_CASES(cross_entropy_cases());
DC_OP_CASES(smooth_l1_cases());

}  // namespace
}  // namespace dc
