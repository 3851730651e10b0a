#include "nets/hourglass.h"

#include <string>

#include "nets/registry.h"
#include "ops/elementwise.h"
#include "ops/pool.h"
#include "ops/upsample.h"

namespace dc {
namespace {

std::shared_ptr<Conv2d> conv(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad,
                             Generator& gen) {
  Conv2dOptions o;
  o.stride = {stride, stride};
  o.padding = {pad, pad};
  return std::make_shared<Conv2d>(in, out, std::array<int64_t, 2>{k, k}, o, gen);
}

}  // namespace

HourglassBottleneck::HourglassBottleneck(int64_t inplanes, int64_t planes, Generator& gen)
    : Module("HourglassBottleneck") {
  // Registration order is pytorch-pose's, which fixes the state-dict order.
  bn1 = register_module("bn1", std::make_shared<BatchNorm2d>(inplanes));
  conv1 = register_module("conv1", conv(inplanes, planes, 1, 1, 0, gen));
  bn2 = register_module("bn2", std::make_shared<BatchNorm2d>(planes));
  conv2 = register_module("conv2", conv(planes, planes, 3, 1, 1, gen));
  bn3 = register_module("bn3", std::make_shared<BatchNorm2d>(planes));
  conv3 = register_module("conv3", conv(planes, planes * kExpansion, 1, 1, 0, gen));
  relu = register_module("relu", std::make_shared<ReLU>());
  if (inplanes != planes * kExpansion) {
    downsample = register_module("downsample", std::make_shared<Sequential>());
    downsample->push_back(conv(inplanes, planes * kExpansion, 1, 1, 0, gen));
  }
}

Tensor HourglassBottleneck::forward(const Tensor& x) {
  Tensor out = conv1->forward(bn1->forward_relu(x));
  out = conv2->forward(bn2->forward_relu(out));
  out = conv3->forward(bn3->forward_relu(out));
  return out + (downsample ? downsample->forward(x) : x);
}

Hourglass::Hourglass(int64_t num_blocks, int64_t planes, int64_t d, Generator& gen)
    : Module("Hourglass"), depth(d) {
  hg = register_module("hg", std::make_shared<Sequential>());
  for (int64_t l = 0; l < depth; ++l) {
    auto level = std::make_shared<Sequential>();
    for (int r = 0; r < (l == 0 ? 4 : 3); ++r) {
      auto blocks = std::make_shared<Sequential>();
      for (int64_t b = 0; b < num_blocks; ++b) {
        blocks->push_back(std::make_shared<HourglassBottleneck>(
            planes * HourglassBottleneck::kExpansion, planes, gen));
      }
      level->push_back(blocks);
    }
    hg->push_back(level);
  }
}

Module& Hourglass::residual(int64_t level_index, int64_t r) const {
  return dynamic_cast<Sequential&>(hg->at(level_index)).at(r);
}

Tensor Hourglass::level(int64_t n, const Tensor& x) {
  const Tensor up1 = residual(n - 1, 0).forward(x);
  const Tensor low1 = residual(n - 1, 1).forward(max_pool2d(x, {2, 2}, {2, 2}));
  const Tensor low2 = n > 1 ? level(n - 1, low1) : residual(0, 3).forward(low1);
  const Tensor low3 = residual(n - 1, 2).forward(low2);
  return up1 + upsample_nearest2d(low3, 2.0, 2.0);
}

Tensor Hourglass::forward(const Tensor& x) {
  const int64_t m = int64_t{1} << depth;
  DC_CHECK(x.dim() == 4 && x.size(2) % m == 0 && x.size(3) % m == 0, "Hourglass (depth ", depth,
           "): expected [N, C, H, W] with H and W multiples of ", m, ", got ", x.str());
  return level(depth, x);
}

HourglassNet::HourglassNet(HourglassOptions opts, Generator& gen)
    : Module("HourglassNet"), options(opts) {
  DC_CHECK(opts.num_stacks >= 1, "HourglassNet: num_stacks must be >= 1, got ", opts.num_stacks);
  DC_CHECK(opts.num_blocks >= 1, "HourglassNet: num_blocks must be >= 1, got ", opts.num_blocks);
  DC_CHECK(opts.num_classes >= 1, "HourglassNet: num_classes (output channels) must be >= 1, got ",
           opts.num_classes);
  // 16 keeps 4 * 2^depth far inside int64 and the innermost map of any sane input above 0.
  DC_CHECK(opts.depth >= 1 && opts.depth <= 16, "HourglassNet: depth must be in [1, 16], got ",
           opts.depth);
  constexpr int64_t kPlanes = kFeatures / HourglassBottleneck::kExpansion;  // pytorch-pose's 128
  conv1 = register_module("conv1", conv(3, inplanes_, 7, 2, 3, gen));
  bn1 = register_module("bn1", std::make_shared<BatchNorm2d>(inplanes_));
  relu = register_module("relu", std::make_shared<ReLU>());
  layer1 = register_module("layer1", make_residual(inplanes_, 1, gen));
  // pytorch-pose passes its running inplanes (128 by now) as layer2's planes: layer2 widens to
  // 256 channels and layer3 keeps them.
  layer2 = register_module("layer2", make_residual(inplanes_, 1, gen));
  layer3 = register_module("layer3", make_residual(kPlanes, 1, gen));
  maxpool = register_module("maxpool", std::make_shared<MaxPool2d>(std::array<int64_t, 2>{2, 2},
                                                                   std::array<int64_t, 2>{2, 2}));
  hg = register_module("hg", std::make_shared<Sequential>());
  res = register_module("res", std::make_shared<Sequential>());
  fc = register_module("fc", std::make_shared<Sequential>());
  score = register_module("score", std::make_shared<Sequential>());
  fc_ = register_module("fc_", std::make_shared<Sequential>());
  score_ = register_module("score_", std::make_shared<Sequential>());
  // pytorch-pose builds stack by stack (hg, res, fc, score, fc_, score_ of stack 0, then of stack
  // 1, ...): the same order of generator draws here.
  for (int64_t s = 0; s < opts.num_stacks; ++s) {
    hg->push_back(std::make_shared<Hourglass>(opts.num_blocks, kPlanes, opts.depth, gen));
    res->push_back(make_residual(kPlanes, opts.num_blocks, gen));
    // pytorch-pose's _make_fc: Sequential(conv, bn, relu), the ReLU being the shared self.relu.
    fc->push_back(std::make_shared<Sequential>(std::initializer_list<ModulePtr>{
        conv(kFeatures, kFeatures, 1, 1, 0, gen), std::make_shared<BatchNorm2d>(kFeatures), relu}));
    score->push_back(conv(kFeatures, opts.num_classes, 1, 1, 0, gen));
    if (s + 1 < opts.num_stacks) {
      fc_->push_back(conv(kFeatures, kFeatures, 1, 1, 0, gen));
      score_->push_back(conv(opts.num_classes, kFeatures, 1, 1, 0, gen));
    }
  }
}

std::shared_ptr<Sequential> HourglassNet::make_residual(int64_t planes, int64_t blocks,
                                                        Generator& gen) {
  auto seq = std::make_shared<Sequential>();
  seq->push_back(std::make_shared<HourglassBottleneck>(inplanes_, planes, gen));
  inplanes_ = planes * HourglassBottleneck::kExpansion;
  for (int64_t i = 1; i < blocks; ++i) {
    seq->push_back(std::make_shared<HourglassBottleneck>(inplanes_, planes, gen));
  }
  return seq;
}

std::vector<Tensor> HourglassNet::forward_multi(const Tensor& input) {
  const int64_t m = kStride << options.depth;
  DC_CHECK(input.dim() == 4 && input.size(1) == 3, "HourglassNet (num_stacks ", options.num_stacks,
           ", depth ", options.depth, "): expected input [N, 3, H, W], got ", input.str());
  DC_CHECK(input.size(2) % m == 0 && input.size(3) % m == 0, "HourglassNet (num_stacks ",
           options.num_stacks, ", depth ", options.depth,
           "): input height and width must be multiples of ", m,
           " (the stem halves them twice, each of the ", options.depth,
           " hourglass levels once more), got ", input.str());
  Tensor x = bn1->forward_relu(conv1->forward(input));
  x = layer3->forward(layer2->forward(maxpool->forward(layer1->forward(x))));
  std::vector<Tensor> out;
  for (int64_t s = 0; s < options.num_stacks; ++s) {
    Tensor y = res->at(s).forward(hg->at(s).forward(x));
    auto& head = dynamic_cast<Sequential&>(fc->at(s));
    y = dynamic_cast<BatchNorm2d&>(head.at(1)).forward_relu(head.at(0).forward(y));
    out.push_back(score->at(s).forward(y));
    if (s + 1 < options.num_stacks) {
      x = x + fc_->at(s).forward(y) + score_->at(s).forward(out.back());
    }
  }
  return out;
}

Tensor HourglassNet::forward(const Tensor& x) { return forward_multi(x).back(); }

namespace {

ModelFactory hourglass(int64_t stacks) {
  return [stacks](const ModelOptions& o, Generator& gen) -> ModulePtr {
    HourglassOptions h;
    h.num_stacks = stacks;
    h.num_blocks = 1;
    h.num_classes = o.num_classes;
    return std::make_shared<HourglassNet>(h, gen);
  };
}

DC_REGISTER_MODEL("hourglass", hourglass(2));
DC_REGISTER_MODEL("hourglass8", hourglass(8));

}  // namespace
}  // namespace dc
