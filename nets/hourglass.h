// Stacked Hourglass network (Newell, Yang and Deng, ECCV 2016) as the widely used PyTorch port
// builds it (bearpaw/pytorch-pose, pose/models/hourglass.py: HourglassNet with its pre-activation
// Bottleneck), with its exact state-dict names, so weights trained there load by name:
//
//   conv1 bn1 relu layer1 layer2 layer3 maxpool               (the stem)
//   hg.S.hg.L.R.B.{bn1,conv1,bn2,conv2,bn3,conv3}             (stack S, level L, residual R, block
//   B) res.S.B.*  fc.S.{0 (1x1 conv), 1 (bn)}  score.S  fc_.S  score_.S
//
// All convolutions carry a bias; every BatchNorm2d is a plain nn.BatchNorm2d. Initialization is
// PyTorch's default (pytorch-pose does not re-initialize): convs U(+-1/sqrt(fan_in)), BN 1/0.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/philox.h"
#include "nets/basic_layers.h"
#include "nets/batch_norm.h"
#include "nets/conv.h"
#include "nets/module.h"
#include "nets/sequential.h"

namespace dc {

struct HourglassOptions {
  int64_t num_stacks = 2;    // hourglasses, each with its own score head
  int64_t num_blocks = 1;    // residual blocks per hourglass residual and per res.S
  int64_t num_classes = 16;  // channels of every score map (16 MPII joints in pytorch-pose)
  // Recursion depth of each hourglass: `depth` 2x2 max-pools down and as many 2x nearest
  // upsamplings back. pytorch-pose fixes it at 4.
  int64_t depth = 4;
};

// pytorch-pose's Bottleneck (expansion 2, stride 1), pre-activation:
//   out = conv1(relu(bn1(x)))     1x1, inplanes -> planes
//   out = conv2(relu(bn2(out)))   3x3 pad 1, planes -> planes
//   out = conv3(relu(bn3(out)))   1x1, planes -> 2 * planes
//   return out + (downsample ? downsample(x) : x)
// downsample is a Sequential{1x1 conv with bias} (name `downsample.0`), present where inplanes !=
// 2 * planes. No ReLU after the sum.
class HourglassBottleneck : public Module {
 public:
  static constexpr int64_t kExpansion = 2;
  HourglassBottleneck(int64_t inplanes, int64_t planes, Generator& gen);
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<BatchNorm2d> bn1, bn2, bn3;
  std::shared_ptr<Conv2d> conv1, conv2, conv3;
  std::shared_ptr<ReLU> relu;
  std::shared_ptr<Sequential> downsample;  // null where the shortcut is the identity
};

// One hourglass over 2 * planes channels. hg.L (L = 0..depth-1) holds the residuals of recursion
// level n = L + 1: hg.L.0 the skip branch (up1), hg.L.1 after the max-pool (low1), hg.L.2 after
// the inner level (low3), and, at the innermost level only (L = 0), hg.0.3 in place of the
// recursion. Each residual is a Sequential of num_blocks HourglassBottleneck(2 * planes, planes).
//   level(n, x) = hg[n-1][0](x) + upsample_nearest2d(hg[n-1][2](inner), scale 2),
//   inner = n > 1 ? level(n-1, p) : hg[0][3](p),  p = hg[n-1][1](max_pool2d(x, 2, stride 2))
// forward(x) = level(depth, x): same shape as x, whose sides must be multiples of 2^depth.
class Hourglass : public Module {
 public:
  Hourglass(int64_t num_blocks, int64_t planes, int64_t depth, Generator& gen);
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<Sequential> hg;  // a module list: hg.L.R, each a Sequential of blocks
  const int64_t depth;

 private:
  Tensor level(int64_t n, const Tensor& x);
  Module& residual(int64_t level_index, int64_t r) const;
};

// The stacked hourglass. Input [N, 3, H, W] f32 with H and W multiples of 4 * 2^depth (64 at
// depth 4): the stem divides the sides by 4 (7x7 conv stride 2 pad 3 to 64 channels, BN, ReLU,
// layer1 to 128 channels, 2x2 max-pool, layer2 to 256 channels, layer3 at 256; one block each,
// a downsample in layer1 and layer2), each hourglass by 2^depth on the way down. Then, for each
// stack S:
//   y = relu(fc.S.1(fc.S.0(res.S(hg.S(x)))));  score_S = score.S(y)
//   x = x + fc_.S(y) + score_.S(score_S)          (all stacks but the last)
// forward_multi(x) returns {score_0, ..., score_last} (stack order; intermediate supervision puts
// a loss on each), each [N, num_classes, H/4, W/4]; forward(x) the last one.
class HourglassNet : public Module {
 public:
  explicit HourglassNet(HourglassOptions options = {}, Generator& gen = default_generator());
  Tensor forward(const Tensor& x) override;
  std::vector<Tensor> forward_multi(const Tensor& x) override;

  // Channels of the running features (2 * 128 = 256) and the output stride (4).
  static constexpr int64_t kFeatures = 256;
  static constexpr int64_t kStride = 4;

  std::shared_ptr<Conv2d> conv1;
  std::shared_ptr<BatchNorm2d> bn1;
  std::shared_ptr<ReLU> relu;
  std::shared_ptr<Sequential> layer1, layer2, layer3;
  std::shared_ptr<MaxPool2d> maxpool;
  // Module lists, one entry per stack (fc_ and score_: all stacks but the last).
  std::shared_ptr<Sequential> hg, res, fc, score, fc_, score_;
  const HourglassOptions options;

 private:
  std::shared_ptr<Sequential> make_residual(int64_t planes, int64_t blocks, Generator& gen);

  int64_t inplanes_ = 64;
};

}  // namespace dc
