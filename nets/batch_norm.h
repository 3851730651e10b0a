// Batch normalization over the channels of NCHW input, as torch.nn.BatchNorm2d.
#pragma once

#include <cstdint>
#include <functional>

#include "nets/module.h"

namespace dc {

struct BatchNorm2dOptions {
  double eps = 1e-5;
  double momentum = 0.1;  // running = (1 - momentum) * running + momentum * batch statistic
  bool affine = true;     // learnable weight and bias
};

// Parameters (affine): weight [C] = 1, bias [C] = 0. Buffers: running_mean [C] = 0,
// running_var [C] = 1 (f32) and num_batches_tracked (i64, 0-d) = 0, as PyTorch.
//
// Training mode: normalizes with the batch mean and biased variance over (N, H, W), updates the
// running statistics in place (unbiased variance) and increments num_batches_tracked. Eval mode:
// normalizes with the running statistics. Gradients flow to x, weight and bias.
class BatchNorm2d : public Module {
 public:
  explicit BatchNorm2d(int64_t num_features, BatchNorm2dOptions options = {});
  Tensor forward(const Tensor& x) override;
  // relu(forward(x)) in one pass over the output (ResNet's bn -> relu), same semantics.
  Tensor forward_relu(const Tensor& x);

  Tensor weight, bias;  // undefined without affine
  Tensor running_mean, running_var, num_batches_tracked;

  // Synchronized batch norm (torch.nn.SyncBatchNorm) when set: in training mode the batch
  // statistics are those of the global batch over all data-parallel ranks. `sync_all_reduce(t)`
  // must sum the f32 tensor `t` in place over the ranks (every rank calls it in the same order);
  // forward reduces the per-channel sum and sum of squares and the element count, backward the
  // gradients of those sums (the sums of grad_y and of grad_y * x), so each rank's input gradient
  // is that of the global batch. The running statistics are updated from the global statistics
  // (unbiased variance over the global count), identically on every rank. Eval mode, and an unset
  // function, are plain batch norm. The trainer sets it for model.sync_bn (train/trainer.h).
  std::function<void(const Tensor&)> sync_all_reduce;

  const int64_t num_features;
  const BatchNorm2dOptions options;

 private:
  Tensor run(const Tensor& x, bool relu);
  Tensor run_synchronized(const Tensor& x, bool relu);
};

}  // namespace dc
