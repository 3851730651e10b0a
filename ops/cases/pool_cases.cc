// Cases of the 2-D pooling ops: strides, padding, dilation, ceil_mode, 3-D input, and
// non-divisible adaptive sizes.
#include "ops/op_case.h"
#include "ops/pool.h"

namespace dc {
namespace {

using Ts = std::vector<Tensor>;
using A2 = std::array<int64_t, 2>;

std::vector<OpCase> pool_cases() {
  std::vector<OpCase> cs;
  struct M {
    const char* name;
    Shape shape;
    A2 k, s, p, d;
    bool ceil;
    const char* torch;
  };
  const M ms[] = {
      {"k2", {2, 3, 6, 6}, {2, 2}, {0, 0}, {0, 0}, {1, 1}, false, "F.max_pool2d(x0, 2)"},
      {"k3s2p1", {2, 2, 7, 8}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, false, "F.max_pool2d(x0, 3, 2, 1)"},
      {"k3s2_ceil",
       {1, 2, 8, 7},
       {3, 3},
       {2, 2},
       {0, 0},
       {1, 1},
       true,
       "F.max_pool2d(x0, 3, 2, 0, ceil_mode=True)"},
      {"k3s2p1_ceil",
       {1, 2, 6, 9},
       {3, 3},
       {2, 2},
       {1, 1},
       {1, 1},
       true,
       "F.max_pool2d(x0, 3, 2, 1, ceil_mode=True)"},
      {"k2x3_dil2",
       {2, 2, 9, 9},
       {2, 3},
       {1, 2},
       {1, 1},
       {2, 2},
       false,
       "F.max_pool2d(x0, (2, 3), (1, 2), 1, dilation=2)"},
      {"chw_3d",
       {3, 5, 7},
       {3, 2},
       {2, 1},
       {1, 0},
       {1, 1},
       false,
       "F.max_pool2d(x0, (3, 2), (2, 1), (1, 0))"},
  };
  for (const M& m : ms) {
    cs.push_back(make_case(
        std::string("max_pool2d/") + m.name, {normal(m.shape)},
        [m](const Ts& x) { return Ts{max_pool2d(x[0], m.k, m.s, m.p, m.d, m.ceil)}; }, m.torch));
  }
  cs.push_back(make_case(
      "max_pool2d/noncontig", {transposed(normal({2, 2, 6, 5}))},
      [](const Ts& x) {
        return Ts{max_pool2d(x[0], {2, 2})};
      },
      "F.max_pool2d(x0, 2)"));
  // Many equal values: the gradient must go to the first maximum of each window, as PyTorch.
  InputSpec ties = integers({1, 2, 6, 6}, 0, 2, DType::f32);
  ties.requires_grad = true;
  cs.push_back(make_case(
      "max_pool2d/ties", {ties},
      [](const Ts& x) {
        return Ts{max_pool2d(x[0], {3, 3}, {1, 1})};
      },
      "F.max_pool2d(x0, 3, 1)", kOracle));

  struct V {
    const char* name;
    Shape shape;
    A2 k, s, p;
    bool ceil, include_pad;
    const char* torch;
  };
  const V vs[] = {
      {"k2", {2, 3, 6, 6}, {2, 2}, {0, 0}, {0, 0}, false, true, "F.avg_pool2d(x0, 2)"},
      {"k3s2p1", {2, 2, 7, 8}, {3, 3}, {2, 2}, {1, 1}, false, true, "F.avg_pool2d(x0, 3, 2, 1)"},
      {"k3s2p1_nopad",
       {2, 2, 7, 8},
       {3, 3},
       {2, 2},
       {1, 1},
       false,
       false,
       "F.avg_pool2d(x0, 3, 2, 1, count_include_pad=False)"},
      {"k3s2_ceil",
       {1, 2, 8, 7},
       {3, 3},
       {2, 2},
       {1, 1},
       true,
       true,
       "F.avg_pool2d(x0, 3, 2, 1, ceil_mode=True)"},
      {"k3s2_ceil_nopad",
       {1, 2, 8, 7},
       {3, 2},
       {2, 2},
       {1, 1},
       true,
       false,
       "F.avg_pool2d(x0, (3, 2), 2, 1, ceil_mode=True, count_include_pad=False)"},
      {"chw_3d",
       {3, 5, 7},
       {2, 3},
       {1, 2},
       {0, 1},
       false,
       true,
       "F.avg_pool2d(x0, (2, 3), (1, 2), (0, 1))"},
  };
  for (const V& v : vs) {
    cs.push_back(make_case(
        std::string("avg_pool2d/") + v.name, {normal(v.shape)},
        [v](const Ts& x) { return Ts{avg_pool2d(x[0], v.k, v.s, v.p, v.ceil, v.include_pad)}; },
        v.torch));
  }
  struct Ad {
    const char* name;
    Shape shape;
    A2 out;
    const char* torch;
  };
  const Ad as[] = {
      {"7x7_to_3x3", {2, 3, 7, 7}, {3, 3}, "F.adaptive_avg_pool2d(x0, (3, 3))"},
      {"10x9_to_4x5", {1, 2, 10, 9}, {4, 5}, "F.adaptive_avg_pool2d(x0, (4, 5))"},
      {"5x5_to_1x1", {2, 4, 5, 5}, {1, 1}, "F.adaptive_avg_pool2d(x0, 1)"},
      {"upsample_3x2_to_5x4", {2, 3, 2}, {5, 4}, "F.adaptive_avg_pool2d(x0, (5, 4))"},
  };
  for (const Ad& a : as) {
    cs.push_back(make_case(
        std::string("adaptive_avg_pool2d/") + a.name, {normal(a.shape)},
        [a](const Ts& x) { return Ts{adaptive_avg_pool2d(x[0], a.out)}; }, a.torch));
  }
  OpCase perf = make_case(
      "maxpool3x3s2_64x112_b8_fwd", {normal({8, 64, 112, 112}, false)},
      [](const Ts& x) {
        return Ts{max_pool2d(x[0], {3, 3}, {2, 2}, {1, 1})};
      },
      "F.max_pool2d(x0, 3, 2, 1)", kPerf);
  perf.flops = 8.0 * 64 * 56 * 56 * 9;
  cs.push_back(perf);
  return cs;
}

DC_OP_CASES(pool_cases());

}  // namespace
}  // namespace dc
