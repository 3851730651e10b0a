#include "train/optim/sgd.h"

#include <cmath>

#include "ops/optim_update.h"

namespace dc {
namespace {

ParamGroup sgd_defaults(const SgdOptions& o) {
  ParamGroup d;
  if (!std::isnan(o.lr)) d.lr = o.lr;
  d.momentum = o.momentum;
  d.dampening = o.dampening;
  d.weight_decay = o.weight_decay;
  d.nesterov = o.nesterov;
  return d;
}

}  // namespace

SGD::SGD(std::vector<ParamGroup> groups, const SgdOptions& options)
    : Optimizer("SGD", std::move(groups), sgd_defaults(options)) {
  validate();
}

SGD::SGD(std::vector<Tensor> params, const SgdOptions& options)
    : SGD(std::vector<ParamGroup>{ParamGroup{std::move(params)}}, options) {}

void SGD::check_group(const ParamGroup& g, size_t index) const {
  DC_CHECK(g.momentum && g.dampening && g.nesterov, "SGD: group ", index,
           " lacks momentum, dampening or nesterov (a state from another optimizer?)");
  DC_CHECK(std::isfinite(*g.momentum) && *g.momentum >= 0, "SGD: group ", index,
           " momentum must be finite and >= 0, got ", *g.momentum);
  DC_CHECK(std::isfinite(*g.dampening), "SGD: group ", index, " dampening must be finite, got ",
           *g.dampening);
  DC_CHECK(!*g.nesterov || (*g.momentum > 0 && *g.dampening == 0), "SGD: group ", index,
           ": Nesterov momentum requires momentum > 0 and dampening == 0, got momentum ",
           *g.momentum, " and dampening ", *g.dampening);
}

void SGD::update(const ParamGroup& g, const Tensor& param, const Tensor& grad, ParamState& st) {
  Tensor buf;
  bool first = false;
  if (*g.momentum != 0) {
    auto it = st.buffers.find("momentum_buffer");
    first = it == st.buffers.end();
    if (first) {
      buf = empty(param.sizes(), param.dtype(), param.device());
      st.buffers["momentum_buffer"] = buf;
    } else {
      buf = it->second;
    }
  }
  sgd_update_(param, grad, buf, *g.lr, *g.momentum, *g.dampening, *g.weight_decay, *g.nesterov,
              first);
}

}  // namespace dc
