// The backward engine: counts how many gradients each reachable node will receive, then runs
// nodes whose count reached zero, so each node runs once with the sum of its gradients.
#include <unordered_map>
#include <unordered_set>

#include "autograd/grad_mode.h"
#include "autograd/grad_ready.h"
#include "autograd/node.h"
#include "autograd/profiler.h"
#include "core/copy.h"

namespace dc {
namespace {

GradAddFn g_grad_add = nullptr;

Tensor add_grads(const Tensor& a, const Tensor& b) {
  DC_CHECK(g_grad_add != nullptr, "autograd: no gradient add kernel registered (link //ops)");
  return g_grad_add(a, b);
}

Tensor zeros_of(const TensorMeta& m) {
  Tensor z = empty(m.sizes, m.dtype, m.device);
  fill_(z, 0.0);
  return z;
}

void check_grad(const Tensor& g, const TensorMeta& m, const std::string& where) {
  DC_CHECK(g.sizes() == m.sizes, "autograd: ", where, " produced a gradient of shape ",
           shape_str(g.sizes()), " for an input of shape ", shape_str(m.sizes));
  DC_CHECK(g.dtype() == m.dtype, "autograd: ", where, " produced a ", dtype_name(g.dtype()),
           " gradient for a ", dtype_name(m.dtype), " input");
}

void accumulate_leaf(TensorImpl& leaf, const Tensor& g) {
  if (!leaf.grad) {
    // When the engine holds the only handle to g and g owns its storage alone, nobody else can see
    // or change its memory: it becomes .grad as it is (PyTorch's AccumulateGrad steals it too).
    // That saves a parameter-sized allocation and copy per leaf and step.
    if (g.impl_ptr().use_count() == 1 && g.storage().use_count() == 1 && g.is_contiguous() &&
        !g.grad_fn()) {
      leaf.grad = g.impl_ptr();
      return;
    }
    // Otherwise own a private copy: g may alias a tensor the caller still uses.
    Tensor copy = empty(g.sizes(), g.dtype(), g.device());
    copy_into(copy, g);
    leaf.grad = copy.impl_ptr();
  } else {
    Tensor sum = add_grads(Tensor(leaf.grad), g);
    leaf.grad = sum.impl_ptr();
  }
}

}  // namespace

void set_grad_add_fn(GradAddFn fn) { g_grad_add = fn; }

std::vector<Tensor> Node::apply(const std::vector<Tensor>& grads) {
  DC_CHECK(fn_ != nullptr, "autograd: backward through '", name_,
           "' a second time; its saved tensors were freed (pass retain_graph=true to the first "
           "backward)");
  return fn_(grads, needs_input_grad);
}

bool any_requires_grad(const std::vector<Tensor>& inputs) {
  if (!GradMode::enabled()) return false;
  for (const Tensor& t : inputs) {
    if (t.defined() && t.requires_grad()) return true;
  }
  return false;
}

void record_op(const char* name, const std::vector<Tensor>& inputs,
               const std::vector<Tensor>& outputs, BackwardFn backward) {
  if (profiler::enabled()) profiler::on_record(name);
  if (!any_requires_grad(inputs)) return;
  auto node = std::make_shared<Node>(name, std::move(backward));
  for (const Tensor& t : inputs) {
    Edge e;
    const bool needs = t.defined() && t.requires_grad();
    if (needs) {
      if (t.grad_fn()) {
        e.fn = t.grad_fn();
        e.input_nr = t.impl()->output_nr;
      } else {
        e.leaf = t.impl_ptr();
      }
      node->inputs.push_back({t.sizes(), t.dtype(), t.device()});
    } else {
      node->inputs.push_back({});
    }
    node->needs_input_grad.push_back(needs);
    node->next_edges.push_back(std::move(e));
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    TensorImpl* o = outputs[i].impl();
    node->outputs.push_back({o->sizes, o->dtype, outputs[i].device()});
    if (!is_floating(o->dtype)) continue;  // integer outputs (indices) carry no gradient
    o->requires_grad = true;
    o->grad_fn = node;
    o->output_nr = static_cast<int>(i);
  }
}

void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_roots,
                  bool retain_graph) {
  NoGradGuard no_grad;
  // Per-op timing (autograd/profiler.h); `profile` is fixed for the whole pass.
  const bool profile = profiler::enabled();
  struct BackwardScope {
    bool on;
    explicit BackwardScope(bool p) : on(p) {
      if (on) profiler::begin_backward();
    }
    ~BackwardScope() {
      if (on) profiler::end_backward();
    }
  } scope(profile);
  double accumulate_seconds = 0;
  auto accumulate = [&](TensorImpl& leaf, const Tensor& g) {
    const double t0 = profile ? profiler::now_seconds() : 0;
    accumulate_leaf(leaf, g);
    if (profile) accumulate_seconds += profiler::now_seconds() - t0;
  };
  // Gradient-ready hook (autograd/grad_ready.h): with one installed, count the gradients each leaf
  // will receive, and call the hook when its count reaches zero.
  const GradReadyHook* hook = current_grad_ready_hook();
  std::unordered_map<TensorImpl*, int> leaf_deps;
  std::vector<std::shared_ptr<TensorImpl>> root_leaves;
  DC_CHECK(roots.size() == grad_roots.size(), "backward: ", roots.size(), " roots but ",
           grad_roots.size(), " gradients");
  // Seed gradients.
  std::unordered_map<Node*, std::vector<Tensor>> buffers;
  std::vector<std::shared_ptr<Node>> starts;
  for (size_t i = 0; i < roots.size(); ++i) {
    const Tensor& r = roots[i];
    DC_CHECK(r.requires_grad(), "backward: tensor ", r.str(),
             " does not require grad and has no grad_fn");
    Tensor g = grad_roots[i];
    if (!g.defined()) {
      DC_CHECK(r.numel() == 1,
               "backward: grad_output can be omitted only for a one-element "
               "tensor, got ",
               r.str());
      g = empty(r.sizes(), r.dtype(), r.device());
      fill_(g, 1.0);
    }
    DC_CHECK(g.sizes() == r.sizes(), "backward: grad_output ", g.str(), " does not match ",
             r.str());
    if (!r.grad_fn()) {
      accumulate(*r.impl(), g);
      if (hook) root_leaves.push_back(r.impl_ptr());
      continue;
    }
    auto& buf = buffers[r.grad_fn().get()];
    buf.resize(r.grad_fn()->outputs.size());
    Tensor& slot = buf[r.impl()->output_nr];
    slot = slot.defined() ? add_grads(slot, g) : g;
    starts.push_back(r.grad_fn());
  }
  // Count, for each node, the edges that will deliver a gradient to it.
  std::unordered_map<Node*, int> deps;
  std::unordered_set<Node*> seen;
  std::vector<Node*> stack;
  for (auto& s : starts) {
    if (seen.insert(s.get()).second) stack.push_back(s.get());
  }
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next_edges) {
      if (hook && e.leaf) ++leaf_deps[e.leaf.get()];
      if (!e.fn) continue;
      ++deps[e.fn.get()];
      if (seen.insert(e.fn.get()).second) stack.push_back(e.fn.get());
    }
  }
  for (const auto& leaf : root_leaves) {
    // A root leaf no edge reaches is final already; one that edges reach waits for them.
    if (leaf_deps.count(leaf.get()) == 0 && leaf_deps.emplace(leaf.get(), -1).second) {
      (*hook)(Tensor(leaf));
    }
  }
  std::vector<std::shared_ptr<Node>> ready;
  std::unordered_set<Node*> queued;
  for (auto& s : starts) {
    if (deps[s.get()] == 0 && queued.insert(s.get()).second) ready.push_back(s);
  }
  while (!ready.empty()) {
    std::shared_ptr<Node> node = ready.back();
    ready.pop_back();
    std::vector<Tensor> grads = std::move(buffers[node.get()]);
    buffers.erase(node.get());
    grads.resize(node->outputs.size());
    for (size_t i = 0; i < grads.size(); ++i) {
      if (!grads[i].defined()) grads[i] = zeros_of(node->outputs[i]);
    }
    const double t0 = profile ? profiler::now_seconds() : 0;
    std::vector<Tensor> in_grads = node->apply(grads);
    if (profile) profiler::on_backward(node->name(), profiler::now_seconds() - t0);
    if (!retain_graph) node->release();
    DC_CHECK(in_grads.size() == node->next_edges.size(), "autograd: '", node->name(), "' returned ",
             in_grads.size(), " gradients for ", node->next_edges.size(), " inputs");
    for (size_t i = 0; i < in_grads.size(); ++i) {
      const Edge& e = node->next_edges[i];
      if (!e.valid()) continue;
      const Tensor& g = in_grads[i];
      if (g.defined()) check_grad(g, node->inputs[i], "backward of '" + node->name() + "'");
      if (e.leaf) {
        if (g.defined()) accumulate(*e.leaf, g);
        if (hook && --leaf_deps[e.leaf.get()] == 0) (*hook)(Tensor(e.leaf));
        continue;
      }
      if (g.defined()) {
        auto& buf = buffers[e.fn.get()];
        buf.resize(e.fn->outputs.size());
        Tensor& slot = buf[e.input_nr];
        slot = slot.defined() ? add_grads(slot, g) : g;
      }
      if (--deps[e.fn.get()] == 0) ready.push_back(e.fn);
    }
  }
  if (profile) profiler::on_backward("autograd: accumulate .grad", accumulate_seconds);
}

}  // namespace dc
