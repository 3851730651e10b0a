#include "train/optim/clip_grad.h"

#include <algorithm>
#include <cmath>

#include "autograd/grad_mode.h"
#include "core/copy.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"
#include "train/optim/host_scalars.h"

namespace dc {

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm, double norm_type,
                      bool error_if_nonfinite) {
  DC_CHECK(norm_type > 0, "clip_grad_norm: norm_type must be > 0 (or kInfNorm), got ", norm_type);
  DC_CHECK(!std::isnan(max_norm), "clip_grad_norm: max_norm is NaN");
  NoGradGuard no_grad;
  const bool inf = std::isinf(norm_type);
  bool any = false;
  // Per-tensor norms (on the gradients' device), combined on the host in double (PyTorch stacks
  // them and takes their norm).
  std::vector<Tensor> norms;
  for (const Tensor& p : params) {
    DC_CHECK(p.defined(), "clip_grad_norm: got an undefined parameter");
    const Tensor g = p.grad();
    if (!g.defined()) continue;
    DC_CHECK(is_floating(g.dtype()), "clip_grad_norm: gradient ", g.str(), " is not floating");
    any = true;
    if (g.numel() == 0) continue;
    norms.push_back(inf ? max(abs(g.detach())) : norm(g.detach(), norm_type));
  }
  if (!any) return 0;
  double total = 0;
  for (const double n : host_scalars(norms)) {
    total = inf ? std::max(total, n) : total + std::pow(n, norm_type);
  }
  if (!inf) total = std::pow(total, 1.0 / norm_type);
  DC_CHECK(!error_if_nonfinite || std::isfinite(total), "clip_grad_norm: the total norm of order ",
           norm_type, " of the gradients is ", total,
           " (non-finite); pass error_if_nonfinite = false to clip anyway");
  const double coef = max_norm / (total + 1e-6);
  // PyTorch multiplies by min(coef, 1); a factor of exactly 1 changes nothing, so it is skipped.
  if (!(coef >= 1)) scale_grads(params, coef);
  return total;
}

void scale_grads(const std::vector<Tensor>& params, double factor) {
  NoGradGuard no_grad;
  for (const Tensor& p : params) {
    const Tensor g = p.grad();
    if (!g.defined()) continue;
    copy_into(g, binary_raw(BinaryOp::kMul, g, scalar_like(g, factor)));
  }
}

}  // namespace dc
