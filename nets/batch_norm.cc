#include "nets/batch_norm.h"

#include "ops/creation.h"
#include "ops/norm.h"

namespace dc {

BatchNorm2d::BatchNorm2d(int64_t c, BatchNorm2dOptions opts)
    : Module("BatchNorm2d"), num_features(c), options(opts) {
  DC_CHECK(c > 0, "BatchNorm2d: num_features must be positive, got ", c);
  DC_CHECK(opts.momentum >= 0 && opts.momentum <= 1 && opts.eps > 0,
           "BatchNorm2d: expected momentum in [0, 1] and eps > 0, got momentum=", opts.momentum,
           " eps=", opts.eps);
  if (opts.affine) {
    weight = register_parameter("weight", ones({c}));
    bias = register_parameter("bias", zeros({c}));
  }
  running_mean = register_buffer("running_mean", zeros({c}));
  running_var = register_buffer("running_var", ones({c}));
  num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, DType::i64));
}

Tensor BatchNorm2d::run(const Tensor& x, bool relu) {
  DC_CHECK(x.dim() == 4, "BatchNorm2d: expected a 4-D input [N, C, H, W], got ", x.str());
  DC_CHECK(x.size(1) == num_features, "BatchNorm2d: input ", x.str(), " has ", x.size(1),
           " channels, expected num_features=", num_features);
  const bool training = is_training();
  // As PyTorch: the batch variance of a single value is meaningless (and its unbiased form NaN).
  DC_CHECK(!training || x.numel() / num_features > 1,
           "BatchNorm2d: expected more than 1 value per channel when training, got input ",
           x.str());
  Tensor y = relu ? batch_norm_relu(x, weight, bias, running_mean, running_var, training,
                                    options.momentum, options.eps)
                  : batch_norm(x, weight, bias, running_mean, running_var, training,
                               options.momentum, options.eps);
  // Counted after a successful forward only, as PyTorch (a 0-d CPU buffer: no kernel needed).
  if (training) num_batches_tracked.data<int64_t>()[0] += 1;
  return y;
}

Tensor BatchNorm2d::forward(const Tensor& x) { return run(x, false); }
Tensor BatchNorm2d::forward_relu(const Tensor& x) { return run(x, true); }

}  // namespace dc
