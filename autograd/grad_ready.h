// Gradient-ready hooks: a callback the backward engine calls when a leaf's .grad is final for the
// backward pass that is running, as PyTorch's Tensor.register_post_accumulate_grad_hook (and
// Caffe's on_gradients_ready). Data-parallel training uses it to start all-reducing a bucket of
// gradients while backward still computes the others (train/grad_sync.h).
//
// Semantics: while a GradReadyHookScope lives on a thread, every backward pass run on that thread
// calls `hook(leaf)` exactly once for each leaf tensor the pass reaches (a leaf that requires grad
// and is an input of a recorded op, or a root), right after the last gradient the pass delivers to
// that leaf has been accumulated into leaf.grad. From then on this pass never reads or writes that
// leaf's .grad again, so the hook (or a thread it hands the gradient to) may use it in place. The
// leaf's .grad may be undefined if every gradient delivered to it was (an op declared its input
// gradient unneeded). The order follows the engine's execution order, which is a deterministic
// function of the graph, so processes running the same graph see the same order. The hook runs on
// the backward thread, with grad mode off; an exception it throws ends the backward pass.
//
// Without a scope the engine does no extra work. Scopes nest: a new one replaces the current hook
// until it is destroyed.
#pragma once

#include <functional>

#include "core/tensor.h"

namespace dc {

using GradReadyHook = std::function<void(const Tensor& leaf)>;

class GradReadyHookScope {
 public:
  explicit GradReadyHookScope(GradReadyHook hook);
  ~GradReadyHookScope();
  GradReadyHookScope(const GradReadyHookScope&) = delete;
  GradReadyHookScope& operator=(const GradReadyHookScope&) = delete;

 private:
  GradReadyHook hook_;
  const GradReadyHook* previous_;
};

// The hook of this thread's innermost live scope, or nullptr (for the engine).
const GradReadyHook* current_grad_ready_hook();

}  // namespace dc
