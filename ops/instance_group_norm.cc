#include "ops/instance_group_norm.h"

#include "autograd/node.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/norm.h"
#include "ops/reduce.h"

namespace dc {

DC_DEFINE_KERNEL(group_norm_stats_kernel, GroupNormStatsKernelFn)
DC_DEFINE_KERNEL(group_norm_apply_kernel, GroupNormApplyKernelFn)
DC_DEFINE_KERNEL(group_norm_backward_kernel, GroupNormBackwardKernelFn)

namespace {

using norm_detail::as_dtype;
using norm_detail::check_channel_tensor;
using norm_detail::check_input;
using norm_detail::update_running;

struct Normalized {
  Tensor y;
  Tensor mean, var;  // [N, G] per-group statistics (var biased; only when asked for)
};

// Group norm of a checked input, recording the backward to x, weight and bias.
Normalized group_norm_impl(const Tensor& x, int64_t G, const Tensor& weight, const Tensor& bias,
                           double eps, bool want_var, const char* op) {
  const int64_t N = x.size(0), C = x.size(1);
  const int64_t S = N * C == 0 ? 0 : x.numel() / (N * C);
  const DType dt = x.dtype();
  const Tensor xc = x.detach().contiguous();
  const Shape s3{N, C, S}, st3{C * S, S, 1};
  const Tensor x3 = xc.as_strided(s3, st3, xc.offset());
  const Tensor w = as_dtype(weight, dt), b = as_dtype(bias, dt);
  Normalized r;
  // Zeros, not garbage, when the slices are empty: the backward sums then stay 0.
  r.mean = zeros({N, G}, dt, x.device());
  Tensor rstd = zeros({N, G}, dt, x.device());
  if (want_var) r.var = zeros({N, G}, dt, x.device());
  if (x.numel() > 0) {
    group_norm_stats_kernel().get(x.device(), dt)(x3, G, eps, r.mean, rstd, r.var);
  }
  r.y = empty(x.sizes(), dt, x.device());
  if (x.numel() > 0) {
    group_norm_apply_kernel().get(x.device(), dt)(x3, G, r.mean, rstd, w, b,
                                                  r.y.as_strided(s3, st3, 0));
  }
  if (!any_requires_grad({x, weight, bias})) return r;
  const Tensor mean = r.mean;
  const Shape xs = x.sizes();
  const DType wdt = weight.defined() ? weight.dtype() : dt,
              bdt = bias.defined() ? bias.dtype() : dt;
  record_op(
      op, {x, weight, bias}, {r.y},
      [=](const std::vector<Tensor>& g, const std::vector<bool>& needs) {
        const Tensor gy = g[0].contiguous();
        norm_detail::NormGrads grads = norm_detail::alloc_norm_grads(needs, xs, C, dt, x3.device());
        group_norm_backward_kernel().get(x3.device(), dt)(
            gy.as_strided(s3, st3, gy.offset()), x3, G, mean, rstd, w,
            grads.gx.defined() ? grads.gx.as_strided(s3, st3, 0) : Tensor(), grads.gw, grads.gb);
        return norm_detail::norm_grads_in_param_dtypes(grads, wdt, bdt);
      });
  return r;
}

}  // namespace

Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight, const Tensor& bias,
                  double eps) {
  const char* op = "group_norm";
  check_input(x, 2, op);
  const int64_t C = x.size(1);
  DC_CHECK(num_groups > 0 && C % num_groups == 0, op, ": num_groups must be positive and divide ",
           "the ", C, " channels of input ", x.str(), ", got ", num_groups);
  check_channel_tensor(weight, C, x, "weight", op);
  check_channel_tensor(bias, C, x, "bias", op);
  DC_CHECK(eps >= 0, op, ": eps must be non-negative, got ", eps);
  return group_norm_impl(x, num_groups, weight, bias, eps, false, op).y;
}

Tensor instance_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor running_mean,
                     Tensor running_var, bool use_input_stats, double momentum, double eps) {
  const char* op = "instance_norm";
  check_input(x, 3, op);
  const int64_t N = x.size(0), C = x.size(1);
  const int64_t S = N * C == 0 ? 0 : x.numel() / (N * C);
  check_channel_tensor(weight, C, x, "weight", op);
  check_channel_tensor(bias, C, x, "bias", op);
  check_channel_tensor(running_mean, C, x, "running_mean", op);
  check_channel_tensor(running_var, C, x, "running_var", op);
  DC_CHECK(eps >= 0, op, ": eps must be non-negative, got ", eps);
  if (!use_input_stats) {
    DC_CHECK(running_mean.defined() && running_var.defined(), op,
             ": use_input_stats=false needs running_mean and running_var, got ",
             running_mean.defined() ? running_mean.str() : "undefined", " and ",
             running_var.defined() ? running_var.str() : "undefined");
    // With fixed statistics per channel, instance norm is eval-mode batch norm.
    return batch_norm(x, weight, bias, running_mean, running_var, /*training=*/false, momentum,
                      eps);
  }
  DC_CHECK(S > 1, op, ": expected more than 1 spatial element per instance when using input ",
           "statistics, got input ", x.str());
  const bool track = running_mean.defined() || running_var.defined();
  Normalized r = group_norm_impl(x, C, weight, bias, eps, track, op);
  // PyTorch runs batch norm over [1, N * C, ...] with the running statistics repeated N times,
  // then averages the N updated copies: the same as updating with the mean over n of the
  // per-instance statistics.
  if (running_mean.defined()) update_running(running_mean, mean(r.mean, {0}), momentum, momentum);
  if (running_var.defined()) {
    const double unbias = static_cast<double>(S) / static_cast<double>(S - 1);
    update_running(running_var, mean(r.var, {0}) * unbias, momentum, momentum);
  }
  return r.y;
}

}  // namespace dc
