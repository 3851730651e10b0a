// 2-D pooling over the last two dims of CHW or NCHW input.
#pragma once

#include <array>

#include "core/tensor.h"
#include "ops/dispatch.h"

namespace dc {

// As F.max_pool2d: stride {0, 0} means stride = kernel. Padding is implicit -inf (at most half the
// kernel). Ties go to the first maximum in row-major window order, and NaN wins, as in PyTorch.
Tensor max_pool2d(const Tensor& x, std::array<int64_t, 2> kernel,
                  std::array<int64_t, 2> stride = {0, 0}, std::array<int64_t, 2> padding = {0, 0},
                  std::array<int64_t, 2> dilation = {1, 1}, bool ceil_mode = false);
// As F.avg_pool2d; count_include_pad counts the padded zeros in the divisor.
Tensor avg_pool2d(const Tensor& x, std::array<int64_t, 2> kernel,
                  std::array<int64_t, 2> stride = {0, 0}, std::array<int64_t, 2> padding = {0, 0},
                  bool ceil_mode = false, bool count_include_pad = true);
// As F.adaptive_avg_pool2d: output cell i averages rows [floor(i*H/oh), ceil((i+1)*H/oh)).
Tensor adaptive_avg_pool2d(const Tensor& x, std::array<int64_t, 2> output_size);

// Geometry shared by the pooling kernels. Inputs are contiguous [planes, H, W].
struct Pool2dGeometry {
  int64_t planes = 0, H = 0, W = 0, OH = 0, OW = 0;
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
  bool count_include_pad = true;
  bool adaptive = false;  // windows from the adaptive formula instead of kernel/stride/padding
};

// out [planes, OH, OW]; indices (i64, same shape) get the flat h*W+w of each maximum.
using MaxPool2dKernelFn = void(const Pool2dGeometry& g, const Tensor& x, const Tensor& out,
                               const Tensor& indices);
// grad_in [planes, H, W] is overwritten (zeroed, then grad_out scattered to the indices).
using MaxPool2dBackwardKernelFn = void(const Pool2dGeometry& g, const Tensor& grad_out,
                                       const Tensor& indices, const Tensor& grad_in);
// Average pooling and adaptive average pooling (g.adaptive).
using AvgPool2dKernelFn = void(const Pool2dGeometry& g, const Tensor& x, const Tensor& out);
using AvgPool2dBackwardKernelFn = void(const Pool2dGeometry& g, const Tensor& grad_out,
                                       const Tensor& grad_in);
DC_DECLARE_KERNEL(max_pool2d_kernel, MaxPool2dKernelFn)
DC_DECLARE_KERNEL(max_pool2d_backward_kernel, MaxPool2dBackwardKernelFn)
DC_DECLARE_KERNEL(avg_pool2d_kernel, AvgPool2dKernelFn)
DC_DECLARE_KERNEL(avg_pool2d_backward_kernel, AvgPool2dBackwardKernelFn)

}  // namespace dc
