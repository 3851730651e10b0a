// VGG with torchvision's module names (torchvision.models.vgg, 0.14): `features.N` (3x3 convs with
// padding 1 and bias, [BatchNorm2d,] ReLU, 2x2 max pools, numbered as one Sequential), `avgpool`
// (adaptive 7x7) and `classifier.N` (Linear 0, ReLU 1, Dropout 2, Linear 3, ReLU 4, Dropout 5,
// Linear 6). Input [N, 3, H, W] f32; forward returns logits [N, num_classes].
#pragma once

#include <cstdint>
#include <memory>

#include "core/philox.h"
#include "nets/sequential.h"

namespace dc {

struct VGGOptions {
  int64_t num_classes = 1000;
  bool batch_norm = false;  // vgg19_bn: BatchNorm2d after every conv
  double dropout = 0.5;
};

// Initialization as torchvision: convs kaiming_normal(fan_out, relu) with zero bias, BN 1/0,
// linears N(0, 0.01) with zero bias.
class VGG : public Module {
 public:
  // depth 11, 13, 16 or 19 (torchvision's configurations A, B, D, E).
  VGG(int depth, VGGOptions options = {}, Generator& gen = default_generator());
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<Sequential> features, classifier;
  std::shared_ptr<Module> avgpool;
  const VGGOptions options;
};

}  // namespace dc
