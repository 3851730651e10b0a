#include "nets/sequential.h"

#include <string>

namespace dc {

Sequential::Sequential(std::initializer_list<ModulePtr> modules) : Module("Sequential") {
  for (const ModulePtr& m : modules) push_back(m);
}

ModulePtr Sequential::push_back(ModulePtr module) {
  return register_module(std::to_string(size()), std::move(module));
}

Module& Sequential::at(size_t i) const {
  DC_CHECK(i < size(), "Sequential: index ", i, " out of range for ", size(), " modules");
  return *named_children()[i].second;
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  for (const auto& [name, m] : named_children()) y = m->forward(y);
  return y;
}

}  // namespace dc
