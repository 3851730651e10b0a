#include "train/optim/optimizer.h"

#include <cmath>
#include <set>

#include "autograd/grad_mode.h"
#include "core/copy.h"

namespace dc {
namespace {

// Visits the options of a group by their state-dict names; f(name, std::optional<double|bool>&).
template <typename G, typename F>
void for_each_option(G& g, F&& f) {
  f("lr", g.lr);
  f("weight_decay", g.weight_decay);
  f("initial_lr", g.initial_lr);
  f("momentum", g.momentum);
  f("dampening", g.dampening);
  f("nesterov", g.nesterov);
  f("beta1", g.beta1);
  f("beta2", g.beta2);
  f("eps", g.eps);
  f("amsgrad", g.amsgrad);
}

std::string group_key(size_t g, const std::string& what) {
  return "group." + std::to_string(g) + "." + what;
}
std::string state_key(size_t k, const std::string& what) {
  return "state." + std::to_string(k) + "." + what;
}

// Splits "state.<k>.<rest>" / "group.<g>.<rest>"; false if `key` does not have that form.
bool split_key(const std::string& key, const std::string& prefix, size_t& index,
               std::string& rest) {
  if (key.compare(0, prefix.size() + 1, prefix + ".") != 0) return false;
  const size_t dot = key.find('.', prefix.size() + 1);
  if (dot == std::string::npos) return false;
  const std::string num = key.substr(prefix.size() + 1, dot - prefix.size() - 1);
  if (num.empty() || num.find_first_not_of("0123456789") != std::string::npos) return false;
  index = std::stoul(num);
  rest = key.substr(dot + 1);
  return !rest.empty();
}

Tensor copy_of(const Tensor& t) {
  Tensor c = empty(t.sizes(), t.dtype(), t.device());
  copy_into(c, t);
  return c;
}

}  // namespace

Optimizer::Optimizer(std::string name, std::vector<ParamGroup> groups, const ParamGroup& defaults)
    : name_(std::move(name)), groups_(std::move(groups)) {
  DC_CHECK(!groups_.empty(), name_, ": got no parameter groups");
  std::set<const TensorImpl*> seen;
  size_t total = 0;
  for (size_t g = 0; g < groups_.size(); ++g) {
    ParamGroup& group = groups_[g];
    for (size_t i = 0; i < group.params.size(); ++i) {
      const Tensor& p = group.params[i];
      DC_CHECK(p.defined(), name_, ": parameter ", i, " of group ", g, " is undefined");
      DC_CHECK(p.dtype() == DType::f32 || p.dtype() == DType::f64, name_, ": parameter ", i,
               " of group ", g, " is ", p.str(), "; expected f32 or f64");
      DC_CHECK(p.is_leaf(), name_, ": parameter ", i, " of group ", g, " (", p.str(),
               ") is not a leaf tensor; optimize leaves (detach it)");
      DC_CHECK(p.is_contiguous(), name_, ": parameter ", i, " of group ", g, " (", p.str(),
               ") must be contiguous (updates are in place)");
      DC_CHECK(seen.insert(p.impl()).second, name_, ": parameter ", i, " of group ", g, " (",
               p.str(), ") appears more than once; each parameter belongs to one group");
    }
    total += group.params.size();
    // Unset options take the defaults (options the optimizer does not use stay unset there).
    for_each_option(group, [&](const char* key, auto& opt) {
      if (opt.has_value()) return;
      for_each_option(defaults, [&](const char* dkey, const auto& dopt) {
        using A = std::decay_t<decltype(opt)>;
        using B = std::decay_t<decltype(dopt)>;
        if constexpr (std::is_same_v<A, B>) {
          if (std::string(key) == dkey) opt = dopt;
        }
      });
    });
    DC_CHECK(group.lr.has_value(), name_, ": group ", g, " has no lr and there is no default");
    if (!group.initial_lr.has_value()) group.initial_lr = group.lr;
  }
  DC_CHECK(total > 0, name_, ": got an empty parameter list");
  state_.resize(total);
}

void Optimizer::validate() const {
  for (size_t g = 0; g < groups_.size(); ++g) {
    const ParamGroup& group = groups_[g];
    DC_CHECK(group.lr && std::isfinite(*group.lr) && *group.lr >= 0, name_, ": group ", g,
             " lr must be finite and >= 0, got ", group.lr ? *group.lr : NAN);
    DC_CHECK(group.weight_decay && std::isfinite(*group.weight_decay) && *group.weight_decay >= 0,
             name_, ": group ", g, " weight_decay must be finite and >= 0, got ",
             group.weight_decay ? *group.weight_decay : NAN);
    check_group(group, g);
  }
}

double Optimizer::lr(size_t group) const {
  DC_CHECK(group < groups_.size(), name_, ": group ", group, " out of range (", groups_.size(),
           " groups)");
  return *groups_[group].lr;
}

void Optimizer::set_lr(size_t group, double lr) {
  DC_CHECK(group < groups_.size(), name_, ": group ", group, " out of range (", groups_.size(),
           " groups)");
  DC_CHECK(std::isfinite(lr) && lr >= 0, name_, ": lr must be finite and >= 0, got ", lr);
  groups_[group].lr = lr;
}

void Optimizer::step() {
  validate();
  NoGradGuard no_grad;
  size_t k = 0;
  for (const ParamGroup& group : groups_) {
    for (const Tensor& p : group.params) {
      ParamState& st = state_[k++];
      const Tensor g = p.grad();
      if (!g.defined()) continue;
      update(group, p, g.is_contiguous() ? g : g.contiguous(), st);
    }
  }
}

void Optimizer::zero_grad() {
  for (ParamGroup& group : groups_) {
    for (Tensor& p : group.params) p.zero_grad();
  }
}

OptimizerState Optimizer::state_dict() const {
  OptimizerState s;
  s.scalars["num_groups"] = static_cast<double>(groups_.size());
  size_t k = 0;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const ParamGroup& group = groups_[g];
    s.scalars[group_key(g, "num_params")] = static_cast<double>(group.params.size());
    for_each_option(group, [&](const char* key, const auto& opt) {
      if (opt.has_value()) s.scalars[group_key(g, key)] = static_cast<double>(*opt);
    });
    for (size_t i = 0; i < group.params.size(); ++i, ++k) {
      const ParamState& st = state_[k];
      if (st.step > 0) s.scalars[state_key(k, "step")] = static_cast<double>(st.step);
      for (const auto& [buf, t] : st.buffers) s.tensors[state_key(k, buf)] = copy_of(t);
    }
  }
  return s;
}

void Optimizer::load_state_dict(const OptimizerState& s) {
  const char* op = "load_state_dict";
  auto scalar = [&](const std::string& key) {
    auto it = s.scalars.find(key);
    DC_CHECK(it != s.scalars.end(), name_, ".", op, ": missing scalar '", key, "'");
    return it->second;
  };
  DC_CHECK(scalar("num_groups") == static_cast<double>(groups_.size()), name_, ".", op,
           ": the state has ", scalar("num_groups"), " parameter groups, this optimizer has ",
           groups_.size());
  std::vector<const Tensor*> params;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const double n = scalar(group_key(g, "num_params"));
    DC_CHECK(n == static_cast<double>(groups_[g].params.size()), name_, ".", op, ": group ", g,
             " has ", n, " parameters in the state but ", groups_[g].params.size(), " here");
    for (const Tensor& p : groups_[g].params) params.push_back(&p);
  }
  const std::vector<std::string> names = buffer_names();
  // Build the new state aside so that a bad key leaves the optimizer untouched.
  std::vector<ParamGroup> groups = groups_;
  std::vector<ParamState> state(params.size());
  for (ParamGroup& group : groups) {
    for_each_option(group, [](const char*, auto& opt) { opt.reset(); });
  }
  for (const auto& [key, value] : s.scalars) {
    size_t idx = 0;
    std::string rest;
    if (key == "num_groups") continue;
    if (split_key(key, "group", idx, rest)) {
      DC_CHECK(idx < groups.size(), name_, ".", op, ": key '", key, "' names a missing group");
      if (rest == "num_params") continue;
      bool known = false;
      for_each_option(groups[idx], [&](const char* name, auto& opt) {
        if (rest != name) return;
        known = true;
        using V = typename std::decay_t<decltype(opt)>::value_type;
        if constexpr (std::is_same_v<V, bool>) {
          DC_CHECK(value == 0 || value == 1, name_, ".", op, ": key '", key,
                   "' must be 0 or 1, got ", value);
          opt = value != 0;
        } else {
          opt = value;
        }
      });
      DC_CHECK(known, name_, ".", op, ": unknown group option in key '", key, "'");
    } else if (split_key(key, "state", idx, rest) && rest == "step") {
      DC_CHECK(idx < state.size(), name_, ".", op, ": key '", key, "' names parameter ", idx,
               " but there are ", state.size());
      DC_CHECK(value >= 0 && value == std::floor(value), name_, ".", op, ": key '", key,
               "' must be a non-negative integer, got ", value);
      state[idx].step = static_cast<int64_t>(value);
    } else {
      DC_FAIL(name_, ".", op, ": unknown scalar key '", key, "'");
    }
  }
  for (const auto& [key, t] : s.tensors) {
    size_t idx = 0;
    std::string rest;
    DC_CHECK(split_key(key, "state", idx, rest), name_, ".", op, ": unknown tensor key '", key,
             "'");
    DC_CHECK(idx < state.size(), name_, ".", op, ": key '", key, "' names parameter ", idx,
             " but there are ", state.size());
    bool known = false;
    for (const std::string& n : names) known = known || n == rest;
    DC_CHECK(known, name_, ".", op, ": key '", key, "': ", name_, " keeps no buffer '", rest, "'");
    const Tensor& p = *params[idx];
    DC_CHECK(t.defined() && t.sizes() == p.sizes() && t.dtype() == p.dtype(), name_, ".", op,
             ": key '", key, "' holds ", t.defined() ? t.str() : "an undefined tensor",
             " but parameter ", idx, " is ", p.str());
    Tensor c = empty(p.sizes(), p.dtype(), p.device());
    copy_into(c, t);
    state[idx].buffers[rest] = c;
  }
  for (size_t g = 0; g < groups.size(); ++g) {
    DC_CHECK(groups[g].lr.has_value(), name_, ".", op, ": missing scalar '", group_key(g, "lr"),
             "'");
  }
  std::swap(groups, groups_);
  std::swap(state, state_);
  try {
    validate();
  } catch (...) {
    std::swap(groups, groups_);
    std::swap(state, state_);
    throw;
  }
}

}  // namespace dc
