// Fused, in-place optimizer updates: one pass over a parameter, its gradient and its state per
// step, as PyTorch's fused/foreach optimizers do (the engine has no in-place arithmetic, and
// composing the update from out-of-place ops would read and write the parameter-sized tensors
// several times). The formulas are exactly those of PyTorch 1.13 (torch/optim/sgd.py, adam.py,
// adamw.py); train/optim/ builds the optimizers on top of these.
//
// All tensors of one call must be contiguous, of the same shape, dtype (f32 or f64) and device.
// The updates run outside autograd: they write the parameter's storage directly, never record a
// graph and never touch .grad. Kernels are registered per device and dtype (CPU: f32, f64).
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "ops/dispatch.h"

namespace dc {

// One SGD step (torch.optim.SGD, maximize=False), in place on param and momentum_buf:
//   d = grad + weight_decay * param                     (when weight_decay != 0)
//   buf = d                                             (first_step: the buffer is created)
//   buf = momentum * buf + (1 - dampening) * d          (later steps)
//   d = nesterov ? d + momentum * buf : buf             (when momentum != 0)
//   param = param - lr * d
// momentum_buf may be undefined only when momentum == 0 (plain SGD keeps no state). Nesterov needs
// momentum > 0 and dampening == 0, as in PyTorch.
void sgd_update_(const Tensor& param, const Tensor& grad, const Tensor& momentum_buf, double lr,
                 double momentum, double dampening, double weight_decay, bool nesterov,
                 bool first_step);

// One Adam (decoupled = false, torch.optim.Adam) or AdamW (decoupled = true, torch.optim.AdamW)
// step, in place on param, exp_avg, exp_avg_sq (and max_exp_avg_sq with amsgrad). `step` is the
// step number *after* this update's increment (1 on the first step), as PyTorch's state['step'].
//   Adam:  g = grad + weight_decay * param              (L2 penalty added to the gradient)
//   AdamW: param = param * (1 - lr * weight_decay)      (decoupled decay, g = grad)
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g * g
//   amsgrad (max_exp_avg_sq defined): vmax = max(vmax, v), and vmax replaces v below
//   denom = sqrt(v) / sqrt(1 - beta2^step) + eps        (eps outside the bias-corrected sqrt)
//   param = param - lr / (1 - beta1^step) * m / denom
// Pass an undefined max_exp_avg_sq for amsgrad = false.
void adam_update_(const Tensor& param, const Tensor& grad, const Tensor& exp_avg,
                  const Tensor& exp_avg_sq, int64_t step, double lr, double beta1, double beta2,
                  double eps, double weight_decay, bool decoupled,
                  const Tensor& max_exp_avg_sq = Tensor());

// --- kernels (CPU ones in ops/cpu/optim_update_cpu.cc) ---
// The hyperparameters as the kernels see them; the ops validate them and fold the
// step-dependent bias corrections into step_size and bias_correction2_sqrt.
struct SgdUpdateParams {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, first_step;
};
struct AdamUpdateParams {
  double lr, beta1, beta2, eps, weight_decay;
  bool decoupled;
  double step_size;              // lr / (1 - beta1^step)
  double bias_correction2_sqrt;  // sqrt(1 - beta2^step)
};
// momentum_buf undefined when momentum == 0.
using SgdUpdateKernelFn = void(const Tensor& param, const Tensor& grad, const Tensor& momentum_buf,
                               const SgdUpdateParams& h);
// max_exp_avg_sq undefined without amsgrad.
using AdamUpdateKernelFn = void(const Tensor& param, const Tensor& grad, const Tensor& exp_avg,
                                const Tensor& exp_avg_sq, const Tensor& max_exp_avg_sq,
                                const AdamUpdateParams& h);
DC_DECLARE_KERNEL(sgd_update_kernel, SgdUpdateKernelFn)
DC_DECLARE_KERNEL(adam_update_kernel, AdamUpdateKernelFn)

}  // namespace dc
