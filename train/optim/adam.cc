#include "train/optim/adam.h"

#include <cmath>

#include "ops/creation.h"
#include "ops/optim_update.h"

namespace dc {
namespace {

ParamGroup adam_defaults(const AdamOptions& o) {
  ParamGroup d;
  d.lr = o.lr;
  d.beta1 = o.beta1;
  d.beta2 = o.beta2;
  d.eps = o.eps;
  d.weight_decay = o.weight_decay;
  d.amsgrad = o.amsgrad;
  return d;
}

}  // namespace

Adam::Adam(const char* name, bool decoupled, std::vector<ParamGroup> groups,
           const AdamOptions& options)
    : Optimizer(name, std::move(groups), adam_defaults(options)), decoupled_(decoupled) {
  validate();
}

Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& options)
    : Adam("Adam", false, std::move(groups), options) {}

Adam::Adam(std::vector<Tensor> params, const AdamOptions& options)
    : Adam(std::vector<ParamGroup>{ParamGroup{std::move(params)}}, options) {}

void Adam::check_group(const ParamGroup& g, size_t index) const {
  const std::string& n = name();
  DC_CHECK(g.beta1 && g.beta2 && g.eps && g.amsgrad, n, ": group ", index,
           " lacks beta1, beta2, eps or amsgrad (a state from another optimizer?)");
  DC_CHECK(*g.beta1 >= 0 && *g.beta1 < 1, n, ": group ", index, " beta1 must be in [0, 1), got ",
           *g.beta1);
  DC_CHECK(*g.beta2 >= 0 && *g.beta2 < 1, n, ": group ", index, " beta2 must be in [0, 1), got ",
           *g.beta2);
  DC_CHECK(std::isfinite(*g.eps) && *g.eps >= 0, n, ": group ", index,
           " eps must be finite and >= 0, got ", *g.eps);
}

void Adam::update(const ParamGroup& g, const Tensor& param, const Tensor& grad, ParamState& st) {
  auto buffer = [&](const char* key) {
    Tensor& t = st.buffers[key];
    if (!t.defined()) t = zeros(param.sizes(), param.dtype(), param.device());
    return t;
  };
  const Tensor m = buffer("exp_avg"), v = buffer("exp_avg_sq");
  const Tensor vmax = *g.amsgrad ? buffer("max_exp_avg_sq") : Tensor();
  // The count advances only once the update has passed its checks.
  adam_update_(param, grad, m, v, st.step + 1, *g.lr, *g.beta1, *g.beta2, *g.eps, *g.weight_decay,
               decoupled_, vmax);
  st.step += 1;
}

AdamOptions AdamW::default_options() {
  AdamOptions o;
  o.weight_decay = 1e-2;
  return o;
}

AdamW::AdamW(std::vector<ParamGroup> groups, const AdamOptions& options)
    : Adam("AdamW", true, std::move(groups), options) {}

AdamW::AdamW(std::vector<Tensor> params, const AdamOptions& options)
    : AdamW(std::vector<ParamGroup>{ParamGroup{std::move(params)}}, options) {}

}  // namespace dc
