#include "ops/op_case.h"

#include <cmath>

#include "core/copy.h"
#include "core/philox.h"

namespace dc {

InputSpec normal(Shape shape, bool requires_grad) {
  InputSpec s;
  s.shape = std::move(shape);
  s.requires_grad = requires_grad;
  return s;
}
InputSpec uniform(Shape shape, double low, double high, bool requires_grad) {
  InputSpec s = normal(std::move(shape), requires_grad);
  s.init = InputSpec::Init::kUniform;
  s.low = low;
  s.high = high;
  return s;
}
InputSpec positive(Shape shape, bool requires_grad) {
  InputSpec s = uniform(std::move(shape), 0.5, 2.0, requires_grad);
  s.init = InputSpec::Init::kPositive;
  return s;
}
InputSpec integers(Shape shape, int64_t low, int64_t high, DType dtype) {
  InputSpec s = uniform(std::move(shape), low, high, false);
  s.init = InputSpec::Init::kInteger;
  s.dtype = dtype;
  return s;
}
InputSpec booleans(Shape shape) {
  InputSpec s = normal(std::move(shape), false);
  s.init = InputSpec::Init::kBool;
  s.dtype = DType::b8;
  return s;
}
InputSpec transposed(InputSpec spec) {
  spec.transposed = true;
  return spec;
}

OpCase make_case(const std::string& name, std::vector<InputSpec> inputs,
                 std::function<std::vector<Tensor>(const std::vector<Tensor>&)> run,
                 const std::string& torch, unsigned modes) {
  OpCase c;
  c.name = name;
  c.inputs = std::move(inputs);
  c.run = std::move(run);
  c.torch = torch;
  c.modes = modes;
  return c;
}

OpCase binary_case(const std::string& name, InputSpec a, InputSpec b,
                   std::function<Tensor(const Tensor&, const Tensor&)> f,
                   const std::string& torch) {
  return make_case(
      name, {std::move(a), std::move(b)},
      [f](const std::vector<Tensor>& x) { return std::vector<Tensor>{f(x[0], x[1])}; }, torch);
}

namespace {
std::vector<OpCase>& registry() {
  static auto* r = new std::vector<OpCase>();
  return *r;
}
}  // namespace

bool register_op_cases(const std::vector<OpCase>& cases) {
  for (const OpCase& c : cases) {
    for (const OpCase& o : registry()) {
      DC_CHECK(o.name != c.name, "op case '", c.name, "' registered twice");
    }
    registry().push_back(c);
  }
  return true;
}

const std::vector<OpCase>& all_op_cases() { return registry(); }

std::vector<Tensor> make_case_inputs(const OpCase& c, uint64_t seed, DType float_dtype) {
  std::vector<Tensor> out;
  for (size_t k = 0; k < c.inputs.size(); ++k) {
    const InputSpec& s = c.inputs[k];
    Generator gen(seed * 1000003 + k);
    std::vector<double> v(shape_numel(s.shape));
    for (size_t i = 0; i < v.size(); ++i) {
      const auto b = gen.block(i);
      const double u = uints_to_unit_double(b[0], b[1]);
      switch (s.init) {
        case InputSpec::Init::kNormal: {
          const double u2 = uints_to_unit_double(b[2], b[3]);
          v[i] = std::sqrt(-2.0 * std::log(1.0 - u)) * std::cos(2.0 * M_PI * u2);
          break;
        }
        case InputSpec::Init::kUniform:
        case InputSpec::Init::kPositive:
          v[i] = s.low + (s.high - s.low) * u;
          break;
        case InputSpec::Init::kInteger:
          v[i] = std::floor(s.low + (s.high - s.low) * u);
          break;
        case InputSpec::Init::kBool:
          v[i] = u < 0.5 ? 1.0 : 0.0;
          break;
      }
    }
    const DType dtype = is_floating(s.dtype) ? float_dtype : s.dtype;
    Tensor t;
    if (s.transposed && s.shape.size() >= 2) {
      // Lay the values out in the transposed shape, then view them back: same logical values,
      // non-contiguous strides.
      Shape ts = s.shape;
      std::swap(ts[ts.size() - 1], ts[ts.size() - 2]);
      Tensor base = empty(ts, dtype);
      Shape st = base.strides();
      std::swap(st[st.size() - 1], st[st.size() - 2]);
      t = base.as_strided(s.shape, st, 0);
      copy_into(t, tensor_from(v, s.shape, DType::f64));
    } else {
      t = tensor_from(v, s.shape, dtype);
    }
    if (s.requires_grad && is_floating(dtype)) t.set_requires_grad(true);
    out.push_back(t);
  }
  return out;
}

}  // namespace dc
