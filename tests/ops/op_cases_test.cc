// Runs every registered op case (ops/cases/*.cc) in its oracle mode (outputs and gradients against
// PyTorch) and its grad mode (finite differences in double precision).
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/node.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/op_case.h"
#include "ops/reduce.h"
#include "tests/oracle/torch_oracle.h"

namespace dc {
namespace {

std::string torch_dtype(DType t) {
  switch (t) {
    case DType::f32:
      return "float32";
    case DType::f64:
      return "float64";
    case DType::f16:
      return "float16";
    case DType::bf16:
      return "bfloat16";
    case DType::i32:
      return "int32";
    case DType::i64:
      return "int64";
    case DType::u8:
      return "uint8";
    case DType::b8:
      return "bool";
  }
  return "";
}

testing::OracleTensor to_oracle(const Tensor& t) {
  testing::OracleTensor o;
  o.shape = t.sizes();
  o.data = t.to_vector();
  o.dtype = torch_dtype(t.dtype());
  o.requires_grad = t.requires_grad();
  return o;
}

std::vector<Tensor> floating(const std::vector<Tensor>& ts) {
  std::vector<Tensor> out;
  for (const Tensor& t : ts) {
    if (is_floating(t.dtype())) out.push_back(t);
  }
  return out;
}

void expect_close(const Tensor& ours, const testing::OracleTensor& ref, double atol, double rtol,
                  const std::string& what) {
  ASSERT_TRUE(ref.defined) << what << ": PyTorch returned None";
  ASSERT_EQ(ours.sizes(), Shape(ref.shape))
      << what << ": shape " << shape_str(ours.sizes()) << " vs PyTorch " << shape_str(ref.shape);
  const std::vector<double> v = ours.to_vector();
  int reported = 0;
  for (size_t i = 0; i < v.size() && reported < 5; ++i) {
    const double r = ref.data[i];
    const bool both_nan = std::isnan(v[i]) && std::isnan(r);
    if (!both_nan && !(std::abs(v[i] - r) <= atol + rtol * std::abs(r))) {
      ADD_FAILURE() << what << " element " << i << ": ours " << v[i] << " vs PyTorch " << r;
      ++reported;
    }
  }
}

std::string case_test_name(const ::testing::TestParamInfo<size_t>& info) {
  std::string n = all_op_cases()[info.param].name;
  for (char& ch : n) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n;
}

std::vector<size_t> cases_with(unsigned mode) {
  std::vector<size_t> idx;
  for (size_t i = 0; i < all_op_cases().size(); ++i) {
    if (all_op_cases()[i].modes & mode) idx.push_back(i);
  }
  return idx;
}

class OracleTest : public ::testing::TestWithParam<size_t> {};
class GradTest : public ::testing::TestWithParam<size_t> {};

TEST_P(OracleTest, MatchesPyTorch) {
  DC_REQUIRE_ORACLE();
  const OpCase& c = all_op_cases()[GetParam()];
  std::vector<Tensor> inputs = make_case_inputs(c, 7, DType::f32);
  std::vector<Tensor> outs = c.run(inputs);
  // Backward with random output gradients through every floating output that requires grad.
  std::vector<Tensor> roots, gouts;
  std::vector<testing::OracleTensor> oracle_gouts;
  Generator gen(99);
  for (const Tensor& o : floating(outs)) {
    Tensor g = randn(o.sizes(), o.dtype(), gen);
    oracle_gouts.push_back(to_oracle(g));
    if (o.requires_grad()) {
      roots.push_back(o);
      gouts.push_back(g);
    }
  }
  if (!roots.empty()) run_backward(roots, gouts, false);
  std::vector<testing::OracleTensor> oin;
  for (const Tensor& t : inputs) oin.push_back(to_oracle(t));
  const bool any_grad = !roots.empty();
  testing::OracleResult ref = testing::TorchOracle::instance().run(
      c.torch, oin, nlohmann::json::object(),
      any_grad ? oracle_gouts : std::vector<testing::OracleTensor>{});
  ASSERT_EQ(outs.size(), ref.outputs.size()) << c.name << ": number of outputs";
  for (size_t k = 0; k < outs.size(); ++k) {
    expect_close(outs[k], ref.outputs[k], c.atol, c.rtol, c.name + " output " + std::to_string(k));
  }
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (!inputs[k].requires_grad() || !any_grad) continue;
    const Tensor g = inputs[k].grad();
    ASSERT_TRUE(g.defined()) << c.name << ": no gradient for input " << k;
    expect_close(g, ref.grads[k], c.atol * 10, c.rtol * 10,
                 c.name + " grad of input " + std::to_string(k));
  }
}

TEST_P(GradTest, MatchesFiniteDifferences) {
  const OpCase& c = all_op_cases()[GetParam()];
  std::vector<Tensor> inputs = make_case_inputs(c, 11, DType::f64);
  GradcheckOptions opt;
  opt.atol = c.grad_atol;
  opt.rtol = c.grad_rtol;
  GradcheckResult r = gradcheck(
      [&](const std::vector<Tensor>& xs) {
        std::vector<Tensor> outs = floating(c.run(xs));
        Tensor total;
        for (size_t k = 0; k < outs.size(); ++k) {
          // Several outputs: a fixed weighted sum of each, so every output's gradient counts.
          Tensor part = outs.size() == 1 ? outs[k] : sum(outs[k]) * (1.0 + 0.37 * k);
          total = total.defined() ? add(total, part) : part;
        }
        return total;
      },
      inputs, opt);
  EXPECT_TRUE(r.ok) << c.name << ": " << r.message << " (max abs error " << r.max_abs_error << ")";
}

INSTANTIATE_TEST_SUITE_P(Ops, OracleTest, ::testing::ValuesIn(cases_with(kOracle)), case_test_name);
INSTANTIATE_TEST_SUITE_P(Ops, GradTest, ::testing::ValuesIn(cases_with(kGrad)), case_test_name);

}  // namespace
}  // namespace dc
