// CUDA kernels of the elementwise ops (ops/elementwise.h) for f32, f16 and bf16; half types compute
// in float. Every kernel is a grid-stride loop. When all operands are contiguous (a broadcast
// scalar counts: it is read once per thread) a kernel moves 16-byte vectors; otherwise each
// element's offsets come from the merged-dims offset calculator.
#include "core/cuda/launch.cuh"
#include "ops/elementwise.h"

namespace dc {
namespace {

using namespace cuda_detail;

template <typename T, int V>
struct alignas(sizeof(T) * V) Vec {
  T v[V];
};

// --- functors: operator()(x) or (a, b) on the arithmetic type M ---

#define DC_UNARY_FUNCTOR(Name, expr)                     \
  struct Name {                                          \
    float p0, p1;                                        \
    template <typename M>                                \
    __device__ __forceinline__ M operator()(M x) const { \
      return expr;                                       \
    }                                                    \
  };

DC_UNARY_FUNCTOR(NegF, -x)
DC_UNARY_FUNCTOR(ExpF, ::expf(x))
DC_UNARY_FUNCTOR(LogF, ::logf(x))
DC_UNARY_FUNCTOR(SqrtF, ::sqrtf(x))
DC_UNARY_FUNCTOR(AbsF, x < M(0) ? -x : x)
DC_UNARY_FUNCTOR(SignF, static_cast<M>((M(0) < x) - (x < M(0))))
DC_UNARY_FUNCTOR(ReluF, x > M(0) ? x : M(0))
DC_UNARY_FUNCTOR(SigmoidF, M(1) / (M(1) + ::expf(-x)))
DC_UNARY_FUNCTOR(TanhF, ::tanhf(x))
DC_UNARY_FUNCTOR(SquareF, x* x)
// NaN propagates, as in PyTorch.
DC_UNARY_FUNCTOR(ClampF, x != x ? x : (x < M(p0) ? M(p0) : (x > M(p1) ? M(p1) : x)))
DC_UNARY_FUNCTOR(PowScalarF, p0 == 2.0f ? x * x : ::powf(x, M(p0)))
DC_UNARY_FUNCTOR(PowScalarGradF, p0 == 0.0f ? M(0) : M(p0) * ::powf(x, M(p0) - M(1)))
DC_UNARY_FUNCTOR(LeakyReluF, x > M(0) ? x : x * M(p0))

#define DC_BINARY_FUNCTOR(Name, R, expr)                      \
  struct Name {                                               \
    float p0, p1;                                             \
    template <typename M>                                     \
    __device__ __forceinline__ R operator()(M a, M b) const { \
      return expr;                                            \
    }                                                         \
  };

DC_BINARY_FUNCTOR(AddF, M, a + b)
DC_BINARY_FUNCTOR(SubF, M, a - b)
DC_BINARY_FUNCTOR(MulF, M, a* b)
DC_BINARY_FUNCTOR(DivF, M, a / b)
DC_BINARY_FUNCTOR(PowF, M, ::powf(a, b))
DC_BINARY_FUNCTOR(MaximumF, M, (a > b || a != a) ? a : b)
DC_BINARY_FUNCTOR(MinimumF, M, (a < b || a != a) ? a : b)
DC_BINARY_FUNCTOR(EqF, bool, a == b)
DC_BINARY_FUNCTOR(NeF, bool, a != b)
DC_BINARY_FUNCTOR(LtF, bool, a < b)
DC_BINARY_FUNCTOR(LeF, bool, a <= b)
DC_BINARY_FUNCTOR(GtF, bool, a > b)
DC_BINARY_FUNCTOR(GeF, bool, a >= b)
DC_BINARY_FUNCTOR(ReluGradF, M, b > M(0) ? a : M(0))
DC_BINARY_FUNCTOR(SigmoidGradF, M, a* b*(M(1) - b))
DC_BINARY_FUNCTOR(TanhGradF, M, a*(M(1) - b * b))
DC_BINARY_FUNCTOR(ClampGradF, M, b >= M(p0) && b <= M(p1) ? a : M(0))
DC_BINARY_FUNCTOR(MaxGradF, M, a > b ? M(1) : (a == b ? M(0.5) : M(0)))
DC_BINARY_FUNCTOR(MinGradF, M, a < b ? M(1) : (a == b ? M(0.5) : M(0)))
DC_BINARY_FUNCTOR(LeakyReluGradF, M, b > M(0) ? a : a * M(p0))

// --- kernels ---

template <typename T, int V, typename F>
__global__ void unary_vec_kernel(T* __restrict__ out, const T* __restrict__ in, int64_t n, F f) {
  using M = opmath_t<T>;
  const int64_t stride = int64_t(blockDim.x) * gridDim.x;
  const int64_t tid = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  const int64_t nvec = n / V;
  for (int64_t i = tid; i < nvec; i += stride) {
    Vec<T, V> x = reinterpret_cast<const Vec<T, V>*>(in)[i];
#pragma unroll
    for (int j = 0; j < V; ++j) x.v[j] = cast<T>(f(cast<M>(x.v[j])));
    reinterpret_cast<Vec<T, V>*>(out)[i] = x;
  }
  for (int64_t i = nvec * V + tid; i < n; i += stride) out[i] = cast<T>(f(cast<M>(in[i])));
}

template <typename T, typename F>
__global__ void unary_strided_kernel(char* out, const char* in, OffsetCalc<2> calc, int64_t n,
                                     F f) {
  using M = opmath_t<T>;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    int64_t off[2];
    calc.get(i, off);
    *reinterpret_cast<T*>(out + off[0]) =
        cast<T>(f(cast<M>(*reinterpret_cast<const T*>(in + off[1]))));
  }
}

// a_scalar / b_scalar: that operand is one broadcast value (read once per thread).
template <typename T, typename O, int V, typename F>
__global__ void binary_vec_kernel(O* __restrict__ out, const T* __restrict__ a,
                                  const T* __restrict__ b, bool a_scalar, bool b_scalar, int64_t n,
                                  F f) {
  using M = opmath_t<T>;
  const int64_t stride = int64_t(blockDim.x) * gridDim.x;
  const int64_t tid = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  const int64_t nvec = n / V;
  const M as = a_scalar ? cast<M>(a[0]) : M(0);
  const M bs = b_scalar ? cast<M>(b[0]) : M(0);
  for (int64_t i = tid; i < nvec; i += stride) {
    Vec<T, V> x, y;
    if (!a_scalar) x = reinterpret_cast<const Vec<T, V>*>(a)[i];
    if (!b_scalar) y = reinterpret_cast<const Vec<T, V>*>(b)[i];
    Vec<O, V> r;
#pragma unroll
    for (int j = 0; j < V; ++j) {
      r.v[j] = cast<O>(f(a_scalar ? as : cast<M>(x.v[j]), b_scalar ? bs : cast<M>(y.v[j])));
    }
    reinterpret_cast<Vec<O, V>*>(out)[i] = r;
  }
  for (int64_t i = nvec * V + tid; i < n; i += stride) {
    out[i] = cast<O>(f(a_scalar ? as : cast<M>(a[i]), b_scalar ? bs : cast<M>(b[i])));
  }
}

template <typename T, typename O, typename F>
__global__ void binary_strided_kernel(char* out, const char* a, const char* b, OffsetCalc<3> calc,
                                      int64_t n, F f) {
  using M = opmath_t<T>;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    int64_t off[3];
    calc.get(i, off);
    *reinterpret_cast<O*>(out + off[0]) =
        cast<O>(f(cast<M>(*reinterpret_cast<const T*>(a + off[1])),
                  cast<M>(*reinterpret_cast<const T*>(b + off[2]))));
  }
}

template <typename T>
__global__ void where_kernel_impl(char* out, const char* cond, const char* a, const char* b,
                                  OffsetCalc<4> calc, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    int64_t off[4];
    calc.get(i, off);
    const bool c = *reinterpret_cast<const bool*>(cond + off[1]);
    *reinterpret_cast<T*>(out + off[0]) =
        *reinterpret_cast<const T*>((c ? a + off[2] : b + off[3]));
  }
}

// --- launchers ---

bool aligned16(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

// Contiguous, or a broadcast single value (all strides 0).
bool is_scalar_view(const Tensor& t) {
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (t.size(d) != 1 && t.stride(d) != 0) return false;
  }
  return true;
}

template <typename H, typename F>
void launch_unary(const Tensor& out, const Tensor& in, F f) {
  using T = device_t<H>;
  constexpr int V = 16 / sizeof(T);
  const int device = out.device().index;
  CudaDeviceGuard guard(device);
  cudaStream_t stream = stream_of(out);
  const int64_t n = out.numel();
  if (in.is_contiguous() && aligned16(in.raw_data()) && aligned16(out.raw_data())) {
    unary_vec_kernel<T, V><<<grid_for((n + V - 1) / V, device), kThreads, 0, stream>>>(
        static_cast<T*>(out.raw_data()), static_cast<const T*>(in.raw_data()), n, f);
  } else {
    const auto calc = make_offset_calc<2>({&out, &in}, "unary");
    unary_strided_kernel<T><<<grid_for(n, device), kThreads, 0, stream>>>(
        static_cast<char*>(out.raw_data()), static_cast<const char*>(in.raw_data()), calc, n, f);
  }
  check_launch("unary");
}

template <typename H, typename O, typename F>
void launch_binary(const Tensor& out, const Tensor& a, const Tensor& b, F f) {
  using T = device_t<H>;
  constexpr int V = 16 / sizeof(T);
  const int device = out.device().index;
  CudaDeviceGuard guard(device);
  cudaStream_t stream = stream_of(out);
  const int64_t n = out.numel();
  const bool as = is_scalar_view(a) && n > 1, bs = is_scalar_view(b) && n > 1;
  const bool a_ok = as || (a.is_contiguous() && aligned16(a.raw_data()));
  const bool b_ok = bs || (b.is_contiguous() && aligned16(b.raw_data()));
  if (a_ok && b_ok && aligned16(out.raw_data())) {
    binary_vec_kernel<T, O, V><<<grid_for((n + V - 1) / V, device), kThreads, 0, stream>>>(
        static_cast<O*>(out.raw_data()), static_cast<const T*>(a.raw_data()),
        static_cast<const T*>(b.raw_data()), as, bs, n, f);
  } else {
    const auto calc = make_offset_calc<3>({&out, &a, &b}, "binary");
    binary_strided_kernel<T, O><<<grid_for(n, device), kThreads, 0, stream>>>(
        static_cast<char*>(out.raw_data()), static_cast<const char*>(a.raw_data()),
        static_cast<const char*>(b.raw_data()), calc, n, f);
  }
  check_launch("binary");
}

template <typename H>
void unary_cuda(UnaryOp op, const Tensor& out, const Tensor& in, double p0, double p1) {
  const float q0 = static_cast<float>(p0), q1 = static_cast<float>(p1);
  switch (op) {
    case UnaryOp::kNeg:
      return launch_unary<H>(out, in, NegF{q0, q1});
    case UnaryOp::kExp:
      return launch_unary<H>(out, in, ExpF{q0, q1});
    case UnaryOp::kLog:
      return launch_unary<H>(out, in, LogF{q0, q1});
    case UnaryOp::kSqrt:
      return launch_unary<H>(out, in, SqrtF{q0, q1});
    case UnaryOp::kAbs:
      return launch_unary<H>(out, in, AbsF{q0, q1});
    case UnaryOp::kSign:
      return launch_unary<H>(out, in, SignF{q0, q1});
    case UnaryOp::kRelu:
      return launch_unary<H>(out, in, ReluF{q0, q1});
    case UnaryOp::kSigmoid:
      return launch_unary<H>(out, in, SigmoidF{q0, q1});
    case UnaryOp::kTanh:
      return launch_unary<H>(out, in, TanhF{q0, q1});
    case UnaryOp::kSquare:
      return launch_unary<H>(out, in, SquareF{q0, q1});
    case UnaryOp::kClamp:
      return launch_unary<H>(out, in, ClampF{q0, q1});
    case UnaryOp::kPowScalar:
      return launch_unary<H>(out, in, PowScalarF{q0, q1});
    case UnaryOp::kPowScalarGrad:
      return launch_unary<H>(out, in, PowScalarGradF{q0, q1});
    case UnaryOp::kLeakyRelu:
      return launch_unary<H>(out, in, LeakyReluF{q0, q1});
  }
  DC_FAIL("unary: no CUDA kernel for op ", static_cast<int>(op));
}

template <typename H>
void binary_cuda(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b, double p0,
                 double p1) {
  using T = device_t<H>;
  const float q0 = static_cast<float>(p0), q1 = static_cast<float>(p1);
  switch (op) {
    case BinaryOp::kAdd:
      return launch_binary<H, T>(out, a, b, AddF{q0, q1});
    case BinaryOp::kSub:
      return launch_binary<H, T>(out, a, b, SubF{q0, q1});
    case BinaryOp::kMul:
      return launch_binary<H, T>(out, a, b, MulF{q0, q1});
    case BinaryOp::kDiv:
      return launch_binary<H, T>(out, a, b, DivF{q0, q1});
    case BinaryOp::kPow:
      return launch_binary<H, T>(out, a, b, PowF{q0, q1});
    case BinaryOp::kMaximum:
      return launch_binary<H, T>(out, a, b, MaximumF{q0, q1});
    case BinaryOp::kMinimum:
      return launch_binary<H, T>(out, a, b, MinimumF{q0, q1});
    case BinaryOp::kEq:
      return launch_binary<H, bool>(out, a, b, EqF{q0, q1});
    case BinaryOp::kNe:
      return launch_binary<H, bool>(out, a, b, NeF{q0, q1});
    case BinaryOp::kLt:
      return launch_binary<H, bool>(out, a, b, LtF{q0, q1});
    case BinaryOp::kLe:
      return launch_binary<H, bool>(out, a, b, LeF{q0, q1});
    case BinaryOp::kGt:
      return launch_binary<H, bool>(out, a, b, GtF{q0, q1});
    case BinaryOp::kGe:
      return launch_binary<H, bool>(out, a, b, GeF{q0, q1});
    case BinaryOp::kReluGrad:
      return launch_binary<H, T>(out, a, b, ReluGradF{q0, q1});
    case BinaryOp::kSigmoidGrad:
      return launch_binary<H, T>(out, a, b, SigmoidGradF{q0, q1});
    case BinaryOp::kTanhGrad:
      return launch_binary<H, T>(out, a, b, TanhGradF{q0, q1});
    case BinaryOp::kClampGrad:
      return launch_binary<H, T>(out, a, b, ClampGradF{q0, q1});
    case BinaryOp::kMaxGrad:
      return launch_binary<H, T>(out, a, b, MaxGradF{q0, q1});
    case BinaryOp::kMinGrad:
      return launch_binary<H, T>(out, a, b, MinGradF{q0, q1});
    case BinaryOp::kLeakyReluGrad:
      return launch_binary<H, T>(out, a, b, LeakyReluGradF{q0, q1});
  }
  DC_FAIL("binary: no CUDA kernel for op ", static_cast<int>(op));
}

template <typename H>
void where_cuda(const Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b) {
  const int device = out.device().index;
  CudaDeviceGuard guard(device);
  const int64_t n = out.numel();
  const auto calc = make_offset_calc<4>({&out, &cond, &a, &b}, "where");
  where_kernel_impl<device_t<H>><<<grid_for(n, device), kThreads, 0, stream_of(out)>>>(
      static_cast<char*>(out.raw_data()), static_cast<const char*>(cond.raw_data()),
      static_cast<const char*>(a.raw_data()), static_cast<const char*>(b.raw_data()), calc, n);
  check_launch("where");
}

DC_REGISTER_KERNEL(unary_kernel, CUDA, f32, &unary_cuda<float>);
DC_REGISTER_KERNEL(unary_kernel, CUDA, f16, &unary_cuda<Half>);
DC_REGISTER_KERNEL(unary_kernel, CUDA, bf16, &unary_cuda<BFloat16>);
DC_REGISTER_KERNEL(binary_kernel, CUDA, f32, &binary_cuda<float>);
DC_REGISTER_KERNEL(binary_kernel, CUDA, f16, &binary_cuda<Half>);
DC_REGISTER_KERNEL(binary_kernel, CUDA, bf16, &binary_cuda<BFloat16>);
DC_REGISTER_KERNEL(where_kernel, CUDA, f32, &where_cuda<float>);
DC_REGISTER_KERNEL(where_kernel, CUDA, f16, &where_cuda<Half>);
DC_REGISTER_KERNEL(where_kernel, CUDA, bf16, &where_cuda<BFloat16>);

}  // namespace
}  // namespace dc
