// Feature Pyramid Network (Lin et al. 2017) with torchvision 0.14's exact state-dict names, and
// the ResNet + FPN detection backbone (torchvision's BackboneWithFPN / resnet_fpn_backbone).
//
//   FeaturePyramidNetwork:  inner_blocks.N.0.{weight,bias}  (lateral 1x1 conv, in_N -> out)
//                           layer_blocks.N.0.{weight,bias}  (output 3x3 conv pad 1, out -> out)
//   ResNetFPN:              body.* (ResNet without avgpool/fc, FrozenBatchNorm2d), fpn.*
//
// so a torchvision state dict loads by name.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/philox.h"
#include "nets/conv.h"
#include "nets/module.h"
#include "nets/resnet.h"
#include "nets/sequential.h"

namespace dc {

// torchvision.ops.FeaturePyramidNetwork(in_channels_list, out_channels, extra_blocks) without a
// norm layer; last_level_max_pool = extra_blocks=LastLevelMaxPool().
//
// forward(features): features are K >= 1 named maps [N, in_channels_list[i], H_i, W_i], highest
// resolution first (f32). From the coarsest level down:
//   inner_K-1 = lateral_K-1(x_K-1)
//   inner_i   = lateral_i(x_i) + upsample_nearest2d(inner_i+1, size of lateral_i(x_i))
//   P_i       = output_i(inner_i)                     -> [N, out_channels, H_i, W_i]
// returned under the input names, in input order; with last_level_max_pool a last entry "pool" =
// max_pool2d(P_K-1, kernel 1, stride 2) ([N, out, ceil(H/2), ceil(W/2)]). The sizes need not be
// exact multiples of each other (nearest upsampling to the lateral's size, as torchvision).
// Gradients flow to every input map and every conv weight and bias.
//
// Init as torchvision: every conv weight kaiming_uniform(a=1) (U(±sqrt(3 / fan_in))), bias 0.
class FeaturePyramidNetwork : public Module {
 public:
  FeaturePyramidNetwork(std::vector<int64_t> in_channels_list, int64_t out_channels,
                        bool last_level_max_pool = false, Generator& gen = default_generator());
  using Module::forward;  // the single-tensor forward throws: an FPN takes several maps
  NamedTensors forward(const NamedTensors& features);

  std::shared_ptr<Sequential> inner_blocks, layer_blocks;  // children "N" = Sequential{Conv2d}
  const std::vector<int64_t> in_channels_list;
  const int64_t out_channels;
  const bool last_level_max_pool;

 private:
  Conv2d& inner(size_t i);
  Conv2d& layer(size_t i);
};

struct ResNetFPNOptions {
  int64_t out_channels = 256;
  // torchvision's trainable_layers (0..5): parameters outside the last `trainable_layers` of
  // layer4, layer3, layer2, layer1, conv1 (and bn1 at 5, which has no parameters when frozen) get
  // requires_grad=false. 5 (everything trains) is torchvision's value without pretrained weights;
  // 3 is resnet_fpn_backbone's default for fine-tuning ImageNet weights. The FPN always trains.
  int trainable_layers = 5;
  bool last_level_max_pool = true;  // the "pool" output, as resnet_fpn_backbone's default
};

// torchvision.models.detection.backbone_utils.resnet_fpn_backbone(backbone_name=f"resnet{depth}",
// weights=None, trainable_layers): body = the ResNet with FrozenBatchNorm2d (ResNetOptions::
// frozen_bn) and no avgpool/fc; fpn = FeaturePyramidNetwork(C2..C5 channels, out_channels). Input
// [N, 3, H, W] f32; forward_features returns "0".."3" (P2..P5, strides 4..32) and "pool" (stride
// 64), each [N, out_channels, ...]; forward_multi the same tensors in that order. Initialization:
// the body's, then the FPN's, from `gen`.
class ResNetFPN : public Module {
 public:
  ResNetFPN(int depth, ResNetFPNOptions options = {}, Generator& gen = default_generator());
  NamedTensors forward_features(const Tensor& x);
  std::vector<Tensor> forward_multi(const Tensor& x) override;

  std::shared_ptr<ResNet> body;
  std::shared_ptr<FeaturePyramidNetwork> fpn;
  const ResNetFPNOptions options;
};

}  // namespace dc
