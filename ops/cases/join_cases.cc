// Cases of cat, stack, split and chunk.
#include "ops/elementwise.h"
#include "ops/join.h"
#include "ops/op_case.h"

namespace dc {
namespace {

using Ts = std::vector<Tensor>;

// Multiplies each piece by a different constant so the gradient tells the pieces apart.
Ts weighted(const Ts& pieces) {
  Ts out;
  for (size_t i = 0; i < pieces.size(); ++i) out.push_back(pieces[i] * (1.0 + i));
  return out;
}

std::vector<OpCase> join_cases() {
  std::vector<OpCase> cs;
  cs.push_back(make_case(
      "join/cat_dim0", {normal({2, 3}), normal({4, 3})},
      [](const Ts& x) {
        return Ts{cat({x[0], x[1]}, 0)};
      },
      "torch.cat([x0, x1], 0)"));
  cs.push_back(make_case(
      "join/cat_dim1_three", {normal({2, 3}), normal({2, 1}), normal({2, 2})},
      [](const Ts& x) {
        return Ts{cat({x[0], x[1], x[2]}, 1)};
      },
      "torch.cat([x0, x1, x2], 1)"));
  cs.push_back(make_case(
      "join/cat_noncontig_neg_dim", {transposed(normal({3, 4})), normal({3, 2})},
      [](const Ts& x) {
        return Ts{cat({x[0], x[1]}, -1)};
      },
      "torch.cat([x0, x1], -1)"));
  cs.push_back(make_case(
      "join/cat_with_empty", {normal({0, 3}), normal({2, 3})},
      [](const Ts& x) {
        return Ts{cat({x[0], x[1]}, 0)};
      },
      "torch.cat([x0, x1], 0)"));
  cs.push_back(make_case(
      "join/stack_dim0", {normal({2, 3}), normal({2, 3})},
      [](const Ts& x) {
        return Ts{stack({x[0], x[1]}, 0)};
      },
      "torch.stack([x0, x1], 0)"));
  cs.push_back(make_case(
      "join/stack_last", {normal({2, 3}), normal({2, 3}), normal({2, 3})},
      [](const Ts& x) {
        return Ts{stack({x[0], x[1], x[2]}, -1)};
      },
      "torch.stack([x0, x1, x2], -1)"));
  cs.push_back(make_case(
      "join/split_size", {normal({7, 2})}, [](const Ts& x) { return weighted(split(x[0], 3, 0)); },
      "[p * (1.0 + i) for i, p in enumerate(torch.split(x0, 3, 0))]"));
  cs.push_back(make_case(
      "join/split_sizes_dim1", {normal({2, 6})},
      [](const Ts& x) {
        return weighted(split(x[0], std::vector<int64_t>{1, 3, 2}, 1));
      },
      "[p * (1.0 + i) for i, p in enumerate(torch.split(x0, [1, 3, 2], 1))]"));
  cs.push_back(make_case(
      "join/chunk", {normal({5, 3})}, [](const Ts& x) { return weighted(chunk(x[0], 3, 0)); },
      "[p * (1.0 + i) for i, p in enumerate(torch.chunk(x0, 3, 0))]"));
  return cs;
}

DC_OP_CASES(join_cases());

}  // namespace
}  // namespace dc
