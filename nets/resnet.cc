#include "nets/resnet.h"

#include "autograd/grad_mode.h"
#include "core/copy.h"
#include "nets/init.h"
#include "nets/norm_layers.h"
#include "ops/elementwise.h"

namespace dc {
namespace {

std::shared_ptr<Conv2d> conv3x3(int64_t in, int64_t out, int64_t stride, int64_t groups,
                                int64_t dilation, Generator& gen) {
  Conv2dOptions o;
  o.stride = {stride, stride};
  o.padding = {dilation, dilation};
  o.dilation = {dilation, dilation};
  o.groups = groups;
  o.bias = false;
  return std::make_shared<Conv2d>(in, out, std::array<int64_t, 2>{3, 3}, o, gen);
}

std::shared_ptr<Conv2d> conv1x1(int64_t in, int64_t out, int64_t stride, Generator& gen) {
  Conv2dOptions o;
  o.stride = {stride, stride};
  o.bias = false;
  return std::make_shared<Conv2d>(in, out, std::array<int64_t, 2>{1, 1}, o, gen);
}

ModulePtr make_norm(int64_t channels, bool frozen) {
  if (frozen) return std::make_shared<FrozenBatchNorm2d>(channels);
  return std::make_shared<BatchNorm2d>(channels);
}

// The weight of a BatchNorm2d or FrozenBatchNorm2d (a parameter or a buffer).
Tensor norm_weight(const Module& norm) {
  if (auto* bn = dynamic_cast<const BatchNorm2d*>(&norm)) return bn->weight;
  return dynamic_cast<const FrozenBatchNorm2d&>(norm).weight;
}

// The residual sum then ReLU: relu(branch + shortcut).
Tensor add_relu(const Tensor& branch, const Tensor& shortcut) { return relu(branch + shortcut); }

}  // namespace

Tensor norm_relu(Module& norm, const Tensor& x) {
  if (auto* bn = dynamic_cast<BatchNorm2d*>(&norm)) return bn->forward_relu(x);
  return relu(norm.forward(x));
}

BasicBlock::BasicBlock(int64_t inplanes, int64_t planes, int64_t stride, ModulePtr ds,
                       int64_t groups, int64_t base_width, int64_t dilation, bool frozen_bn,
                       Generator& gen)
    : Module("BasicBlock") {
  DC_CHECK(groups == 1 && base_width == 64,
           "BasicBlock: only supports groups=1 and base_width=64, got groups=", groups,
           " base_width=", base_width, " (as torchvision)");
  // torchvision refuses dilation here; DenseReg's small trunk (resnet18_dilated8) needs it, so
  // both 3x3 convs take the block's dilation (the first block of a stage gets the previous one,
  // as the Bottleneck's 3x3 does). dilation == 1 is torchvision's block exactly.
  DC_CHECK(dilation >= 1, "BasicBlock: dilation must be >= 1, got ", dilation);
  conv1 = register_module("conv1", conv3x3(inplanes, planes, stride, 1, dilation, gen));
  bn1 = register_module("bn1", make_norm(planes, frozen_bn));
  relu = register_module("relu", std::make_shared<ReLU>());
  conv2 = register_module("conv2", conv3x3(planes, planes, 1, 1, dilation, gen));
  bn2 = register_module("bn2", make_norm(planes, frozen_bn));
  if (ds) downsample = register_module("downsample", ds);
}

Tensor BasicBlock::forward(const Tensor& x) {
  Tensor out = norm_relu(*bn1, conv1->forward(x));
  out = bn2->forward(conv2->forward(out));
  return add_relu(out, downsample ? downsample->forward(x) : x);
}

Bottleneck::Bottleneck(int64_t inplanes, int64_t planes, int64_t stride, ModulePtr ds,
                       int64_t groups, int64_t base_width, int64_t dilation, bool frozen_bn,
                       Generator& gen)
    : Module("Bottleneck") {
  const int64_t width = planes * base_width / 64 * groups;
  conv1 = register_module("conv1", conv1x1(inplanes, width, 1, gen));
  bn1 = register_module("bn1", make_norm(width, frozen_bn));
  conv2 = register_module("conv2", conv3x3(width, width, stride, groups, dilation, gen));
  bn2 = register_module("bn2", make_norm(width, frozen_bn));
  conv3 = register_module("conv3", conv1x1(width, planes * kExpansion, 1, gen));
  bn3 = register_module("bn3", make_norm(planes * kExpansion, frozen_bn));
  relu = register_module("relu", std::make_shared<ReLU>());
  if (ds) downsample = register_module("downsample", ds);
}

Tensor Bottleneck::forward(const Tensor& x) {
  Tensor out = norm_relu(*bn1, conv1->forward(x));
  out = norm_relu(*bn2, conv2->forward(out));
  out = bn3->forward(conv3->forward(out));
  return add_relu(out, downsample ? downsample->forward(x) : x);
}

ResNet::ResNet(ResNetBlock blk, std::array<int64_t, 4> layers, ResNetOptions opts, Generator& gen)
    : Module("ResNet"), block(blk), options(opts) {
  DC_CHECK(opts.num_classes >= 0, "ResNet: num_classes must be >= 0 (0: no fc), got ",
           opts.num_classes);
  DC_CHECK(opts.groups > 0 && opts.width_per_group > 0,
           "ResNet: groups and width_per_group must be positive, got ", opts.groups, " and ",
           opts.width_per_group);
  for (int64_t n : layers) DC_CHECK(n > 0, "ResNet: every stage needs >= 1 block, got ", n);
  Conv2dOptions stem_opts;
  stem_opts.stride = {2, 2};
  stem_opts.padding = {3, 3};
  stem_opts.bias = false;
  conv1 = register_module("conv1", std::make_shared<Conv2d>(
                                       3, inplanes_, std::array<int64_t, 2>{7, 7}, stem_opts, gen));
  bn1 = register_module("bn1", make_norm(inplanes_, opts.frozen_bn));
  relu = register_module("relu", std::make_shared<ReLU>());
  maxpool = register_module("maxpool", std::make_shared<MaxPool2d>(std::array<int64_t, 2>{3, 3},
                                                                   std::array<int64_t, 2>{2, 2},
                                                                   std::array<int64_t, 2>{1, 1}));
  int64_t stride = 4;
  const std::array<int64_t, 4> planes{64, 128, 256, 512};
  for (int i = 0; i < 4; ++i) {
    const bool dilate = i > 0 && opts.replace_stride_with_dilation[i - 1];
    const int64_t s = i == 0 ? 1 : 2;
    if (!dilate) stride *= s;
    strides_[i] = stride;
    layer[i] = register_module("layer" + std::to_string(i + 1),
                               make_layer(planes[i], layers[i], s, dilate, gen));
  }
  if (opts.num_classes > 0) {
    avgpool = register_module("avgpool",
                              std::make_shared<AdaptiveAvgPool2d>(std::array<int64_t, 2>{1, 1}));
    fc = register_module(
        "fc", std::make_shared<Linear>(stage_channels()[3], opts.num_classes, true, gen));
  }
  // torchvision's re-initialization, over the modules in order.
  NoGradGuard no_grad;
  for (auto& [name, m] : named_modules()) {
    if (auto* conv = dynamic_cast<Conv2d*>(m)) {
      copy_into(conv->weight, init_kaiming_normal_fan_out(conv->weight.sizes(), gen));
    }
  }
  if (opts.zero_init_residual) {
    for (auto& [name, m] : named_modules()) {
      if (auto* b = dynamic_cast<Bottleneck*>(m)) fill_(norm_weight(*b->bn3), 0.0);
      if (auto* b = dynamic_cast<BasicBlock*>(m)) fill_(norm_weight(*b->bn2), 0.0);
    }
  }
}

std::shared_ptr<Sequential> ResNet::make_layer(int64_t planes, int64_t blocks, int64_t stride,
                                               bool dilate, Generator& gen) {
  const int64_t expansion =
      block == ResNetBlock::kBasic ? BasicBlock::kExpansion : Bottleneck::kExpansion;
  const int64_t previous_dilation = dilation_;
  if (dilate) {
    dilation_ *= stride;
    stride = 1;
  }
  ModulePtr downsample;
  if (stride != 1 || inplanes_ != planes * expansion) {
    downsample = std::make_shared<Sequential>(
        std::initializer_list<ModulePtr>{conv1x1(inplanes_, planes * expansion, stride, gen),
                                         make_norm(planes * expansion, options.frozen_bn)});
  }
  auto seq = std::make_shared<Sequential>();
  auto make_block = [&](int64_t s, ModulePtr ds, int64_t d) -> ModulePtr {
    if (block == ResNetBlock::kBasic) {
      return std::make_shared<BasicBlock>(inplanes_, planes, s, ds, options.groups,
                                          options.width_per_group, d, options.frozen_bn, gen);
    }
    return std::make_shared<Bottleneck>(inplanes_, planes, s, ds, options.groups,
                                        options.width_per_group, d, options.frozen_bn, gen);
  };
  seq->push_back(make_block(stride, downsample, previous_dilation));
  inplanes_ = planes * expansion;
  for (int64_t i = 1; i < blocks; ++i) seq->push_back(make_block(1, nullptr, dilation_));
  return seq;
}

std::array<int64_t, 4> ResNet::stage_channels() const {
  const int64_t e = block == ResNetBlock::kBasic ? BasicBlock::kExpansion : Bottleneck::kExpansion;
  return {64 * e, 128 * e, 256 * e, 512 * e};
}

Tensor ResNet::stem(const Tensor& x) {
  DC_CHECK(x.dim() == 4 && x.size(1) == 3, "ResNet: expected input [N, 3, H, W], got ", x.str());
  return maxpool->forward(norm_relu(*bn1, conv1->forward(x)));
}

NamedTensors ResNet::forward_features(const Tensor& x) {
  NamedTensors out;
  Tensor y = stem(x);
  for (int i = 0; i < 4; ++i) {
    y = layer[i]->forward(y);
    out.emplace_back("C" + std::to_string(i + 2), y);
  }
  return out;
}

Tensor ResNet::forward(const Tensor& x) {
  Tensor y = stem(x);
  for (int i = 0; i < 4; ++i) y = layer[i]->forward(y);
  if (!fc) return y;
  return fc->forward(avgpool->forward(y).flatten(1));
}

std::vector<Tensor> ResNet::forward_multi(const Tensor& x) {
  if (fc) return {forward(x)};
  std::vector<Tensor> out;
  for (auto& [name, t] : forward_features(x)) out.push_back(t);
  return out;
}

std::shared_ptr<ResNet> make_resnet(int depth, ResNetOptions options, Generator& gen) {
  switch (depth) {
    case 18:
      return std::make_shared<ResNet>(ResNetBlock::kBasic, std::array<int64_t, 4>{2, 2, 2, 2},
                                      options, gen);
    case 34:
      return std::make_shared<ResNet>(ResNetBlock::kBasic, std::array<int64_t, 4>{3, 4, 6, 3},
                                      options, gen);
    case 50:
      return std::make_shared<ResNet>(ResNetBlock::kBottleneck, std::array<int64_t, 4>{3, 4, 6, 3},
                                      options, gen);
    case 101:
      return std::make_shared<ResNet>(ResNetBlock::kBottleneck, std::array<int64_t, 4>{3, 4, 23, 3},
                                      options, gen);
    default:
      DC_FAIL("make_resnet: unsupported depth ", depth, "; expected 18, 34, 50 or 101");
  }
}

}  // namespace dc
