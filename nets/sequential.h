// Sequential container, as torch.nn.Sequential: children named "0", "1", ... in order, forward
// chains them.
#pragma once

#include <initializer_list>
#include <memory>

#include "nets/module.h"

namespace dc {

class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  Sequential(std::initializer_list<ModulePtr> modules);
  // Appends a module under the next index; returns it.
  ModulePtr push_back(ModulePtr module);
  size_t size() const { return named_children().size(); }
  // The i-th module; throws if out of range.
  Module& at(size_t i) const;
  // Applies every module in order (an empty Sequential returns x, as PyTorch).
  Tensor forward(const Tensor& x) override;
};

}  // namespace dc
