// Cases of the reductions and of the differentiable views.
#include "ops/elementwise.h"
#include "ops/op_case.h"
#include "ops/reduce.h"

namespace dc {
namespace {

using Ts = std::vector<Tensor>;

std::vector<OpCase> reduce_cases() {
  std::vector<OpCase> cs;
  cs.push_back(make_case(
      "reduce/sum_all", {normal({3, 4, 5})}, [](const Ts& x) { return Ts{sum(x[0])}; },
      "x0.sum()"));
  cs.push_back(make_case(
      "reduce/sum_dim1", {normal({3, 4, 5})}, [](const Ts& x) { return Ts{sum(x[0], {1})}; },
      "x0.sum(1)"));
  cs.push_back(make_case(
      "reduce/sum_dims_keep", {normal({3, 4, 5})},
      [](const Ts& x) {
        return Ts{sum(x[0], {0, 2}, true)};
      },
      "x0.sum((0, 2), keepdim=True)"));
  cs.push_back(make_case(
      "reduce/sum_noncontig", {transposed(normal({4, 6}))},
      [](const Ts& x) { return Ts{sum(x[0], {-1})}; }, "x0.sum(-1)"));
  cs.push_back(make_case(
      "reduce/sum_empty_dim", {normal({0, 3})}, [](const Ts& x) { return Ts{sum(x[0], {0})}; },
      "x0.sum(0)"));
  cs.push_back(make_case(
      "reduce/sum_int64", {integers({3, 4}, -9, 9)}, [](const Ts& x) { return Ts{sum(x[0], {1})}; },
      "x0.sum(1)", kOracle));
  cs.push_back(make_case(
      "reduce/mean_all", {normal({2, 3, 4})}, [](const Ts& x) { return Ts{mean(x[0])}; },
      "x0.mean()"));
  cs.push_back(make_case(
      "reduce/mean_dim0_keep", {normal({5, 3})},
      [](const Ts& x) { return Ts{mean(x[0], {0}, true)}; }, "x0.mean(0, keepdim=True)"));
  cs.push_back(make_case(
      "reduce/var_dim1", {normal({4, 6})}, [](const Ts& x) { return Ts{var(x[0], {1})}; },
      "x0.var(1)"));
  cs.push_back(make_case(
      "reduce/var_all_biased", {normal({3, 5})}, [](const Ts& x) { return Ts{var(x[0], {}, 0)}; },
      "x0.var(unbiased=False)"));
  cs.push_back(make_case(
      "reduce/norm2_all", {normal({3, 4})}, [](const Ts& x) { return Ts{norm(x[0])}; },
      "torch.norm(x0)"));
  cs.push_back(make_case(
      "reduce/norm1_dim", {normal({3, 4})}, [](const Ts& x) { return Ts{norm(x[0], 1, {1})}; },
      "torch.norm(x0, 1, dim=1)"));
  cs.push_back(make_case(
      "reduce/norm3_dim", {normal({3, 4})}, [](const Ts& x) { return Ts{norm(x[0], 3, {0})}; },
      "torch.norm(x0, 3, dim=0)"));
  cs.push_back(make_case(
      "reduce/max_all", {normal({4, 5})}, [](const Ts& x) { return Ts{max(x[0])}; }, "x0.max()"));
  cs.push_back(make_case(
      "reduce/min_all", {normal({4, 5})}, [](const Ts& x) { return Ts{min(x[0])}; }, "x0.min()"));
  cs.push_back(make_case(
      "reduce/max_dim1", {normal({4, 5, 3})},
      [](const Ts& x) {
        auto [v, i] = max(x[0], 1);
        return Ts{v, i};
      },
      "tuple(torch.max(x0, 1))"));
  cs.push_back(make_case(
      "reduce/min_dim0_keep", {normal({4, 5})},
      [](const Ts& x) {
        auto [v, i] = min(x[0], 0, true);
        return Ts{v, i};
      },
      "tuple(torch.min(x0, 0, keepdim=True))"));
  cs.push_back(make_case(
      "reduce/argmax_dim", {normal({6, 7})}, [](const Ts& x) { return Ts{argmax(x[0], 1)}; },
      "torch.argmax(x0, 1)", kOracle));
  cs.push_back(make_case(
      "reduce/argmin_dim_keep", {normal({6, 7})},
      [](const Ts& x) { return Ts{argmin(x[0], 0, true)}; }, "torch.argmin(x0, 0, keepdim=True)",
      kOracle));
  // Sums over dims that are not all trailing, with long trailing rows (>= 16 elements): the path
  // that reduces the trailing dims first, then the partial sums over the leading ones.
  cs.push_back(make_case(
      "reduce/sum_0_2_3_nchw", {normal({3, 4, 5, 6})},
      [](const Ts& x) {
        return Ts{sum(x[0], {0, 2, 3})};
      },
      "x0.sum((0, 2, 3))"));
  cs.push_back(make_case(
      "reduce/sum_0_3_keep_two_kept", {normal({2, 3, 4, 20})},
      [](const Ts& x) {
        return Ts{sum(x[0], {0, 3}, true)};
      },
      "x0.sum((0, 3), keepdim=True)"));
  cs.push_back(make_case(
      "reduce/mean_0_2", {normal({2, 3, 17})},
      [](const Ts& x) {
        return Ts{mean(x[0], {0, 2})};
      },
      "x0.mean((0, 2))"));
  cs.push_back(make_case(
      "reduce/var_0_2_3", {normal({2, 3, 4, 5})},
      [](const Ts& x) {
        return Ts{var(x[0], {0, 2, 3})};
      },
      "x0.var((0, 2, 3))"));
  cs.push_back(make_case(
      "reduce/norm2_0_2", {normal({3, 2, 20})},
      [](const Ts& x) {
        return Ts{norm(x[0], 2, {0, 2})};
      },
      "torch.norm(x0, 2, dim=(0, 2))"));
  cs.push_back(make_case(
      "reduce/norm3_0_2", {normal({3, 2, 20})},
      [](const Ts& x) {
        return Ts{norm(x[0], 3, {0, 2})};
      },
      "torch.norm(x0, 3, dim=(0, 2))"));
  cs.push_back(make_case(
      "reduce/sum_int64_0_2", {integers({3, 2, 20}, -9, 9)},
      [](const Ts& x) {
        return Ts{sum(x[0], {0, 2})};
      },
      "x0.sum((0, 2))", kOracle));
  OpCase big = make_case(
      "reduce/sum_perf_8x64x56x56", {normal({8, 64, 56, 56}, false)},
      [](const Ts& x) {
        return Ts{sum(x[0], {0, 2, 3})};
      },
      "x0.sum((0, 2, 3))", kPerf);
  cs.push_back(big);
  return cs;
}

std::vector<OpCase> view_cases() {
  std::vector<OpCase> cs;
  cs.push_back(make_case(
      "view/transpose_mul", {normal({3, 4}), normal({4, 3})},
      [](const Ts& x) { return Ts{x[0].transpose(0, 1) * x[1]}; }, "x0.t() * x1"));
  cs.push_back(make_case(
      "view/permute", {normal({2, 3, 4})},
      [](const Ts& x) {
        return Ts{x[0].permute({2, 0, 1}) * 2.0};
      },
      "x0.permute(2, 0, 1) * 2.0"));
  cs.push_back(make_case(
      "view/reshape_noncontig", {transposed(normal({3, 4}))},
      [](const Ts& x) {
        return Ts{x[0].reshape({2, 6}) * 3.0};
      },
      "x0.reshape(2, 6) * 3.0"));
  cs.push_back(make_case(
      "view/view_infer", {normal({2, 3, 4})},
      [](const Ts& x) {
        return Ts{x[0].view({-1, 4}) * 1.5};
      },
      "x0.view(-1, 4) * 1.5"));
  cs.push_back(make_case(
      "view/slice_step", {normal({7, 3})},
      [](const Ts& x) { return Ts{x[0].slice(0, 1, 6, 2) * 2.0}; }, "x0[1:6:2] * 2.0"));
  cs.push_back(make_case(
      "view/select", {normal({4, 5})}, [](const Ts& x) { return Ts{x[0].select(1, -2) * 2.0}; },
      "x0[:, -2] * 2.0"));
  cs.push_back(make_case(
      "view/narrow", {normal({4, 6})}, [](const Ts& x) { return Ts{x[0].narrow(1, 2, 3) * 2.0}; },
      "x0.narrow(1, 2, 3) * 2.0"));
  cs.push_back(make_case(
      "view/expand", {normal({3, 1})},
      [](const Ts& x) {
        return Ts{x[0].expand({2, 3, 4}) * 1.0};
      },
      "x0.expand(2, 3, 4) * 1.0"));
  cs.push_back(make_case(
      "view/unsqueeze_squeeze", {normal({3, 4})},
      [](const Ts& x) { return Ts{x[0].unsqueeze(1).squeeze(1) * x[0].unsqueeze(0)}; },
      "x0.unsqueeze(1).squeeze(1) * x0.unsqueeze(0)"));
  cs.push_back(make_case(
      "view/flatten", {normal({2, 3, 4})}, [](const Ts& x) { return Ts{x[0].flatten(1) * 2.0}; },
      "x0.flatten(1) * 2.0"));
  cs.push_back(make_case(
      "view/to_f64_and_back", {normal({3, 3})},
      [](const Ts& x) { return Ts{(x[0].to(DType::f64) * 2.0).to(x[0].dtype())}; },
      "(x0.double() * 2.0).to(x0.dtype)"));
  cs.push_back(make_case(
      "view/reused_input", {normal({3, 3})}, [](const Ts& x) { return Ts{x[0] * x[0] + x[0].t()}; },
      "x0 * x0 + x0.t()"));
  return cs;
}

DC_OP_CASES(reduce_cases());
DC_OP_CASES(view_cases());

}  // namespace
}  // namespace dc
