// Sampling an image at arbitrary normalized coordinates (F.grid_sample, 4-D) and building the
// coordinate grid of an affine transform (F.affine_grid), as in PyTorch 1.13.
#pragma once

#include <array>

#include "core/tensor.h"
#include "ops/dispatch.h"

namespace dc {

enum class GridSampleMode { kBilinear, kNearest };
// kZeros: samples outside the image read 0. kBorder: coordinates are clamped to the image first.
enum class GridSamplePadding { kZeros, kBorder };

// x [N, C, H, W] and grid [N, Ho, Wo, 2] (same floating dtype, f32 or f64, any strides) ->
// out [N, C, Ho, Wo]. grid[n, i, j] = (gx, gy), normalized so that -1 and 1 are the left/top and
// right/bottom of the image: the centers of the corner pixels with align_corners, their outer
// edges without. The pixel coordinates are
//   ix = (gx + 1) / 2 * (W - 1)        (align_corners)
//   ix = (gx + 1) * W / 2 - 0.5        (otherwise), and likewise iy with H.
// kBorder clamps ix to [0, W - 1] (iy to [0, H - 1]); kZeros lets coordinates outside [-1, 1] read
// zeros for every corner that falls outside the image. kBilinear blends the four neighbouring
// pixels; kNearest reads the pixel at (round-half-even ix, iy).
// Gradients: w.r.t. x (each output's gradient scattered to the pixels it read, with their
// weights), and w.r.t. grid for kBilinear (the derivative of the bilinear weights, times
// d ix / d gx = (W - 1) / 2 or W / 2; zero where kBorder clamped the coordinate, including exactly
// on the border, as PyTorch). kNearest gives grid a zero gradient, as PyTorch.
Tensor grid_sample(const Tensor& x, const Tensor& grid,
                   GridSampleMode mode = GridSampleMode::kBilinear,
                   GridSamplePadding padding = GridSamplePadding::kZeros,
                   bool align_corners = false);

// theta [N, 2, 3] (f32 or f64) -> grid [N, H, W, 2] for size {N, C, H, W}: grid[n, i, j] =
// theta[n] @ (x_j, y_i, 1), with x_j spaced evenly over [-1, 1] (W points; with align_corners
// false scaled by (W - 1) / W, i.e. the pixel centers; a single point is 0), likewise y_i.
// Gradient w.r.t. theta.
Tensor affine_grid(const Tensor& theta, std::array<int64_t, 4> size, bool align_corners = false);

struct GridSampleOptions {
  GridSampleMode mode = GridSampleMode::kBilinear;
  GridSamplePadding padding = GridSamplePadding::kZeros;
  bool align_corners = false;
};

// x: contiguous [N, C, H, W]; grid: contiguous [N, Ho, Wo, 2]; out: contiguous [N, C, Ho, Wo].
using GridSampleKernelFn = void(const GridSampleOptions& o, const Tensor& x, const Tensor& grid,
                                const Tensor& out);
// grad_out contiguous [N, C, Ho, Wo]; grad_x (like x) and grad_grid (like grid) are overwritten;
// either may be undefined when not needed.
using GridSampleBackwardKernelFn = void(const GridSampleOptions& o, const Tensor& grad_out,
                                        const Tensor& x, const Tensor& grid, const Tensor& grad_x,
                                        const Tensor& grad_grid);
DC_DECLARE_KERNEL(grid_sample_kernel, GridSampleKernelFn)
DC_DECLARE_KERNEL(grid_sample_backward_kernel, GridSampleBackwardKernelFn)

}  // namespace dc
