// Transposed 2-D convolution (as torch.nn.functional.conv_transpose2d), NCHW.
#pragma once

#include <array>
#include <cstdint>

#include "core/tensor.h"
#include "ops/dispatch.h"

namespace dc {

// The gradient of conv2d with respect to its input, as an op of its own ("deconvolution"): each
// input pixel x[n, ci, ih, iw] scatters x * w[ci, co, i, j] into y[n, g*Cout/groups + co, oh, ow]
// with oh = ih*stride - padding + i*dilation (likewise for ow), g being ci's group.
//
//   x      [N, Cin, H, W]                    f32 or f64 (CPU, CUDA); f16, bf16 (CUDA)
//   w      [Cin, Cout/groups, kh, kw]        same dtype and device as x
//   bias   [Cout] or undefined               added to every output pixel of its channel
//   result [N, Cout, Ho, Wo] with Ho = (H-1)*stride - 2*padding + dilation*(kh-1) +
//          output_padding + 1 (likewise Wo).
//
// `padding` removes rows/columns from both sides of the full output; `output_padding` adds them
// back on the bottom/right only (to pick one of the input sizes a strided conv2d maps to H). As in
// PyTorch, each output_padding must be smaller than its stride or its dilation, and Ho, Wo >= 1.
// Cin and Cout must be divisible by groups; input channel group g feeds output channel group g.
//
// Gradients flow to x (a conv2d of the output gradient with w), to w and to bias (the sum of the
// output gradient over N, Ho and Wo).
Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& bias = Tensor(),
                        std::array<int64_t, 2> stride = {1, 1},
                        std::array<int64_t, 2> padding = {0, 0},
                        std::array<int64_t, 2> output_padding = {0, 0},
                        std::array<int64_t, 2> dilation = {1, 1}, int64_t groups = 1);

struct ConvTranspose2dParams {
  std::array<int64_t, 2> stride{1, 1}, padding{0, 0}, output_padding{0, 0}, dilation{1, 1};
  int64_t groups = 1;
};

// All tensors contiguous and of one dtype, N >= 1. y [N, Cout, Ho, Wo] is written in full; bias
// may be undefined.
using ConvTranspose2dForwardFn = void(const Tensor& y, const Tensor& x, const Tensor& w,
                                      const Tensor& bias, const ConvTranspose2dParams& p);
// One call for every needed gradient, so a kernel can share work between them (the unfolded gy
// serves both gx and gw): gx, gw and gb are written in full where defined, skipped where undefined.
using ConvTranspose2dBackwardFn = void(const Tensor& gx, const Tensor& gw, const Tensor& gb,
                                       const Tensor& gy, const Tensor& x, const Tensor& w,
                                       const ConvTranspose2dParams& p);
DC_DECLARE_KERNEL(conv_transpose2d_forward_kernel, ConvTranspose2dForwardFn)
DC_DECLARE_KERNEL(conv_transpose2d_backward_kernel, ConvTranspose2dBackwardFn)

}  // namespace dc
