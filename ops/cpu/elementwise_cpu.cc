// CPU kernels of the elementwise ops: one strided loop per call, split across the thread pool;
// when every operand is contiguous along the merged inner dim the loop body is a plain array loop
// that the compiler vectorizes.
#include <cmath>

#include "core/strided_loop.h"
#include "core/thread_pool.h"
#include "ops/elementwise.h"

namespace dc {
namespace {

constexpr int64_t kGrain = 32768;

template <typename Out, typename In, typename F>
void map1(const Tensor& out, const Tensor& in, F f) {
  StridedLoop<2> loop(out.sizes(), {out.strides(), in.strides()});
  Out* o = static_cast<Out*>(out.raw_data());
  const In* x = static_cast<const In*>(in.raw_data());
  const int64_t so = loop.inner_stride(0), sx = loop.inner_stride(1);
  parallel_for(0, loop.numel(), kGrain, [&](int64_t b, int64_t e) {
    loop.run(b, e, [&](const std::array<int64_t, 2>& off, int64_t n) {
      Out* op = o + off[0];
      const In* xp = x + off[1];
      if (so == 1 && sx == 1) {
        for (int64_t i = 0; i < n; ++i) op[i] = f(xp[i]);
      } else {
        for (int64_t i = 0; i < n; ++i) op[i * so] = f(xp[i * sx]);
      }
    });
  });
}

template <typename Out, typename In, typename F>
void map2(const Tensor& out, const Tensor& a, const Tensor& b, F f) {
  StridedLoop<3> loop(out.sizes(), {out.strides(), a.strides(), b.strides()});
  Out* o = static_cast<Out*>(out.raw_data());
  const In* pa = static_cast<const In*>(a.raw_data());
  const In* pb = static_cast<const In*>(b.raw_data());
  const int64_t so = loop.inner_stride(0), sa = loop.inner_stride(1), sb = loop.inner_stride(2);
  parallel_for(0, loop.numel(), kGrain, [&](int64_t beg, int64_t end) {
    loop.run(beg, end, [&](const std::array<int64_t, 3>& off, int64_t n) {
      Out* op = o + off[0];
      const In* ap = pa + off[1];
      const In* bp = pb + off[2];
      if (so == 1 && sa == 1 && sb == 1) {
        for (int64_t i = 0; i < n; ++i) op[i] = f(ap[i], bp[i]);
      } else if (so == 1 && sa == 1 && sb == 0) {  // tensor op scalar / broadcast row
        const In bv = bp[0];
        for (int64_t i = 0; i < n; ++i) op[i] = f(ap[i], bv);
      } else {
        for (int64_t i = 0; i < n; ++i) op[i * so] = f(ap[i * sa], bp[i * sb]);
      }
    });
  });
}

template <typename T>
void unary_cpu(UnaryOp op, const Tensor& out, const Tensor& in, double p0, double p1) {
  const T lo = static_cast<T>(p0), hi = static_cast<T>(p1);
  switch (op) {
    case UnaryOp::kNeg:
      return map1<T, T>(out, in, [](T x) { return static_cast<T>(-x); });
    case UnaryOp::kAbs:
      return map1<T, T>(out, in, [](T x) { return x < T(0) ? static_cast<T>(-x) : x; });
    case UnaryOp::kSign:
      return map1<T, T>(out, in, [](T x) { return static_cast<T>((T(0) < x) - (x < T(0))); });
    case UnaryOp::kSquare:
      return map1<T, T>(out, in, [](T x) { return static_cast<T>(x * x); });
    case UnaryOp::kRelu:
      return map1<T, T>(out, in, [](T x) { return x > T(0) ? x : T(0); });
    case UnaryOp::kClamp:
      return map1<T, T>(out, in, [&](T x) {
        // NaN propagates, as in PyTorch.
        return x != x ? x : (x < lo ? lo : (x > hi ? hi : x));
      });
    default:
      break;
  }
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case UnaryOp::kExp:
        return map1<T, T>(out, in, [](T x) { return std::exp(x); });
      case UnaryOp::kLog:
        return map1<T, T>(out, in, [](T x) { return std::log(x); });
      case UnaryOp::kSqrt:
        return map1<T, T>(out, in, [](T x) { return std::sqrt(x); });
      case UnaryOp::kSigmoid:
        return map1<T, T>(out, in, [](T x) { return T(1) / (T(1) + std::exp(-x)); });
      case UnaryOp::kTanh:
        return map1<T, T>(out, in, [](T x) { return std::tanh(x); });
      case UnaryOp::kPowScalar: {
        const T p = static_cast<T>(p0);
        if (p0 == 2) return map1<T, T>(out, in, [](T x) { return x * x; });
        return map1<T, T>(out, in, [p](T x) { return std::pow(x, p); });
      }
      case UnaryOp::kLeakyRelu: {
        const T slope = static_cast<T>(p0);
        return map1<T, T>(out, in, [slope](T x) { return x > T(0) ? x : x * slope; });
      }
      case UnaryOp::kPowScalarGrad: {
        const T p = static_cast<T>(p0);
        return map1<T, T>(out, in, [p](T x) { return p == T(0) ? T(0) : p * std::pow(x, p - 1); });
      }
      default:
        break;
    }
  }
  DC_FAIL("unary op ", static_cast<int>(op), ": no CPU kernel for dtype ", dtype_name(out.dtype()));
}

template <typename T>
void binary_cpu(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b, double p0,
                double p1) {
  switch (op) {
    case BinaryOp::kAdd:
      return map2<T, T>(out, a, b, [](T x, T y) { return static_cast<T>(x + y); });
    case BinaryOp::kSub:
      return map2<T, T>(out, a, b, [](T x, T y) { return static_cast<T>(x - y); });
    case BinaryOp::kMul:
      return map2<T, T>(out, a, b, [](T x, T y) { return static_cast<T>(x * y); });
    case BinaryOp::kDiv:
      if constexpr (std::is_integral_v<T>) {
        DC_FAIL("div: integer division is not supported (convert to a floating dtype), got ",
                dtype_name(a.dtype()));
      } else {
        return map2<T, T>(out, a, b, [](T x, T y) { return x / y; });
      }
    case BinaryOp::kMaximum:
      return map2<T, T>(out, a, b, [](T x, T y) { return (x > y || x != x) ? x : y; });
    case BinaryOp::kMinimum:
      return map2<T, T>(out, a, b, [](T x, T y) { return (x < y || x != x) ? x : y; });
    case BinaryOp::kEq:
      return map2<bool, T>(out, a, b, [](T x, T y) { return x == y; });
    case BinaryOp::kNe:
      return map2<bool, T>(out, a, b, [](T x, T y) { return x != y; });
    case BinaryOp::kLt:
      return map2<bool, T>(out, a, b, [](T x, T y) { return x < y; });
    case BinaryOp::kLe:
      return map2<bool, T>(out, a, b, [](T x, T y) { return x <= y; });
    case BinaryOp::kGt:
      return map2<bool, T>(out, a, b, [](T x, T y) { return x > y; });
    case BinaryOp::kGe:
      return map2<bool, T>(out, a, b, [](T x, T y) { return x >= y; });
    default:
      break;
  }
  if constexpr (std::is_floating_point_v<T>) {
    const T lo = static_cast<T>(p0), hi = static_cast<T>(p1);
    switch (op) {
      case BinaryOp::kPow:
        return map2<T, T>(out, a, b, [](T x, T y) { return std::pow(x, y); });
      case BinaryOp::kReluGrad:
        return map2<T, T>(out, a, b, [](T g, T y) { return y > T(0) ? g : T(0); });
      case BinaryOp::kLeakyReluGrad:
        return map2<T, T>(out, a, b, [lo](T g, T x) { return x > T(0) ? g : g * lo; });
      case BinaryOp::kSigmoidGrad:
        return map2<T, T>(out, a, b, [](T g, T y) { return g * y * (T(1) - y); });
      case BinaryOp::kTanhGrad:
        return map2<T, T>(out, a, b, [](T g, T y) { return g * (T(1) - y * y); });
      case BinaryOp::kClampGrad:
        return map2<T, T>(out, a, b, [lo, hi](T g, T x) { return x >= lo && x <= hi ? g : T(0); });
      case BinaryOp::kMaxGrad:
        return map2<T, T>(out, a, b,
                          [](T x, T y) { return x > y ? T(1) : (x == y ? T(0.5) : T(0)); });
      case BinaryOp::kMinGrad:
        return map2<T, T>(out, a, b,
                          [](T x, T y) { return x < y ? T(1) : (x == y ? T(0.5) : T(0)); });
      default:
        break;
    }
  }
  DC_FAIL("binary op ", static_cast<int>(op), ": no CPU kernel for dtype ", dtype_name(a.dtype()));
}

template <typename T>
void where_cpu(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b) {
  StridedLoop<4> loop(out.sizes(), {out.strides(), cond.strides(), a.strides(), b.strides()});
  T* o = static_cast<T*>(out.raw_data());
  const bool* c = static_cast<const bool*>(cond.raw_data());
  const T* pa = static_cast<const T*>(a.raw_data());
  const T* pb = static_cast<const T*>(b.raw_data());
  const int64_t s0 = loop.inner_stride(0), s1 = loop.inner_stride(1), s2 = loop.inner_stride(2),
                s3 = loop.inner_stride(3);
  parallel_for(0, loop.numel(), kGrain, [&](int64_t beg, int64_t end) {
    loop.run(beg, end, [&](const std::array<int64_t, 4>& off, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        o[off[0] + i * s0] = c[off[1] + i * s1] ? pa[off[2] + i * s2] : pb[off[3] + i * s3];
      }
    });
  });
}

#define DC_REGISTER_ELEMENTWISE(dtype, type)                        \
  DC_REGISTER_KERNEL(unary_kernel, CPU, dtype, &unary_cpu<type>);   \
  DC_REGISTER_KERNEL(binary_kernel, CPU, dtype, &binary_cpu<type>); \
  DC_REGISTER_KERNEL(where_kernel, CPU, dtype, &where_cpu<type>)

DC_REGISTER_ELEMENTWISE(f32, float);
DC_REGISTER_ELEMENTWISE(f64, double);
DC_REGISTER_ELEMENTWISE(i32, int32_t);
DC_REGISTER_ELEMENTWISE(i64, int64_t);
DC_REGISTER_ELEMENTWISE(u8, uint8_t);
DC_REGISTER_KERNEL(where_kernel, CPU, b8, &where_cpu<bool>);

}  // namespace
}  // namespace dc
