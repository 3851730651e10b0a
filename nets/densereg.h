// DenseReg (Güler, Trigeorgis, Antonakos, Snape, Zafeiriou, Kokkinos, CVPR 2017; thesis chapter 2):
// a fully convolutional network that maps an image to per-pixel template coordinates (U, V) by
// quantized regression (nets/quantized_regression.h).
//
// Trunk: a dilated ResNet with output stride 8 (resnet18/50/101 with stride replaced by dilation
// in layer3 and layer4, the DeepLab ResNet of the thesis) or a stacked hourglass (output stride 4,
// the last stack's 256-channel score map as features; input sides multiples of 64).
// Heads: 1×1 convolutions on the trunk's features, each upsampled bilinearly (align_corners off)
// to the input size:
//
//   forward_multi(x), correspondence network (part_classes == 0), in this order:
//     0 u_bins      [N, K + 1, H, W]  U bin logits, class 0 = background, class i + 1 = bin i
//     1 v_bins      [N, K + 1, H, W]  V bin logits
//     2 u_residual  [N, K, H, W]      U residual of each bin (bin units)
//     3 v_residual  [N, K, H, W]      V residual of each bin
//     4 depth       [N, 1, H, W]      relative depth Z in [0, 1] (only with depth_head)
//   forward_multi(x), part segmentation network (part_classes > 0, the DeepLab baseline):
//     0 part        [N, part_classes, H, W]  part logits (class 0 = background)
//   forward(x): the outputs above concatenated along the channels, in the same order.
//
// Parameter names: trunk.* (the backbone's own names: trunk.layer1.0.conv1.weight, ...) and
// u_bins, v_bins, u_residual, v_residual, depth, part (each .weight and .bias).
//
// Registered models (nets/registry.h): densereg_r18, densereg_r50, densereg_r101, densereg_hg
// (the correspondence network with ModelOptions::num_classes = K bins, no depth head) and
// densereg_parts_r18, densereg_parts_r50, densereg_parts_r101, densereg_parts_hg (part
// segmentation with num_classes classes). The trainer builds them with make_densereg, which takes
// every option. Also registered here: resnet18_dilated8 (ResNet-18 with output stride 8).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/philox.h"
#include "nets/conv.h"
#include "nets/module.h"

namespace dc {

struct DenseRegOptions {
  // resnet18_dilated8, resnet50_dilated8, resnet101_dilated8 or hourglass.
  std::string trunk = "resnet18_dilated8";
  int64_t num_bins = 10;     // K >= 1
  bool depth_head = false;   // add the 1-channel depth regressor
  int64_t part_classes = 0;  // > 0: the part segmentation network instead (9 for faces: 8 + bg)
  // ResNet trunks: the stages used. 4: up to layer4 (C5, the thesis); 3: up to layer3 (C4, 256
  // channels for ResNet-18, still output stride 8) — without the dilated layer4, which costs
  // two thirds of a dilated ResNet-18's FLOPs: the CPU default. The trunk then holds conv1, bn1,
  // maxpool, layer1..layer3 under their torchvision names. Ignored by the hourglass.
  int64_t trunk_stages = 4;
};

class DenseReg : public Module {
 public:
  explicit DenseReg(DenseRegOptions options, Generator& gen = default_generator());

  // The heads' outputs in the documented order (see the top of this file).
  std::vector<Tensor> forward_multi(const Tensor& x) override;
  Tensor forward(const Tensor& x) override;
  // Trunk features: [N, feature_channels, H / s, W / s] with s the trunk's output stride.
  Tensor features(const Tensor& x);

  // Number of outputs of forward_multi: 4 (+1 with depth) or 1 (part segmentation).
  int64_t num_outputs() const;
  int64_t feature_channels() const { return feature_channels_; }

  const DenseRegOptions options;
  ModulePtr trunk;
  std::shared_ptr<Conv2d> u_bins, v_bins, u_residual, v_residual, depth, part;

 private:
  int64_t feature_channels_ = 0;
};

// The trunk name a densereg model name stands for: densereg_r18 and densereg_parts_r18 ->
// resnet18_dilated8, _r50 -> resnet50_dilated8, _r101 -> resnet101_dilated8, _hg -> hourglass.
// Any other name is a dc::Error listing the accepted ones.
std::string densereg_trunk(const std::string& model_name);
// Whether `model_name` is one of the part segmentation variants (densereg_parts_*).
bool densereg_is_parts(const std::string& model_name);

std::shared_ptr<DenseReg> make_densereg(const DenseRegOptions& options,
                                        Generator& gen = default_generator());

}  // namespace dc
