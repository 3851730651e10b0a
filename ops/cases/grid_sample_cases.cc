// Cases of grid_sample and affine_grid: both modes, both paddings, align_corners both ways, grid
// coordinates outside [-1, 1] (uniform in [-1.3, 1.3]), output size 1, a 1x1 input, non-contiguous
// input and grid, and affine_grid feeding grid_sample; perf cases at 8x3x256x256.
#include <string>

#include "ops/grid_sample.h"
#include "ops/op_case.h"

namespace dc {
namespace {

using Ts = std::vector<Tensor>;

std::string py_bool(bool b) { return b ? "True" : "False"; }

OpCase sample_case(const std::string& name, InputSpec x, InputSpec grid, GridSampleMode mode,
                   GridSamplePadding pad, bool ac) {
  const std::string py = std::string("F.grid_sample(x0, x1, mode='") +
                         (mode == GridSampleMode::kBilinear ? "bilinear" : "nearest") +
                         "', padding_mode='" +
                         (pad == GridSamplePadding::kZeros ? "zeros" : "border") +
                         "', align_corners=" + py_bool(ac) + ")";
  return make_case(
      name, {std::move(x), std::move(grid)},
      [mode, pad, ac](const Ts& v) { return Ts{grid_sample(v[0], v[1], mode, pad, ac)}; }, py);
}

std::vector<OpCase> grid_sample_cases() {
  std::vector<OpCase> cs;
  for (GridSampleMode mode : {GridSampleMode::kBilinear, GridSampleMode::kNearest}) {
    const std::string m = mode == GridSampleMode::kBilinear ? "bilinear" : "nearest";
    for (GridSamplePadding pad : {GridSamplePadding::kZeros, GridSamplePadding::kBorder}) {
      const std::string p = pad == GridSamplePadding::kZeros ? "zeros" : "border";
      for (bool ac : {false, true}) {
        const std::string base = "grid_sample/" + m + "_" + p + (ac ? "_ac" : "");
        // Coordinates up to 30% outside the image on every side.
        cs.push_back(sample_case(base, normal({2, 3, 5, 6}), uniform({2, 4, 7, 2}, -1.3, 1.3), mode,
                                 pad, ac));
        cs.push_back(sample_case(base + "_out1x1", normal({2, 2, 4, 3}),
                                 uniform({2, 1, 1, 2}, -1.2, 1.2), mode, pad, ac));
      }
      cs.push_back(sample_case("grid_sample/" + m + "_" + p + "_noncontig",
                               transposed(normal({2, 2, 5, 4})),
                               transposed(uniform({2, 3, 6, 2}, -1.2, 1.2)), mode, pad, false));
    }
    // A 1x1 image: with align_corners every coordinate maps to the one pixel.
    cs.push_back(sample_case("grid_sample/" + m + "_in1x1_ac", normal({1, 2, 1, 1}),
                             uniform({1, 3, 4, 2}, -1.5, 1.5), mode, GridSamplePadding::kZeros,
                             true));
  }
  // Far outside the image: zeros padding reads nothing, border padding clamps (gradient 0).
  cs.push_back(sample_case("grid_sample/bilinear_zeros_far", normal({1, 2, 4, 4}),
                           uniform({1, 3, 3, 2}, -3, 3), GridSampleMode::kBilinear,
                           GridSamplePadding::kZeros, false));
  cs.push_back(sample_case("grid_sample/bilinear_border_far", normal({1, 2, 4, 4}),
                           uniform({1, 3, 3, 2}, -3, 3), GridSampleMode::kBilinear,
                           GridSamplePadding::kBorder, false));

  for (bool ac : {false, true}) {
    const std::string a = py_bool(ac);
    cs.push_back(make_case(
        std::string("affine_grid/2x3x4x5") + (ac ? "_ac" : ""), {normal({2, 2, 3})},
        [ac](const Ts& v) {
          return Ts{affine_grid(v[0], {2, 3, 4, 5}, ac)};
        },
        "F.affine_grid(x0, (2, 3, 4, 5), align_corners=" + a + ")"));
    cs.push_back(make_case(
        std::string("affine_grid/1x1x1x3") + (ac ? "_ac" : ""), {normal({1, 2, 3})},
        [ac](const Ts& v) {
          return Ts{affine_grid(v[0], {1, 1, 1, 3}, ac)};
        },
        "F.affine_grid(x0, (1, 1, 1, 3), align_corners=" + a + ")"));
    // The spatial-transformer pattern: gradients reach theta through the sampled image.
    cs.push_back(make_case(
        std::string("affine_grid/into_grid_sample") + (ac ? "_ac" : ""),
        {normal({2, 3, 5, 6}), uniform({2, 2, 3}, -0.8, 0.8)},
        [ac](const Ts& v) {
          return Ts{grid_sample(v[0], affine_grid(v[1], {2, 3, 4, 7}, ac),
                                GridSampleMode::kBilinear, GridSamplePadding::kZeros, ac)};
        },
        "F.grid_sample(x0, F.affine_grid(x1, (2, 3, 4, 7), align_corners=" + a +
            "), align_corners=" + a + ")"));
  }
  return cs;
}

std::vector<OpCase> grid_sample_perf_cases() {
  std::vector<OpCase> cs;
  for (bool backward : {false, true}) {
    OpCase c = sample_case(
        std::string("grid_sample_bilinear_8x3x256x256_") + (backward ? "fwdbwd" : "fwd"),
        normal({8, 3, 256, 256}, backward), uniform({8, 256, 256, 2}, -1.1, 1.1, backward),
        GridSampleMode::kBilinear, GridSamplePadding::kZeros, false);
    c.modes = kPerf;
    c.perf_backward = backward;
    // Per output element: 4 multiply-adds forward; backward 4 for the input, ~12 for the grid.
    const double outputs = 8.0 * 3 * 256 * 256;
    c.flops = backward ? outputs * (8 + 32) : outputs * 8;
    cs.push_back(c);
  }
  return cs;
}

DC_OP_CASES(grid_sample_cases());
DC_OP_CASES(grid_sample_perf_cases());

}  // namespace
}  // namespace dc
