// Optimizer base: parameter groups with per-group hyperparameters, step(), zero_grad() and a flat
// state dict for exact-resume checkpoints. The concrete optimizers (train/optim/sgd.h,
// train/optim/adam.h) only say how one parameter is updated, through the fused in-place kernels of
// ops/optim_update.h.
//
// Semantics follow torch.optim (1.13): a parameter whose .grad is undefined is skipped by step()
// (its state, step count included, does not advance); zero_grad() drops the gradients (as
// zero_grad(set_to_none=True)); the per-parameter state (momentum buffers, Adam moments, step
// counts) is created lazily at a parameter's first update.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace dc {

// A group of parameters sharing hyperparameters. Unset options take the optimizer's defaults when
// the optimizer is constructed (as PyTorch's param_group.setdefault); afterwards every option the
// optimizer uses is set, and may be changed between steps (LR schedules write `lr`). Options an
// optimizer does not use (momentum for Adam, betas for SGD) stay unset and are ignored.
struct ParamGroup {
  std::vector<Tensor> params;  // f32 or f64 contiguous leaves; each in at most one group
  std::string name;            // free-form label ("decay", "no_decay", "backbone", ...)
  std::optional<double> lr;
  std::optional<double> weight_decay;
  std::optional<double> initial_lr;  // the base LR that schedules scale; defaults to lr
  // SGD
  std::optional<double> momentum;
  std::optional<double> dampening;
  std::optional<bool> nesterov;
  // Adam, AdamW
  std::optional<double> beta1;
  std::optional<double> beta2;
  std::optional<double> eps;
  std::optional<bool> amsgrad;
};

// A flat, serializable snapshot of an optimizer. Keys (g: group index, k: parameter index counted
// over all groups in order):
//   scalars "num_groups", "group.<g>.num_params", "group.<g>.<option>" (every set option of
//           ParamGroup, bools as 0/1), "state.<k>.step" (Adam, AdamW)
//   tensors "state.<k>.<buffer>" (SGD: momentum_buffer; Adam/AdamW: exp_avg, exp_avg_sq and with
//           amsgrad max_exp_avg_sq) — copies, independent of the optimizer's live state.
struct OptimizerState {
  std::map<std::string, Tensor> tensors;
  std::map<std::string, double> scalars;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that has a gradient (under no-grad, in place).
  void step();
  // Drops every parameter's gradient.
  void zero_grad();

  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  // Shorthands for param_groups()[group].lr, which is always set.
  double lr(size_t group) const;
  void set_lr(size_t group, double lr);
  const std::string& name() const { return name_; }

  // Snapshot of the hyperparameters of every group and of the per-parameter state.
  OptimizerState state_dict() const;
  // Restores a snapshot taken from an optimizer of the same kind over parameters of the same
  // groups, counts, shapes and dtypes (checked; an unknown key or a mismatch throws dc::Error
  // naming it). Tensors are copied. Stepping on gives bit-identical results to never stopping.
  void load_state_dict(const OptimizerState& state);

 protected:
  struct ParamState {
    int64_t step = 0;
    std::map<std::string, Tensor> buffers;  // named as in the state dict
  };

  // groups: their unset options are filled from `defaults` (which must set every option the
  // optimizer uses). Derived constructors call validate() once they are complete.
  Optimizer(std::string name, std::vector<ParamGroup> groups, const ParamGroup& defaults);
  // Checks every group's options (check_group) — called at construction and by every step().
  void validate() const;

  virtual void check_group(const ParamGroup& group, size_t index) const = 0;
  // Updates one parameter from its (contiguous) gradient.
  virtual void update(const ParamGroup& group, const Tensor& param, const Tensor& grad,
                      ParamState& state) = 0;
  // The buffer names this optimizer keeps (load_state_dict rejects others).
  virtual std::vector<std::string> buffer_names() const = 0;

 private:
  std::string name_;
  std::vector<ParamGroup> groups_;
  std::vector<ParamState> state_;  // one per parameter, in group order
};

}  // namespace dc
