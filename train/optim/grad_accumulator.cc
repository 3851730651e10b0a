#include "train/optim/grad_accumulator.h"

#include "train/optim/clip_grad.h"

namespace dc {

GradAccumulator::GradAccumulator(Optimizer& optimizer, int64_t micro_batches)
    : optimizer_(optimizer), k_(micro_batches) {
  DC_CHECK(micro_batches >= 1, "GradAccumulator: micro_batches must be >= 1, got ", micro_batches);
}

bool GradAccumulator::micro_step(const std::function<void()>& before_step) {
  if (++count_ < k_) return false;
  count_ = 0;
  if (k_ > 1) {
    for (const ParamGroup& g : optimizer_.param_groups()) scale_grads(g.params, 1.0 / k_);
  }
  if (before_step) before_step();
  optimizer_.step();
  optimizer_.zero_grad();
  return true;
}

}  // namespace dc
