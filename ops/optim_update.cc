#include "ops/optim_update.h"

#include <cmath>

namespace dc {

DC_DEFINE_KERNEL(sgd_update_kernel, SgdUpdateKernelFn)
DC_DEFINE_KERNEL(adam_update_kernel, AdamUpdateKernelFn)

namespace {

// The kernels index every tensor of a call with one flat index, so they must share shape, dtype
// and device and be dense.
void check_like_param(const Tensor& t, const Tensor& param, const char* what, const char* op) {
  DC_CHECK(t.defined(), op, ": ", what, " is undefined (param ", param.str(), ")");
  DC_CHECK(t.sizes() == param.sizes() && t.dtype() == param.dtype(), op, ": ", what, " ", t.str(),
           " must match param ", param.str());
  DC_CHECK(t.device() == param.device(), op, ": ", what, " ", t.str(), " is on ", t.device(),
           " but param ", param.str(), " is on ", param.device());
  DC_CHECK(t.is_contiguous(), op, ": ", what, " ", t.str(), " must be contiguous");
}

void check_param(const Tensor& param, const char* op) {
  DC_CHECK(param.defined(), op, ": param is undefined");
  DC_CHECK(param.dtype() == DType::f32 || param.dtype() == DType::f64, op,
           ": expected a f32 or f64 param, got ", param.str());
  DC_CHECK(param.is_contiguous(), op, ": param ", param.str(),
           " must be contiguous (the update is in place)");
}

void check_finite_nonneg(double v, const char* name, const char* op) {
  DC_CHECK(std::isfinite(v) && v >= 0, op, ": ", name, " must be finite and >= 0, got ", v);
}

}  // namespace

void sgd_update_(const Tensor& param, const Tensor& grad, const Tensor& momentum_buf, double lr,
                 double momentum, double dampening, double weight_decay, bool nesterov,
                 bool first_step) {
  const char* op = "sgd_update_";
  check_param(param, op);
  check_like_param(grad, param, "grad", op);
  check_finite_nonneg(lr, "lr", op);
  check_finite_nonneg(momentum, "momentum", op);
  check_finite_nonneg(weight_decay, "weight_decay", op);
  DC_CHECK(std::isfinite(dampening), op, ": dampening must be finite, got ", dampening);
  DC_CHECK(!nesterov || (momentum > 0 && dampening == 0), op,
           ": Nesterov momentum requires momentum > 0 and dampening == 0, got momentum ", momentum,
           " and dampening ", dampening);
  if (momentum != 0) {
    check_like_param(momentum_buf, param, "momentum_buf", op);
    DC_CHECK(!momentum_buf.same(param) && !momentum_buf.same(grad), op,
             ": momentum_buf must be a tensor of its own");
  }
  if (param.numel() == 0) return;
  const SgdUpdateParams h{lr, momentum, dampening, weight_decay, nesterov, first_step};
  sgd_update_kernel().get(param.device(), param.dtype())(param, grad, momentum_buf, h);
}

void adam_update_(const Tensor& param, const Tensor& grad, const Tensor& exp_avg,
                  const Tensor& exp_avg_sq, int64_t step, double lr, double beta1, double beta2,
                  double eps, double weight_decay, bool decoupled, const Tensor& max_exp_avg_sq) {
  const char* op = decoupled ? "adam_update_ (AdamW)" : "adam_update_";
  check_param(param, op);
  check_like_param(grad, param, "grad", op);
  check_like_param(exp_avg, param, "exp_avg", op);
  check_like_param(exp_avg_sq, param, "exp_avg_sq", op);
  if (max_exp_avg_sq.defined()) check_like_param(max_exp_avg_sq, param, "max_exp_avg_sq", op);
  DC_CHECK(step >= 1, op, ": step must be >= 1 (the count after this update), got ", step);
  check_finite_nonneg(lr, "lr", op);
  check_finite_nonneg(eps, "eps", op);
  check_finite_nonneg(weight_decay, "weight_decay", op);
  DC_CHECK(beta1 >= 0 && beta1 < 1, op, ": beta1 must be in [0, 1), got ", beta1);
  DC_CHECK(beta2 >= 0 && beta2 < 1, op, ": beta2 must be in [0, 1), got ", beta2);
  if (param.numel() == 0) return;
  // Bias corrections in double on the host, as PyTorch computes them from state['step'].item().
  const double s = static_cast<double>(step);
  AdamUpdateParams h{lr, beta1, beta2, eps, weight_decay, decoupled, 0, 0};
  h.step_size = lr / (1 - std::pow(beta1, s));
  h.bias_correction2_sqrt = std::sqrt(1 - std::pow(beta2, s));
  adam_update_kernel().get(param.device(), param.dtype())(param, grad, exp_avg, exp_avg_sq,
                                                          max_exp_avg_sq, h);
}

}  // namespace dc
