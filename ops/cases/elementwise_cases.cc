// Cases of the elementwise ops: unary, binary with broadcasting, non-contiguous and empty inputs.
#include "ops/elementwise.h"
#include "ops/op_case.h"

namespace dc {
namespace {

using Ts = std::vector<Tensor>;

OpCase unary_case(const std::string& name, InputSpec in, std::function<Tensor(const Tensor&)> f,
                  const std::string& torch) {
  OpCase c;
  c.name = name;
  c.inputs = {std::move(in)};
  c.run = [f](const Ts& x) { return Ts{f(x[0])}; };
  c.torch = torch;
  return c;
}

std::vector<OpCase> unary_cases() {
  std::vector<OpCase> cs;
  struct U {
    const char* name;
    Tensor (*f)(const Tensor&);
    const char* torch;
    bool positive;
  };
  const U us[] = {{"neg", &neg, "-x0", false},
                  {"exp", &exp, "torch.exp(x0)", false},
                  {"log", &log, "torch.log(x0)", true},
                  {"sqrt", &sqrt, "torch.sqrt(x0)", true},
                  {"abs", &abs, "torch.abs(x0)", false},
                  {"relu", &relu, "torch.relu(x0)", false},
                  {"sigmoid", &sigmoid, "torch.sigmoid(x0)", false},
                  {"tanh", &tanh, "torch.tanh(x0)", false},
                  {"square", &square, "torch.square(x0)", false}};
  for (const U& u : us) {
    auto spec = [&](Shape s) { return u.positive ? positive(std::move(s)) : normal(std::move(s)); };
    cs.push_back(unary_case(std::string("unary/") + u.name + "_3x5", spec({3, 5}), u.f, u.torch));
    cs.push_back(unary_case(std::string("unary/") + u.name + "_noncontig_4x3",
                            transposed(spec({4, 3})), u.f, u.torch));
    cs.push_back(unary_case(std::string("unary/") + u.name + "_scalar", spec({}), u.f, u.torch));
  }
  cs.push_back(unary_case("unary/relu_empty", normal({0, 3}), relu, "torch.relu(x0)"));
  cs.push_back(unary_case(
      "unary/clamp_2x7", normal({2, 7}), [](const Tensor& x) { return clamp(x, -0.5, 0.7); },
      "torch.clamp(x0, -0.5, 0.7)"));
  cs.push_back(unary_case(
      "unary/pow_scalar_3x4", positive({3, 4}), [](const Tensor& x) { return pow(x, 2.5); },
      "torch.pow(x0, 2.5)"));
  cs.push_back(unary_case(
      "unary/pow_scalar_neg_3x4", positive({3, 4}), [](const Tensor& x) { return pow(x, -1.5); },
      "torch.pow(x0, -1.5)"));
  // leaky_relu: default and custom slopes, a negative slope, non-contiguous input, and exact zeros
  // (integer-valued input), where the gradient must be g * slope as PyTorch's; finite differences
  // are undefined at the kink, so that case is oracle-only.
  struct L {
    const char* name;
    InputSpec in;
    double slope;
  };
  const L ls[] = {{"default_3x5", normal({3, 5}), 0.01},
                  {"slope02_2x3x4", normal({2, 3, 4}), 0.2},
                  {"slope_neg05_4x3", normal({4, 3}), -0.5},
                  {"slope15_noncontig_4x3", transposed(normal({4, 3})), 1.5},
                  {"zeros_3x4", integers({3, 4}, -1, 2, DType::f32), 0.1}};
  for (const L& l : ls) {
    const double slope = l.slope;
    OpCase c = unary_case(
        std::string("unary/leaky_relu_") + l.name, l.in,
        [slope](const Tensor& x) { return leaky_relu(x, slope); },
        "F.leaky_relu(x0, " + std::to_string(slope) + ")");
    if (l.in.init == InputSpec::Init::kInteger) {
      c.inputs[0].requires_grad = true;
      c.modes = kOracle;
    }
    cs.push_back(c);
  }
  return cs;
}

std::vector<OpCase> binary_cases() {
  std::vector<OpCase> cs;
  struct B {
    const char* name;
    Tensor (*f)(const Tensor&, const Tensor&);
    const char* torch;
  };
  const B bs[] = {{"add", &add, "x0 + x1"},
                  {"sub", &sub, "x0 - x1"},
                  {"mul", &mul, "x0 * x1"},
                  {"div", &div, "x0 / x1"},
                  {"maximum", &maximum, "torch.maximum(x0, x1)"},
                  {"minimum", &minimum, "torch.minimum(x0, x1)"}};
  for (const B& b : bs) {
    const std::string n = std::string("binary/") + b.name;
    const bool is_div = std::string(b.name) == "div";
    auto rhs = [&](Shape s) { return is_div ? positive(std::move(s)) : normal(std::move(s)); };
    cs.push_back(binary_case(n + "_same_4x5", normal({4, 5}), rhs({4, 5}), b.f, b.torch));
    cs.push_back(binary_case(n + "_bcast_row", normal({3, 4}), rhs({4}), b.f, b.torch));
    cs.push_back(binary_case(n + "_bcast_both", normal({3, 1, 5}), rhs({2, 1}), b.f, b.torch));
    cs.push_back(
        binary_case(n + "_noncontig", transposed(normal({5, 3})), rhs({5, 3}), b.f, b.torch));
    cs.push_back(binary_case(n + "_scalar_rhs", normal({2, 3}), rhs({}), b.f, b.torch));
    cs.push_back(binary_case(n + "_size1_dims", normal({1, 3, 1}), rhs({4, 1, 2}), b.f, b.torch));
  }
  cs.push_back(binary_case(
      "binary/pow_tensor", positive({3, 4}), normal({3, 4}),
      [](const Tensor& a, const Tensor& b) { return pow(a, b); }, "torch.pow(x0, x1)"));
  cs.push_back(binary_case("binary/add_empty", normal({0, 4}), normal({4}), add, "x0 + x1"));
  {
    OpCase c = binary_case(
        "binary/mul_scalar_double", normal({3, 3}), normal({1}, false),
        [](const Tensor& a, const Tensor&) { return a * 2.5 + 1.0; }, "x0 * 2.5 + 1.0");
    cs.push_back(c);
  }
  // Ties: maximum splits the gradient evenly where the inputs are equal.
  cs.push_back(binary_case("binary/maximum_ties", integers({3, 4}, -2, 2, DType::f32),
                           integers({3, 4}, -2, 2, DType::f32), maximum, "torch.maximum(x0, x1)"));
  cs.back().inputs[0].requires_grad = cs.back().inputs[1].requires_grad = true;
  cs.back().modes = kOracle;  // finite differences are undefined at ties
  return cs;
}

std::vector<OpCase> compare_cases() {
  std::vector<OpCase> cs;
  struct C {
    const char* name;
    Tensor (*f)(const Tensor&, const Tensor&);
    const char* torch;
  };
  const C ops[] = {{"eq", &eq, "x0 == x1"}, {"ne", &ne, "x0 != x1"}, {"lt", &lt, "x0 < x1"},
                   {"le", &le, "x0 <= x1"}, {"gt", &gt, "x0 > x1"},  {"ge", &ge, "x0 >= x1"}};
  for (const C& c : ops) {
    OpCase oc = binary_case(std::string("compare/") + c.name, integers({4, 5}, -2, 3),
                            integers({5}, -2, 3), c.f, c.torch);
    oc.modes = kOracle;
    cs.push_back(oc);
  }
  OpCase w;
  w.name = "where/bcast";
  w.inputs = {booleans({3, 4}), normal({3, 4}), normal({4})};
  w.run = [](const Ts& x) { return Ts{where(x[0], x[1], x[2])}; };
  w.torch = "torch.where(x0, x1, x2)";
  cs.push_back(w);
  OpCase ia = binary_case("binary/add_int64", integers({3, 4}, -50, 50), integers({4}, -5, 5), add,
                          "x0 + x1");
  ia.modes = kOracle;
  cs.push_back(ia);
  return cs;
}

std::vector<OpCase> perf_cases() {
  OpCase add_big = binary_case("binary/add_perf_8x64x56x56", normal({8, 64, 56, 56}, false),
                               normal({8, 64, 56, 56}, false), add, "x0 + x1");
  add_big.modes = kPerf;
  OpCase relu_big = unary_case("unary/relu_perf_8x64x56x56", normal({8, 64, 56, 56}, false), relu,
                               "torch.relu(x0)");
  relu_big.modes = kPerf;
  return {add_big, relu_big};
}

DC_OP_CASES(unary_cases());
DC_OP_CASES(binary_cases());
DC_OP_CASES(compare_cases());
DC_OP_CASES(perf_cases());

}  // namespace
}  // namespace dc
