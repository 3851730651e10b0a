// Cases of sort, argsort and topk: both directions, negative and middle dims, non-contiguous
// inputs, stability on ties and all-equal rows, NaN ordering, k = 0 and k = size, unsorted topk.
// Where PyTorch leaves the choice among equal values open (topk ties, several NaNs), the case
// compares values exactly and checks that our indices point at those values: its second output
// is x gathered at our indices, PyTorch's is its own values.
#include <cmath>

#include "ops/elementwise.h"
#include "ops/index.h"
#include "ops/op_case.h"
#include "ops/sort.h"

namespace dc {
namespace {

using Ts = std::vector<Tensor>;

Ts pair_of(const std::pair<Tensor, Tensor>& p) { return Ts{p.first, p.second}; }

// x with NaN where x > 0.8 (the same in PyTorch: see kNanTorch).
Tensor with_nans(const Tensor& x) { return masked_fill(x, gt(x, scalar_like(x, 0.8)), NAN); }
const std::string kNanTorch = "y = x0.masked_fill(x0 > 0.8, float('nan'))\n";

OpCase exact_oracle(OpCase c) {
  c.modes = kOracle;
  c.atol = 0;
  c.rtol = 0;
  return c;
}

std::vector<OpCase> sort_cases() {
  std::vector<OpCase> cs;
  cs.push_back(make_case(
      "sort/lastdim", {normal({3, 7})}, [](const Ts& x) { return pair_of(sort(x[0])); },
      "torch.sort(x0)"));
  cs.push_back(make_case(
      "sort/dim0_descending", {normal({5, 3})},
      [](const Ts& x) { return pair_of(sort(x[0], 0, true)); },
      "torch.sort(x0, 0, descending=True)"));
  cs.push_back(make_case(
      "sort/middle_3d", {normal({2, 5, 3})}, [](const Ts& x) { return pair_of(sort(x[0], 1)); },
      "torch.sort(x0, 1)"));
  cs.push_back(make_case(
      "sort/noncontig_neg", {transposed(normal({4, 6}))},
      [](const Ts& x) { return pair_of(sort(x[0], -2)); }, "torch.sort(x0, -2)"));
  // All-equal rows: a stable sort returns the identity permutation.
  cs.push_back(exact_oracle(make_case(
      "sort/stable_all_equal", {integers({2, 6}, 3, 4, DType::f32)},
      [](const Ts& x) { return pair_of(sort(x[0], -1, false, true)); },
      "torch.sort(x0, stable=True)")));
  cs.push_back(exact_oracle(make_case(
      "sort/stable_ties", {integers({3, 9}, 0, 3, DType::f32)},
      [](const Ts& x) { return pair_of(sort(x[0], -1, false, true)); },
      "torch.sort(x0, stable=True)")));
  cs.push_back(exact_oracle(make_case(
      "sort/stable_ties_descending", {integers({9, 3}, 0, 3, DType::f32)},
      [](const Ts& x) { return pair_of(sort(x[0], 0, true, true)); },
      "torch.sort(x0, dim=0, descending=True, stable=True)")));
  // NaN sorts last ascending and first descending; values and gradients compared (oracle only:
  // finite differences of NaN outputs are meaningless).
  OpCase nan_asc = make_case(
      "sort/nan_ascending", {uniform({3, 8}, -1, 1)},
      [](const Ts& x) { return pair_of(sort(with_nans(x[0]), -1, false, true)); },
      kNanTorch + "out = torch.sort(y, stable=True)");
  nan_asc.modes = kOracle;
  cs.push_back(nan_asc);
  OpCase nan_desc = make_case(
      "sort/nan_descending", {uniform({3, 8}, -1, 1)},
      [](const Ts& x) { return pair_of(sort(with_nans(x[0]), -1, true, true)); },
      kNanTorch + "out = torch.sort(y, descending=True, stable=True)");
  nan_desc.modes = kOracle;
  cs.push_back(nan_desc);
  cs.push_back(exact_oracle(make_case(
      "argsort/descending", {normal({4, 5}, false)},
      [](const Ts& x) { return Ts{argsort(x[0], -1, true)}; },
      "torch.argsort(x0, -1, descending=True)")));
  cs.push_back(exact_oracle(make_case(
      "argsort/stable_ties_dim0", {integers({7, 3}, 0, 2, DType::f32)},
      [](const Ts& x) { return Ts{argsort(x[0], 0, false, true)}; },
      "torch.sort(x0, dim=0, stable=True).indices")));
  cs.push_back(exact_oracle(make_case(
      "sort/int64", {integers({3, 6}, -4, 4)}, [](const Ts& x) { return pair_of(sort(x[0])); },
      "torch.sort(x0, stable=True)")));
  return cs;
}

std::vector<OpCase> topk_cases() {
  std::vector<OpCase> cs;
  cs.push_back(make_case(
      "topk/largest", {normal({3, 8})}, [](const Ts& x) { return pair_of(topk(x[0], 3)); },
      "torch.topk(x0, 3)"));
  cs.push_back(make_case(
      "topk/smallest_dim0", {normal({6, 4})},
      [](const Ts& x) { return pair_of(topk(x[0], 2, 0, false)); },
      "torch.topk(x0, 2, 0, largest=False)"));
  cs.push_back(make_case(
      "topk/k0", {normal({3, 5})}, [](const Ts& x) { return pair_of(topk(x[0], 0)); },
      "torch.topk(x0, 0)"));
  cs.push_back(make_case(
      "topk/k_eq_size", {normal({3, 5})}, [](const Ts& x) { return pair_of(topk(x[0], 5, -1)); },
      "torch.topk(x0, 5, -1)"));
  cs.push_back(make_case(
      "topk/noncontig_middle", {transposed(normal({2, 6, 5}))},
      [](const Ts& x) { return pair_of(topk(x[0], 2, 1)); }, "torch.topk(x0, 2, 1)"));
  // sorted = false: PyTorch's order is unspecified, so both sides sort the k results.
  cs.push_back(make_case(
      "topk/unsorted", {normal({4, 9})},
      [](const Ts& x) {
        auto [v, i] = topk(x[0], 4, -1, true, false);
        auto [s, order] = sort(v);
        return Ts{s, gather(i, -1, order)};
      },
      "v, i = torch.topk(x0, 4, sorted=False)\n"
      "s, o = torch.sort(v)\n"
      "out = (s, torch.gather(i, -1, o))"));
  // Many ties: values must match exactly and our indices must point at equal values.
  cs.push_back(exact_oracle(make_case(
      "topk/ties_indices_point_at_values", {integers({4, 10}, 0, 3, DType::f32)},
      [](const Ts& x) {
        auto [v, i] = topk(x[0], 5);
        return Ts{v, gather(x[0], -1, i)};
      },
      "v = torch.topk(x0, 5).values\nout = (v, v)")));
  cs.push_back(exact_oracle(make_case(
      "topk/ties_smallest_dim0", {integers({10, 3}, 0, 3, DType::f32)},
      [](const Ts& x) {
        auto [v, i] = topk(x[0], 4, 0, false);
        return Ts{v, gather(x[0], 0, i)};
      },
      "v = torch.topk(x0, 4, 0, largest=False).values\nout = (v, v)")));
  // NaN counts as the largest value.
  OpCase nan = make_case(
      "topk/nan_largest", {uniform({3, 8}, -1, 1, false)},
      [](const Ts& x) {
        Tensor y = with_nans(x[0]);
        auto [v, i] = topk(y, 4);
        return Ts{v, gather(y, -1, i)};
      },
      kNanTorch + "v = torch.topk(y, 4).values\nout = (v, v)");
  cs.push_back(exact_oracle(nan));
  return cs;
}

DC_OP_CASES(sort_cases());
DC_OP_CASES(topk_cases());

}  // namespace
}  // namespace dc
