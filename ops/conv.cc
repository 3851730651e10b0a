#include "ops/conv.h"

#include "autograd/node.h"
#include "core/copy.h"

namespace dc {

DC_DEFINE_KERNEL(conv2d_forward_kernel, Conv2dForwardFn)
DC_DEFINE_KERNEL(conv2d_backward_kernel, Conv2dBackwardFn)

namespace {

std::string pair_str(const std::array<int64_t, 2>& v) {
  return "(" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + ")";
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, std::array<int64_t, 2> stride,
              std::array<int64_t, 2> padding, std::array<int64_t, 2> dilation, int64_t groups) {
  DC_CHECK(x.defined() && w.defined(), "conv2d: undefined input or weight tensor");
  // f16/bf16 have CUDA kernels only; on the CPU the kernel table names what is registered.
  DC_CHECK(
      x.dtype() == w.dtype() && is_floating(x.dtype()),
      "conv2d: expected input and weight of one floating dtype (f32, f64, f16, bf16), got input ",
      x.str(), " and weight ", w.str());
  DC_CHECK(x.device() == w.device(), "conv2d: input ", x.str(), " on ", x.device(), " but weight ",
           w.str(), " on ", w.device());
  DC_CHECK(x.dim() == 4, "conv2d: expected a 4-D input [N, C, H, W], got ", x.str());
  DC_CHECK(w.dim() == 4, "conv2d: expected a 4-D weight [Cout, Cin/groups, kh, kw], got ", w.str());
  DC_CHECK(groups > 0, "conv2d: groups must be positive, got ", groups);
  for (int i = 0; i < 2; ++i) {
    DC_CHECK(stride[i] > 0, "conv2d: stride must be positive, got ", pair_str(stride));
    DC_CHECK(padding[i] >= 0, "conv2d: padding must be non-negative, got ", pair_str(padding));
    DC_CHECK(dilation[i] > 0, "conv2d: dilation must be positive, got ", pair_str(dilation));
  }
  const int64_t n = x.size(0), cin = x.size(1), cout = w.size(0);
  DC_CHECK(cin % groups == 0 && cout % groups == 0, "conv2d: input channels of ", x.str(),
           " and output channels of weight ", w.str(), " must be divisible by groups = ", groups);
  DC_CHECK(w.size(1) == cin / groups, "conv2d: weight ", w.str(), " expects ", w.size(1) * groups,
           " input channels (", w.size(1), " per group x ", groups, " groups), but input ", x.str(),
           " has ", cin);
  DC_CHECK(w.size(2) > 0 && w.size(3) > 0 && cout > 0, "conv2d: empty weight ", w.str());
  if (bias.defined()) {
    DC_CHECK(bias.dtype() == x.dtype() && bias.device() == x.device(), "conv2d: bias ", bias.str(),
             " must match input ", x.str(), " in dtype and device");
    DC_CHECK(bias.dim() == 1 && bias.size(0) == cout, "conv2d: bias must be [", cout,
             "] for weight ", w.str(), ", got ", bias.str());
  }
  std::array<int64_t, 2> out;
  for (int i = 0; i < 2; ++i) {
    const int64_t in = x.size(2 + i) + 2 * padding[i];
    const int64_t k = dilation[i] * (w.size(2 + i) - 1) + 1;
    DC_CHECK(in >= k, "conv2d: padded input ", x.str(), " with padding ", pair_str(padding),
             " is smaller than the dilated kernel of weight ", w.str(), " with dilation ",
             pair_str(dilation));
    out[i] = (in - k) / stride[i] + 1;
  }
  Conv2dParams p{stride, padding, dilation, groups};
  const Tensor sx = x.detach().contiguous(), sw = w.detach().contiguous();
  const Tensor sb = bias.defined() ? bias.detach().contiguous() : Tensor();
  Tensor y = empty({n, cout, out[0], out[1]}, x.dtype(), x.device());
  if (x.numel() > 0) {
    if (y.numel() > 0) conv2d_forward_kernel().get(x.device(), x.dtype())(y, sx, sw, sb, p);
  } else if (y.numel() > 0) {
    fill_(y, 0);  // zero-sized spatial input: every output reads only padding
    if (sb.defined()) copy_into(y, sb.view({1, cout, 1, 1}));
  }
  const bool has_bias = bias.defined();
  record_op("conv2d", {x, w, bias}, {y},
            [sx, sw, p, has_bias](const std::vector<Tensor>& gs, const std::vector<bool>& needs) {
              const Tensor gy = gs[0].detach().contiguous();
              Tensor gx = needs[0] ? empty(sx.sizes(), sx.dtype(), sx.device()) : Tensor();
              Tensor gw = needs[1] ? empty(sw.sizes(), sw.dtype(), sw.device()) : Tensor();
              Tensor gb =
                  has_bias && needs[2] ? empty({sw.size(0)}, sw.dtype(), sw.device()) : Tensor();
              if (gy.numel() == 0 || sx.numel() == 0) {
                // Nothing flows back, but the weight and bias still get (zero) gradients.
                for (const Tensor& t : {gx, gw, gb}) {
                  if (t.defined()) fill_(t, 0);
                }
              } else {
                conv2d_backward_kernel().get(gy.device(), gy.dtype())(gx, gw, gb, gy, sx, sw, p);
              }
              return std::vector<Tensor>{gx, gw, gb};
            });
  return y;
}

}  // namespace dc
