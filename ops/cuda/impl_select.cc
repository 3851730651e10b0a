#include "ops/cuda/impl_select.h"

#include "core/error.h"

namespace dc {

namespace {
thread_local CudaImpl g_gemm_impl = CudaImpl::kVendor;
thread_local CudaImpl g_conv_impl = CudaImpl::kVendor;
GemmKernelFn* g_ours_gemm = nullptr;
Conv2dForwardFn* g_ours_conv2d_forward = nullptr;
}  // namespace

const char* cuda_impl_name(CudaImpl impl) { return impl == CudaImpl::kOurs ? "ours" : "vendor"; }

CudaImpl cuda_gemm_impl() { return g_gemm_impl; }
CudaImpl cuda_conv_impl() { return g_conv_impl; }

ScopedCudaImpl::ScopedCudaImpl(CudaImpl gemm, CudaImpl conv)
    : saved_gemm_(g_gemm_impl), saved_conv_(g_conv_impl) {
  g_gemm_impl = gemm;
  g_conv_impl = conv;
}

ScopedCudaImpl::~ScopedCudaImpl() {
  g_gemm_impl = saved_gemm_;
  g_conv_impl = saved_conv_;
}

void register_ours_gemm(GemmKernelFn* fn) { g_ours_gemm = fn; }
void register_ours_conv2d_forward(Conv2dForwardFn* fn) { g_ours_conv2d_forward = fn; }

GemmKernelFn* ours_gemm() {
  DC_CHECK(g_ours_gemm != nullptr,
           "gemm: the hand-written CUDA GEMM was asked for (CudaImpl::kOurs) but none is built in");
  return g_ours_gemm;
}

Conv2dForwardFn* ours_conv2d_forward() {
  DC_CHECK(g_ours_conv2d_forward != nullptr,
           "conv2d: the hand-written implicit-GEMM CUDA convolution was asked for "
           "(CudaImpl::kOurs) but none is built in");
  return g_ours_conv2d_forward;
}

}  // namespace dc
