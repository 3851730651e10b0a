#include "nets/module.h"

#include <set>

#include "autograd/grad_mode.h"
#include "core/copy.h"

namespace dc {

Tensor Module::forward(const Tensor& x) {
  DC_FAIL(type_name_, ": forward(Tensor) is not implemented for this module (input ", x.str(), ")");
}

std::vector<Tensor> Module::forward_multi(const Tensor& x) { return {forward(x)}; }

void Module::collect(const std::string& prefix, bool params, bool buffers,
                     NamedTensors* out) const {
  if (params) {
    for (const auto& [name, t] : params_) out->emplace_back(prefix + name, t);
  }
  if (buffers) {
    for (const auto& [name, t] : buffers_) out->emplace_back(prefix + name, t);
  }
  for (const auto& [name, child] : children_) {
    child->collect(prefix + name + ".", params, buffers, out);
  }
}

NamedTensors Module::named_parameters() const {
  NamedTensors out;
  collect("", true, false, &out);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_parameters()) out.push_back(t);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors out;
  collect("", false, true, &out);
  return out;
}

NamedTensors Module::state_dict() const {
  NamedTensors out;
  collect("", true, true, &out);
  return out;
}

void Module::load_state_dict(const NamedTensors& state, bool strict) {
  const NamedTensors mine = state_dict();
  std::set<std::string> known;
  for (const auto& [name, t] : mine) known.insert(name);
  std::string missing, unexpected;
  for (const auto& [name, t] : mine) {
    if (find_tensor(state, name) == nullptr) missing += (missing.empty() ? "" : ", ") + name;
  }
  for (const auto& [name, t] : state) {
    if (known.count(name) == 0) unexpected += (unexpected.empty() ? "" : ", ") + name;
  }
  DC_CHECK(!strict || (missing.empty() && unexpected.empty()), type_name_,
           ": load_state_dict: keys do not match; missing: [", missing, "]; unexpected: [",
           unexpected, "]");
  // Check every shape before copying anything, so a failed load leaves the module unchanged.
  for (const auto& [name, dst] : mine) {
    const Tensor* src = find_tensor(state, name);
    if (src == nullptr) continue;
    DC_CHECK(src->defined() && src->sizes() == dst.sizes(), type_name_, ": load_state_dict: \"",
             name, "\" expects shape ", dst.str(), ", got ",
             src->defined() ? src->str() : std::string("an undefined tensor"));
  }
  NoGradGuard no_grad;
  for (const auto& [name, dst] : mine) {
    const Tensor* src = find_tensor(state, name);
    if (src != nullptr) copy_into(dst, *src);
  }
}

std::vector<std::pair<std::string, Module*>> Module::named_modules() {
  std::vector<std::pair<std::string, Module*>> out{{"", this}};
  for (const auto& [name, child] : children_) {
    for (const auto& [sub, m] : child->named_modules()) {
      out.emplace_back(sub.empty() ? name : name + "." + sub, m);
    }
  }
  return out;
}

Module& Module::submodule(const std::string& path) {
  Module* m = this;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t dot = path.find('.', start);
    const std::string part =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    Module* next = nullptr;
    for (const auto& [name, child] : m->children_) {
      if (name == part) next = child.get();
    }
    DC_CHECK(next != nullptr, type_name_, ": no submodule \"", path, "\" (", m->type_name_,
             " has no child \"", part, "\")");
    m = next;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return *m;
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (const auto& [name, t] : named_parameters()) n += t.numel();
  return n;
}

Module& Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
  return *this;
}

Module& Module::set_requires_grad(bool requires_grad) {
  for (auto& [name, t] : named_parameters()) t.set_requires_grad(requires_grad);
  return *this;
}

void Module::zero_grad() {
  for (auto& [name, t] : named_parameters()) t.zero_grad();
}

Module& Module::to(Device device) {
  // Layers keep their own handles to their weights (see the header), so a move must keep every
  // handle: each parameter's and buffer's TensorImpl is repointed at the moved storage, as
  // PyTorch's module.to() does with param.data. All copies are made before any handle changes,
  // so a failure (no CUDA backend, no such device, out of memory) leaves the module as it was.
  NoGradGuard no_grad;
  std::vector<std::pair<TensorImpl*, Tensor>> moved;
  std::set<TensorImpl*> seen;  // a tensor shared by two modules moves once
  for (const auto& [name, t] : state_dict()) {
    if (t.device() == device || !seen.insert(t.impl()).second) continue;
    try {
      moved.emplace_back(t.impl(), t.detach().contiguous().to(device));
      if (t.impl()->grad != nullptr) {
        moved.emplace_back(t.impl()->grad.get(), Tensor(t.impl()->grad).detach().to(device));
      }
    } catch (const Error& e) {
      DC_FAIL(type_name_, ": to(", device.str(), ") could not move \"", name, "\" ", t.str(), ": ",
              e.what());
    }
  }
  for (auto& [impl, t] : moved) {
    impl->storage = t.impl()->storage;
    impl->offset = t.impl()->offset;
    impl->strides = t.impl()->strides;
  }
  return *this;
}

void Module::check_new_name(const std::string& name) const {
  DC_CHECK(!name.empty() && name.find('.') == std::string::npos, type_name_,
           ": invalid member name \"", name, "\" (must be non-empty and contain no '.')");
  const bool taken =
      find_tensor(params_, name) != nullptr || find_tensor(buffers_, name) != nullptr || [&] {
        for (const auto& [n, c] : children_) {
          if (n == name) return true;
        }
        return false;
      }();
  DC_CHECK(!taken, type_name_, ": member \"", name, "\" is already registered");
}

Tensor Module::register_parameter(const std::string& name, Tensor value) {
  check_new_name(name);
  DC_CHECK(value.defined(), type_name_, ": register_parameter(\"", name,
           "\") got an undefined tensor");
  // A parameter is a leaf: cut any history of the initializer.
  Tensor p = value.detach();
  p.set_requires_grad(true);
  params_.emplace_back(name, p);
  return p;
}

Tensor Module::register_buffer(const std::string& name, Tensor value) {
  check_new_name(name);
  DC_CHECK(value.defined(), type_name_, ": register_buffer(\"", name,
           "\") got an undefined tensor");
  buffers_.emplace_back(name, value);
  return value;
}

}  // namespace dc
