// Helpers shared by the CUDA kernels of the geometric, indexing, sorting and box ops
// (ops/cuda/{roi_align,grid_sample,uv_splat,index,sort,boxes}_cuda.cu): a device-side error flag
// for input validation, scratch buffers from the caching allocator, and the exact-rounding
// arithmetic some kernels need to reproduce the CPU's results bit for bit. Include only from .cu
// files.
#pragma once

#include <cstdint>

#include "core/cuda/launch.cuh"

namespace dc {
namespace cuda_detail {

// An int flag on the device that validating kernels raise instead of touching memory out of range.
// The host reads it once after the launches that share it (one 4-byte copy and a sync of the
// current stream) and then raises the dc::Error itself, so a bad index never costs a per-element
// round trip and never aborts the context.
class DeviceFlag {
 public:
  explicit DeviceFlag(const Tensor& like)
      : buf_(empty({1}, DType::i32, like.device())), stream_(stream_of(like)) {
    DC_CUDA_CHECK(cudaMemsetAsync(ptr(), 0, sizeof(int), stream_), "DeviceFlag");
  }
  int* ptr() const { return static_cast<int*>(buf_.raw_data()); }
  // Waits for the work queued so far on the stream.
  bool raised() const {
    int host = 0;
    DC_CUDA_CHECK(cudaMemcpyAsync(&host, ptr(), sizeof(int), cudaMemcpyDeviceToHost, stream_),
                  "DeviceFlag");
    DC_CUDA_CHECK(cudaStreamSynchronize(stream_), "DeviceFlag");
    return host != 0;
  }

 private:
  Tensor buf_;
  cudaStream_t stream_;
};

// Uninitialized device scratch of `bytes` bytes from the caching allocator (freed with the tensor,
// in stream order).
inline Tensor scratch_bytes(int64_t bytes, const Tensor& like) {
  return empty({std::max<int64_t>(bytes, 1)}, DType::u8, like.device());
}

// std::max / std::min exactly as the C++ library defines them, so NaN propagates the way it does in
// the CPU kernels (fmaxf/fminf would drop it).
template <typename T>
__device__ __forceinline__ T std_max(T a, T b) {
  return a < b ? b : a;
}
template <typename T>
__device__ __forceinline__ T std_min(T a, T b) {
  return b < a ? b : a;
}

// Products and sums that nvcc may not fuse into an FMA. In the CPU's IoU formula
// inter / (area_a + area_b - inter) the product inter = w * h is used twice, so GCC rounds it on
// its own (checked in the x86-64-v3 assembly); these keep the device from fusing it into the
// subtraction, so box IoUs round exactly as on the CPU and NMS keeps exactly the same boxes.
__device__ __forceinline__ float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double mul_rn(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ float add_rn(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ double add_rn(double a, double b) { return __dadd_rn(a, b); }

template <typename T>
const T* cptr(const Tensor& t) {
  return static_cast<const T*>(t.raw_data());
}
template <typename T>
T* mptr(const Tensor& t) {
  return static_cast<T*>(t.raw_data());
}

}  // namespace cuda_detail
}  // namespace dc
