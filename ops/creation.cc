#include "ops/creation.h"

#include <cmath>

#include "core/copy.h"
#include "core/thread_pool.h"

namespace dc {

Tensor full(const Shape& shape, double value, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  fill_(t, value);
  return t;
}
Tensor zeros(const Shape& shape, DType dtype, Device device) {
  return full(shape, 0.0, dtype, device);
}
Tensor ones(const Shape& shape, DType dtype, Device device) {
  return full(shape, 1.0, dtype, device);
}
Tensor zeros_like(const Tensor& t) { return zeros(t.sizes(), t.dtype(), t.device()); }
Tensor ones_like(const Tensor& t) { return ones(t.sizes(), t.dtype(), t.device()); }
Tensor full_like(const Tensor& t, double value) {
  return full(t.sizes(), value, t.dtype(), t.device());
}

Tensor arange(double start, double end, double step, DType dtype) {
  DC_CHECK(step != 0, "arange: step must be nonzero");
  const int64_t n = std::max<int64_t>(0, static_cast<int64_t>(std::ceil((end - start) / step)));
  std::vector<double> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = start + i * step;
  return tensor_from(v, {n}, dtype);
}
Tensor arange(int64_t end, DType dtype) { return arange(0, static_cast<double>(end), 1, dtype); }

namespace {

// Fills a f64 buffer of n values from the generator, value i from counter first + i.
template <typename F>
Tensor generate(const Shape& shape, DType dtype, Generator& gen, F&& value_of_block) {
  const int64_t n = shape_numel(shape);
  const uint64_t first = gen.advance(static_cast<uint64_t>(n));
  Tensor buf = empty(shape, DType::f64);
  double* p = buf.data<double>();
  parallel_for(0, n, 4096, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) p[i] = value_of_block(gen.block(first + i));
  });
  if (dtype == DType::f64) return buf;
  Tensor out = empty(shape, dtype);
  copy_into(out, buf);
  return out;
}

}  // namespace

Tensor rand(const Shape& shape, DType dtype, Generator& gen) {
  DC_CHECK(is_floating(dtype), "rand: expected a floating dtype, got ", dtype_name(dtype));
  return generate(shape, dtype, gen, [](const std::array<uint32_t, 4>& b) {
    return uints_to_unit_double(b[0], b[1]);
  });
}

Tensor randn(const Shape& shape, DType dtype, Generator& gen) {
  DC_CHECK(is_floating(dtype), "randn: expected a floating dtype, got ", dtype_name(dtype));
  return generate(shape, dtype, gen, [](const std::array<uint32_t, 4>& b) {
    // Box-Muller on two independent 53-bit uniforms; 1 - u keeps the log argument positive.
    const double u1 = 1.0 - uints_to_unit_double(b[0], b[1]);
    const double u2 = uints_to_unit_double(b[2], b[3]);
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  });
}

Tensor randint(int64_t low, int64_t high, const Shape& shape, DType dtype, Generator& gen) {
  DC_CHECK(high > low, "randint: expected low < high, got [", low, ", ", high, ")");
  const double range = static_cast<double>(high - low);
  return generate(shape, dtype, gen, [&](const std::array<uint32_t, 4>& b) {
    return static_cast<double>(low +
                               static_cast<int64_t>(uints_to_unit_double(b[0], b[1]) * range));
  });
}

Tensor bernoulli(const Tensor& p, Generator& gen) {
  const std::vector<double> probs = p.to_vector();
  for (double q : probs) {
    DC_CHECK(q >= 0 && q <= 1, "bernoulli: probabilities must be in [0, 1], got ", q);
  }
  Tensor u = rand(p.sizes(), DType::f64, gen);
  const double* up = u.data<double>();
  std::vector<double> v(probs.size());
  for (size_t i = 0; i < v.size(); ++i) v[i] = up[i] < probs[i] ? 1.0 : 0.0;
  return tensor_from(v, p.sizes(), p.dtype());
}

}  // namespace dc
