// Fully connected layer, as torch.nn.Linear.
#pragma once

#include <cstdint>

#include "core/philox.h"
#include "nets/module.h"

namespace dc {

// Parameters: weight [out, in] ~ U(-1/sqrt(in), 1/sqrt(in)) and (if bias) bias [out] with the
// same bound, as PyTorch. forward: x [..., in] -> [..., out]; gradients flow to x, weight, bias.
class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true,
         Generator& gen = default_generator());
  Tensor forward(const Tensor& x) override;

  Tensor weight, bias;
};

}  // namespace dc
