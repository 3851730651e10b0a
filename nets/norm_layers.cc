#include "nets/norm_layers.h"

#include "ops/creation.h"
#include "ops/instance_group_norm.h"
#include "ops/norm.h"

namespace dc {

FrozenBatchNorm2d::FrozenBatchNorm2d(int64_t c, double eps_)
    : Module("FrozenBatchNorm2d"), num_features(c), eps(eps_) {
  DC_CHECK(c > 0, "FrozenBatchNorm2d: num_features must be positive, got ", c);
  DC_CHECK(eps_ >= 0, "FrozenBatchNorm2d: eps must be non-negative, got ", eps_);
  weight = register_buffer("weight", ones({c}));
  bias = register_buffer("bias", zeros({c}));
  running_mean = register_buffer("running_mean", zeros({c}));
  running_var = register_buffer("running_var", ones({c}));
}

Tensor FrozenBatchNorm2d::forward(const Tensor& x) {
  DC_CHECK(x.dim() == 4, "FrozenBatchNorm2d: expected a 4-D input [N, C, H, W], got ", x.str());
  DC_CHECK(x.size(1) == num_features, "FrozenBatchNorm2d: input ", x.str(), " has ", x.size(1),
           " channels, expected num_features=", num_features);
  return frozen_batch_norm(x, weight, bias, running_mean, running_var, eps);
}

GroupNorm::GroupNorm(int64_t groups, int64_t channels, double eps_, bool affine)
    : Module("GroupNorm"), num_groups(groups), num_channels(channels), eps(eps_) {
  DC_CHECK(groups > 0 && channels > 0 && channels % groups == 0,
           "GroupNorm: num_channels must be a positive multiple of num_groups, got num_groups=",
           groups, " num_channels=", channels);
  DC_CHECK(eps_ >= 0, "GroupNorm: eps must be non-negative, got ", eps_);
  if (affine) {
    weight = register_parameter("weight", ones({channels}));
    bias = register_parameter("bias", zeros({channels}));
  }
}

Tensor GroupNorm::forward(const Tensor& x) {
  DC_CHECK(x.dim() >= 2 && x.size(1) == num_channels, "GroupNorm: expected input [N, ",
           num_channels, ", ...], got ", x.str());
  return group_norm(x, num_groups, weight, bias, eps);
}

InstanceNorm2d::InstanceNorm2d(int64_t c, InstanceNorm2dOptions opts)
    : Module("InstanceNorm2d"), num_features(c), options(opts) {
  DC_CHECK(c > 0, "InstanceNorm2d: num_features must be positive, got ", c);
  DC_CHECK(opts.momentum >= 0 && opts.momentum <= 1 && opts.eps >= 0,
           "InstanceNorm2d: expected momentum in [0, 1] and eps >= 0, got momentum=", opts.momentum,
           " eps=", opts.eps);
  if (opts.affine) {
    weight = register_parameter("weight", ones({c}));
    bias = register_parameter("bias", zeros({c}));
  }
  if (opts.track_running_stats) {
    running_mean = register_buffer("running_mean", zeros({c}));
    running_var = register_buffer("running_var", ones({c}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, DType::i64));
  }
}

Tensor InstanceNorm2d::forward(const Tensor& x) {
  DC_CHECK(x.dim() == 4, "InstanceNorm2d: expected a 4-D input [N, C, H, W], got ", x.str());
  DC_CHECK(x.size(1) == num_features, "InstanceNorm2d: input ", x.str(), " has ", x.size(1),
           " channels, expected num_features=", num_features);
  const bool training = is_training();
  // As PyTorch: running statistics are used only in eval mode and only if tracked.
  const bool use_input_stats = training || !options.track_running_stats;
  DC_CHECK(!use_input_stats || x.size(2) * x.size(3) > 1,
           "InstanceNorm2d: expected more than 1 spatial element per channel, got input ", x.str());
  // num_batches_tracked stays 0, as PyTorch's _InstanceNorm (it exists for state-dict parity).
  return instance_norm(x, weight, bias, running_mean, running_var, use_input_stats,
                       options.momentum, options.eps);
}

}  // namespace dc
