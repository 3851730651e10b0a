// Loss functions.
#pragma once

#include "core/tensor.h"
#include "ops/dispatch.h"

namespace dc {

enum class Reduction { kNone, kMean, kSum };

// As F.cross_entropy with class-index targets: logits [N, C] or [N, C, d1, ...], target i64 [N] or
// [N, d1, ...] with values in [0, C) or equal to ignore_index. weight ([C], optional) scales each
// target's loss; kMean divides by the summed weight of the non-ignored targets (NaN when all are
// ignored, as PyTorch); kNone gives 0 at ignored positions. Gradient w.r.t. logits.
Tensor cross_entropy(const Tensor& logits, const Tensor& target, const Tensor& weight = Tensor(),
                     int64_t ignore_index = -100, Reduction reduction = Reduction::kMean);

// Elementwise 0.5 * d^2 / beta where |d| < beta, else |d| - 0.5 * beta, with d = input - target
// (same shapes); beta = 0 is the L1 loss. mask (optional, broadcastable to input, bool or 0/1
// floating) multiplies the elementwise loss; then kSum sums, kNone returns the masked elementwise
// loss, and kMean divides the sum by the number of contributing elements: the nonzero entries of
// the mask broadcast to input's shape (NaN if none), or numel without a mask, which is torch's
// mean. Gradients w.r.t. input and target.
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, double beta = 1.0,
                      const Tensor& mask = Tensor(), Reduction reduction = Reduction::kMean);

// As F.l1_loss (|input - target|) and F.mse_loss ((input - target)^2), same shapes, with the mask
// and reduction semantics of smooth_l1_loss above (kMean with a mask divides by the count of
// contributing elements). Gradients w.r.t. input and target.
Tensor l1_loss(const Tensor& input, const Tensor& target, const Tensor& mask = Tensor(),
               Reduction reduction = Reduction::kMean);
Tensor mse_loss(const Tensor& input, const Tensor& target, const Tensor& mask = Tensor(),
                Reduction reduction = Reduction::kMean);

// As F.binary_cross_entropy_with_logits: input (logits) and target (probabilities in [0, 1]) of
// the same shape and floating dtype; elementwise, in the numerically stable form,
//   l = (1 - t) * x + (1 + (pos_weight - 1) * t) * log(1 + exp(-x)),
// then times weight. weight (optional) broadcasts to input; pos_weight (optional) broadcasts to
// input too, typically [C] along the last dim (the weight of positives per class, as PyTorch).
// mask and reduction as smooth_l1_loss (kMean without a mask is the mean over all elements).
// Gradients w.r.t. input and target (as PyTorch, the target gets one: -x + (pos_weight - 1) *
// log(1 + exp(-x)), times weight); weight and pos_weight are constants.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const Tensor& weight = Tensor(),
                                        const Tensor& pos_weight = Tensor(),
                                        const Tensor& mask = Tensor(),
                                        Reduction reduction = Reduction::kMean);

// Logits as contiguous [N, C, inner]; target i64 [N * inner]; weight [C] or undefined. Writes
// loss [N * inner] (weighted, 0 where ignored), wt [N * inner] (weight of each target, 0 where
// ignored) and lse [N * inner] (log-sum-exp of each logit column, for backward).
using CrossEntropyKernelFn = void(const Tensor& logits, const Tensor& target, const Tensor& weight,
                                  int64_t ignore_index, const Tensor& loss, const Tensor& wt,
                                  const Tensor& lse);
// grad_logits = coef * (softmax - onehot(target)) with coef[p] = g[p or 0] * scale * wt[p].
using CrossEntropyBackwardKernelFn = void(const Tensor& logits, const Tensor& target,
                                          const Tensor& wt, const Tensor& lse, const Tensor& g,
                                          double scale, const Tensor& grad_logits);
// Elementwise BCE with logits on contiguous tensors of one shape; pos_weight is expanded to that
// shape or undefined (weight, mask and reduction are applied by other ops).
using BceWithLogitsKernelFn = void(const Tensor& x, const Tensor& t, const Tensor& pos_weight,
                                   const Tensor& loss);
// Writes the defined ones of grad_x and grad_t (g: the gradient of the elementwise loss).
using BceWithLogitsBackwardKernelFn = void(const Tensor& g, const Tensor& x, const Tensor& t,
                                           const Tensor& pos_weight, const Tensor& grad_x,
                                           const Tensor& grad_t);
DC_DECLARE_KERNEL(cross_entropy_kernel, CrossEntropyKernelFn)
DC_DECLARE_KERNEL(cross_entropy_backward_kernel, CrossEntropyBackwardKernelFn)
DC_DECLARE_KERNEL(bce_with_logits_kernel, BceWithLogitsKernelFn)
DC_DECLARE_KERNEL(bce_with_logits_backward_kernel, BceWithLogitsBackwardKernelFn)

}  // namespace dc
