// 2-D convolution (cross-correlation, as torch.nn.functional.conv2d), NCHW.
#pragma once

#include <array>
#include <cstdint>

#include "core/tensor.h"
#include "ops/dispatch.h"

namespace dc {

// x [N, Cin, H, W], w [Cout, Cin/groups, kh, kw], optional bias [Cout] -> [N, Cout, Ho, Wo].
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias = Tensor(),
              std::array<int64_t, 2> stride = {1, 1}, std::array<int64_t, 2> padding = {0, 0},
              std::array<int64_t, 2> dilation = {1, 1}, int64_t groups = 1);

struct Conv2dParams {
  std::array<int64_t, 2> stride{1, 1}, padding{0, 0}, dilation{1, 1};
  int64_t groups = 1;
};

// All tensors contiguous and of one dtype. y is written in full; bias may be undefined.
using Conv2dForwardFn = void(const Tensor& y, const Tensor& x, const Tensor& w, const Tensor& bias,
                             const Conv2dParams& p);
// One call for every needed gradient, so a kernel can share work (the layout of gy) between them:
// gx, gw and gb are written in full where defined and skipped where undefined.
using Conv2dBackwardFn = void(const Tensor& gx, const Tensor& gw, const Tensor& gb,
                              const Tensor& gy, const Tensor& x, const Tensor& w,
                              const Conv2dParams& p);
DC_DECLARE_KERNEL(conv2d_forward_kernel, Conv2dForwardFn)
DC_DECLARE_KERNEL(conv2d_backward_kernel, Conv2dBackwardFn)

}  // namespace dc
