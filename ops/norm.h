// Batch normalization over dim 1 of an N x C x ... input, as F.batch_norm.
#pragma once

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

}  // namespace dc
