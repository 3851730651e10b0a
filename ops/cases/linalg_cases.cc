// Cases of matmul, bmm and linear: vector and batched operands, broadcast batch dims, transposed
// (non-contiguous) views, size-1 and empty dims, and the square SGEMM benchmarks.
#include "ops/linalg.h"
#include "ops/op_case.h"

namespace dc {
namespace {

using Ts = std::vector<Tensor>;

Tensor mm(const Tensor& a, const Tensor& b) { return matmul(a, b); }

std::vector<OpCase> matmul_cases() {
  const std::string t = "torch.matmul(x0, x1)";
  std::vector<OpCase> cs;
  cs.push_back(binary_case("matmul/2d", normal({3, 4}), normal({4, 5}), mm, t));
  cs.push_back(binary_case("matmul/1d_2d", normal({4}), normal({4, 5}), mm, t));
  cs.push_back(binary_case("matmul/2d_1d", normal({3, 4}), normal({4}), mm, t));
  cs.push_back(binary_case("matmul/1d_1d", normal({6}), normal({6}), mm, t));
  cs.push_back(binary_case("matmul/batched_2d", normal({2, 3, 4}), normal({4, 5}), mm, t));
  cs.push_back(binary_case("matmul/2d_batched", normal({3, 4}), normal({2, 4, 5}), mm, t));
  cs.push_back(binary_case("matmul/batched_1d", normal({2, 3, 4}), normal({4}), mm, t));
  cs.push_back(binary_case("matmul/1d_batched", normal({4}), normal({2, 4, 3}), mm, t));
  cs.push_back(
      binary_case("matmul/broadcast_batch", normal({2, 1, 3, 4}), normal({3, 4, 2}), mm, t));
  cs.push_back(binary_case("matmul/transposed_both", transposed(normal({3, 4})),
                           transposed(normal({4, 5})), mm, t));
  cs.push_back(binary_case("matmul/transposed_batched", transposed(normal({2, 3, 4})),
                           normal({2, 4, 5}), mm, t));
  cs.push_back(binary_case("matmul/batched_transposed_2d", normal({2, 3, 4}),
                           transposed(normal({4, 5})), mm, t));
  cs.push_back(binary_case("matmul/size1_dims", normal({1, 4}), normal({4, 1}), mm, t));
  cs.push_back(binary_case("matmul/empty_rows", normal({0, 3}), normal({3, 4}), mm, t));
  cs.push_back(binary_case("matmul/empty_inner", normal({2, 0}), normal({0, 3}), mm, t));
  cs.push_back(binary_case("matmul/empty_batch", normal({0, 2, 3}), normal({3, 4}), mm, t));
  cs.push_back(
      binary_case("bmm/basic", normal({2, 3, 4}), normal({2, 4, 5}), bmm, "torch.bmm(x0, x1)"));
  cs.push_back(binary_case("bmm/transposed", transposed(normal({3, 2, 4})),
                           transposed(normal({3, 4, 2})), bmm, "torch.bmm(x0, x1)"));
  return cs;
}

std::vector<OpCase> linear_cases() {
  std::vector<OpCase> cs;
  auto with_bias = [](const std::string& name, Shape x, int64_t out) {
    OpCase c;
    c.name = name;
    const int64_t in = x.back();
    c.inputs = {normal(std::move(x)), normal({out, in}), normal({out})};
    c.run = [](const Ts& v) { return Ts{linear(v[0], v[1], v[2])}; };
    c.torch = "F.linear(x0, x1, x2)";
    return c;
  };
  cs.push_back(with_bias("linear/bias_2d", {5, 4}, 3));
  cs.push_back(with_bias("linear/bias_3d", {2, 3, 4}, 5));
  cs.push_back(with_bias("linear/bias_1d", {4}, 3));
  cs.push_back(binary_case(
      "linear/no_bias", normal({5, 4}), normal({3, 4}),
      [](const Tensor& x, const Tensor& w) { return linear(x, w); }, "F.linear(x0, x1)"));
  cs.push_back(binary_case(
      "linear/no_bias_3d_transposed", transposed(normal({2, 4, 3})), normal({2, 3}),
      [](const Tensor& x, const Tensor& w) { return linear(x, w); }, "F.linear(x0, x1)"));
  return cs;
}

std::vector<OpCase> perf_cases() {
  std::vector<OpCase> cs;
  for (int64_t n : {512, 1024, 2048}) {
    OpCase c = binary_case("sgemm_" + std::to_string(n), normal({n, n}, false),
                           normal({n, n}, false), mm, "torch.matmul(x0, x1)");
    c.modes = kPerf;
    c.flops = 2.0 * n * n * n;
    cs.push_back(c);
  }
  return cs;
}

DC_OP_CASES(matmul_cases());
DC_OP_CASES(linear_cases());
DC_OP_CASES(perf_cases());

}  // namespace
}  // namespace dc
