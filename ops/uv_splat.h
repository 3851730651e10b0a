// The UV splat: DensePose's pixel -> atlas warp (used by Dense Pose Transfer). Every pixel carries
// a value, a chart index (body part) and continuous (u, v) coordinates on that chart; the splat
// scatters the values bilinearly into one H x W texture per chart and returns, beside the summed
// values, the summed weights, so that atlas / weight (where weight > 0) is the average texture.
#pragma once

#include <utility>

#include "core/tensor.h"
#include "ops/dispatch.h"

namespace dc {

// values [N, C, P] (f32 or f64, any strides): C channels of P points per image.
// uv     [N, P, 2], values' dtype: (u, v) of each point, u along W, v along H; [0, 1] spans the
//        chart, from the center of its first pixel to the center of its last.
// part   [N, P] i64: the chart of each point, in [0, K), or -1 to skip the point (background).
// Returns (atlas [N, K, C, H, W], weight [N, K, H, W]), zero where no point lands.
//
// A point lands at x = u * (W - 1), y = v * (H - 1) (pixel coordinates, pixel centers at
// integers). With x0 = floor(x), y0 = floor(y), fx = x - x0, fy = y - y0, its four corners get
//   (x0, y0): (1 - fx)(1 - fy)   (x0 + 1, y0): fx (1 - fy)
//   (x0, y0 + 1): (1 - fx) fy    (x0 + 1, y0 + 1): fx fy
// and atlas[n, part, c, y, x] += w * values[n, c, p], weight[n, part, y, x] += w for each corner
// inside the H x W grid; corners outside are dropped (a point with u or v outside [0, 1] still
// contributes its corners that fall inside). Points landing in the same cell accumulate.
//
// Gradients w.r.t. values (the weights of the corners the point reached) and uv (the derivative
// of the bilinear weights: piecewise linear, discontinuous where a point crosses a grid line, where
// floor() is taken to have zero derivative, as torch.floor). part gets no gradient. A part outside
// [-1, K) is an error. The result is deterministic: each chart of each image is accumulated by
// one thread in point order.
std::pair<Tensor, Tensor> uv_splat(const Tensor& values, const Tensor& uv, const Tensor& part,
                                   int64_t K, int64_t H, int64_t W);

// All contiguous: values [N, C, P], uv [N, P, 2], part [N, P]; atlas [N, K, C, H, W] and weight
// [N, K, H, W] are overwritten. Throws dc::Error for a part outside [-1, K).
using UvSplatKernelFn = void(const Tensor& values, const Tensor& uv, const Tensor& part,
                             const Tensor& atlas, const Tensor& weight);
// grad_atlas, grad_weight: contiguous, shaped like atlas and weight. grad_values ([N, C, P]) and
// grad_uv ([N, P, 2]) are overwritten; either may be undefined when not needed.
using UvSplatBackwardKernelFn = void(const Tensor& values, const Tensor& uv, const Tensor& part,
                                     const Tensor& grad_atlas, const Tensor& grad_weight,
                                     const Tensor& grad_values, const Tensor& grad_uv);
DC_DECLARE_KERNEL(uv_splat_kernel, UvSplatKernelFn)
DC_DECLARE_KERNEL(uv_splat_backward_kernel, UvSplatBackwardKernelFn)

}  // namespace dc
