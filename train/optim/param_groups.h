// Building parameter groups from named parameters, with weight decay excluded from normalization
// parameters and biases (Detectron2's get_default_optimizer_params, decided by name and rank since
// a flat list of names carries no module types).
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "train/optim/optimizer.h"

namespace dc {

using NamedParams = std::vector<std::pair<std::string, Tensor>>;

// A parameter of a normalization layer: a 1-D tensor whose name ends in ".weight" (BatchNorm,
// GroupNorm, LayerNorm scales: conv and linear weights have 2+ dims), or a 1-D tensor of a module
// whose name (the component before the last) starts with "bn", "gn" or "ln" or contains "norm"
// (case-insensitive), which catches the norm biases too: "bn1.bias", "layer1.0.norm2.bias".
bool is_norm_param(const std::string& name, const Tensor& param);
// A bias: the last name component is "bias" ("fc.bias", "bn1.bias").
bool is_bias_param(const std::string& name, const Tensor& param);

struct WeightDecayGroupOptions {
  double weight_decay = 0;   // of the "decay" group
  bool exclude_norm = true;  // no decay on is_norm_param parameters
  bool exclude_bias = true;  // no decay on is_bias_param parameters
  // Further exclusions (true = no decay), e.g. by exact module types the caller knows about.
  std::function<bool(const std::string& name, const Tensor& param)> exclude;
};

// Two groups, always in this order: {name "decay", weight_decay = options.weight_decay} and
// {name "no_decay", weight_decay = 0}; each keeps the parameters' order. Parameters that do not
// require grad (frozen) are left out, and a tensor listed twice (shared weights) is kept once, at
// its first name. Other options (lr, momentum, ...) stay unset: the optimizer's defaults.
std::vector<ParamGroup> weight_decay_groups(const NamedParams& params,
                                            const WeightDecayGroupOptions& options);

}  // namespace dc
