// Helpers shared by the CUDA kernels (copies here, ops/cuda/*): grid sizing for grid-stride loops,
// strided offsets with merged dims, conversions between the storage types and float, and the
// launch check. Include only from .cu files.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include "core/cuda/cuda_check.h"
#include "core/cuda/device.h"
#include "core/cuda/stream.h"
#include "core/tensor.h"

namespace dc {
namespace cuda_detail {

constexpr int kThreads = 256;
constexpr int kMaxDims = 8;

// Blocks for a grid-stride loop over `items`: enough to fill every SM several times, no more (a
// thread then loops over several items, which amortises index math and keeps loads in flight).
inline unsigned int grid_for(int64_t items, int device, int threads = kThreads) {
  const int64_t wanted = (items + threads - 1) / threads;
  const int64_t cap = static_cast<int64_t>(cuda_multiprocessor_count(device)) * 16;
  return static_cast<unsigned int>(std::max<int64_t>(1, std::min(wanted, cap)));
}

inline cudaStream_t stream_of(const Tensor& t) {
  return current_cuda_stream(t.device().index).handle();
}

// Raises a dc::Error for a failed launch (bad configuration, no kernel image for this GPU).
inline void check_launch(const char* what) {
  DC_CUDA_CHECK(cudaGetLastError(), what, " kernel launch");
}

// Byte offsets of N operands for a linear element index, over dims merged where every operand is
// contiguous across them (a contiguous tensor becomes one dim, a broadcast scalar one dim of
// stride 0).
template <int N>
struct OffsetCalc {
  int dims = 0;
  int64_t sizes[kMaxDims];
  int64_t strides[N][kMaxDims];  // in bytes

  __device__ __forceinline__ void get(int64_t linear, int64_t* off) const {
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = dims - 1; d >= 0; --d) {
      const int64_t idx = linear % sizes[d];
      linear /= sizes[d];
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += idx * strides[k][d];
    }
  }
};

// `tensors` all have the same sizes (inputs already broadcast); strides are taken in bytes.
template <int N>
OffsetCalc<N> make_offset_calc(const std::array<const Tensor*, N>& tensors, const char* op) {
  const Shape& sizes = tensors[0]->sizes();
  // Drop size-1 dims, then merge neighbours d-1, d when stride[d-1] == stride[d] * size[d] for all.
  std::vector<int64_t> sz;
  std::vector<std::array<int64_t, N>> st;
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] == 1) continue;
    std::array<int64_t, N> s;
    for (int k = 0; k < N; ++k) {
      s[k] = tensors[k]->stride(d) * static_cast<int64_t>(dtype_size(tensors[k]->dtype()));
    }
    if (!sz.empty()) {
      bool merge = true;
      for (int k = 0; k < N; ++k) merge = merge && st.back()[k] == s[k] * sizes[d];
      if (merge) {
        sz.back() *= sizes[d];
        st.back() = s;
        continue;
      }
    }
    sz.push_back(sizes[d]);
    st.push_back(s);
  }
  DC_CHECK(static_cast<int>(sz.size()) <= kMaxDims, op, ": CUDA kernels take at most ", kMaxDims,
           " non-mergeable dims, got ", tensors[0]->str(), " with ", sz.size());
  OffsetCalc<N> c;
  c.dims = static_cast<int>(sz.size());
  for (int d = 0; d < c.dims; ++d) {
    c.sizes[d] = sz[d];
    for (int k = 0; k < N; ++k) c.strides[k][d] = st[d][k];
  }
  return c;
}

// Storage type on the device for a host element type (Half/BFloat16 share CUDA's bit layout).
template <typename T>
struct DeviceType_ {
  using type = T;
};
template <>
struct DeviceType_<Half> {
  using type = __half;
};
template <>
struct DeviceType_<BFloat16> {
  using type = __nv_bfloat16;
};
template <typename T>
using device_t = typename DeviceType_<T>::type;

// Arithmetic type: half types compute in float.
template <typename T>
struct OpMath {
  using type = T;
};
template <>
struct OpMath<__half> {
  using type = float;
};
template <>
struct OpMath<__nv_bfloat16> {
  using type = float;
};
template <typename T>
using opmath_t = typename OpMath<T>::type;

template <typename To, typename From>
__device__ __forceinline__ To cast(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (std::is_same_v<From, __half>) {
    return cast<To>(__half2float(v));
  } else if constexpr (std::is_same_v<From, __nv_bfloat16>) {
    return cast<To>(__bfloat162float(v));
  } else if constexpr (std::is_same_v<To, __half>) {
    return __float2half_rn(static_cast<float>(v));
  } else if constexpr (std::is_same_v<To, __nv_bfloat16>) {
    return __float2bfloat16_rn(static_cast<float>(v));
  } else if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else {
    return static_cast<To>(v);
  }
}

}  // namespace cuda_detail
}  // namespace dc
