// Cases of group_norm and instance_norm: 1 group and C groups, 2-, 3- and 4-D inputs, with and
// without affine, non-contiguous input; instance norm with and without running statistics, N = 1,
// and eval (use_input_stats = false). Cases that track statistics also return the running
// tensors after the call (the op updates clones, so PyTorch starts from the same values).
#include "ops/instance_group_norm.h"
#include "ops/op_case.h"

namespace dc {
namespace {

using Ts = std::vector<Tensor>;

std::vector<OpCase> group_norm_cases() {
  std::vector<OpCase> cs;
  struct Gn {
    std::string name;
    InputSpec x;
    int64_t groups;
    bool affine;
    double eps;
  };
  const Gn gns[] = {
      {"g1_4d", normal({2, 6, 3, 4}), 1, true, 1e-5},
      {"gC_4d", normal({2, 6, 3, 4}), 6, true, 1e-5},
      {"g3_3d", normal({3, 6, 5}), 3, true, 1e-5},
      {"g2_2d", normal({4, 6}), 2, true, 1e-5},
      {"g2_noaffine_4d", normal({2, 4, 3, 3}), 2, false, 1e-5},
      {"g2_noncontig_4d", transposed(normal({2, 4, 5, 3})), 2, true, 1e-5},
      {"g4_eps01_4d", normal({2, 8, 2, 3}), 4, true, 0.1},
  };
  for (const Gn& g : gns) {
    const int64_t C = g.x.shape[1], G = g.groups;
    const bool affine = g.affine;
    const double eps = g.eps;
    OpCase c = make_case(
        "group_norm/" + g.name, {g.x, normal({C}, affine), normal({C}, affine)},
        [G, affine, eps](const Ts& x) {
          return Ts{affine ? group_norm(x[0], G, x[1], x[2], eps)
                           : group_norm(x[0], G, {}, {}, eps)};
        },
        "F.group_norm(x0, " + std::to_string(G) + (affine ? ", x1, x2" : ", None, None") +
            ", eps=" + std::to_string(eps) + ")");
    cs.push_back(c);
  }
  // Timed against scripts/bench_torch.py's entry of the same name.
  OpCase perf = make_case(
      "group_norm_32g_256x56_b8_fwdbwd", {normal({8, 256, 56, 56}), normal({256}), normal({256})},
      [](const Ts& x) { return Ts{group_norm(x[0], 32, x[1], x[2])}; },
      "F.group_norm(x0, 32, x1, x2)", kPerf);
  perf.perf_backward = true;
  // Per element: ~5 flops forward (statistics, scale and shift), ~8 backward (sums and grad_x).
  perf.flops = 8.0 * 256 * 56 * 56 * 13;
  cs.push_back(perf);
  return cs;
}

std::vector<OpCase> instance_norm_cases() {
  std::vector<OpCase> cs;
  struct In {
    std::string name;
    InputSpec x;
    bool affine, track, use_input_stats;
  };
  const In ins[] = {
      {"affine_track_4d", normal({2, 3, 4, 5}), true, true, true},
      {"noaffine_notrack_4d", normal({2, 3, 4, 5}), false, false, true},
      {"affine_notrack_3d", normal({3, 4, 6}), true, false, true},
      {"noaffine_track_3d", normal({2, 3, 5}), false, true, true},
      {"n1_affine_track_4d", normal({1, 3, 4, 4}), true, true, true},
      {"n1_noaffine_notrack_3d", normal({1, 2, 7}), false, false, true},
      {"noncontig_affine_track_4d", transposed(normal({2, 3, 5, 4})), true, true, true},
      {"eval_affine_4d", normal({2, 3, 4, 5}), true, true, false},
      {"eval_noaffine_3d", normal({3, 2, 6}), false, true, false},
  };
  for (const In& in : ins) {
    const int64_t C = in.x.shape[1];
    const bool affine = in.affine, track = in.track, input_stats = in.use_input_stats;
    // x0 input, x1 weight, x2 bias, x3 running_mean, x4 running_var.
    std::vector<InputSpec> specs = {in.x, normal({C}, affine), normal({C}, affine),
                                    normal({C}, false), positive({C}, false)};
    auto call = [=](const Ts& x, const Tensor& rm, const Tensor& rv) {
      return instance_norm(x[0], affine ? x[1] : Tensor(), affine ? x[2] : Tensor(),
                           track ? rm : Tensor(), track ? rv : Tensor(), input_stats, 0.3);
    };
    const std::string expr =
        std::string("F.instance_norm(x0, ") + (track ? "rm, rv, " : "None, None, ") +
        (affine ? "x1, x2" : "None, None") +
        ", use_input_stats=" + (input_stats ? "True" : "False") + ", momentum=0.3)";
    OpCase oc = make_case(
        "instance_norm/" + in.name, specs,
        [call, track](const Ts& x) {
          Tensor rm = x[3].clone(), rv = x[4].clone();
          Tensor y = call(x, rm, rv);
          return track ? Ts{y, rm, rv} : Ts{y};
        },
        "rm = x3.clone(); rv = x4.clone(); y = " + expr +
            "; out = " + (track ? "(y, rm, rv)" : "y"),
        kOracle);
    oc.atol = 1e-4;
    cs.push_back(oc);
    // Finite differences see only y: the running statistics carry no gradient by design.
    OpCase gc = oc;
    gc.name += "_grad";
    gc.run = [call](const Ts& x) {
      Tensor rm = x[3].clone(), rv = x[4].clone();
      return Ts{call(x, rm, rv)};
    };
    gc.modes = kGrad;
    cs.push_back(gc);
  }
  return cs;
}

DC_OP_CASES(group_norm_cases());
DC_OP_CASES(instance_norm_cases());

}  // namespace
}  // namespace dc
