#include "ops/upsample.h"

#include <cmath>

#include "autograd/node.h"

namespace dc {

DC_DEFINE_KERNEL(upsample_bilinear2d_kernel, Upsample2dKernelFn)
DC_DEFINE_KERNEL(upsample_bilinear2d_backward_kernel, Upsample2dBackwardKernelFn)
DC_DEFINE_KERNEL(upsample_nearest2d_kernel, Upsample2dKernelFn)
DC_DEFINE_KERNEL(upsample_nearest2d_backward_kernel, Upsample2dBackwardKernelFn)

namespace {

Upsample2dGeometry input_geometry(const Tensor& x, const char* op) {
  DC_CHECK(x.defined(), op, ": undefined input tensor");
  DC_CHECK(x.dim() == 4, op, ": expected a 4-D (N, C, H, W) input, got ", x.str());
  // f16/bf16 have CUDA kernels only; on the CPU the kernel table names what is registered.
  DC_CHECK(is_floating(x.dtype()), op, ": expected a f32, f64, f16 or bf16 input, got ", x.str());
  DC_CHECK(x.size(2) > 0 && x.size(3) > 0, op, ": expected non-empty spatial dims, got ", x.str());
  Upsample2dGeometry g;
  g.planes = x.size(0) * x.size(1);
  g.H = x.size(2);
  g.W = x.size(3);
  return g;
}

void set_output_size(Upsample2dGeometry& g, std::array<int64_t, 2> size, const Tensor& x,
                     const char* op) {
  DC_CHECK(size[0] > 0 && size[1] > 0, op, ": output size must be positive, got {", size[0], ", ",
           size[1], "} for input ", x.str());
  g.OH = size[0];
  g.OW = size[1];
}

void set_scale(Upsample2dGeometry& g, double sh, double sw, const Tensor& x, const char* op) {
  DC_CHECK(sh > 0 && sw > 0 && std::isfinite(sh) && std::isfinite(sw), op,
           ": scale factors must be positive and finite, got {", sh, ", ", sw, "} for input ",
           x.str());
  // As PyTorch's compute_output_size: the product in double, truncated.
  const int64_t oh = static_cast<int64_t>(static_cast<double>(g.H) * sh);
  const int64_t ow = static_cast<int64_t>(static_cast<double>(g.W) * sw);
  DC_CHECK(oh > 0 && ow > 0, op, ": scale factors {", sh, ", ", sw, "} give an empty output (", oh,
           "x", ow, ") for input ", x.str());
  g.OH = oh;
  g.OW = ow;
  g.scale_h = sh;
  g.scale_w = sw;
}

Tensor upsample_impl(const Tensor& x, const Upsample2dGeometry& g, bool bilinear, const char* op) {
  const auto& fwd = bilinear ? upsample_bilinear2d_kernel() : upsample_nearest2d_kernel();
  Tensor xc = x.detach().contiguous();
  Tensor y = empty({x.size(0), x.size(1), g.OH, g.OW}, x.dtype(), x.device());
  if (y.numel() > 0) fwd.get(x.device(), x.dtype())(g, xc, y);
  const Shape xs = x.sizes();
  record_op(
      op, {x}, {y}, [g, xs, bilinear](const std::vector<Tensor>& gr, const std::vector<bool>&) {
        const auto& bwd =
            bilinear ? upsample_bilinear2d_backward_kernel() : upsample_nearest2d_backward_kernel();
        Tensor gi = empty(xs, gr[0].dtype(), gr[0].device());
        if (gi.numel() > 0) bwd.get(gi.device(), gi.dtype())(g, gr[0].contiguous(), gi);
        return std::vector<Tensor>{gi};
      });
  return y;
}

}  // namespace

Tensor upsample_bilinear2d(const Tensor& x, std::array<int64_t, 2> output_size,
                           bool align_corners) {
  Upsample2dGeometry g = input_geometry(x, "upsample_bilinear2d");
  set_output_size(g, output_size, x, "upsample_bilinear2d");
  g.align_corners = align_corners;
  return upsample_impl(x, g, true, "upsample_bilinear2d");
}

Tensor upsample_bilinear2d(const Tensor& x, double scale_h, double scale_w, bool align_corners) {
  Upsample2dGeometry g = input_geometry(x, "upsample_bilinear2d");
  set_scale(g, scale_h, scale_w, x, "upsample_bilinear2d");
  g.align_corners = align_corners;
  return upsample_impl(x, g, true, "upsample_bilinear2d");
}

Tensor upsample_nearest2d(const Tensor& x, std::array<int64_t, 2> output_size) {
  Upsample2dGeometry g = input_geometry(x, "upsample_nearest2d");
  set_output_size(g, output_size, x, "upsample_nearest2d");
  return upsample_impl(x, g, false, "upsample_nearest2d");
}

Tensor upsample_nearest2d(const Tensor& x, double scale_h, double scale_w) {
  Upsample2dGeometry g = input_geometry(x, "upsample_nearest2d");
  set_scale(g, scale_h, scale_w, x, "upsample_nearest2d");
  return upsample_impl(x, g, false, "upsample_nearest2d");
}

}  // namespace dc
