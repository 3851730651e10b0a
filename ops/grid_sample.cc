#include "ops/grid_sample.h"

#include <cstdint>
#include <vector>

#include "autograd/node.h"
#include "ops/linalg.h"

namespace dc {

DC_DEFINE_KERNEL(grid_sample_kernel, GridSampleKernelFn)
DC_DEFINE_KERNEL(grid_sample_backward_kernel, GridSampleBackwardKernelFn)

Tensor grid_sample(const Tensor& x, const Tensor& grid, GridSampleMode mode,
                   GridSamplePadding padding, bool align_corners) {
  DC_CHECK(x.defined() && grid.defined(), "grid_sample: undefined input or grid tensor");
  DC_CHECK(x.dim() == 4, "grid_sample: expected a 4-D (N, C, H, W) input, got ", x.str());
  DC_CHECK(x.dtype() == DType::f32 || x.dtype() == DType::f64,
           "grid_sample: expected a f32 or f64 input, got ", x.str());
  DC_CHECK(grid.dim() == 4 && grid.size(3) == 2,
           "grid_sample: expected grid of shape [N, Ho, Wo, 2],"
           " got ",
           grid.str(), " for input ", x.str());
  DC_CHECK(grid.size(0) == x.size(0), "grid_sample: grid ", grid.str(), " and input ", x.str(),
           " must have the same batch size");
  DC_CHECK(grid.dtype() == x.dtype(), "grid_sample: grid ", grid.str(),
           " must have the dtype of input ", x.str());
  DC_CHECK(grid.device() == x.device(), "grid_sample: grid ", grid.str(), " is on ", grid.device(),
           " but input ", x.str(), " is on ", x.device());
  DC_CHECK(x.size(2) > 0 && x.size(3) > 0, "grid_sample: expected non-empty spatial dims, got ",
           x.str());
  // The CPU kernel addresses a plane with 32-bit offsets (they vectorize; 64-bit ones do not).
  DC_CHECK(x.size(2) * x.size(3) <= INT32_MAX, "grid_sample: input ", x.str(),
           " has more than 2^31 pixels per plane");
  GridSampleOptions o;
  o.mode = mode;
  o.padding = padding;
  o.align_corners = align_corners;
  const Tensor xc = x.detach().contiguous(), gc = grid.detach().contiguous();
  Tensor y = empty({x.size(0), x.size(1), grid.size(1), grid.size(2)}, x.dtype(), x.device());
  if (y.numel() > 0) grid_sample_kernel().get(x.device(), x.dtype())(o, xc, gc, y);
  record_op("grid_sample", {x, grid}, {y},
            [o, xc, gc](const std::vector<Tensor>& g, const std::vector<bool>& needs) {
              Tensor gx = needs[0] ? empty(xc.sizes(), xc.dtype(), xc.device()) : Tensor();
              Tensor gg = needs[1] ? empty(gc.sizes(), gc.dtype(), gc.device()) : Tensor();
              grid_sample_backward_kernel().get(xc.device(), xc.dtype())(o, g[0].contiguous(), xc,
                                                                         gc, gx, gg);
              return std::vector<Tensor>{gx, gg};
            });
  return y;
}

namespace {

// torch.linspace(-1, 1, n), scaled to the pixel centers without align_corners (PyTorch's
// linspace_from_neg_one); one point is 0.
std::vector<double> linspace_from_neg_one(int64_t n, bool align_corners) {
  std::vector<double> v(n, 0.0);
  if (n <= 1) return v;
  const double step = 2.0 / static_cast<double>(n - 1);
  for (int64_t i = 0; i < n; ++i) {
    // As torch.linspace: the second half counts back from the end, so both ends are exact.
    v[i] = i < n / 2 ? -1.0 + step * i : 1.0 - step * (n - 1 - i);
    if (!align_corners) v[i] = v[i] * static_cast<double>(n - 1) / static_cast<double>(n);
  }
  return v;
}

}  // namespace

Tensor affine_grid(const Tensor& theta, std::array<int64_t, 4> size, bool align_corners) {
  DC_CHECK(theta.defined(), "affine_grid: undefined theta tensor");
  DC_CHECK(theta.dtype() == DType::f32 || theta.dtype() == DType::f64,
           "affine_grid: expected a f32 or f64 theta, got ", theta.str());
  DC_CHECK(theta.dim() == 3 && theta.size(1) == 2 && theta.size(2) == 3,
           "affine_grid: expected theta of shape [N, 2, 3] for a 4-D size, got ", theta.str());
  DC_CHECK(size[0] == theta.size(0), "affine_grid: size {", size[0], ", ", size[1], ", ", size[2],
           ", ", size[3], "} has batch ", size[0], " but theta is ", theta.str());
  DC_CHECK(size[1] > 0 && size[2] > 0 && size[3] > 0, "affine_grid: size {", size[0], ", ", size[1],
           ", ", size[2], ", ", size[3], "} must have positive C, H and W");
  const int64_t N = size[0], H = size[2], W = size[3];
  // The homogeneous base grid (x_j, y_i, 1), [H * W, 3]; the grid is base @ theta^T per batch.
  const std::vector<double> xs = linspace_from_neg_one(W, align_corners);
  const std::vector<double> ys = linspace_from_neg_one(H, align_corners);
  std::vector<double> base(H * W * 3);
  for (int64_t i = 0; i < H; ++i) {
    for (int64_t j = 0; j < W; ++j) {
      double* b = base.data() + (i * W + j) * 3;
      b[0] = xs[j];
      b[1] = ys[i];
      b[2] = 1.0;
    }
  }
  const Tensor b = tensor_from(base, {1, H * W, 3}, theta.dtype());
  // matmul broadcasts the base over the batch and records the gradient w.r.t. theta.
  return matmul(b, theta.transpose(1, 2)).view({N, H, W, 2});
}

}  // namespace dc
