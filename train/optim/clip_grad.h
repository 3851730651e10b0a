// Gradient clipping by total norm, as torch.nn.utils.clip_grad_norm_ (1.13).
#pragma once

#include <limits>
#include <vector>

#include "core/tensor.h"

namespace dc {

constexpr double kInfNorm = std::numeric_limits<double>::infinity();

// Computes the norm of all gradients together, as if concatenated into one vector:
// (sum_p ||grad_p||_q^q)^(1/q) for norm_type q > 0, or max |grad| for q = kInfNorm. Then, when
// max_norm / (total + 1e-6) < 1, multiplies every gradient in place by that factor (so the result
// has norm just under max_norm). Parameters without a gradient are ignored; with none, returns 0.
// Returns the total norm before clipping. error_if_nonfinite: throw dc::Error if the total is NaN
// or infinite (otherwise the gradients are scaled by the resulting NaN or 0, as PyTorch).
double clip_grad_norm(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0,
                      bool error_if_nonfinite = false);

// Multiplies every defined gradient of `params` by `factor`, in place (used by clipping and by
// gradient accumulation).
void scale_grads(const std::vector<Tensor>& params, double factor);

}  // namespace dc
