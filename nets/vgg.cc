#include "nets/vgg.h"

#include <vector>

#include "autograd/grad_mode.h"
#include "core/copy.h"
#include "nets/basic_layers.h"
#include "nets/batch_norm.h"
#include "nets/conv.h"
#include "nets/init.h"
#include "nets/linear.h"

namespace dc {
namespace {

constexpr int64_t kPool = -1;  // 'M' in torchvision's cfgs

std::vector<int64_t> vgg_config(int depth) {
  const int64_t M = kPool;
  switch (depth) {
    case 11:
      return {64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M};
    case 13:
      return {64, 64, M, 128, 128, M, 256, 256, M, 512, 512, M, 512, 512, M};
    case 16:
      return {64, 64, M, 128, 128, M, 256, 256, 256, M, 512, 512, 512, M, 512, 512, 512, M};
    case 19:
      return {64,  64,  M,   128, 128, M,   256, 256, 256, 256, M,
              512, 512, 512, 512, M,   512, 512, 512, 512, M};
    default:
      DC_FAIL("VGG: unsupported depth ", depth, "; expected 11, 13, 16 or 19");
  }
}

}  // namespace

VGG::VGG(int depth, VGGOptions opts, Generator& gen) : Module("VGG"), options(opts) {
  DC_CHECK(opts.num_classes > 0, "VGG: num_classes must be positive, got ", opts.num_classes);
  features = register_module("features", std::make_shared<Sequential>());
  int64_t in = 3;
  for (int64_t v : vgg_config(depth)) {
    if (v == kPool) {
      features->push_back(
          std::make_shared<MaxPool2d>(std::array<int64_t, 2>{2, 2}, std::array<int64_t, 2>{2, 2}));
      continue;
    }
    Conv2dOptions o;
    o.padding = {1, 1};
    features->push_back(std::make_shared<Conv2d>(in, v, std::array<int64_t, 2>{3, 3}, o, gen));
    if (opts.batch_norm) features->push_back(std::make_shared<BatchNorm2d>(v));
    features->push_back(std::make_shared<ReLU>());
    in = v;
  }
  avgpool =
      register_module("avgpool", std::make_shared<AdaptiveAvgPool2d>(std::array<int64_t, 2>{7, 7}));
  classifier = register_module(
      "classifier",
      std::make_shared<Sequential>(std::initializer_list<ModulePtr>{
          std::make_shared<Linear>(512 * 7 * 7, 4096, true, gen), std::make_shared<ReLU>(),
          std::make_shared<Dropout>(opts.dropout), std::make_shared<Linear>(4096, 4096, true, gen),
          std::make_shared<ReLU>(), std::make_shared<Dropout>(opts.dropout),
          std::make_shared<Linear>(4096, opts.num_classes, true, gen)}));
  NoGradGuard no_grad;
  for (auto& [name, m] : named_modules()) {
    if (auto* conv = dynamic_cast<Conv2d*>(m)) {
      copy_into(conv->weight, init_kaiming_normal_fan_out(conv->weight.sizes(), gen));
      fill_(conv->bias, 0.0);
    } else if (auto* lin = dynamic_cast<Linear*>(m)) {
      copy_into(lin->weight, init_normal(lin->weight.sizes(), 0.0, 0.01, gen));
      fill_(lin->bias, 0.0);
    }
  }
}

Tensor VGG::forward(const Tensor& x) {
  DC_CHECK(x.dim() == 4 && x.size(1) == 3, "VGG: expected input [N, 3, H, W], got ", x.str());
  return classifier->forward(avgpool->forward(features->forward(x)).flatten(1));
}

}  // namespace dc
