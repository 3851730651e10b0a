#include "ops/norm.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "core/copy.h"
#include "ops/elementwise.h"

namespace dc {

DC_DEFINE_KERNEL(batch_norm_stats_kernel, BatchNormStatsKernelFn)
DC_DEFINE_KERNEL(batch_norm_apply_kernel, BatchNormApplyKernelFn)
DC_DEFINE_KERNEL(batch_norm_backward_kernel, BatchNormBackwardKernelFn)

namespace norm_detail {

void check_channel_tensor(const Tensor& t, int64_t c, const Tensor& x, const char* what,
                          const char* op) {
  if (!t.defined()) return;
  DC_CHECK(t.dim() == 1 && t.size(0) == c && is_floating(t.dtype()), op, ": ", what,
           " must be a floating 1-D tensor of ", c, " elements (channels of input ", x.str(),
           "), got ", t.str());
  DC_CHECK(t.device() == x.device(), op, ": ", what, " ", t.str(), " is on ", t.device(),
           " but input ", x.str(), " is on ", x.device());
}

Tensor as_dtype(const Tensor& t, DType d) {
  if (!t.defined()) return t;
  return t.dtype() == d ? t.detach().contiguous() : t.detach().to(d);
}

void check_input(const Tensor& x, int64_t min_dim, const char* op) {
  DC_CHECK(x.defined(), op, ": undefined input tensor");
  DC_CHECK(x.dim() >= min_dim, op, ": expected input of at least ", min_dim, " dims (N, C",
           min_dim > 2 ? ", spatial..." : ", ...", "), got ", x.str());
  DC_CHECK(x.dtype() == DType::f32 || x.dtype() == DType::f64, op,
           ": expected a f32 or f64 input, got ", x.str());
}

NormGrads alloc_norm_grads(const std::vector<bool>& needs, const Shape& x_shape, int64_t c,
                           DType dt, Device device) {
  NormGrads g;
  if (needs[0]) g.gx = empty(x_shape, dt, device);
  if (needs[1]) g.gw = empty({c}, dt, device);
  if (needs[2]) g.gb = empty({c}, dt, device);
  return g;
}

std::vector<Tensor> norm_grads_in_param_dtypes(NormGrads g, DType weight_dtype, DType bias_dtype) {
  if (g.gw.defined() && g.gw.dtype() != weight_dtype) g.gw = g.gw.to(weight_dtype);
  if (g.gb.defined() && g.gb.dtype() != bias_dtype) g.gb = g.gb.to(bias_dtype);
  return {g.gx, g.gw, g.gb};
}

void update_running(const Tensor& running, const Tensor& stat, double momentum,
                    double stat_weight) {
  NoGradGuard no_grad;
  copy_into(running,
            binary_raw(BinaryOp::kAdd, running.detach() * (1 - momentum), stat * stat_weight));
}

}  // namespace norm_detail

namespace {

using norm_detail::as_dtype;
using norm_detail::check_channel_tensor;
using norm_detail::check_input;
using norm_detail::update_running;

// Element-wise on a [C] tensor (host loop: C is small next to the input).
template <typename F>
Tensor per_channel(const Tensor& t, DType d, F f) {
  std::vector<double> v = t.to_vector();
  for (double& e : v) e = f(e);
  return tensor_from(v, {static_cast<int64_t>(v.size())}, d);
}

// 1 / sqrt(var + eps) of a [C] tensor, in dtype d: the host loop in double on the CPU; on a GPU
// elementwise ops in d, so that a training step needs no device-to-host round trip (a sync).
Tensor invstd_of(const Tensor& var, DType d, double eps) {
  if (var.device().is_cpu()) {
    return per_channel(var, d, [eps](double v) { return 1.0 / std::sqrt(v + eps); });
  }
  NoGradGuard no_grad;
  return 1.0 / sqrt(as_dtype(var, d) + eps);
}

Tensor batch_norm_impl(const Tensor& x, const Tensor& weight, const Tensor& bias,
                       const Tensor& running_mean, const Tensor& running_var, bool training,
                       double momentum, double eps, bool relu, const char* op) {
  check_input(x, 2, op);
  const int64_t N = x.size(0), C = x.size(1);
  const int64_t S = N * C == 0 ? 0 : x.numel() / (N * C);
  check_channel_tensor(weight, C, x, "weight", op);
  check_channel_tensor(bias, C, x, "bias", op);
  check_channel_tensor(running_mean, C, x, "running_mean", op);
  check_channel_tensor(running_var, C, x, "running_var", op);
  DC_CHECK(training || (running_mean.defined() && running_var.defined()), op,
           ": eval mode needs running_mean and running_var, got ",
           running_mean.defined() ? running_mean.str() : "undefined", " and ",
           running_var.defined() ? running_var.str() : "undefined");
  DC_CHECK(!training || N * S > 1, op,
           ": expected more than 1 value per channel when training, got input ", x.str());
  DC_CHECK(eps >= 0, op, ": eps must be non-negative, got ", eps);

  const DType dt = x.dtype();
  const Tensor xc = x.detach().contiguous();
  const Tensor x3 = xc.as_strided({N, C, S}, {C * S, S, 1}, xc.offset());
  const Tensor w = as_dtype(weight, dt), b = as_dtype(bias, dt);
  Tensor mean, invstd;
  if (training) {
    mean = empty({C}, dt, x.device());
    Tensor var = empty({C}, dt, x.device());
    batch_norm_stats_kernel().get(x.device(), dt)(x3, mean, var);
    invstd = invstd_of(var, dt, eps);
    const double n = static_cast<double>(N * S);
    if (running_mean.defined()) update_running(running_mean, mean, momentum, momentum);
    if (running_var.defined()) update_running(running_var, var, momentum, momentum * n / (n - 1));
  } else {
    mean = as_dtype(running_mean, dt);
    invstd = invstd_of(running_var, dt, eps);
  }
  Tensor y = empty(x.sizes(), dt, x.device());
  if (y.numel() > 0) {
    batch_norm_apply_kernel().get(x.device(), dt)(x3, mean, invstd, w, b,
                                                  y.as_strided({N, C, S}, {C * S, S, 1}, 0), relu);
  }
  if (!any_requires_grad({x, weight, bias})) return y;
  const Tensor sy = relu ? y.detach() : Tensor();
  const Shape xs = x.sizes();
  const DType wdt = weight.defined() ? weight.dtype() : dt,
              bdt = bias.defined() ? bias.dtype() : dt;
  record_op(
      op, {x, weight, bias}, {y},
      [=](const std::vector<Tensor>& g, const std::vector<bool>& needs) {
        Tensor gy = g[0];
        if (relu) gy = binary_raw(BinaryOp::kReluGrad, gy, sy);
        gy = gy.contiguous();
        norm_detail::NormGrads grads = norm_detail::alloc_norm_grads(needs, xs, C, dt, x3.device());
        const Shape s3{N, C, S}, st3{C * S, S, 1};
        batch_norm_backward_kernel().get(x3.device(), dt)(
            gy.as_strided(s3, st3, gy.offset()), x3, mean, invstd, w, training,
            grads.gx.defined() ? grads.gx.as_strided(s3, st3, 0) : Tensor(), grads.gw, grads.gb);
        return norm_detail::norm_grads_in_param_dtypes(grads, wdt, bdt);
      });
  return y;
}

}  // namespace

Tensor frozen_batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias,
                         const Tensor& running_mean, const Tensor& running_var, double eps) {
  const char* op = "frozen_batch_norm";
  check_input(x, 2, op);
  DC_CHECK(weight.defined() && bias.defined() && running_mean.defined() && running_var.defined(),
           op, ": weight, bias, running_mean and running_var are all required");
  const int64_t N = x.size(0), C = x.size(1);
  const int64_t S = N * C == 0 ? 0 : x.numel() / (N * C);
  check_channel_tensor(weight, C, x, "weight", op);
  check_channel_tensor(bias, C, x, "bias", op);
  check_channel_tensor(running_mean, C, x, "running_mean", op);
  check_channel_tensor(running_var, C, x, "running_var", op);
  DC_CHECK(eps >= 0, op, ": eps must be non-negative, got ", eps);
  // It is eval-mode batch norm: the same apply kernel computes x * (invstd * w) + (b - m * scale),
  // and the eval backward kernel gives grad_x = grad_y * invstd * w.
  const DType dt = x.dtype();
  const Tensor xc = x.detach().contiguous();
  const Shape s3{N, C, S}, st3{C * S, S, 1};
  const Tensor x3 = xc.as_strided(s3, st3, xc.offset());
  const Tensor w = as_dtype(weight, dt), b = as_dtype(bias, dt), mean = as_dtype(running_mean, dt);
  const Tensor invstd = invstd_of(running_var, dt, eps);
  Tensor y = empty(x.sizes(), dt, x.device());
  if (y.numel() > 0) {
    batch_norm_apply_kernel().get(x.device(), dt)(x3, mean, invstd, w, b, y.as_strided(s3, st3, 0),
                                                  false);
  }
  const Shape xs = x.sizes();
  record_op(op, {x}, {y}, [=](const std::vector<Tensor>& g, const std::vector<bool>&) {
    Tensor gx = empty(xs, dt, x3.device());
    if (gx.numel() == 0) return std::vector<Tensor>{gx};
    const Tensor gy = g[0].contiguous();
    batch_norm_backward_kernel().get(x3.device(), dt)(
        gy.as_strided(s3, st3, gy.offset()), x3, mean, invstd, w, /*training=*/false,
        gx.as_strided(s3, st3, 0), Tensor(), Tensor());
    return std::vector<Tensor>{gx};
  });
  return y;
}

Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor running_mean,
                  Tensor running_var, bool training, double momentum, double eps) {
  return batch_norm_impl(x, weight, bias, running_mean, running_var, training, momentum, eps, false,
                         "batch_norm");
}

Tensor batch_norm_relu(const Tensor& x, const Tensor& weight, const Tensor& bias,
                       Tensor running_mean, Tensor running_var, bool training, double momentum,
                       double eps) {
  return batch_norm_impl(x, weight, bias, running_mean, running_var, training, momentum, eps, true,
                         "batch_norm_relu");
}

}  // namespace dc
