// Helpers shared by the "dense NN" CUDA kernels (softmax and losses, normalizations, optimizer
// updates, dropout, padding): warp and block reductions whose result every thread sees, small
// host-to-device uploads, a device-side error flag for bad input found inside a kernel, and the
// per-segment partial sums used by the normalizations. Include only from .cu files.
#pragma once

#include <cfloat>
#include <cstdint>
#include <vector>

#include "core/cuda/launch.cuh"

namespace dc {
namespace cuda_nn {

using cuda_detail::kThreads;

// --- reductions over a group of G threads (G = 32: one warp; G = kThreads: the whole block).
// Every thread of the group gets the result. The block version uses `smem` (kThreads / 32 slots)
// and syncs, so all threads of the block must call it together.

template <typename A>
__device__ __forceinline__ A warp_sum(A v) {
#pragma unroll
  for (int o = 16; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
  for (int o = 16; o > 0; o /= 2) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

template <int G, typename A>
__device__ __forceinline__ A group_sum(A v, A* smem) {
  v = warp_sum(v);
  if constexpr (G == 32) {
    return v;
  } else {
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    __syncthreads();  // smem may still be read by a previous call
    if (lane == 0) smem[warp] = v;
    __syncthreads();
    A t = lane < G / 32 ? smem[lane] : A(0);
    return warp_sum(t);
  }
}

// fmaxf ignores a NaN operand; softmax rows with NaN still come out NaN because the exp pass
// propagates it (exp(NaN - m) is NaN), which is what the CPU kernel gives too.
template <int G>
__device__ __forceinline__ float group_max(float v, float* smem) {
  v = warp_max(v);
  if constexpr (G == 32) {
    return v;
  } else {
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    __syncthreads();
    if (lane == 0) smem[warp] = v;
    __syncthreads();
    float t = lane < G / 32 ? smem[lane] : -INFINITY;
    return warp_max(t);
  }
}

// Blocks for `rows` groups of G threads, kThreads threads per block, capped so that the grid stays
// well inside grid.x's range; kernels loop over rows with a grid stride.
inline unsigned int blocks_for_rows(int64_t rows, int G) {
  const int64_t per_block = kThreads / G;
  const int64_t b = (rows + per_block - 1) / per_block;
  return static_cast<unsigned int>(std::max<int64_t>(1, std::min<int64_t>(b, int64_t(1) << 30)));
}

// 32-bit element indices where they fit (with room for the grid stride): the per-element
// divisions are then much cheaper.
template <typename F>
void with_index_type(int64_t n, F f) {
  if (n <= INT32_MAX / 2) {  // i + grid stride must not overflow either
    f(int32_t{0});
  } else {
    f(int64_t{0});
  }
}

// A device copy of host integers, queued on `stream`. cudaMemcpyAsync from pageable memory returns
// only after the source has been staged, so `v` may die right after the call.
inline Tensor upload_i64(const std::vector<int64_t>& v, Device device, cudaStream_t stream) {
  Tensor t = empty({static_cast<int64_t>(v.size())}, DType::i64, device);
  if (!v.empty()) {
    DC_CUDA_CHECK(cudaMemcpyAsync(t.raw_data(), v.data(), v.size() * sizeof(int64_t),
                                  cudaMemcpyHostToDevice, stream),
                  "upload of an index table");
  }
  return t;
}

// A kernel that finds bad input (an out-of-range class index) records the first offending value
// here; the host reads it after the kernel and raises the same dc::Error as the CPU kernel. This
// costs one small device-to-host copy (a sync), the price of an exception instead of a device
// assert that would poison the CUDA context.
struct DeviceErrorFlag {
  Tensor buf;  // i64[2]: {flag, value}
  cudaStream_t stream;
  DeviceErrorFlag(Device device, cudaStream_t s) : stream(s) {
    buf = empty({2}, DType::i64, device);
    DC_CUDA_CHECK(cudaMemsetAsync(buf.raw_data(), 0, 2 * sizeof(int64_t), stream),
                  "error flag reset");
  }
  unsigned long long* ptr() const { return static_cast<unsigned long long*>(buf.raw_data()); }
  // {flag set, value}; waits for the stream.
  std::pair<bool, int64_t> read() const {
    int64_t h[2] = {0, 0};
    DC_CUDA_CHECK(cudaMemcpyAsync(h, buf.raw_data(), sizeof(h), cudaMemcpyDeviceToHost, stream),
                  "error flag read");
    DC_CUDA_CHECK(cudaStreamSynchronize(stream), "error flag read");
    return {h[0] != 0, h[1]};
  }
};

__device__ __forceinline__ void raise_device_error(unsigned long long* flag, int64_t value) {
  if (atomicCAS(flag, 0ull, 1ull) == 0ull) flag[1] = static_cast<unsigned long long>(value);
}

// --- per-segment partial sums for the normalizations ---
// Segment r has `reps` runs of `len` contiguous elements; run j starts at r * seg_stride +
// j * rep_stride. Batch norm's channel c: reps = N, len = S, seg_stride = S, rep_stride = C * S.
// A group-norm group or an (n, c) plane: one run. Each segment is cut into `splits` chunks of
// `chunk` elements (counted in the segment's own order), one block per (segment, chunk), and each
// block writes the double sums {sum(a), sum(a * b)} (b = a when b is null: sum of squares) to
// partial[(r * splits + k) * 2 + {0, 1}]. Double accumulation keeps large f32 sums accurate and
// matches the CPU kernels' double accumulators.
struct SegmentGeometry {
  int64_t segments, reps, len, seg_stride, rep_stride;
  __host__ __device__ int64_t total() const { return reps * len; }
};

template <typename T>
__global__ void segment_sums_kernel(const T* __restrict__ a, const T* __restrict__ b,
                                    SegmentGeometry geo, int64_t splits, int64_t chunk,
                                    double* __restrict__ partial) {
  __shared__ double smem[kThreads / 32];
  const int64_t total = geo.total();
  for (int64_t blk = blockIdx.x; blk < geo.segments * splits; blk += gridDim.x) {
    const int64_t r = blk / splits, k = blk % splits;
    const int64_t begin = k * chunk, end = ::min(total, begin + chunk);
    double s = 0, p = 0;
    int64_t j = begin + threadIdx.x;
    // (rep, idx) of element j, advanced incrementally: a division only when crossing runs.
    int64_t rep = 0, idx = 0;
    if (j < end) {
      rep = j / geo.len;
      idx = j - rep * geo.len;
    }
    const int64_t base = r * geo.seg_stride;
    for (; j < end; j += kThreads) {
      const int64_t off = base + rep * geo.rep_stride + idx;
      const double va = static_cast<double>(cuda_detail::cast<float>(a[off]));
      const double vb = b ? static_cast<double>(cuda_detail::cast<float>(b[off])) : va;
      s += va;
      p += va * vb;
      idx += kThreads;
      if (idx >= geo.len) {
        rep += idx / geo.len;
        idx %= geo.len;
      }
    }
    s = group_sum<kThreads>(s, smem);
    p = group_sum<kThreads>(p, smem);
    if (threadIdx.x == 0) {
      partial[blk * 2] = s;
      partial[blk * 2 + 1] = p;
    }
  }
}

// Chunks per segment: enough blocks to give every SM several, but chunks of at least 4 elements
// per thread.
inline int64_t splits_for(const SegmentGeometry& geo, int device) {
  const int64_t target = static_cast<int64_t>(cuda_multiprocessor_count(device)) * 8;
  if (geo.segments >= target) return 1;
  const int64_t by_size = (geo.total() + 4 * kThreads - 1) / (4 * kThreads);
  return std::max<int64_t>(1, std::min((target + geo.segments - 1) / geo.segments, by_size));
}

// Launches segment_sums_kernel; returns the partials [segments * splits * 2] (doubles) and sets
// `splits`. Segments must be non-empty in number; empty segments give zero sums.
template <typename T>
Tensor segment_sums(const T* a, const T* b, const SegmentGeometry& geo, Device device,
                    cudaStream_t stream, int64_t& splits) {
  splits = splits_for(geo, device.index);
  const int64_t chunk = std::max<int64_t>(1, (geo.total() + splits - 1) / splits);
  Tensor partial = empty({geo.segments * splits * 2}, DType::f64, device);
  const int64_t blocks = std::min<int64_t>(geo.segments * splits, int64_t(1) << 30);
  segment_sums_kernel<T><<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(
      a, b, geo, splits, chunk, static_cast<double*>(partial.raw_data()));
  cuda_detail::check_launch("segment sums");
  return partial;
}

}  // namespace cuda_nn
}  // namespace dc
