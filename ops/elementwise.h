// Elementwise unary and binary ops with NumPy broadcasting, comparisons and where.
#pragma once

#include "core/tensor.h"
#include "ops/dispatch.h"

namespace dc {

// --- unary ---
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor sign(const Tensor& x);  // no gradient (zero almost everywhere)
Tensor relu(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor square(const Tensor& x);
Tensor clamp(const Tensor& x, double min, double max);  // +-inf for a one-sided clamp
Tensor pow(const Tensor& x, double exponent);
// As F.leaky_relu: x where x > 0, else negative_slope * x. The gradient is g where x > 0 and
// g * negative_slope elsewhere (x == 0 included), as PyTorch's.
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);

// --- binary, broadcasting; the result dtype is the wider of the two ---
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);  // ties split the gradient, as PyTorch
Tensor minimum(const Tensor& a, const Tensor& b);

// A 0-d tensor of x's dtype and device holding v (for tensor-scalar arithmetic).
Tensor scalar_like(const Tensor& x, double v);

// --- comparisons (bool result, no gradient) and selection ---
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

// Promotion used by binary ops: floating beats integer, wider beats narrower.
DType promote_types(DType a, DType b);

inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator-(const Tensor& a) { return neg(a); }
inline Tensor operator+(const Tensor& a, double b) { return add(a, scalar_like(a, b)); }
inline Tensor operator-(const Tensor& a, double b) { return sub(a, scalar_like(a, b)); }
inline Tensor operator*(const Tensor& a, double b) { return mul(a, scalar_like(a, b)); }
inline Tensor operator/(const Tensor& a, double b) { return div(a, scalar_like(a, b)); }
inline Tensor operator+(double a, const Tensor& b) { return add(scalar_like(b, a), b); }
inline Tensor operator-(double a, const Tensor& b) { return sub(scalar_like(b, a), b); }
inline Tensor operator*(double a, const Tensor& b) { return mul(scalar_like(b, a), b); }
inline Tensor operator/(double a, const Tensor& b) { return div(scalar_like(b, a), b); }

// --- kernels (registered per device and dtype in ops/cpu/elementwise_cpu.cc) ---
enum class UnaryOp {
  kNeg,
  kExp,
  kLog,
  kSqrt,
  kAbs,
  kSign,
  kRelu,
  kSigmoid,
  kTanh,
  kSquare,
  kClamp,
  kPowScalar,
  kPowScalarGrad,  // out = p0 * x^(p0-1), the derivative of pow(x, p0)
  kLeakyRelu,      // x > 0 ? x : p0 * x
};
// Binary kernels, including the fused gradient formulas of the unary ops (a = grad, b = saved).
enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kPow,
  kMaximum,
  kMinimum,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kReluGrad,       // a * (b > 0)
  kSigmoidGrad,    // a * b * (1 - b), b = sigmoid output
  kTanhGrad,       // a * (1 - b^2), b = tanh output
  kClampGrad,      // a * (p0 <= b <= p1)
  kMaxGrad,        // 1 where a > b, 0.5 where a == b, 0 elsewhere (share of maximum's gradient)
  kMinGrad,        // 1 where a < b, 0.5 where equal
  kLeakyReluGrad,  // b > 0 ? a : a * p0, b = leaky_relu input
};
// out has the broadcast shape; inputs are already expanded (zero strides) and of out's dtype
// (comparisons: inputs share a dtype, out is bool).
using UnaryKernelFn = void(UnaryOp op, const Tensor& out, const Tensor& in, double p0, double p1);
using BinaryKernelFn = void(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b,
                            double p0, double p1);
using WhereKernelFn = void(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b);
DC_DECLARE_KERNEL(unary_kernel, UnaryKernelFn)
DC_DECLARE_KERNEL(binary_kernel, BinaryKernelFn)
DC_DECLARE_KERNEL(where_kernel, WhereKernelFn)

// Raw (non-recording) binary op with broadcasting; used by backward formulas and other ops.
Tensor binary_raw(BinaryOp op, const Tensor& a, const Tensor& b, double p0 = 0, double p1 = 0);
Tensor unary_raw(UnaryOp op, const Tensor& x, double p0 = 0, double p1 = 0);

}  // namespace dc
