// Instance normalization and group normalization over an N x C x ... input, as F.instance_norm
// and F.group_norm. Both normalize per sample over a group of channels and all spatial positions
// (instance norm: one channel per group), then apply a per-channel affine.
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "ops/dispatch.h"

namespace dc {

// As F.instance_norm on x [N, C, ...] with at least one dim after C (f32/f64).
// use_input_stats = true: each (n, c) slice is normalized with its own mean and biased variance
// (more than one spatial element needed); where defined, running_mean / running_var ([C]) are
// updated in place as PyTorch does: r = (1 - momentum) * r + momentum * mean over n of the
// per-instance statistic, with the unbiased variance for running_var.
// use_input_stats = false (eval): normalizes with running_mean / running_var (both required).
// weight / bias ([C]) may be undefined (no affine). Gradients flow to x, weight and bias; the
// running statistics never carry gradient.
Tensor instance_norm(const Tensor& x, const Tensor& weight = Tensor(),
                     const Tensor& bias = Tensor(), Tensor running_mean = Tensor(),
                     Tensor running_var = Tensor(), bool use_input_stats = true,
                     double momentum = 0.1, double eps = 1e-5);

// As F.group_norm on x [N, C, ...] (f32/f64): the C channels are split into num_groups groups of
// C / num_groups consecutive channels (C must be divisible); each (n, group) slice is normalized
// with its mean and biased variance, then y = xhat * weight[c] + bias[c] (weight / bias [C],
// optional). Gradients flow to x, weight and bias.
Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);

// Kernels see x as a contiguous [N, C, S] tensor split into G groups of C / G channels; the
// statistics are [N, G] of x's dtype; weight / bias are [C] of x's dtype or undefined.
// Mean, 1 / sqrt(var + eps) and (where defined) the biased variance of each (n, group).
using GroupNormStatsKernelFn = void(const Tensor& x, int64_t groups, double eps, const Tensor& mean,
                                    const Tensor& rstd, const Tensor& var);
// y = (x - mean) * rstd * weight + bias.
using GroupNormApplyKernelFn = void(const Tensor& x, int64_t groups, const Tensor& mean,
                                    const Tensor& rstd, const Tensor& weight, const Tensor& bias,
                                    const Tensor& y);
// Writes the defined ones of grad_x, grad_weight, grad_bias, with mean / rstd the statistics of x
// (grad_x includes their dependence on x).
using GroupNormBackwardKernelFn = void(const Tensor& grad_y, const Tensor& x, int64_t groups,
                                       const Tensor& mean, const Tensor& rstd, const Tensor& weight,
                                       const Tensor& grad_x, const Tensor& grad_weight,
                                       const Tensor& grad_bias);
DC_DECLARE_KERNEL(group_norm_stats_kernel, GroupNormStatsKernelFn)
DC_DECLARE_KERNEL(group_norm_apply_kernel, GroupNormApplyKernelFn)
DC_DECLARE_KERNEL(group_norm_backward_kernel, GroupNormBackwardKernelFn)

}  // namespace dc
