#include "ops/conv_transpose.h"

#include "autograd/node.h"
#include "core/copy.h"

namespace dc {

DC_DEFINE_KERNEL(conv_transpose2d_forward_kernel, ConvTranspose2dForwardFn)
DC_DEFINE_KERNEL(conv_transpose2d_backward_kernel, ConvTranspose2dBackwardFn)

namespace {

std::string pair_str(const std::array<int64_t, 2>& v) {
  return "(" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + ")";
}

}  // namespace

Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& bias,
                        std::array<int64_t, 2> stride, std::array<int64_t, 2> padding,
                        std::array<int64_t, 2> output_padding, std::array<int64_t, 2> dilation,
                        int64_t groups) {
  DC_CHECK(x.defined() && w.defined(), "conv_transpose2d: undefined input or weight tensor");
  // f16/bf16 have CUDA kernels only; on the CPU the kernel table names what is registered.
  DC_CHECK(
      x.dtype() == w.dtype() && is_floating(x.dtype()),
      "conv_transpose2d: expected input and weight of one floating dtype (f32, f64, f16, bf16), "
      "got "
      "input ",
      x.str(), " and weight ", w.str());
  DC_CHECK(x.device() == w.device(), "conv_transpose2d: input ", x.str(), " on ", x.device(),
           " but weight ", w.str(), " on ", w.device());
  DC_CHECK(x.dim() == 4, "conv_transpose2d: expected a 4-D input [N, Cin, H, W], got ", x.str());
  DC_CHECK(w.dim() == 4, "conv_transpose2d: expected a 4-D weight [Cin, Cout/groups, kh, kw], got ",
           w.str());
  DC_CHECK(x.size(1) > 0 && x.size(2) > 0 && x.size(3) > 0,
           "conv_transpose2d: expected non-empty channel and spatial dims, got input ", x.str());
  DC_CHECK(groups > 0, "conv_transpose2d: groups must be positive, got ", groups);
  for (int i = 0; i < 2; ++i) {
    DC_CHECK(stride[i] > 0, "conv_transpose2d: stride must be positive, got ", pair_str(stride));
    DC_CHECK(padding[i] >= 0, "conv_transpose2d: padding must be non-negative, got ",
             pair_str(padding));
    DC_CHECK(dilation[i] > 0, "conv_transpose2d: dilation must be positive, got ",
             pair_str(dilation));
    // PyTorch's rule: a larger output_padding would add rows no input pixel can reach.
    DC_CHECK(output_padding[i] >= 0 &&
                 (output_padding[i] < stride[i] || output_padding[i] < dilation[i]),
             "conv_transpose2d: output_padding ", pair_str(output_padding),
             " must be non-negative and smaller than either stride ", pair_str(stride),
             " or dilation ", pair_str(dilation));
  }
  const int64_t n = x.size(0), cin = x.size(1);
  DC_CHECK(w.size(0) == cin, "conv_transpose2d: weight ", w.str(), " expects ", w.size(0),
           " input channels (its first dim), but input ", x.str(), " has ", cin);
  DC_CHECK(cin % groups == 0, "conv_transpose2d: input channels of ", x.str(),
           " must be divisible by groups = ", groups);
  DC_CHECK(w.size(1) > 0 && w.size(2) > 0 && w.size(3) > 0, "conv_transpose2d: empty weight ",
           w.str());
  const int64_t cout = w.size(1) * groups;
  if (bias.defined()) {
    DC_CHECK(bias.dtype() == x.dtype() && bias.device() == x.device(), "conv_transpose2d: bias ",
             bias.str(), " must match input ", x.str(), " in dtype and device");
    DC_CHECK(bias.dim() == 1 && bias.size(0) == cout, "conv_transpose2d: bias must be [", cout,
             "] (weight ", w.str(), " x groups = ", groups, "), got ", bias.str());
  }
  std::array<int64_t, 2> out;
  for (int i = 0; i < 2; ++i) {
    out[i] = (x.size(2 + i) - 1) * stride[i] - 2 * padding[i] + dilation[i] * (w.size(2 + i) - 1) +
             output_padding[i] + 1;
  }
  DC_CHECK(out[0] > 0 && out[1] > 0, "conv_transpose2d: output size ", pair_str(out),
           " is not positive for input ", x.str(), ", weight ", w.str(), ", stride ",
           pair_str(stride), ", padding ", pair_str(padding), ", output_padding ",
           pair_str(output_padding), " and dilation ", pair_str(dilation));
  ConvTranspose2dParams p{stride, padding, output_padding, dilation, groups};
  const Tensor sx = x.detach().contiguous(), sw = w.detach().contiguous();
  const Tensor sb = bias.defined() ? bias.detach().contiguous() : Tensor();
  Tensor y = empty({n, cout, out[0], out[1]}, x.dtype(), x.device());
  if (n > 0) conv_transpose2d_forward_kernel().get(x.device(), x.dtype())(y, sx, sw, sb, p);
  const bool has_bias = bias.defined();
  record_op("conv_transpose2d", {x, w, bias}, {y},
            [sx, sw, p, has_bias](const std::vector<Tensor>& gs, const std::vector<bool>& needs) {
              const Tensor gy = gs[0].detach().contiguous();
              Tensor gx = needs[0] ? empty(sx.sizes(), sx.dtype(), sx.device()) : Tensor();
              Tensor gw = needs[1] ? empty(sw.sizes(), sw.dtype(), sw.device()) : Tensor();
              Tensor gb =
                  has_bias && needs[2] ? empty({gy.size(1)}, sw.dtype(), sw.device()) : Tensor();
              if (gy.numel() == 0) {
                // An empty batch: nothing flows back, but weight and bias get (zero) gradients.
                for (const Tensor& t : {gx, gw, gb}) {
                  if (t.defined()) fill_(t, 0);
                }
              } else {
                conv_transpose2d_backward_kernel().get(gy.device(), gy.dtype())(gx, gw, gb, gy, sx,
                                                                                sw, p);
              }
              return std::vector<Tensor>{gx, gw, gb};
            });
  return y;
}

}  // namespace dc
