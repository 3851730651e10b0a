#include "nets/basic_layers.h"

#include "autograd/grad_mode.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/pool.h"

namespace dc {

Tensor ReLU::forward(const Tensor& x) { return relu(x); }
Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }

Dropout::Dropout(double prob, Generator& gen) : Module("Dropout"), p(prob), gen_(&gen) {
  DC_CHECK(prob >= 0 && prob < 1, "Dropout: p must be in [0, 1), got ", prob);
}

Tensor Dropout::forward(const Tensor& x) {
  if (!is_training() || p == 0) return x;
  Tensor mask;
  {
    NoGradGuard no_grad;
    // keep where u >= p, so that P(keep) = 1 - p; kept values are scaled to preserve the mean.
    const Tensor u = rand(x.sizes(), x.dtype(), *gen_);
    mask = ge(u, scalar_like(u, p)).to(x.dtype()) * (1.0 / (1.0 - p));
  }
  return x * mask;
}

MaxPool2d::MaxPool2d(std::array<int64_t, 2> k, std::array<int64_t, 2> s, std::array<int64_t, 2> pad,
                     std::array<int64_t, 2> d, bool ceil)
    : Module("MaxPool2d"), kernel_size(k), stride(s), padding(pad), dilation(d), ceil_mode(ceil) {}

Tensor MaxPool2d::forward(const Tensor& x) {
  return max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode);
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(std::array<int64_t, 2> size)
    : Module("AdaptiveAvgPool2d"), output_size(size) {
  DC_CHECK(size[0] > 0 && size[1] > 0, "AdaptiveAvgPool2d: output_size must be positive, got [",
           size[0], ", ", size[1], "]");
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& x) { return adaptive_avg_pool2d(x, output_size); }

}  // namespace dc
