// Parameter-free layers: activations, pooling, dropout, identity (as their torch.nn namesakes).
// They hold no parameters or buffers, so they add no state-dict keys, but they occupy an index in a
// Sequential exactly as in PyTorch (VGG's `features.N` numbering depends on it).
#pragma once

#include <array>
#include <cstdint>

#include "core/philox.h"
#include "nets/module.h"

namespace dc {

// max(x, 0) elementwise; the gradient flows where x > 0.
class ReLU : public Module {
 public:
  ReLU() : Module("ReLU") {}
  Tensor forward(const Tensor& x) override;
};

// 1 / (1 + exp(-x)) elementwise.
class Sigmoid : public Module {
 public:
  Sigmoid() : Module("Sigmoid") {}
  Tensor forward(const Tensor& x) override;
};

// Returns its input (the same tensor).
class Identity : public Module {
 public:
  Identity() : Module("Identity") {}
  Tensor forward(const Tensor& x) override { return x; }
};

// Training mode: zeroes each element with probability p and scales the rest by 1/(1-p), drawing
// the mask from `gen` (which must outlive the layer). Eval mode (or p = 0): the identity.
class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5, Generator& gen = default_generator());
  Tensor forward(const Tensor& x) override;
  const double p;

 private:
  Generator* gen_;
};

// As nn.MaxPool2d; stride {0, 0} means stride = kernel_size. See ops/pool.h.
class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(std::array<int64_t, 2> kernel_size, std::array<int64_t, 2> stride = {0, 0},
                     std::array<int64_t, 2> padding = {0, 0},
                     std::array<int64_t, 2> dilation = {1, 1}, bool ceil_mode = false);
  Tensor forward(const Tensor& x) override;
  const std::array<int64_t, 2> kernel_size, stride, padding, dilation;
  const bool ceil_mode;
};

// As nn.AdaptiveAvgPool2d: [N, C, H, W] -> [N, C, oh, ow].
class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(std::array<int64_t, 2> output_size);
  Tensor forward(const Tensor& x) override;
  const std::array<int64_t, 2> output_size;
};

}  // namespace dc
