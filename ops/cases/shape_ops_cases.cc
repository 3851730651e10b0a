// Cases of pad (constant with positive and cropping pads, reflect and replicate on 1 or 2 dims),
// flip, roll (negative shifts, shifts beyond the size, several dims, flattened), repeat and tile
// (extra leading dims, zero repeats), plus narrow at the edges and uneven chunks.
#include "ops/join.h"
#include "ops/op_case.h"
#include "ops/shape_ops.h"

namespace dc {
namespace {

using Ts = std::vector<Tensor>;
using V = std::vector<int64_t>;

std::vector<OpCase> pad_cases() {
  struct P {
    const char* name;
    InputSpec in;
    V pads;
    PadMode mode;
    double value;
    const char* torch;
  };
  const P ps[] = {
      {"constant_last",
       normal({2, 3, 4}),
       {1, 2},
       PadMode::kConstant,
       0.5,
       "F.pad(x0, (1, 2), value=0.5)"},
      {"constant_2d",
       normal({2, 3, 4, 5}),
       {1, 0, 2, 3},
       PadMode::kConstant,
       0,
       "F.pad(x0, (1, 0, 2, 3))"},
      {"constant_all_dims",
       normal({2, 3}),
       {1, 1, 2, 0},
       PadMode::kConstant,
       -1,
       "F.pad(x0, (1, 1, 2, 0), value=-1.0)"},
      {"constant_negative_crop",
       normal({3, 6}),
       {-1, 2, 1, -2},
       PadMode::kConstant,
       0,
       "F.pad(x0, (-1, 2, 1, -2))"},
      {"constant_noncontig",
       transposed(normal({3, 4})),
       {2, 1},
       PadMode::kConstant,
       3,
       "F.pad(x0, (2, 1), value=3.0)"},
      {"reflect_1d_3d",
       normal({2, 3, 5}),
       {2, 4},
       PadMode::kReflect,
       0,
       "F.pad(x0, (2, 4), mode='reflect')"},
      {"reflect_1d_2d",
       normal({3, 5}),
       {1, 3},
       PadMode::kReflect,
       0,
       "F.pad(x0, (1, 3), mode='reflect')"},
      {"reflect_2d_4d",
       normal({2, 2, 4, 5}),
       {1, 2, 3, 0},
       PadMode::kReflect,
       0,
       "F.pad(x0, (1, 2, 3, 0), mode='reflect')"},
      {"reflect_2d_3d",
       normal({2, 4, 5}),
       {3, 1, 2, 2},
       PadMode::kReflect,
       0,
       "F.pad(x0, (3, 1, 2, 2), mode='reflect')"},
      {"reflect_negative",
       normal({1, 2, 6}),
       {-1, 2},
       PadMode::kReflect,
       0,
       "F.pad(x0, (-1, 2), mode='reflect')"},
      {"reflect_noncontig",
       transposed(normal({2, 5, 4})),
       {2, 1, 1, 3},
       PadMode::kReflect,
       0,
       "F.pad(x0, (2, 1, 1, 3), mode='reflect')"},
      {"replicate_1d",
       normal({2, 3, 4}),
       {3, 5},
       PadMode::kReplicate,
       0,
       "F.pad(x0, (3, 5), mode='replicate')"},
      // Pads larger than the dims: replicate allows it (reflect does not).
      {"replicate_2d_4d",
       normal({1, 2, 3, 4}),
       {2, 6, 4, 1},
       PadMode::kReplicate,
       0,
       "F.pad(x0, (2, 6, 4, 1), mode='replicate')"},
  };
  std::vector<OpCase> cs;
  for (const P& p : ps) {
    cs.push_back(make_case(
        std::string("pad/") + p.name, {p.in},
        [p](const Ts& x) { return Ts{pad(x[0], p.pads, p.mode, p.value)}; }, p.torch));
  }
  return cs;
}

std::vector<OpCase> flip_roll_cases() {
  std::vector<OpCase> cs;
  cs.push_back(make_case(
      "flip/one_dim", {normal({3, 4})}, [](const Ts& x) { return Ts{flip(x[0], {0})}; },
      "torch.flip(x0, (0,))"));
  cs.push_back(make_case(
      "flip/neg_multi", {normal({2, 3, 4})},
      [](const Ts& x) {
        return Ts{flip(x[0], {-1, 0})};
      },
      "torch.flip(x0, (-1, 0))"));
  cs.push_back(make_case(
      "flip/all_dims", {normal({2, 3, 2})},
      [](const Ts& x) {
        return Ts{flip(x[0], {0, 1, 2})};
      },
      "torch.flip(x0, (0, 1, 2))"));
  cs.push_back(make_case(
      "flip/noncontig", {transposed(normal({4, 5}))},
      [](const Ts& x) { return Ts{flip(x[0], {1})}; }, "torch.flip(x0, (1,))"));

  cs.push_back(make_case(
      "roll/one_dim", {normal({4, 5})}, [](const Ts& x) { return Ts{roll(x[0], {2}, {1})}; },
      "torch.roll(x0, 2, 1)"));
  cs.push_back(make_case(
      "roll/negative_beyond_size", {normal({3, 4})},
      [](const Ts& x) { return Ts{roll(x[0], {-7}, {0})}; }, "torch.roll(x0, -7, 0)"));
  cs.push_back(make_case(
      "roll/multi_dims", {normal({2, 3, 4})},
      [](const Ts& x) {
        return Ts{roll(x[0], {9, -2}, {-1, 0})};
      },
      "torch.roll(x0, (9, -2), (-1, 0))"));
  cs.push_back(make_case(
      "roll/flattened", {normal({3, 4})}, [](const Ts& x) { return Ts{roll(x[0], {5})}; },
      "torch.roll(x0, 5)"));
  cs.push_back(make_case(
      "roll/flattened_negative_noncontig", {transposed(normal({3, 4}))},
      [](const Ts& x) { return Ts{roll(x[0], {-13})}; }, "torch.roll(x0, -13)"));
  cs.push_back(make_case(
      "roll/by_size", {normal({3, 4})},
      [](const Ts& x) {
        return Ts{roll(x[0], {4, 0}, {1, 0})};
      },
      "torch.roll(x0, (4, 0), (1, 0))"));
  return cs;
}

std::vector<OpCase> repeat_cases() {
  std::vector<OpCase> cs;
  cs.push_back(make_case(
      "repeat/same_rank", {normal({2, 3})},
      [](const Ts& x) {
        return Ts{repeat(x[0], {2, 3})};
      },
      "x0.repeat(2, 3)"));
  cs.push_back(make_case(
      "repeat/extra_leading", {normal({2, 3})},
      [](const Ts& x) {
        return Ts{repeat(x[0], {2, 1, 2})};
      },
      "x0.repeat(2, 1, 2)"));
  cs.push_back(make_case(
      "repeat/zero", {normal({2, 3})},
      [](const Ts& x) {
        return Ts{repeat(x[0], {0, 2})};
      },
      "x0.repeat(0, 2)"));
  cs.push_back(make_case(
      "repeat/noncontig", {transposed(normal({3, 2}))},
      [](const Ts& x) {
        return Ts{repeat(x[0], {2, 2})};
      },
      "x0.repeat(2, 2)"));
  cs.push_back(make_case(
      "tile/short_reps", {normal({2, 3, 2})}, [](const Ts& x) { return Ts{tile(x[0], {2})}; },
      "torch.tile(x0, (2,))"));
  cs.push_back(make_case(
      "tile/long_reps", {normal({3})},
      [](const Ts& x) {
        return Ts{tile(x[0], {2, 2})};
      },
      "torch.tile(x0, (2, 2))"));

  // narrow at both edges and with length 0 at the end; chunk where the pieces are uneven.
  cs.push_back(make_case(
      "narrow/edges", {normal({5, 4})},
      [](const Ts& x) {
        return Ts{x[0].narrow(0, 0, 2), x[0].narrow(1, 3, 1), x[0].narrow(0, 5, 0)};
      },
      "(x0.narrow(0, 0, 2), x0.narrow(1, 3, 1), x0.narrow(0, 5, 0))"));
  cs.push_back(make_case(
      "chunk/uneven_last_smaller", {normal({7, 2})}, [](const Ts& x) { return chunk(x[0], 3, 0); },
      "torch.chunk(x0, 3, 0)"));
  // 6 rows in 4 chunks: ceil(6/4) = 2 rows each, so only 3 chunks come back, as in PyTorch.
  cs.push_back(make_case(
      "chunk/fewer_than_asked", {normal({2, 6})}, [](const Ts& x) { return chunk(x[0], 4, -1); },
      "torch.chunk(x0, 4, -1)"));
  return cs;
}

DC_OP_CASES(pad_cases());
DC_OP_CASES(flip_roll_cases());
DC_OP_CASES(repeat_cases());

}  // namespace
}  // namespace dc
