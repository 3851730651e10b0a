#include "nets/batch_norm.h"

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "core/copy.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/join.h"
#include "ops/norm.h"
#include "ops/reduce.h"

namespace dc {
namespace {

// y = sum over ranks of x, differentiable: the gradient of a rank's x is the sum over ranks of
// the gradients of y (every rank's y depends on every rank's x).
Tensor all_reduce_sum(const Tensor& x, const std::function<void(const Tensor&)>& reduce) {
  Tensor y = empty(x.sizes(), x.dtype(), x.device());
  copy_into(y, x.detach());
  reduce(y);
  record_op("sync_bn_all_reduce", {x}, {y},
            [reduce](const std::vector<Tensor>& grads, const std::vector<bool>&) {
              Tensor g = empty(grads[0].sizes(), grads[0].dtype(), grads[0].device());
              copy_into(g, grads[0]);
              reduce(g);
              return std::vector<Tensor>{g};
            });
  return y;
}

// num_batches_tracked += 1. The counter is a 0-d i64 buffer; on the CPU it is incremented in
// place. On a device (a model moved by Module::to) there is no integer kernel, so the value makes
// a round trip through the host (8 bytes each way).
void count_batch(const Tensor& counter) {
  if (counter.device().is_cpu()) {
    counter.data<int64_t>()[0] += 1;
    return;
  }
  const Tensor host = counter.detach().to(kCPU);
  host.data<int64_t>()[0] += 1;
  copy_into(counter, host);
}

}  // namespace

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
  if (training && sync_all_reduce) return run_synchronized(x, relu);
  Tensor y = relu ? batch_norm_relu(x, weight, bias, running_mean, running_var, training,
                                    options.momentum, options.eps)
                  : batch_norm(x, weight, bias, running_mean, running_var, training,
                               options.momentum, options.eps);
  // Counted after a successful forward only, as PyTorch.
  if (training) count_batch(num_batches_tracked);
  return y;
}

Tensor BatchNorm2d::forward(const Tensor& x) { return run(x, false); }
Tensor BatchNorm2d::forward_relu(const Tensor& x) { return run(x, true); }

}  // namespace dc

namespace dc {

Tensor BatchNorm2d::run_synchronized(const Tensor& x, bool relu) {
  const int64_t c = num_features;
  DC_CHECK(x.dtype() == DType::f32, "BatchNorm2d (sync_bn): expected f32 input, got ", x.str());
  // Local sums, then one all-reduce of [sum x (C), sum x^2 (C), count (1)].
  const Tensor s1 = sum(x, {0, 2, 3});
  const Tensor s2 = sum(mul(x, x), {0, 2, 3});
  const Tensor count = full({1}, static_cast<double>(x.numel() / c), DType::f32, x.device());
  const Tensor total = all_reduce_sum(cat({s1, s2, count}), sync_all_reduce);
  const double n = total.detach().narrow(0, 2 * c, 1).to(kCPU).item<double>();
  DC_CHECK(n > 1,
           "BatchNorm2d (sync_bn): expected more than 1 value per channel over all ranks, "
           "got ",
           n);
  const Tensor mean = total.narrow(0, 0, c) * (1.0 / n);
  const Tensor var = total.narrow(0, c, c) * (1.0 / n) - mul(mean, mean);  // biased
  const Tensor invstd = pow(var + options.eps, -0.5);
  Tensor scale = invstd, shift = neg(mul(mean, invstd));
  if (weight.defined()) {
    scale = mul(scale, weight);
    shift = mul(shift, weight);
  }
  if (bias.defined()) shift = add(shift, bias);
  Tensor y = add(mul(x, scale.view({1, c, 1, 1})), shift.view({1, c, 1, 1}));
  if (relu) y = dc::relu(y);
  {
    NoGradGuard no_grad;
    const float m = static_cast<float>(options.momentum);
    const float unbias = static_cast<float>(n / (n - 1));
    if (running_mean.device().is_cpu()) {
      const Tensor mean_c = mean.detach().contiguous(), var_c = var.detach().contiguous();
      float* rm = running_mean.data<float>();
      float* rv = running_var.data<float>();
      for (int64_t k = 0; k < c; ++k) {
        rm[k] = (1 - m) * rm[k] + m * mean_c.data<float>()[k];
        rv[k] = (1 - m) * rv[k] + m * var_c.data<float>()[k] * unbias;
      }
    } else {
      // The same update by ops on the buffers' device (float arithmetic, as the loop above).
      copy_into(running_mean, running_mean * (1.0 - m) + mean.detach() * static_cast<double>(m));
      copy_into(running_var,
                running_var * (1.0 - m) + var.detach() * static_cast<double>(m * unbias));
    }
  }
  count_batch(num_batches_tracked);
  return y;
}

}  // namespace dc
