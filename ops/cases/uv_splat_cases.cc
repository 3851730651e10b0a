// Cases of uv_splat against the same splat written with PyTorch ops (4 corners, index_add_ into a
// flattened atlas): skipped points (part -1), points outside [0, 1], many points per cell, all
// points on one spot, points exactly on grid nodes, no points at all, a 1x1 chart, non-contiguous
// values; perf cases at DensePose Transfer's size (8 images of 256x256 pixels into 24 charts).
#include <string>

#include "ops/elementwise.h"
#include "ops/op_case.h"
#include "ops/uv_splat.h"

namespace dc {
namespace {

using Ts = std::vector<Tensor>;

// The PyTorch peer (the same function as uv_splat_torch in scripts/bench_torch.py), applied to
// values x0, uv `uv_expr` and part x2.
std::string torch_splat(int64_t K, int64_t H, int64_t W, const std::string& uv_expr = "x1") {
  return R"(
def splat(values, uv, part, K, H, W):
    N, C, P = values.shape
    x = uv[..., 0] * (W - 1)
    y = uv[..., 1] * (H - 1)
    x0, y0 = torch.floor(x), torch.floor(y)
    fx, fy = x - x0, y - y0
    atlas = values.new_zeros(N * K * H * W, C)
    weight = values.new_zeros(N * K * H * W)
    src = values.transpose(1, 2)
    n = torch.arange(N).view(N, 1).expand(N, P)
    for dx, dy, w in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)),
                      (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
        cx, cy = x0 + dx, y0 + dy
        m = (part >= 0) & (cx >= 0) & (cx <= W - 1) & (cy >= 0) & (cy <= H - 1)
        idx = ((n * K + part) * H + cy.long()) * W + cx.long()
        atlas.index_add_(0, idx[m], src[m] * w[m].unsqueeze(-1))
        weight.index_add_(0, idx[m], w[m])
    return atlas.view(N, K, H, W, C).permute(0, 1, 4, 2, 3), weight.view(N, K, H, W)
out = splat(x0, )" +
         uv_expr + ", x2, " + std::to_string(K) + ", " + std::to_string(H) + ", " +
         std::to_string(W) + ")\n";
}

OpCase splat_case(const std::string& name, InputSpec values, InputSpec uv, InputSpec part,
                  int64_t K, int64_t H, int64_t W, unsigned modes = kOracle | kGrad) {
  return make_case(
      "uv_splat/" + name, {std::move(values), std::move(uv), std::move(part)},
      [K, H, W](const Ts& v) {
        auto [atlas, weight] = uv_splat(v[0], v[1], v[2], K, H, W);
        return Ts{atlas, weight};
      },
      torch_splat(K, H, W), modes);
}

std::vector<OpCase> uv_splat_cases() {
  std::vector<OpCase> cs;
  cs.push_back(splat_case("basic", normal({2, 3, 30}), uniform({2, 30, 2}, 0, 1),
                          integers({2, 30}, -1, 3), 3, 5, 6));
  // Up to 30% outside the chart: only the corners inside are kept.
  cs.push_back(splat_case("outside_0_1", normal({2, 2, 40}), uniform({2, 40, 2}, -0.3, 1.3),
                          integers({2, 40}, -1, 2), 2, 4, 5));
  // 60 points into 2 charts of 3x4 cells: every cell gets many points.
  cs.push_back(splat_case("duplicates", normal({2, 3, 60}), uniform({2, 60, 2}, 0, 1),
                          integers({2, 60}, -1, 2), 2, 3, 4));
  cs.push_back(splat_case("noncontig_values", transposed(normal({2, 3, 25})),
                          uniform({2, 25, 2}, 0, 1), integers({2, 25}, -1, 4), 4, 4, 4));
  cs.push_back(splat_case("empty", normal({2, 3, 0}), uniform({2, 0, 2}, 0, 1),
                          integers({2, 0}, -1, 2), 2, 3, 3));
  cs.push_back(splat_case("chart_1x1", normal({1, 2, 10}), uniform({1, 10, 2}, -0.2, 1.2),
                          integers({1, 10}, -1, 2), 2, 1, 1));
  // Every point at the first point's (u, v): exact duplicates, and the gradient of the one shared
  // uv sums over all points (expand's backward).
  cs.push_back(make_case(
      "uv_splat/same_spot", {normal({2, 3, 12}), uniform({2, 1, 2}, 0, 1), integers({2, 12}, 0, 2)},
      [](const Ts& v) {
        auto [atlas, weight] = uv_splat(v[0], v[1].expand({2, 12, 2}), v[2], 2, 4, 4);
        return Ts{atlas, weight};
      },
      torch_splat(2, 4, 4, "x1.expand(2, 12, 2)")));
  // Exactly on grid nodes (and so on the grid lines, where the uv gradient is one-sided): oracle
  // only, both sides compute the same floor in the same precision.
  cs.push_back(make_case(
      "uv_splat/on_nodes",
      {normal({2, 2, 20}), integers({2, 20, 2}, 0, 5, DType::f32), integers({2, 20}, -1, 2)},
      [](const Ts& v) {
        auto [atlas, weight] = uv_splat(v[0], v[1] / 4.0, v[2], 2, 5, 5);
        return Ts{atlas, weight};
      },
      torch_splat(2, 5, 5, "x1 / 4.0"), kOracle));
  return cs;
}

std::vector<OpCase> uv_splat_perf_cases() {
  std::vector<OpCase> cs;
  for (bool backward : {false, true}) {
    OpCase c = splat_case(
        std::string("uv_splat_8x3x256x256_to_24x256x256_") + (backward ? "fwdbwd" : "fwd"),
        normal({8, 3, 65536}, backward), uniform({8, 65536, 2}, 0, 1, backward),
        integers({8, 65536}, -1, 24), 24, 256, 256, kPerf);
    c.name = c.name.substr(std::string("uv_splat/").size());  // perf names are flat
    c.perf_backward = backward;
    // Per point and corner: (C + 1) multiply-adds forward, about 3 (C + 1) backward.
    const double pc = 8.0 * 65536 * 4 * 4;
    c.flops = backward ? pc * 8 : pc * 2;
    cs.push_back(c);
  }
  return cs;
}

DC_OP_CASES(uv_splat_cases());
DC_OP_CASES(uv_splat_perf_cases());

}  // namespace
}  // namespace dc
