// conv_transpose2d_forward_kernel / conv_transpose2d_backward_kernel for CUDA through cuDNN (f32,
// f16, bf16). A transposed convolution x [N, Cin, H, W] with w [Cin, Cout/g, kh, kw] is the
// backward-data pass of the conv2d problem y [N, Cout, Ho, Wo] * w -> x, so:
//   forward          = cuDNN backward data of that problem,
//   gradient of x    = cuDNN forward of that problem applied to gy,
//   gradient of w    = cuDNN backward filter with gy as the conv input and x as its output grad,
//   gradient of bias = our reduction of gy over N, Ho, Wo.
//
// cuDNN's descriptors pad both sides equally, which describes Ho exactly when output_padding <
// stride (then conv2d maps Ho back to H). PyTorch also allows output_padding >= stride when it is
// below the dilation; such a problem is solved unpadded at its full size
// Hf = (H-1)*stride + dilation*(kh-1) + 1 and the window [padding, padding + Ho) copied out (rows
// past Hf receive no input, only the bias).
#include <algorithm>

#include "core/copy.h"
#include "ops/conv_transpose.h"
#include "ops/creation.h"
#include "ops/cuda/cudnn_util.h"

namespace dc {
namespace {

std::array<int64_t, 4> dims4(const Tensor& t) {
  return {t.size(0), t.size(1), t.size(2), t.size(3)};
}

struct Plan {
  CudnnConvProblem q;                 // the conv2d problem: q.x is the transposed conv's output
  bool direct = true;                 // q.x has the output's size and the user's padding
  std::array<int64_t, 2> rows{0, 0};  // (fallback) rows/cols of the output the full result covers
};

Plan make_plan(const Tensor& x, const Tensor& w, const Shape& out, const ConvTranspose2dParams& p,
               const char* what) {
  Plan plan;
  CudnnConvProblem& q = plan.q;
  q.w = dims4(w);
  q.y = dims4(x);
  q.stride = p.stride;
  q.dilation = p.dilation;
  q.groups = p.groups;
  q.dtype = x.dtype();
  q.device = x.device().index;
  q.what = what;
  plan.direct = p.output_padding[0] < p.stride[0] && p.output_padding[1] < p.stride[1];
  if (plan.direct) {
    q.x = {out[0], out[1], out[2], out[3]};
    q.padding = p.padding;
  } else {
    q.x = {out[0], out[1], 0, 0};
    q.padding = {0, 0};
    for (int i = 0; i < 2; ++i) {
      const int64_t full =
          (x.size(2 + i) - 1) * p.stride[i] + p.dilation[i] * (w.size(2 + i) - 1) + 1;
      q.x[2 + i] = full;
      plan.rows[i] = std::max<int64_t>(0, std::min(out[2 + i], full - p.padding[i]));
    }
  }
  return plan;
}

// The part of a full-size (unpadded) result that the padded output window sees, and that window.
Tensor full_window(const Tensor& full, const Plan& plan, const ConvTranspose2dParams& p) {
  return full.narrow(2, p.padding[0], plan.rows[0]).narrow(3, p.padding[1], plan.rows[1]);
}
Tensor out_window(const Tensor& out, const Plan& plan) {
  return out.narrow(2, 0, plan.rows[0]).narrow(3, 0, plan.rows[1]);
}
bool window_empty(const Plan& plan) { return plan.rows[0] == 0 || plan.rows[1] == 0; }

void conv_transpose2d_forward_cuda(const Tensor& y, const Tensor& x, const Tensor& w,
                                   const Tensor& bias, const ConvTranspose2dParams& p) {
  const Plan plan = make_plan(x, w, y.sizes(), p, "conv_transpose2d");
  if (plan.direct) {
    cudnn_conv_backward_data(plan.q, y, x, w);
  } else {
    const Tensor full =
        empty({plan.q.x[0], plan.q.x[1], plan.q.x[2], plan.q.x[3]}, y.dtype(), y.device());
    cudnn_conv_backward_data(plan.q, full, x, w);
    fill_(y, 0);
    if (!window_empty(plan)) copy_into(out_window(y, plan), full_window(full, plan, p));
  }
  if (bias.defined()) conv_add_bias(y, bias);
}

void conv_transpose2d_backward_cuda(const Tensor& gx, const Tensor& gw, const Tensor& gb,
                                    const Tensor& gy, const Tensor& x, const Tensor& w,
                                    const ConvTranspose2dParams& p) {
  const Plan plan = make_plan(x, w, gy.sizes(), p, "conv_transpose2d backward");
  Tensor g = gy;
  if (!plan.direct && (gx.defined() || gw.defined())) {
    g = zeros({plan.q.x[0], plan.q.x[1], plan.q.x[2], plan.q.x[3]}, gy.dtype(), gy.device());
    if (!window_empty(plan)) copy_into(full_window(g, plan, p), out_window(gy, plan));
  }
  if (gx.defined()) cudnn_conv_forward(plan.q, gx, g, w);
  if (gw.defined()) cudnn_conv_backward_filter(plan.q, gw, g, x);
  if (gb.defined()) conv_bias_grad(gb, gy);
}

DC_REGISTER_KERNEL(conv_transpose2d_forward_kernel, CUDA, f32, &conv_transpose2d_forward_cuda);
DC_REGISTER_KERNEL(conv_transpose2d_forward_kernel, CUDA, f16, &conv_transpose2d_forward_cuda);
DC_REGISTER_KERNEL(conv_transpose2d_forward_kernel, CUDA, bf16, &conv_transpose2d_forward_cuda);
DC_REGISTER_KERNEL(conv_transpose2d_backward_kernel, CUDA, f32, &conv_transpose2d_backward_cuda);
DC_REGISTER_KERNEL(conv_transpose2d_backward_kernel, CUDA, f16, &conv_transpose2d_backward_cuda);
DC_REGISTER_KERNEL(conv_transpose2d_backward_kernel, CUDA, bf16, &conv_transpose2d_backward_cuda);

}  // namespace
}  // namespace dc
