// DC_HOST_DEVICE marks a function that is compiled for both the host and the device, so one
// definition of a kernel's index arithmetic serves the CPU kernel (ops/cpu/) and the CUDA kernel
// (ops/cuda/), and the CPU tests exercise the exact arithmetic the GPU runs. Such headers (the
// ops/*_math.h files) include nothing from CUDA: under nvcc (__CUDACC__) the macro expands to
// `__host__ __device__`, under the C++ compiler to nothing.
//
// DC_HOST_DEVICE_INLINE adds forced inlining under nvcc (`__forceinline__`, as the device helpers
// these functions replaced had), and plain `inline` on the host, where GCC inlines these small
// functions itself.
//
// DC_UNROLL before a loop with a constant trip count is `#pragma unroll` under nvcc (which the
// device code had) and nothing on the host (GCC would warn about an unknown pragma).
#pragma once

#ifdef __CUDACC__
#define DC_HOST_DEVICE __host__ __device__
#define DC_HOST_DEVICE_INLINE __host__ __device__ __forceinline__
#define DC_UNROLL _Pragma("unroll")
#else
#define DC_HOST_DEVICE
#define DC_HOST_DEVICE_INLINE inline
#define DC_UNROLL
#endif
