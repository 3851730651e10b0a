// Cases of the indexing ops: duplicate targets (which must accumulate), negative dims, index
// tensors smaller or larger than the input, empty index sets, all-false masks, broadcast masks,
// non-contiguous inputs and i32 indices. Index values come from integer inputs, so PyTorch sees
// exactly the same indices.
#include "ops/elementwise.h"
#include "ops/index.h"
#include "ops/op_case.h"

namespace dc {
namespace {

using Ts = std::vector<Tensor>;

OpCase oracle_only(OpCase c) {
  c.modes = kOracle;
  return c;
}

std::vector<OpCase> gather_scatter_cases() {
  std::vector<OpCase> cs;
  // 4 picks from 5 per row: repeated indices, so the gradient must accumulate.
  cs.push_back(make_case(
      "gather/dim1_dup", {normal({3, 5}), integers({3, 4}, 0, 5)},
      [](const Ts& x) { return Ts{gather(x[0], 1, x[1])}; }, "torch.gather(x0, 1, x1)"));
  // Index longer than x along dim and shorter in the other dims; negative dim.
  cs.push_back(make_case(
      "gather/dim0_neg_larger", {normal({4, 3, 2}), integers({6, 2, 2}, 0, 4)},
      [](const Ts& x) { return Ts{gather(x[0], -3, x[1])}; }, "torch.gather(x0, -3, x1)"));
  cs.push_back(make_case(
      "gather/lastdim_3d", {normal({2, 3, 6}), integers({2, 3, 4}, 0, 6)},
      [](const Ts& x) { return Ts{gather(x[0], -1, x[1])}; }, "torch.gather(x0, -1, x1)"));
  cs.push_back(make_case(
      "gather/noncontig", {transposed(normal({4, 5})), transposed(integers({4, 3}, 0, 5))},
      [](const Ts& x) { return Ts{gather(x[0], 1, x[1])}; }, "torch.gather(x0, 1, x1)"));
  // One position with many entries: the kernel splits the entries across threads.
  cs.push_back(oracle_only(make_case(
      "gather/1d_large_parallel", {normal({5000}), integers({40000}, 0, 5000)},
      [](const Ts& x) { return Ts{gather(x[0], 0, x[1])}; }, "torch.gather(x0, 0, x1)")));
  cs.push_back(make_case(
      "gather/empty_index", {normal({3, 5}), integers({3, 0}, 0, 5)},
      [](const Ts& x) { return Ts{gather(x[0], 1, x[1])}; }, "torch.gather(x0, 1, x1)"));
  cs.push_back(make_case(
      "gather/i32_index", {normal({3, 5}), integers({3, 4}, 0, 5, DType::i32)},
      [](const Ts& x) { return Ts{gather(x[0], 1, x[1])}; }, "torch.gather(x0, 1, x1.long())"));

  // 6 sources into 4 rows: duplicate targets accumulate.
  cs.push_back(make_case(
      "scatter_add/dim0_dup", {normal({4, 3}), integers({6, 3}, 0, 4), normal({6, 3})},
      [](const Ts& x) { return Ts{scatter_add(x[0], 0, x[1], x[2])}; },
      "torch.scatter_add(x0, 0, x1, x2)"));
  cs.push_back(make_case(
      "scatter_add/lastdim_neg", {normal({2, 3, 5}), integers({2, 3, 7}, 0, 5), normal({2, 3, 7})},
      [](const Ts& x) { return Ts{scatter_add(x[0], -1, x[1], x[2])}; },
      "torch.scatter_add(x0, -1, x1, x2)"));
  // Index smaller than src: src elements outside index's extent get a zero gradient. (PyTorch's
  // own backward rejects this shape, so its expression slices src to index's extent first.)
  cs.push_back(make_case(
      "scatter_add/index_smaller_than_src",
      {normal({4, 3}), integers({2, 2}, 0, 4), normal({3, 4})},
      [](const Ts& x) { return Ts{scatter_add(x[0], 0, x[1], x[2])}; },
      "torch.scatter_add(x0, 0, x1, x2[:2, :2])"));
  cs.push_back(make_case(
      "scatter_add/noncontig",
      {transposed(normal({3, 4})), integers({5, 4}, 0, 3), transposed(normal({5, 4}))},
      [](const Ts& x) { return Ts{scatter_add(x[0], 0, x[1], x[2])}; },
      "torch.scatter_add(x0, 0, x1, x2)"));
  cs.push_back(make_case(
      "scatter_add/empty_index", {normal({4, 3}), integers({0, 3}, 0, 4), normal({0, 3})},
      [](const Ts& x) { return Ts{scatter_add(x[0], 0, x[1], x[2])}; },
      "torch.scatter_add(x0, 0, x1, x2)"));
  return cs;
}

std::vector<OpCase> index_select_add_cases() {
  std::vector<OpCase> cs;
  cs.push_back(make_case(
      "index_select/dim0_dup", {normal({5, 4}), integers({7}, 0, 5)},
      [](const Ts& x) { return Ts{index_select(x[0], 0, x[1])}; },
      "torch.index_select(x0, 0, x1)"));
  cs.push_back(make_case(
      "index_select/middle_neg", {normal({3, 6, 2}), integers({4}, 0, 6)},
      [](const Ts& x) { return Ts{index_select(x[0], -2, x[1])}; },
      "torch.index_select(x0, -2, x1)"));
  cs.push_back(make_case(
      "index_select/lastdim", {normal({3, 4}), integers({5}, 0, 4)},
      [](const Ts& x) { return Ts{index_select(x[0], 1, x[1])}; },
      "torch.index_select(x0, 1, x1)"));
  cs.push_back(make_case(
      "index_select/noncontig", {transposed(normal({4, 5})), integers({6}, 0, 4)},
      [](const Ts& x) { return Ts{index_select(x[0], 0, x[1])}; },
      "torch.index_select(x0, 0, x1)"));
  cs.push_back(make_case(
      "index_select/empty_index", {normal({4, 5}), integers({0}, 0, 4)},
      [](const Ts& x) { return Ts{index_select(x[0], 0, x[1])}; },
      "torch.index_select(x0, 0, x1)"));
  cs.push_back(make_case(
      "index_select/scalar_index", {normal({4, 5}), integers({}, 0, 5)},
      [](const Ts& x) { return Ts{index_select(x[0], 1, x[1])}; },
      "torch.index_select(x0, 1, x1)"));
  cs.push_back(make_case(
      "index_select/i32_index", {normal({4, 5}), integers({3}, 0, 4, DType::i32)},
      [](const Ts& x) { return Ts{index_select(x[0], 0, x[1])}; },
      "torch.index_select(x0, 0, x1.long())"));

  cs.push_back(make_case(
      "index_add/dim0_dup", {normal({4, 3}), integers({6}, 0, 4), normal({6, 3})},
      [](const Ts& x) { return Ts{index_add(x[0], 0, x[1], x[2])}; },
      "torch.index_add(x0, 0, x1, x2)"));
  cs.push_back(make_case(
      "index_add/middle_alpha", {normal({2, 5, 3}), integers({7}, 0, 5), normal({2, 7, 3})},
      [](const Ts& x) { return Ts{index_add(x[0], 1, x[1], x[2], 0.5)}; },
      "torch.index_add(x0, 1, x1, x2, alpha=0.5)"));
  cs.push_back(make_case(
      "index_add/lastdim_neg", {normal({3, 4}), integers({6}, 0, 4), normal({3, 6})},
      [](const Ts& x) { return Ts{index_add(x[0], -1, x[1], x[2], -2.0)}; },
      "torch.index_add(x0, -1, x1, x2, alpha=-2.0)"));
  cs.push_back(make_case(
      "index_add/noncontig",
      {transposed(normal({5, 4})), integers({3}, 0, 5), transposed(normal({3, 4}))},
      [](const Ts& x) { return Ts{index_add(x[0], 0, x[1], x[2])}; },
      "torch.index_add(x0, 0, x1, x2)"));
  cs.push_back(make_case(
      "index_add/empty_index", {normal({4, 3}), integers({0}, 0, 4), normal({0, 3})},
      [](const Ts& x) { return Ts{index_add(x[0], 0, x[1], x[2])}; },
      "torch.index_add(x0, 0, x1, x2)"));
  return cs;
}

std::vector<OpCase> masked_cases() {
  std::vector<OpCase> cs;
  cs.push_back(make_case(
      "masked_select/bcast_mask", {normal({3, 4}), booleans({4})},
      [](const Ts& x) { return Ts{masked_select(x[0], x[1])}; }, "torch.masked_select(x0, x1)"));
  // x broadcast against a larger mask: its gradient sums over the broadcast rows.
  cs.push_back(make_case(
      "masked_select/bcast_x", {normal({4}), booleans({3, 4})},
      [](const Ts& x) { return Ts{masked_select(x[0], x[1])}; }, "torch.masked_select(x0, x1)"));
  cs.push_back(make_case(
      "masked_select/noncontig", {transposed(normal({4, 5})), transposed(booleans({4, 5}))},
      [](const Ts& x) { return Ts{masked_select(x[0], x[1])}; }, "torch.masked_select(x0, x1)"));
  // integers in [0, 1) are all 0: an all-false mask and an empty result.
  cs.push_back(make_case(
      "masked_select/all_false", {normal({3, 4}), integers({3, 4}, 0, 1, DType::b8)},
      [](const Ts& x) { return Ts{masked_select(x[0], x[1])}; }, "torch.masked_select(x0, x1)"));
  cs.push_back(make_case(
      "masked_select/large_parallel", {normal({40, 1000}), booleans({40, 1000})},
      [](const Ts& x) { return Ts{masked_select(x[0], x[1])}; }, "torch.masked_select(x0, x1)"));

  cs.push_back(make_case(
      "masked_fill/bcast_mask", {normal({3, 4}), booleans({3, 1})},
      [](const Ts& x) { return Ts{masked_fill(x[0], x[1], -2.5)}; }, "x0.masked_fill(x1, -2.5)"));
  cs.push_back(make_case(
      "masked_fill/bcast_x", {normal({4}), booleans({3, 4})},
      [](const Ts& x) { return Ts{masked_fill(x[0], x[1], 7.0)}; },
      "torch.masked_fill(x0, x1, 7.0)"));
  cs.push_back(make_case(
      "masked_fill/noncontig", {transposed(normal({4, 5})), booleans({4, 5})},
      [](const Ts& x) { return Ts{masked_fill(x[0], x[1], 0.0)}; }, "x0.masked_fill(x1, 0.0)"));

  cs.push_back(oracle_only(make_case(
      "one_hot/infer", {integers({2, 3}, 0, 5)}, [](const Ts& x) { return Ts{one_hot(x[0])}; },
      "F.one_hot(x0)")));
  cs.push_back(oracle_only(make_case(
      "one_hot/explicit", {integers({4}, 0, 3)}, [](const Ts& x) { return Ts{one_hot(x[0], 7)}; },
      "F.one_hot(x0, 7)")));
  cs.push_back(oracle_only(make_case(
      "one_hot/empty", {integers({0}, 0, 3)}, [](const Ts& x) { return Ts{one_hot(x[0], 3)}; },
      "F.one_hot(x0, 3)")));

  // where: the existing where/bcast case never broadcasts the condition.
  cs.push_back(make_case(
      "where/bcast_cond", {booleans({3, 1}), normal({3, 4}), normal({1, 4})},
      [](const Ts& x) { return Ts{where(x[0], x[1], x[2])}; }, "torch.where(x0, x1, x2)"));
  cs.push_back(make_case(
      "where/cond_lower_rank", {booleans({4}), normal({2, 3, 4}), normal({3, 1})},
      [](const Ts& x) { return Ts{where(x[0], x[1], x[2])}; }, "torch.where(x0, x1, x2)"));
  return cs;
}

// x 100000x64, 65536 random rows, gradient back to x through index_add.
std::vector<OpCase> index_perf_cases() {
  OpCase c = make_case(
      "index_select_dim0_65536of100000x64_fwdbwd",
      {normal({100000, 64}), integers({65536}, 0, 100000)},
      [](const Ts& x) { return Ts{index_select(x[0], 0, x[1])}; }, "torch.index_select(x0, 0, x1)",
      kPerf);
  c.perf_backward = true;
  return {c};
}

DC_OP_CASES(gather_scatter_cases());
DC_OP_CASES(index_select_add_cases());
DC_OP_CASES(masked_cases());
DC_OP_CASES(index_perf_cases());

}  // namespace
}  // namespace dc
