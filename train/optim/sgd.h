// Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay, as
// torch.optim.SGD (1.13). Per parameter p with gradient g, each step:
//   d = g + weight_decay * p
//   buf = d on the first step, then buf = momentum * buf + (1 - dampening) * d   (momentum != 0)
//   d = nesterov ? d + momentum * buf : buf                                      (momentum != 0)
//   p = p - lr * d
// State per parameter: "momentum_buffer" (only with momentum != 0).
#pragma once

#include <limits>

#include "train/optim/optimizer.h"

namespace dc {

// Defaults for the groups' unset options. lr has no default (as in PyTorch): set it here or in
// every group.
struct SgdOptions {
  double lr = std::numeric_limits<double>::quiet_NaN();
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;  // needs momentum > 0 and dampening == 0
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<ParamGroup> groups, const SgdOptions& options);
  SGD(std::vector<Tensor> params, const SgdOptions& options);

 protected:
  void check_group(const ParamGroup& group, size_t index) const override;
  void update(const ParamGroup& group, const Tensor& param, const Tensor& grad,
              ParamState& state) override;
  std::vector<std::string> buffer_names() const override { return {"momentum_buffer"}; }
};

}  // namespace dc
