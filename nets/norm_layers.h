// Normalization layers besides BatchNorm2d, with PyTorch's state-dict names:
// torchvision.ops.FrozenBatchNorm2d, torch.nn.GroupNorm and torch.nn.InstanceNorm2d.
#pragma once

#include <cstdint>

#include "nets/module.h"

namespace dc {

// torchvision.ops.FrozenBatchNorm2d(num_features, eps=1e-5): batch norm with fixed statistics and
// affine, as Detectron2 uses in backbones (batches too small for batch statistics). Buffers (no
// parameters, so the optimizer never sees them): weight [C] = 1, bias [C] = 0, running_mean [C] =
// 0, running_var [C] = 1, f32, named as torchvision's (no num_batches_tracked). Input [N, C, H, W];
// y = (x - running_mean) / sqrt(running_var + eps) * weight + bias in both modes. The gradient
// flows to x only.
class FrozenBatchNorm2d : public Module {
 public:
  explicit FrozenBatchNorm2d(int64_t num_features, double eps = 1e-5);
  Tensor forward(const Tensor& x) override;

  Tensor weight, bias, running_mean, running_var;  // all buffers
  const int64_t num_features;
  const double eps;
};

// torch.nn.GroupNorm(num_groups, num_channels, eps=1e-5, affine=True): input [N, C, ...] with
// C = num_channels divisible by num_groups; each sample's groups of C / num_groups consecutive
// channels are normalized with their own mean and biased variance (same in train and eval), then
// scaled per channel. Parameters (affine): weight [C] = 1, bias [C] = 0. Gradients flow to x,
// weight and bias.
class GroupNorm : public Module {
 public:
  GroupNorm(int64_t num_groups, int64_t num_channels, double eps = 1e-5, bool affine = true);
  Tensor forward(const Tensor& x) override;

  Tensor weight, bias;  // undefined without affine
  const int64_t num_groups, num_channels;
  const double eps;
};

struct InstanceNorm2dOptions {
  double eps = 1e-5;
  double momentum = 0.1;
  bool affine = false;               // PyTorch's default: no weight / bias
  bool track_running_stats = false;  // PyTorch's default: instance statistics in eval mode too
};

// torch.nn.InstanceNorm2d(num_features, eps, momentum, affine, track_running_stats): input
// [N, C, H, W] with C = num_features and H * W > 1 where instance statistics are used; each (n, c)
// plane is normalized by its own mean and biased variance. Parameters (affine): weight [C] = 1,
// bias [C] = 0. Buffers (track_running_stats): running_mean [C] = 0, running_var [C] = 1 and
// num_batches_tracked (i64, 0-d); training mode updates the running statistics (unbiased variance,
// momentum as BatchNorm2d) and eval mode normalizes with them. As PyTorch, num_batches_tracked is
// saved and loaded but never incremented. Without track_running_stats, eval mode uses the
// instance statistics too. Gradients flow to x, weight and bias.
class InstanceNorm2d : public Module {
 public:
  explicit InstanceNorm2d(int64_t num_features, InstanceNorm2dOptions options = {});
  Tensor forward(const Tensor& x) override;

  Tensor weight, bias;                                    // undefined without affine
  Tensor running_mean, running_var, num_batches_tracked;  // undefined without tracking
  const int64_t num_features;
  const InstanceNorm2dOptions options;
};

}  // namespace dc
