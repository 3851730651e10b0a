// Which implementation a CUDA GEMM or convolution runs: the vendor library (cuBLAS, cuDNN; the
// default) or our hand-written kernels (tiled GEMM, implicit-GEMM conv2d), kept for benchmarking
// custom kernels against the vendor's. The choice is per thread and scoped, so one call (or one
// benchmark) can pick it without touching anything else:
//
//   { ScopedCudaImpl ours(CudaImpl::kOurs, CudaImpl::kOurs); y = conv2d(x, w); }
//
// The hand-written kernels register themselves here; asking for kOurs when a kernel has none
// (e.g. conv backward) fails loudly rather than running the vendor's.
#pragma once

#include "ops/conv.h"
#include "ops/linalg.h"

namespace dc {

enum class CudaImpl { kVendor, kOurs };
const char* cuda_impl_name(CudaImpl impl);  // "vendor" or "ours"

CudaImpl cuda_gemm_impl();
CudaImpl cuda_conv_impl();

class ScopedCudaImpl {
 public:
  ScopedCudaImpl(CudaImpl gemm, CudaImpl conv);
  ~ScopedCudaImpl();
  ScopedCudaImpl(const ScopedCudaImpl&) = delete;
  ScopedCudaImpl& operator=(const ScopedCudaImpl&) = delete;

 private:
  CudaImpl saved_gemm_, saved_conv_;
};

// Registration points of the hand-written kernels (called from their .cu files at start-up).
void register_ours_gemm(GemmKernelFn* fn);
void register_ours_conv2d_forward(Conv2dForwardFn* fn);
// The registered kernel; fails naming the op when there is none.
GemmKernelFn* ours_gemm();
Conv2dForwardFn* ours_conv2d_forward();

}  // namespace dc
