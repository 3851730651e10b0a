#include "train/optim/param_groups.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace dc {
namespace {

// The dot-separated components of a parameter name.
std::vector<std::string> components(const std::string& name) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t dot = name.find('.', start);
    out.push_back(name.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

bool is_norm_param(const std::string& name, const Tensor& param) {
  if (param.dim() != 1) return false;
  const std::vector<std::string> parts = components(name);
  if (parts.back() == "weight") return true;
  if (parts.size() < 2) return false;
  const std::string module = lower(parts[parts.size() - 2]);
  auto starts = [&](const char* p) { return module.rfind(p, 0) == 0; };
  return starts("bn") || starts("gn") || starts("ln") || module.find("norm") != std::string::npos;
}

bool is_bias_param(const std::string& name, const Tensor&) {
  return components(name).back() == "bias";
}

std::vector<ParamGroup> weight_decay_groups(const NamedParams& params,
                                            const WeightDecayGroupOptions& options) {
  DC_CHECK(options.weight_decay >= 0, "weight_decay_groups: weight_decay must be >= 0, got ",
           options.weight_decay);
  ParamGroup decay, no_decay;
  decay.name = "decay";
  decay.weight_decay = options.weight_decay;
  no_decay.name = "no_decay";
  no_decay.weight_decay = 0.0;
  std::set<const TensorImpl*> seen;
  for (const auto& [name, p] : params) {
    DC_CHECK(p.defined(), "weight_decay_groups: parameter '", name, "' is undefined");
    if (!p.requires_grad() || !seen.insert(p.impl()).second) continue;
    const bool excluded = (options.exclude_norm && is_norm_param(name, p)) ||
                          (options.exclude_bias && is_bias_param(name, p)) ||
                          (options.exclude && options.exclude(name, p));
    (excluded ? no_decay : decay).params.push_back(p);
  }
  return {decay, no_decay};
}

}  // namespace dc
