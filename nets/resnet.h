// ResNet backbones with torchvision's exact module names (torchvision.models.resnet, 0.14):
//
//   conv1 bn1 relu maxpool layer1..layer4 avgpool fc
//   layerK.I.{conv1,bn1,conv2,bn2[,conv3,bn3]}, layerK.0.downsample.{0 (1x1 conv), 1 (bn)}
//
// so a torchvision state dict loads by name. ResNet-18/34 use BasicBlock (two 3x3 convs),
// ResNet-50/101 Bottleneck (1x1, 3x3 carrying the stride — "ResNet v1.5" — 1x1 with 4x channels).
// Convolutions have no bias. Input [N, 3, H, W] f32.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/philox.h"
#include "nets/basic_layers.h"
#include "nets/batch_norm.h"
#include "nets/conv.h"
#include "nets/linear.h"
#include "nets/sequential.h"

namespace dc {

struct ResNetOptions {
  // Width of fc. 0: no avgpool/fc at all — a feature extractor whose forward() returns C5 and
  // forward_multi() / forward_features() the stage outputs C2..C5.
  int64_t num_classes = 1000;
  // torchvision's option: replaces the stride 2 of layer2, layer3, layer4 by dilation. {false,
  // true, true} gives output stride 8, {false, false, true} 16 (the DeepLab dilated ResNet).
  // torchvision allows it for Bottleneck networks only; here a BasicBlock dilates both its 3x3
  // convs (resnet18_dilated8, DenseReg's small trunk).
  std::array<bool, 3> replace_stride_with_dilation{false, false, false};
  // Initializes the last BN weight of each residual branch to 0 (each block starts as identity).
  bool zero_init_residual = false;
  int64_t groups = 1;            // ResNeXt cardinality
  int64_t width_per_group = 64;  // 128: Wide ResNet
  // Every norm layer (bn1 of the stem and the blocks, downsample.1) a FrozenBatchNorm2d instead of
  // a BatchNorm2d: torchvision's norm_layer=FrozenBatchNorm2d, as its detection backbones
  // (resnet_fpn_backbone) build them. Same names; buffers weight, bias, running_mean, running_var
  // only (no parameters, no num_batches_tracked); fixed statistics in both modes.
  bool frozen_bn = false;
};

// The norm layers of a ResNet are BatchNorm2d, or FrozenBatchNorm2d with options.frozen_bn; they
// are held as ModulePtr (dynamic_cast to the concrete type for its tensors).
// norm_relu(bn, x) = relu(bn(x)), fused for a BatchNorm2d.
Tensor norm_relu(Module& norm, const Tensor& x);

// Two 3x3 convs (expansion 1).
class BasicBlock : public Module {
 public:
  static constexpr int64_t kExpansion = 1;
  BasicBlock(int64_t inplanes, int64_t planes, int64_t stride, ModulePtr downsample, int64_t groups,
             int64_t base_width, int64_t dilation, bool frozen_bn, Generator& gen);
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<Conv2d> conv1, conv2;
  ModulePtr bn1, bn2;  // BatchNorm2d or FrozenBatchNorm2d
  std::shared_ptr<ReLU> relu;
  ModulePtr downsample;  // null where the shortcut is the identity
};

// 1x1 reduce, 3x3 (stride, dilation, groups), 1x1 expand to 4*planes.
class Bottleneck : public Module {
 public:
  static constexpr int64_t kExpansion = 4;
  Bottleneck(int64_t inplanes, int64_t planes, int64_t stride, ModulePtr downsample, int64_t groups,
             int64_t base_width, int64_t dilation, bool frozen_bn, Generator& gen);
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<Conv2d> conv1, conv2, conv3;
  ModulePtr bn1, bn2, bn3;
  std::shared_ptr<ReLU> relu;
  ModulePtr downsample;
};

enum class ResNetBlock { kBasic, kBottleneck };

// Initialization as torchvision: convs kaiming_normal(fan_out, relu), BN weight 1 / bias 0, fc as
// nn.Linear's default; all drawn from `gen` in module order. Frozen BNs start at the identity
// statistics (mean 0, var 1).
class ResNet : public Module {
 public:
  ResNet(ResNetBlock block, std::array<int64_t, 4> layers, ResNetOptions options = {},
         Generator& gen = default_generator());

  // Classifier: logits [N, num_classes]. Feature extractor (num_classes = 0): C5.
  Tensor forward(const Tensor& x) override;
  // Classifier: {logits}. Feature extractor: {C2, C3, C4, C5}.
  std::vector<Tensor> forward_multi(const Tensor& x) override;
  // {"C2", layer1 output}, ..., {"C5", layer4 output}: strides 4, 8, 16, 32 (less with dilation),
  // channels 64..512 times the block expansion.
  NamedTensors forward_features(const Tensor& x);

  // Channels of C2..C5 (e.g. 256, 512, 1024, 2048 for ResNet-50).
  std::array<int64_t, 4> stage_channels() const;
  // Output stride of C2..C5 (4, 8, 16, 32 without dilation).
  std::array<int64_t, 4> stage_strides() const { return strides_; }

  std::shared_ptr<Conv2d> conv1;
  ModulePtr bn1;  // BatchNorm2d or FrozenBatchNorm2d
  std::shared_ptr<ReLU> relu;
  std::shared_ptr<MaxPool2d> maxpool;
  std::array<std::shared_ptr<Sequential>, 4> layer;  // layer1..layer4
  std::shared_ptr<AdaptiveAvgPool2d> avgpool;        // null for a feature extractor
  std::shared_ptr<Linear> fc;                        // null for a feature extractor
  const ResNetBlock block;
  const ResNetOptions options;

 private:
  std::shared_ptr<Sequential> make_layer(int64_t planes, int64_t blocks, int64_t stride,
                                         bool dilate, Generator& gen);
  Tensor stem(const Tensor& x);

  int64_t inplanes_ = 64;
  int64_t dilation_ = 1;
  std::array<int64_t, 4> strides_{};
};

// torchvision's depths: 18 [2,2,2,2] basic, 34 [3,4,6,3] basic, 50 [3,4,6,3] and 101 [3,4,23,3]
// bottleneck. Other depths throw.
std::shared_ptr<ResNet> make_resnet(int depth, ResNetOptions options = {},
                                    Generator& gen = default_generator());

}  // namespace dc
