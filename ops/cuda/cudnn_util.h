// Internal to the cuDNN convolution kernels (cudnn_conv.cc, cudnn_conv_transpose.cc): error checks,
// the per-device handle, and the three convolution primitives of one "conv problem" with their
// algorithm chosen once per (problem, dtype, math, device) and cached.
//
// A conv problem is always stated as a forward convolution x [N, C, H, W] * w [K, C/groups, kh, kw]
// -> y [N, K, Ho, Wo]; conv_transpose2d is the same problem with the roles of x and y swapped (its
// forward is this problem's backward-data pass).
#pragma once

#include <cudnn.h>

#include <array>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "core/tensor.h"

namespace dc {

#define DC_CUDNN_CHECK(call, ...)                                                       \
  do {                                                                                  \
    const cudnnStatus_t dc_cudnn_st = (call);                                           \
    if (dc_cudnn_st != CUDNN_STATUS_SUCCESS) {                                          \
      DC_FAIL(__VA_ARGS__, ": ", #call, " failed: ", cudnnGetErrorString(dc_cudnn_st)); \
    }                                                                                   \
  } while (0)

struct CudnnConvProblem {
  std::array<int64_t, 4> x{}, w{}, y{};  // NCHW sizes of the forward problem's tensors
  std::array<int64_t, 2> stride{1, 1}, padding{0, 0}, dilation{1, 1};
  int64_t groups = 1;
  DType dtype = DType::f32;
  int device = 0;
  // For messages: which user-facing op ("conv2d", "conv_transpose2d backward") and its shapes.
  std::string what;
};

// y = conv(x, w) (overwrites y).
void cudnn_conv_forward(const CudnnConvProblem& p, const Tensor& y, const Tensor& x,
                        const Tensor& w);
// gx = the gradient of conv(x, w) with respect to x, given gy (overwrites gx).
void cudnn_conv_backward_data(const CudnnConvProblem& p, const Tensor& gx, const Tensor& gy,
                              const Tensor& w);
// gw = the gradient of conv(x, w) with respect to w, given gy (overwrites gw).
void cudnn_conv_backward_filter(const CudnnConvProblem& p, const Tensor& gw, const Tensor& x,
                                const Tensor& gy);
// y[n, k, h, w] += bias[k] in place (our kernel, conv_bias_cuda.cu; f32, f16, bf16).
void conv_add_bias(const Tensor& y, const Tensor& bias);
// gb[k] = sum over n, h, w of gy[n, k, h, w] (overwrites gb): our reduction, float accumulation,
// deterministic.
void conv_bias_grad(const Tensor& gb, const Tensor& gy);

}  // namespace dc
