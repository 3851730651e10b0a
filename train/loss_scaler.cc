#include "train/loss_scaler.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "core/error.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"
#include "train/optim/host_scalars.h"

namespace dc {

DynamicLossScaler::DynamicLossScaler(const LossScalerOptions& options)
    : options_(options), scale_(options.init) {
  DC_CHECK(options.init > 0 && std::isfinite(options.init),
           "config key solver.loss_scale_init: must be a positive number, got ", options.init);
  DC_CHECK(options.growth > 1, "config key solver.loss_scale_growth: must be > 1, got ",
           options.growth);
  DC_CHECK(options.backoff > 0 && options.backoff < 1,
           "config key solver.loss_scale_backoff: must be in (0, 1), got ", options.backoff);
  DC_CHECK(options.growth_interval >= 1,
           "config key solver.loss_scale_growth_interval: must be >= 1, got ",
           options.growth_interval);
}

bool DynamicLossScaler::update(bool found_inf) {
  if (found_inf) {
    scale_ *= options_.backoff;
    good_steps_ = 0;
    return false;
  }
  if (++good_steps_ == options_.growth_interval) {
    // GradScaler does not grow past the largest finite value either.
    const double grown = scale_ * options_.growth;
    if (std::isfinite(grown)) scale_ = grown;
    good_steps_ = 0;
  }
  return true;
}

void DynamicLossScaler::set_state(double scale, int64_t good_steps) {
  DC_CHECK(scale > 0 && std::isfinite(scale), "loss scaler: the saved scale ", scale,
           " is not a positive number");
  DC_CHECK(good_steps >= 0 && good_steps < options_.growth_interval, "loss scaler: the saved ",
           good_steps, " good steps do not fit growth_interval ", options_.growth_interval);
  scale_ = scale;
  good_steps_ = good_steps;
}

bool grads_are_finite(const std::vector<Tensor>& params) {
  NoGradGuard no_grad;
  // One probe per gradient on its device, read on the host together (one copy from a GPU).
  std::vector<Tensor> probes;
  for (const Tensor& p : params) {
    const Tensor g = p.grad();
    if (!g.defined() || g.numel() == 0) continue;
    probes.push_back(sum(g * 0.0));
  }
  for (const double v : host_scalars(probes)) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}

}  // namespace dc
