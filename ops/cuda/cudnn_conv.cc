// conv2d_forward_kernel / conv2d_backward_kernel for CUDA through cuDNN (f32, f16, bf16). The
// forward runs our implicit-GEMM kernel instead when cuda_conv_impl() is CudaImpl::kOurs
// (ops/cuda/impl_select.h); the backward always runs cuDNN.
#include "ops/conv.h"
#include "ops/cuda/cudnn_util.h"
#include "ops/cuda/impl_select.h"

namespace dc {
namespace {

std::array<int64_t, 4> dims4(const Tensor& t) {
  return {t.size(0), t.size(1), t.size(2), t.size(3)};
}

CudnnConvProblem problem(const Tensor& x, const Tensor& w, const Tensor& y, const Conv2dParams& p,
                         const char* what) {
  CudnnConvProblem q;
  q.x = dims4(x);
  q.w = dims4(w);
  q.y = dims4(y);
  q.stride = p.stride;
  q.padding = p.padding;
  q.dilation = p.dilation;
  q.groups = p.groups;
  q.dtype = x.dtype();
  q.device = x.device().index;
  q.what = what;
  return q;
}

void conv2d_forward_cuda(const Tensor& y, const Tensor& x, const Tensor& w, const Tensor& bias,
                         const Conv2dParams& p) {
  if (cuda_conv_impl() == CudaImpl::kOurs) {
    ours_conv2d_forward()(y, x, w, bias, p);
    return;
  }
  cudnn_conv_forward(problem(x, w, y, p, "conv2d"), y, x, w);
  if (bias.defined()) conv_add_bias(y, bias);
}

void conv2d_backward_cuda(const Tensor& gx, const Tensor& gw, const Tensor& gb, const Tensor& gy,
                          const Tensor& x, const Tensor& w, const Conv2dParams& p) {
  const CudnnConvProblem q = problem(x, w, gy, p, "conv2d backward");
  if (gx.defined()) cudnn_conv_backward_data(q, gx, gy, w);
  if (gw.defined()) cudnn_conv_backward_filter(q, gw, x, gy);
  if (gb.defined()) conv_bias_grad(gb, gy);
}

DC_REGISTER_KERNEL(conv2d_forward_kernel, CUDA, f32, &conv2d_forward_cuda);
DC_REGISTER_KERNEL(conv2d_forward_kernel, CUDA, f16, &conv2d_forward_cuda);
DC_REGISTER_KERNEL(conv2d_forward_kernel, CUDA, bf16, &conv2d_forward_cuda);
DC_REGISTER_KERNEL(conv2d_backward_kernel, CUDA, f32, &conv2d_backward_cuda);
DC_REGISTER_KERNEL(conv2d_backward_kernel, CUDA, f16, &conv2d_backward_cuda);
DC_REGISTER_KERNEL(conv2d_backward_kernel, CUDA, bf16, &conv2d_backward_cuda);

}  // namespace
}  // namespace dc
