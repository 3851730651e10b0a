// The autograd methods of Tensor.
#include "autograd/node.h"

namespace dc {

bool Tensor::requires_grad() const { return impl_ && impl_->requires_grad; }

Tensor& Tensor::set_requires_grad(bool value) {
  DC_CHECK(impl_, "set_requires_grad on an undefined tensor");
  DC_CHECK(!impl_->grad_fn, "set_requires_grad: only leaf tensors can change requires_grad; ",
           str(), " was computed by '", impl_->grad_fn->name(), "' (use detach())");
  DC_CHECK(!value || is_floating(dtype()),
           "set_requires_grad: only floating tensors can require "
           "grad, got ",
           str());
  impl_->requires_grad = value;
  return *this;
}

bool Tensor::is_leaf() const { return !impl_->grad_fn; }
Tensor Tensor::grad() const { return impl_->grad ? Tensor(impl_->grad) : Tensor(); }
void Tensor::zero_grad() { impl_->grad.reset(); }
const std::shared_ptr<Node>& Tensor::grad_fn() const { return impl_->grad_fn; }

void Tensor::backward(const Tensor& grad_output, bool retain_graph) const {
  run_backward({*this}, {grad_output}, retain_graph);
}

}  // namespace dc
