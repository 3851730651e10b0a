#include "autograd/grad_ready.h"

namespace dc {
namespace {
thread_local const GradReadyHook* t_hook = nullptr;
}  // namespace

GradReadyHookScope::GradReadyHookScope(GradReadyHook hook)
    : hook_(std::move(hook)), previous_(t_hook) {
  t_hook = &hook_;
}

GradReadyHookScope::~GradReadyHookScope() { t_hook = previous_; }

const GradReadyHook* current_grad_ready_hook() { return t_hook; }

}  // namespace dc
