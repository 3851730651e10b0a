// The autograd graph: a Node per differentiable op application, holding what its backward needs
// and edges to the nodes (or leaf tensors) that produced its inputs.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace dc {

// Where the gradient of one input goes: into another node's output slot, or into a leaf's .grad.
struct Edge {
  std::shared_ptr<Node> fn;
  int input_nr = 0;
  std::shared_ptr<TensorImpl> leaf;
  bool valid() const { return fn != nullptr || leaf != nullptr; }
};

// Shape, dtype and device of a tensor, kept without its data (to check gradients, make zeros).
struct TensorMeta {
  Shape sizes;
  DType dtype = DType::f32;
  Device device = kCPU;
};

// grads: one per output of the node (zeros where an output got no gradient); needs_input_grad says
// which inputs want one. Returns one gradient per input (undefined where not needed).
using BackwardFn = std::function<std::vector<Tensor>(const std::vector<Tensor>& grads,
                                                     const std::vector<bool>& needs_input_grad)>;

class Node {
 public:
  Node(std::string name, BackwardFn fn) : name_(std::move(name)), fn_(std::move(fn)) {}

  const std::string& name() const { return name_; }
  std::vector<Tensor> apply(const std::vector<Tensor>& grads);
  // Frees what backward captured (saved tensors); a second backward then fails clearly.
  void release() { fn_ = nullptr; }
  bool released() const { return fn_ == nullptr; }

  std::vector<Edge> next_edges;     // one per input
  std::vector<TensorMeta> inputs;   // to check the shapes of returned gradients
  std::vector<TensorMeta> outputs;  // to make zero gradients for unused outputs
  std::vector<bool> needs_input_grad;

 private:
  std::string name_;
  BackwardFn fn_;
};

// True if grad mode is on and any defined input requires grad.
bool any_requires_grad(const std::vector<Tensor>& inputs);

// Records `backward` for an op that computed `outputs` from `inputs`, if any_requires_grad(inputs).
// Outputs become non-leaf tensors that require grad. Call it after computing the outputs.
void record_op(const char* name, const std::vector<Tensor>& inputs,
               const std::vector<Tensor>& outputs, BackwardFn backward);

// Backward from `roots` with `grad_roots` (undefined = ones, allowed for one-element roots only).
void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_roots,
                  bool retain_graph);

// Addition used to accumulate gradients; installed by ops/ (which owns the add kernels).
using GradAddFn = Tensor (*)(const Tensor&, const Tensor&);
void set_grad_add_fn(GradAddFn fn);

}  // namespace dc
