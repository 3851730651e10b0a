// Batch normalization over dim 1 of an N x C x ... input, as F.batch_norm, and its frozen form
// (torchvision's FrozenBatchNorm2d).
#pragma once

#include <vector>

#include "core/tensor.h"
#include "ops/dispatch.h"

namespace dc {

// training: normalizes with the batch mean and biased variance, and (where defined) updates
// running_mean / running_var in place: r = (1 - momentum) * r + momentum * stat, with the unbiased
// variance for running_var. Eval: normalizes with the running statistics (both required).
// weight/bias ([C]) may be undefined (no affine). Gradients flow to x, weight and bias.
Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor running_mean,
                  Tensor running_var, bool training, double momentum = 0.1, double eps = 1e-5);
// relu(batch_norm(...)) in one pass over the output.
Tensor batch_norm_relu(const Tensor& x, const Tensor& weight, const Tensor& bias,
                       Tensor running_mean, Tensor running_var, bool training,
                       double momentum = 0.1, double eps = 1e-5);

// torchvision.ops.FrozenBatchNorm2d on x [N, C, ...] (f32/f64): with scale = weight *
// rsqrt(running_var + eps) and shift = bias - running_mean * scale (all four [C], required),
// y = x * scale + shift. The statistics and the affine are constants (buffers in torchvision): the
// gradient flows to x only (grad_x = grad_y * scale), never to the four per-channel tensors.
Tensor frozen_batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias,
                         const Tensor& running_mean, const Tensor& running_var, double eps = 1e-5);

// Kernels see x as a contiguous [N, C, S] tensor; per-channel tensors are [C] of x's dtype.
// Biased batch mean and variance per channel.
using BatchNormStatsKernelFn = void(const Tensor& x, const Tensor& mean, const Tensor& var);
// y = (x - mean) * invstd * weight + bias (weight/bias may be undefined), then relu if asked.
using BatchNormApplyKernelFn = void(const Tensor& x, const Tensor& mean, const Tensor& invstd,
                                    const Tensor& weight, const Tensor& bias, const Tensor& y,
                                    bool relu);
// Writes the defined ones of grad_x, grad_weight, grad_bias. training: mean/invstd are batch
// statistics, so grad_x includes their dependence on x.
using BatchNormBackwardKernelFn = void(const Tensor& grad_y, const Tensor& x, const Tensor& mean,
                                       const Tensor& invstd, const Tensor& weight, bool training,
                                       const Tensor& grad_x, const Tensor& grad_weight,
                                       const Tensor& grad_bias);
DC_DECLARE_KERNEL(batch_norm_stats_kernel, BatchNormStatsKernelFn)
DC_DECLARE_KERNEL(batch_norm_apply_kernel, BatchNormApplyKernelFn)
DC_DECLARE_KERNEL(batch_norm_backward_kernel, BatchNormBackwardKernelFn)

// Shared by the normalization ops (batch, frozen batch, instance, group norm).
namespace norm_detail {
// Checks that t, where defined, is a floating [c] tensor on x's device; messages name op and what.
void check_channel_tensor(const Tensor& t, int64_t c, const Tensor& x, const char* what,
                          const char* op);
// A detached contiguous copy (or view) of t in dtype d; undefined stays undefined.
Tensor as_dtype(const Tensor& t, DType d);
// Checks that x is a defined f32/f64 tensor of at least min_dim dims (N, C, ...).
void check_input(const Tensor& x, int64_t min_dim, const char* op);
// running = (1 - momentum) * running + stat_weight * stat, in place and outside the graph.
// stat_weight is momentum, or for batch norm's variance momentum * n / (n - 1) (unbiasing folded
// in).
void update_running(const Tensor& running, const Tensor& stat, double momentum, double stat_weight);

// The gradients a normalization backward kernel writes, in x's dtype: grad_x (x's shape) and the
// per-channel grad_weight / grad_bias ([c]), each allocated only where `needs` asks for it.
struct NormGrads {
  Tensor gx, gw, gb;
};
NormGrads alloc_norm_grads(const std::vector<bool>& needs, const Shape& x_shape, int64_t c,
                           DType dt, Device device);
// {gx, gw, gb} with gw/gb converted to the dtypes of weight and bias (kernels compute in x's).
std::vector<Tensor> norm_grads_in_param_dtypes(NormGrads g, DType weight_dtype, DType bias_dtype);
}  // namespace norm_detail

}  // namespace dc
