// Dynamic loss scaling for mixed-precision training, as torch.cuda.amp.GradScaler:
//
//   each iteration, backward runs on loss * scale(), so that small gradients survive a
//   low-precision backward; then the gradients are checked for inf/NaN (found_inf, agreed by
//   all ranks):
//     found_inf:   the optimizer step is skipped, scale *= backoff (default 0.5), and the count of
//                  consecutive good steps restarts at 0;
//     otherwise:   the gradients are unscaled (multiplied by 1 / scale) before clipping and the
//                  step, and after `growth_interval` consecutive good steps scale *= growth
//                  (default 2).
//
// The scale starts at `init` (default 2^16). With power-of-two factors, scaling and unscaling are
// exact in floating point, so in f32 without overflow a run with dynamic scaling gives the same
// parameters as one without. The state (scale, consecutive good steps) is part of a checkpoint.
//
// Scaling only pays off when the backward itself computes in f16/bf16, which needs the CUDA
// path; on the CPU (f32) it changes nothing but the skipped overflow steps.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace dc {

struct LossScalerOptions {
  double init = 65536.0;  // 2^16, as GradScaler
  double growth = 2.0;
  double backoff = 0.5;
  int64_t growth_interval = 2000;
};

class DynamicLossScaler {
 public:
  // dc::Error naming the option for init <= 0, growth <= 1, backoff outside (0, 1) or an interval
  // < 1.
  explicit DynamicLossScaler(const LossScalerOptions& options);

  // The factor the next backward's loss is multiplied by.
  double scale() const { return scale_; }
  // Consecutive iterations without overflow since the last change of the scale.
  int64_t good_steps() const { return good_steps_; }
  const LossScalerOptions& options() const { return options_; }

  // Records one iteration's outcome and adapts the scale (see above). Returns !found_inf: whether
  // the optimizer may step.
  bool update(bool found_inf);

  // For checkpoints.
  void set_state(double scale, int64_t good_steps);

 private:
  LossScalerOptions options_;
  double scale_;
  int64_t good_steps_ = 0;
};

// True when every defined gradient of `params` is finite (no inf, no NaN), on any device: sums
// grad * 0 per parameter, which is NaN exactly when some element is not finite.
bool grads_are_finite(const std::vector<Tensor>& params);

}  // namespace dc
