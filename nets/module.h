// Module: the base of every layer and network, as torch.nn.Module.
//
// A module owns named parameters (trainable leaves), named buffers (state that is saved but not
// trained: BatchNorm's running statistics) and named child modules. Names compose with dots into
// PyTorch's state-dict keys (`layer1.0.conv1.weight`, `bn1.running_mean`), so weights converted
// from PyTorch load by name.
//
// Order, as PyTorch: named_parameters() and named_buffers() walk the tree in pre-order (a module's
// own entries in registration order, then each child in registration order); state_dict() gives,
// for each module in pre-order, its parameters then its buffers.
//
// Parameter and buffer handles never change after registration: load_state_dict() copies into
// them, so a layer may keep its own Tensor handles to its weights.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/device.h"
#include "core/error.h"
#include "core/h5_tensor_file.h"
#include "core/tensor.h"

namespace dc {

// An ordered list of (name, tensor), like PyTorch's OrderedDict state dicts: the same type as
// core's TensorMap, so state dicts go to and from HDF5 files as they are. find_tensor(tensors,
// name) (core/h5_tensor_file.h) looks an entry up.
using NamedTensors = TensorMap;

class Module {
 public:
  explicit Module(std::string type_name) : type_name_(std::move(type_name)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // The class name, for messages ("Conv2d", "ResNet").
  const std::string& type_name() const { return type_name_; }

  // The forward pass. The base implementation throws: modules without a single-tensor forward
  // (containers of heads, say) override only forward_multi.
  virtual Tensor forward(const Tensor& x);
  // Modules with several outputs (a feature extractor's C2..C5) return them all here, in a
  // documented order; by default the single output of forward().
  virtual std::vector<Tensor> forward_multi(const Tensor& x);
  Tensor operator()(const Tensor& x) { return forward(x); }

  // --- the tree ---
  NamedTensors named_parameters() const;
  std::vector<Tensor> parameters() const;
  NamedTensors named_buffers() const;
  // Parameters and buffers of every module, in PyTorch's order (see above). The tensors are the
  // live handles, not copies: clone them to snapshot.
  NamedTensors state_dict() const;
  // Copies each tensor of `state` into the parameter or buffer of the same name (shapes must be
  // equal; dtypes are converted). strict: every key must be known and every entry present; the
  // error lists the missing and unexpected keys. Non-strict: unknown keys are ignored and missing
  // entries keep their values.
  void load_state_dict(const NamedTensors& state, bool strict = true);
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const {
    return children_;
  }
  // This module (name "") and all descendants, pre-order, with their dotted names.
  std::vector<std::pair<std::string, Module*>> named_modules();
  // The child of a dotted path ("layer1.0.conv1"); throws naming the path if absent.
  Module& submodule(const std::string& path);
  // Total number of parameter elements.
  int64_t num_parameters() const;

  // --- modes ---
  // Sets training mode on this module and every descendant (BatchNorm uses batch statistics and
  // updates its running ones in training mode; Dropout drops). Modules start in training mode.
  Module& train(bool on = true);
  Module& eval() { return train(false); }
  bool is_training() const { return training_; }
  // requires_grad of every parameter in this subtree (freezing a backbone stage). Does not touch
  // training mode: a frozen BatchNorm in training mode still updates its running statistics, as
  // in PyTorch.
  Module& set_requires_grad(bool requires_grad);
  // Drops the accumulated gradient of every parameter in this subtree.
  void zero_grad();
  // Moves every parameter and buffer of this subtree (and any accumulated gradient) to `device`,
  // in place, as torch.nn.Module.to(device): the tensor handles stay the same (a layer's own
  // handles and an optimizer's parameter list see the move), only their storage changes. A
  // tensor already on `device` is left alone. Throws, naming the module, the tensor and the
  // reason, when the device cannot be used (a build without CUDA, no GPU, out of memory); the
  // module is then unchanged. Returns *this.
  Module& to(Device device);

 protected:
  // Registers a parameter (made a leaf that requires grad) or a buffer; names must be unique among
  // a module's parameters, buffers and children and contain no dot. Returns the handle.
  Tensor register_parameter(const std::string& name, Tensor value);
  Tensor register_buffer(const std::string& name, Tensor value);
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> child) {
    check_new_name(name);
    DC_CHECK(child != nullptr, type_name_, ": register_module(\"", name, "\") got a null module");
    children_.emplace_back(name, child);
    return child;
  }

 private:
  void check_new_name(const std::string& name) const;
  void collect(const std::string& prefix, bool params, bool buffers, NamedTensors* out) const;

  std::string type_name_;
  bool training_ = true;
  NamedTensors params_;
  NamedTensors buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

using ModulePtr = std::shared_ptr<Module>;

}  // namespace dc
