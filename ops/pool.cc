#include "ops/pool.h"

#include "autograd/node.h"

namespace dc {

DC_DEFINE_KERNEL(max_pool2d_kernel, MaxPool2dKernelFn)
DC_DEFINE_KERNEL(max_pool2d_backward_kernel, MaxPool2dBackwardKernelFn)
DC_DEFINE_KERNEL(avg_pool2d_kernel, AvgPool2dKernelFn)
DC_DEFINE_KERNEL(avg_pool2d_backward_kernel, AvgPool2dBackwardKernelFn)

namespace {

void check_pool_input(const Tensor& x, const char* op) {
  DC_CHECK(x.defined(), op, ": undefined input tensor");
  DC_CHECK(x.dim() == 3 || x.dim() == 4, op,
           ": expected 3-D (C, H, W) or 4-D (N, C, H, W) input, got ", x.str());
  // f16/bf16 have CUDA kernels only; on the CPU the kernel table names what is registered.
  DC_CHECK(is_floating(x.dtype()), op, ": expected a f32, f64, f16 or bf16 input, got ", x.str());
  DC_CHECK(x.size(-1) > 0 && x.size(-2) > 0, op, ": expected non-empty spatial dims, got ",
           x.str());
}

// PyTorch's pooling_output_shape: with ceil_mode the last window must start inside the input or
// its left padding, never entirely in the right padding.
int64_t pooled_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  const int64_t num = in + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
  int64_t out = (num >= 0 ? num / s : -((-num + s - 1) / s)) + 1;
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}

Pool2dGeometry make_geometry(const Tensor& x, std::array<int64_t, 2> kernel,
                             std::array<int64_t, 2> stride, std::array<int64_t, 2> padding,
                             std::array<int64_t, 2> dilation, bool ceil_mode, const char* op) {
  check_pool_input(x, op);
  if (stride[0] == 0 && stride[1] == 0) stride = kernel;
  DC_CHECK(kernel[0] > 0 && kernel[1] > 0, op, ": kernel size must be positive, got {", kernel[0],
           ", ", kernel[1], "} for input ", x.str());
  DC_CHECK(stride[0] > 0 && stride[1] > 0, op, ": stride must be positive, got {", stride[0], ", ",
           stride[1], "} for input ", x.str());
  DC_CHECK(dilation[0] > 0 && dilation[1] > 0, op, ": dilation must be positive, got {",
           dilation[0], ", ", dilation[1], "}");
  DC_CHECK(padding[0] >= 0 && padding[1] >= 0 && padding[0] <= kernel[0] / 2 &&
               padding[1] <= kernel[1] / 2,
           op, ": padding {", padding[0], ", ", padding[1],
           "} must be non-negative and at most half the kernel size {", kernel[0], ", ", kernel[1],
           "}");
  Pool2dGeometry g;
  g.H = x.size(-2);
  g.W = x.size(-1);
  g.planes = g.H * g.W == 0 ? 0 : x.numel() / (g.H * g.W);
  g.kh = kernel[0];
  g.kw = kernel[1];
  g.sh = stride[0];
  g.sw = stride[1];
  g.ph = padding[0];
  g.pw = padding[1];
  g.dh = dilation[0];
  g.dw = dilation[1];
  g.OH = pooled_size(g.H, g.kh, g.sh, g.ph, g.dh, ceil_mode);
  g.OW = pooled_size(g.W, g.kw, g.sw, g.pw, g.dw, ceil_mode);
  DC_CHECK(g.OH > 0 && g.OW > 0, op, ": input ", x.str(), " is too small for kernel {", kernel[0],
           ", ", kernel[1], "} with padding {", padding[0], ", ", padding[1], "} and dilation {",
           dilation[0], ", ", dilation[1], "}: output would be ", g.OH, "x", g.OW);
  return g;
}

Shape out_shape(const Tensor& x, const Pool2dGeometry& g) {
  Shape s = x.sizes();
  s[s.size() - 2] = g.OH;
  s[s.size() - 1] = g.OW;
  return s;
}

Tensor avg_pool_impl(const Tensor& x, const Pool2dGeometry& g, const char* op) {
  Tensor xc = x.detach().contiguous();
  Tensor y = empty(out_shape(x, g), x.dtype(), x.device());
  if (y.numel() > 0) avg_pool2d_kernel().get(x.device(), x.dtype())(g, xc, y);
  const Shape xs = x.sizes();
  record_op(op, {x}, {y}, [g, xs](const std::vector<Tensor>& gr, const std::vector<bool>&) {
    Tensor gi = empty(xs, gr[0].dtype(), gr[0].device());
    if (gi.numel() > 0) {
      avg_pool2d_backward_kernel().get(gi.device(), gi.dtype())(g, gr[0].contiguous(), gi);
    }
    return std::vector<Tensor>{gi};
  });
  return y;
}

}  // namespace

Tensor max_pool2d(const Tensor& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                  std::array<int64_t, 2> padding, std::array<int64_t, 2> dilation, bool ceil_mode) {
  const Pool2dGeometry g =
      make_geometry(x, kernel, stride, padding, dilation, ceil_mode, "max_pool2d");
  Tensor xc = x.detach().contiguous();
  Tensor y = empty(out_shape(x, g), x.dtype(), x.device());
  const bool want_grad = any_requires_grad({x});
  // Indices are only needed by backward; inference skips writing them.
  Tensor idx = want_grad ? empty(y.sizes(), DType::i64, x.device()) : Tensor();
  if (y.numel() > 0) max_pool2d_kernel().get(x.device(), x.dtype())(g, xc, y, idx);
  const Shape xs = x.sizes();
  record_op("max_pool2d", {x}, {y},
            [g, xs, idx](const std::vector<Tensor>& gr, const std::vector<bool>&) {
              Tensor gi = empty(xs, gr[0].dtype(), gr[0].device());
              if (gi.numel() > 0) {
                max_pool2d_backward_kernel().get(gi.device(), gi.dtype())(g, gr[0].contiguous(),
                                                                          idx, gi);
              }
              return std::vector<Tensor>{gi};
            });
  return y;
}

Tensor avg_pool2d(const Tensor& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                  std::array<int64_t, 2> padding, bool ceil_mode, bool count_include_pad) {
  Pool2dGeometry g = make_geometry(x, kernel, stride, padding, {1, 1}, ceil_mode, "avg_pool2d");
  g.count_include_pad = count_include_pad;
  return avg_pool_impl(x, g, "avg_pool2d");
}

Tensor adaptive_avg_pool2d(const Tensor& x, std::array<int64_t, 2> output_size) {
  check_pool_input(x, "adaptive_avg_pool2d");
  DC_CHECK(output_size[0] > 0 && output_size[1] > 0,
           "adaptive_avg_pool2d: output size must be positive, got {", output_size[0], ", ",
           output_size[1], "} for input ", x.str());
  Pool2dGeometry g;
  g.adaptive = true;
  g.H = x.size(-2);
  g.W = x.size(-1);
  g.planes = x.numel() / (g.H * g.W);
  g.OH = output_size[0];
  g.OW = output_size[1];
  return avg_pool_impl(x, g, "adaptive_avg_pool2d");
}

}  // namespace dc
