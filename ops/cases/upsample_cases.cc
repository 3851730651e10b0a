// Cases of the upsampling ops: up and down, non-integer scale factors (PyTorch samples with
// 1 / scale then, not in / out), align_corners both ways, output size 1, same size, non-contiguous
// input; and the DenseReg head's x8 upsampling as a perf case.
#include <string>

#include "ops/op_case.h"
#include "ops/upsample.h"

namespace dc {
namespace {

using Ts = std::vector<Tensor>;
using A2 = std::array<int64_t, 2>;

std::string py_bool(bool b) { return b ? "True" : "False"; }

std::vector<OpCase> upsample_cases() {
  std::vector<OpCase> cs;
  // By output size.
  struct S {
    const char* name;
    Shape shape;
    A2 size;
    bool transposed;
  };
  const S sizes[] = {
      {"up_5x7_to_9x12", {2, 3, 5, 7}, {9, 12}, false},
      {"down_8x9_to_5x4", {2, 2, 8, 9}, {5, 4}, false},
      {"mixed_6x4_to_3x10", {1, 3, 6, 4}, {3, 10}, false},
      {"to_1x1", {2, 2, 5, 6}, {1, 1}, false},
      {"from_1x1", {1, 2, 1, 1}, {3, 4}, false},
      {"same_size", {1, 2, 4, 5}, {4, 5}, false},
      {"noncontig", {2, 2, 5, 6}, {8, 11}, true},
  };
  for (const S& s : sizes) {
    for (bool ac : {false, true}) {
      const std::string size = std::to_string(s.size[0]) + ", " + std::to_string(s.size[1]);
      InputSpec in = s.transposed ? transposed(normal(s.shape)) : normal(s.shape);
      cs.push_back(make_case(
          std::string("upsample_bilinear2d/") + s.name + (ac ? "_ac" : ""), {in},
          [s, ac](const Ts& x) { return Ts{upsample_bilinear2d(x[0], s.size, ac)}; },
          "F.interpolate(x0, size=(" + size + "), mode='bilinear', align_corners=" + py_bool(ac) +
              ")"));
    }
    cs.push_back(make_case(
        std::string("upsample_nearest2d/") + s.name,
        {s.transposed ? transposed(normal(s.shape)) : normal(s.shape)},
        [s](const Ts& x) { return Ts{upsample_nearest2d(x[0], s.size)}; },
        "F.interpolate(x0, size=(" + std::to_string(s.size[0]) + ", " + std::to_string(s.size[1]) +
            "), mode='nearest')"));
  }
  // By scale factor: non-integer factors sample at 1 / scale, which differs from in / out.
  struct F {
    const char* name;
    Shape shape;
    double sh, sw;
    const char* py;
  };
  const F scales[] = {
      {"scale_1p7", {2, 2, 5, 7}, 1.7, 1.7, "1.7"},
      {"scale_0p6", {1, 3, 9, 8}, 0.6, 0.6, "0.6"},
      {"scale_2p3x0p45", {1, 2, 4, 11}, 2.3, 0.45, "(2.3, 0.45)"},
      {"scale_2", {2, 2, 3, 4}, 2.0, 2.0, "2.0"},
      {"scale_3", {1, 2, 3, 4}, 3.0, 3.0, "3.0"},
  };
  for (const F& f : scales) {
    for (bool ac : {false, true}) {
      cs.push_back(make_case(
          std::string("upsample_bilinear2d/") + f.name + (ac ? "_ac" : ""), {normal(f.shape)},
          [f, ac](const Ts& x) { return Ts{upsample_bilinear2d(x[0], f.sh, f.sw, ac)}; },
          std::string("F.interpolate(x0, scale_factor=") + f.py +
              ", mode='bilinear', align_corners=" + py_bool(ac) + ")"));
    }
    cs.push_back(make_case(
        std::string("upsample_nearest2d/") + f.name, {normal(f.shape)},
        [f](const Ts& x) { return Ts{upsample_nearest2d(x[0], f.sh, f.sw)}; },
        std::string("F.interpolate(x0, scale_factor=") + f.py + ", mode='nearest')"));
  }

  // DenseReg's head: 8x25x56x56 -> 448x448, forward + backward.
  OpCase perf = make_case(
      "upsample_bilinear_x8_8x25x56x56_fwdbwd", {normal({8, 25, 56, 56})},
      [](const Ts& x) {
        return Ts{upsample_bilinear2d(x[0], {448, 448}, false)};
      },
      "F.interpolate(x0, size=(448, 448), mode='bilinear', align_corners=False)", kPerf);
  perf.perf_backward = true;
  // Forward 3 multiply-adds per output (two W blends amortized over rows, one H blend), backward
  // the same: about 12 flops per output element in all.
  perf.flops = 12.0 * 8 * 25 * 448 * 448;
  cs.push_back(perf);
  return cs;
}

DC_OP_CASES(upsample_cases());

}  // namespace
}  // namespace dc
