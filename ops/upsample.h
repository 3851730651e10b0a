// Upsampling (and downsampling) of NCHW images by bilinear or nearest interpolation, exactly as
// F.interpolate(mode='bilinear' / 'nearest') in PyTorch 1.13.
#pragma once

#include <array>

#include "core/tensor.h"
#include "ops/dispatch.h"

namespace dc {

// x [N, C, H, W] (f32, f64; f16, bf16 on CUDA; any strides) -> [N, C, OH, OW]. Output pixel o
// samples the input at
//   src = o * (in - 1) / (out - 1)                         (align_corners; 0 when out == 1)
//   src = max(0, (o + 0.5) * ratio - 0.5)                  (otherwise)
// with ratio = in / out for an explicit output size, and ratio = 1 / scale for a scale factor (as
// F.interpolate does when recompute_scale_factor is not set: the same output size can then sample
// at slightly different places). The two neighbours floor(src) and floor(src) + 1 (clamped to
// in - 1) are blended linearly along H and along W. Gradient w.r.t. x.
Tensor upsample_bilinear2d(const Tensor& x, std::array<int64_t, 2> output_size,
                           bool align_corners = false);
// Output size {floor(H * scale_h), floor(W * scale_w)}; scales must be positive. The separate
// scalar arguments (and no default for align_corners) keep this overload from being confused with
// the output-size one.
Tensor upsample_bilinear2d(const Tensor& x, double scale_h, double scale_w, bool align_corners);

// Nearest neighbour, PyTorch's legacy 'nearest' (not 'nearest-exact'): output index o reads input
// index min(floor(o * ratio), in - 1), with ratio computed in f32 as above (in / out, or 1 / scale
// for a scale factor); out == in and out == 2 * in are exact copies / doublings. Gradient w.r.t. x
// (each output's gradient added to the input element it copied).
Tensor upsample_nearest2d(const Tensor& x, std::array<int64_t, 2> output_size);
Tensor upsample_nearest2d(const Tensor& x, double scale_h, double scale_w);

// What the kernels need. scale_h / scale_w are the user's scale factors, or 0 when an output size
// was given (the ratio then is in / out).
struct Upsample2dGeometry {
  int64_t planes = 0, H = 0, W = 0, OH = 0, OW = 0;
  bool align_corners = false;
  double scale_h = 0, scale_w = 0;
};

// x: contiguous [planes, H, W]; out: contiguous [planes, OH, OW].
using Upsample2dKernelFn = void(const Upsample2dGeometry& g, const Tensor& x, const Tensor& out);
// grad_out: contiguous [planes, OH, OW]; grad_in: contiguous [planes, H, W], overwritten.
using Upsample2dBackwardKernelFn = void(const Upsample2dGeometry& g, const Tensor& grad_out,
                                        const Tensor& grad_in);
DC_DECLARE_KERNEL(upsample_bilinear2d_kernel, Upsample2dKernelFn)
DC_DECLARE_KERNEL(upsample_bilinear2d_backward_kernel, Upsample2dBackwardKernelFn)
DC_DECLARE_KERNEL(upsample_nearest2d_kernel, Upsample2dKernelFn)
DC_DECLARE_KERNEL(upsample_nearest2d_backward_kernel, Upsample2dBackwardKernelFn)

}  // namespace dc
