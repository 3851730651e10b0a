// Adam (torch.optim.Adam) and AdamW (torch.optim.AdamW), PyTorch 1.13 formulas, with the amsgrad
// option. Per parameter p with gradient g, at step t (counted per parameter, from 1):
//   Adam:  g = g + weight_decay * p            (L2 penalty through the gradient)
//   AdamW: p = p * (1 - lr * weight_decay)     (decoupled weight decay)
//   m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g^2
//   amsgrad: vmax = max(vmax, v), used instead of v below
//   p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// State per parameter: "exp_avg", "exp_avg_sq", with amsgrad "max_exp_avg_sq", and the step t.
#pragma once

#include "train/optim/optimizer.h"

namespace dc {

// Defaults for the groups' unset options (PyTorch's).
struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;  // AdamW's constructor uses 1e-2 when given AdamW::default_options()
  bool amsgrad = false;
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<ParamGroup> groups, const AdamOptions& options = AdamOptions());
  Adam(std::vector<Tensor> params, const AdamOptions& options = AdamOptions());

 protected:
  Adam(const char* name, bool decoupled, std::vector<ParamGroup> groups,
       const AdamOptions& options);
  void check_group(const ParamGroup& group, size_t index) const override;
  void update(const ParamGroup& group, const Tensor& param, const Tensor& grad,
              ParamState& state) override;
  std::vector<std::string> buffer_names() const override {
    return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
  }

 private:
  bool decoupled_;
};

class AdamW : public Adam {
 public:
  // PyTorch's AdamW defaults: AdamOptions with weight_decay = 1e-2.
  static AdamOptions default_options();
  AdamW(std::vector<ParamGroup> groups, const AdamOptions& options = default_options());
  AdamW(std::vector<Tensor> params, const AdamOptions& options = default_options());
};

}  // namespace dc
