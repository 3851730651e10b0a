#include "autograd/gradcheck.h"

#include <cmath>
#include <sstream>

#include "autograd/grad_mode.h"
#include "core/philox.h"

namespace dc {
namespace {

double projected(const Tensor& y, const std::vector<double>& r) {
  const std::vector<double> v = y.to_vector();
  double s = 0;
  for (size_t i = 0; i < v.size(); ++i) s += v[i] * r[i];
  return s;
}

}  // namespace

GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, const GradcheckOptions& options) {
  for (const Tensor& x : inputs) {
    if (!x.defined() || !x.requires_grad()) continue;
    DC_CHECK(x.dtype() == DType::f64 && x.device().is_cpu(),
             "gradcheck: inputs that require grad must be f64 CPU tensors, got ", x.str());
    DC_CHECK(x.is_leaf(), "gradcheck: inputs must be leaves, got a computed ", x.str());
  }
  std::vector<Tensor> xs = inputs;
  for (Tensor& x : xs) {
    if (x.defined() && x.requires_grad()) x.zero_grad();
  }
  Tensor y = f(xs);
  Generator gen(options.seed);
  std::vector<double> r(y.numel());
  for (size_t i = 0; i < r.size(); ++i) {
    auto b = gen.block(i);
    r[i] = uints_to_unit_double(b[0], b[1]) * 2.0 - 1.0;
  }
  GradcheckResult result;
  if (y.requires_grad()) {
    y.backward(tensor_from(r, y.sizes(), y.dtype()));
  }
  NoGradGuard no_grad;
  for (size_t k = 0; k < xs.size(); ++k) {
    Tensor& x = xs[k];
    if (!x.defined() || !x.requires_grad()) continue;
    const Tensor g = x.grad();
    const std::vector<double> analytic =
        g.defined() ? g.to_vector() : std::vector<double>(x.numel(), 0.0);
    double* base = x.data<double>();
    for (int64_t i = 0; i < x.numel(); ++i) {
      // Element i in row-major order, wherever the strides put it.
      int64_t off = 0, rem = i;
      for (int64_t d = x.dim() - 1; d >= 0; --d) {
        off += (rem % x.size(d)) * x.stride(d);
        rem /= x.size(d);
      }
      double* elem = base + off;
      const double orig = *elem;
      *elem = orig + options.eps;
      const double plus = projected(f(xs), r);
      *elem = orig - options.eps;
      const double minus = projected(f(xs), r);
      *elem = orig;
      const double numeric = (plus - minus) / (2 * options.eps);
      const double err = std::abs(numeric - analytic[i]);
      result.max_abs_error = std::max(result.max_abs_error, err);
      if (err > options.atol + options.rtol * std::abs(numeric) && result.ok) {
        result.ok = false;
        std::ostringstream os;
        os << "input " << k << " " << x.str() << " element " << i << ": analytic " << analytic[i]
           << " vs numeric " << numeric;
        result.message = os.str();
      }
    }
  }
  return result;
}

}  // namespace dc
