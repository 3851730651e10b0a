// CUDA kernels of the reductions (ops/reduce.h) for f32, f16 and bf16, accumulating in float.
//
// The input is a contiguous [outer, r] matrix whose rows are reduced. A group of threads (a warp
// for short rows, a 256-thread block for long ones) reduces one row, or one chunk of a row when
// there are too few rows to fill the GPU; chunk results then meet in a second, small kernel. Max
// and min follow the CPU kernel: NaN wins, and the first index wins ties.
#include <cfloat>

#include "core/cuda/launch.cuh"
#include "ops/reduce.h"

namespace dc {
namespace {

using namespace cuda_detail;

struct Acc {
  float v;
  int64_t i;
};

enum Kind { kSum = 0, kSumSq = 1, kSumAbsPow = 2, kMax = 3, kMin = 4 };

template <int K>
struct Red {
  __device__ __forceinline__ static Acc identity() {
    if constexpr (K == kMax) return {-FLT_MAX * 2.0f, INT64_MAX};  // -inf
    if constexpr (K == kMin) return {FLT_MAX * 2.0f, INT64_MAX};   // +inf
    return {0.0f, 0};
  }
  __device__ __forceinline__ static Acc make(float x, int64_t i, float p) {
    if constexpr (K == kSumSq) return {x * x, 0};
    if constexpr (K == kSumAbsPow) return {powf(fabsf(x), p), 0};
    return {x, i};
  }
  __device__ __forceinline__ static Acc combine(Acc a, Acc b) {
    if constexpr (K == kMax || K == kMin) {
      const bool an = a.v != a.v, bn = b.v != b.v;
      if (an || bn) {
        if (an && bn) return a.i <= b.i ? a : b;
        return an ? a : b;
      }
      const bool a_better = K == kMax ? a.v > b.v : a.v < b.v;
      const bool b_better = K == kMax ? b.v > a.v : b.v < a.v;
      if (a_better) return a;
      if (b_better) return b;
      return a.i <= b.i ? a : b;
    } else {
      return {a.v + b.v, 0};
    }
  }
};

template <int K>
__device__ __forceinline__ Acc warp_reduce(Acc a) {
#pragma unroll
  for (int offset = 16; offset > 0; offset /= 2) {
    Acc o;
    o.v = __shfl_down_sync(0xffffffffu, a.v, offset);
    o.i = __shfl_down_sync(0xffffffffu, a.i, offset);
    a = Red<K>::combine(a, o);
  }
  return a;
}

// Result in lane 0 (G == 32) or thread 0 (G == 256).
template <int K, int G>
__device__ __forceinline__ Acc group_reduce(Acc a) {
  a = warp_reduce<K>(a);
  if constexpr (G == 32) {
    return a;
  } else {
    __shared__ Acc warps[G / 32];
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    if (lane == 0) warps[warp] = a;
    __syncthreads();
    a = threadIdx.x < G / 32 ? warps[threadIdx.x] : Red<K>::identity();
    if (warp == 0) a = warp_reduce<K>(a);
    return a;
  }
}

// Where a group's result goes: the final output (values of T or i64 indices) or the partials.
template <typename T>
struct Sink {
  T* values = nullptr;         // final values
  int64_t* indices = nullptr;  // final indices (arg ops)
  float* partial_v = nullptr;  // [outer, chunks] chunk results
  int64_t* partial_i = nullptr;
  __device__ __forceinline__ void put(int64_t slot, Acc a) const {
    if (partial_v != nullptr) {
      partial_v[slot] = a.v;
      partial_i[slot] = a.i;
    } else if (indices != nullptr) {
      indices[slot] = a.i;
    } else {
      values[slot] = cast<T>(a.v);
    }
  }
};

template <typename T, int K, int G>
__global__ void reduce_rows_kernel(const T* __restrict__ in, int64_t outer, int64_t r,
                                   int64_t chunk, int64_t chunks, float p, Sink<T> sink) {
  constexpr int kGroups = kThreads / G;
  const int64_t group = blockIdx.x * int64_t(kGroups) + threadIdx.x / G;
  const int lane = threadIdx.x % G;
  if (group >= outer * chunks) return;  // whole groups only: G == 256 means whole blocks
  const int64_t row = group / chunks, c = group % chunks;
  const int64_t begin = c * chunk, end = ::min(r, begin + chunk);
  const T* x = in + row * r;
  Acc acc = Red<K>::identity();
  int64_t j = begin + lane;
  // Four loads in flight per thread before they are combined.
  for (; j + 3 * G < end; j += 4 * G) {
    const float v0 = cast<float>(x[j]), v1 = cast<float>(x[j + G]);
    const float v2 = cast<float>(x[j + 2 * G]), v3 = cast<float>(x[j + 3 * G]);
    acc = Red<K>::combine(acc, Red<K>::make(v0, j, p));
    acc = Red<K>::combine(acc, Red<K>::make(v1, j + G, p));
    acc = Red<K>::combine(acc, Red<K>::make(v2, j + 2 * G, p));
    acc = Red<K>::combine(acc, Red<K>::make(v3, j + 3 * G, p));
  }
  for (; j < end; j += G) acc = Red<K>::combine(acc, Red<K>::make(cast<float>(x[j]), j, p));
  acc = group_reduce<K, G>(acc);
  if (lane == 0) sink.put(group, acc);
}

// One warp per row combines that row's chunk results.
template <typename T, int K>
__global__ void combine_chunks_kernel(const float* pv, const int64_t* pi, int64_t outer,
                                      int64_t chunks, Sink<T> sink) {
  const int64_t row = blockIdx.x * int64_t(kThreads / 32) + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= outer) return;
  Acc acc = Red<K>::identity();
  for (int64_t c = lane; c < chunks; c += 32) {
    acc = Red<K>::combine(acc, Acc{pv[row * chunks + c], pi[row * chunks + c]});
  }
  acc = warp_reduce<K>(acc);
  if (lane == 0) sink.put(row, acc);
}

template <typename T, int K>
void launch_reduce(const Tensor& out, const Tensor& in, bool arg, float p) {
  const int device = in.device().index;
  CudaDeviceGuard guard(device);
  cudaStream_t stream = stream_of(in);
  const int64_t outer = in.size(0), r = in.size(1);
  const T* x = static_cast<const T*>(in.raw_data());
  Sink<T> final_sink;
  DC_CHECK(out.is_contiguous(), "reduce: CUDA kernel expects a contiguous output, got ", out.str());
  if (arg) {
    final_sink.indices = static_cast<int64_t*>(out.raw_data());
  } else {
    final_sink.values = static_cast<T*>(out.raw_data());
  }
  if (r < 1024) {  // a warp per row
    constexpr int G = 32;
    const int64_t blocks = (outer + kThreads / G - 1) / (kThreads / G);
    reduce_rows_kernel<T, K, G>
        <<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(x, outer, r, r, 1, p, final_sink);
    check_launch("reduce");
    return;
  }
  // A block per row, or per chunk of a row when the rows alone would leave SMs idle.
  const int64_t target = static_cast<int64_t>(cuda_multiprocessor_count(device)) * 8;
  int64_t chunks = 1;
  if (outer < target) {
    chunks =
        std::min<int64_t>((target + outer - 1) / outer, (r + 4 * kThreads - 1) / (4 * kThreads));
    chunks = std::max<int64_t>(chunks, 1);
  }
  const int64_t chunk = (r + chunks - 1) / chunks;
  if (chunks == 1) {
    reduce_rows_kernel<T, K, kThreads>
        <<<static_cast<unsigned>(outer), kThreads, 0, stream>>>(x, outer, r, r, 1, p, final_sink);
    check_launch("reduce");
    return;
  }
  // Partials live in caching-allocator blocks on this stream: freed at scope end, reused only by
  // later work on the same stream.
  Tensor pv = empty({outer * chunks}, DType::f32, in.device());
  Tensor pi = empty({outer * chunks}, DType::i64, in.device());
  Sink<T> partial;
  partial.partial_v = static_cast<float*>(pv.raw_data());
  partial.partial_i = static_cast<int64_t*>(pi.raw_data());
  reduce_rows_kernel<T, K, kThreads>
      <<<static_cast<unsigned>(outer * chunks), kThreads, 0, stream>>>(x, outer, r, chunk, chunks,
                                                                       p, partial);
  check_launch("reduce");
  const int64_t blocks = (outer + kThreads / 32 - 1) / (kThreads / 32);
  combine_chunks_kernel<T, K><<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(
      partial.partial_v, partial.partial_i, outer, chunks, final_sink);
  check_launch("reduce (combine)");
}

template <typename H>
void reduce_cuda(ReduceOp op, const Tensor& out, const Tensor& in, double p) {
  using T = device_t<H>;
  const float q = static_cast<float>(p);
  switch (op) {
    case ReduceOp::kSum:
      return launch_reduce<T, kSum>(out, in, false, q);
    case ReduceOp::kSumSquares:
      return launch_reduce<T, kSumSq>(out, in, false, q);
    case ReduceOp::kSumAbsPow:
      return launch_reduce<T, kSumAbsPow>(out, in, false, q);
    case ReduceOp::kMax:
      return launch_reduce<T, kMax>(out, in, false, q);
    case ReduceOp::kMin:
      return launch_reduce<T, kMin>(out, in, false, q);
    case ReduceOp::kArgMax:
      return launch_reduce<T, kMax>(out, in, true, q);
    case ReduceOp::kArgMin:
      return launch_reduce<T, kMin>(out, in, true, q);
  }
  DC_FAIL("reduce: no CUDA kernel for op ", static_cast<int>(op));
}

DC_REGISTER_KERNEL(reduce_kernel, CUDA, f32, &reduce_cuda<float>);
DC_REGISTER_KERNEL(reduce_kernel, CUDA, f16, &reduce_cuda<Half>);
DC_REGISTER_KERNEL(reduce_kernel, CUDA, bf16, &reduce_cuda<BFloat16>);

}  // namespace
}  // namespace dc
