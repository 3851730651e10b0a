// Convolution layers, as torch.nn.Conv2d and torch.nn.ConvTranspose2d (NCHW, f32 parameters).
#pragma once

#include <array>
#include <cstdint>

#include "core/philox.h"
#include "nets/module.h"

namespace dc {

struct Conv2dOptions {
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 2> padding{0, 0};
  std::array<int64_t, 2> dilation{1, 1};
  int64_t groups = 1;
  bool bias = true;
};

// Parameters: weight [out, in/groups, kh, kw] and (if options.bias) bias [out], both initialized
// as PyTorch's reset_parameters: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in/groups*kh*kw.
// forward: x [N, in, H, W] -> [N, out, Ho, Wo] (see ops/conv.h); gradients flow to x, weight and
// bias.
class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, std::array<int64_t, 2> kernel_size,
         Conv2dOptions options = {}, Generator& gen = default_generator());
  Tensor forward(const Tensor& x) override;

  Tensor weight, bias;  // bias undefined without options.bias
  const Conv2dOptions options;
};

struct ConvTranspose2dOptions {
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 2> padding{0, 0};
  std::array<int64_t, 2> output_padding{0, 0};
  std::array<int64_t, 2> dilation{1, 1};
  int64_t groups = 1;
  bool bias = true;
};

// Parameters: weight [in, out/groups, kh, kw], bias [out], initialized as PyTorch's (fans from the
// weight shape, so the bound is 1/sqrt(out/groups*kh*kw)). forward: see ops/conv_transpose.h.
class ConvTranspose2d : public Module {
 public:
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, std::array<int64_t, 2> kernel_size,
                  ConvTranspose2dOptions options = {}, Generator& gen = default_generator());
  Tensor forward(const Tensor& x) override;

  Tensor weight, bias;
  const ConvTranspose2dOptions options;
};

}  // namespace dc
