// Gradient accumulation: one optimizer step from k micro-batches.
//
// The rule: backward() sums into .grad, so run backward on each of the k micro-batch losses (each
// a mean over its own micro-batch), divide the summed gradients by k, then step and zero_grad. For
// a loss that is a mean over samples and k equal micro-batches of b samples, this is the step of
// one batch of k*b samples (up to rounding). Clipping, if any, goes after the division (it must
// see the gradient of the whole batch).
#pragma once

#include <cstdint>
#include <functional>

#include "train/optim/optimizer.h"

namespace dc {

class GradAccumulator {
 public:
  // micro_batches >= 1; 1 steps after every backward.
  GradAccumulator(Optimizer& optimizer, int64_t micro_batches);

  // Call after each micro-batch's backward. On the k-th call: divides every gradient by k, runs
  // before_step (e.g. clipping), steps the optimizer, drops the gradients and returns true;
  // otherwise returns false and does nothing.
  bool micro_step(const std::function<void()>& before_step = nullptr);

  int64_t micro_batches() const { return k_; }
  int64_t pending() const { return count_; }  // micro-batches accumulated since the last step

 private:
  Optimizer& optimizer_;
  int64_t k_;
  int64_t count_ = 0;
};

}  // namespace dc
