// Weight initializers with the distributions of torch.nn.init. Each returns a new f32 tensor drawn
// from `gen` (deterministic for a given generator state; the values differ from PyTorch's RNG, the
// distributions do not).
//
// Fans follow torch.nn.init._calculate_fan_in_and_fan_out: for a weight of shape [d0, d1, k...],
// fan_in = d1 * prod(k) and fan_out = d0 * prod(k). (For ConvTranspose2d's [Cin, Cout/groups, ...]
// weight this makes fan_in the output side, a quirk PyTorch has and we keep.)
#pragma once

#include <cstdint>

#include "core/philox.h"
#include "core/tensor.h"

namespace dc {

struct Fans {
  int64_t fan_in = 0, fan_out = 0;
};
// The fans of a weight shape (at least 2-D).
Fans compute_fans(const Shape& shape);

// U(low, high).
Tensor init_uniform(const Shape& shape, double low, double high, Generator& gen);
// N(mean, std^2).
Tensor init_normal(const Shape& shape, double mean, double std, Generator& gen);
// kaiming_uniform_(w, a, mode="fan_in", nonlinearity="leaky_relu"): U(-b, b) with
// b = sqrt(6 / ((1 + a^2) * fan_in)). With a = sqrt(5), PyTorch's default for Linear and Conv
// weights, b = 1 / sqrt(fan_in).
Tensor init_kaiming_uniform(const Shape& shape, double a, Generator& gen);
// kaiming_normal_(w, mode="fan_out", nonlinearity="relu"): N(0, 2 / fan_out), torchvision's
// ResNet and VGG convolution init.
Tensor init_kaiming_normal_fan_out(const Shape& shape, Generator& gen);

}  // namespace dc
