// Models by name, so that configs can name a backbone: build_model("resnet50_dilated8", options).
//
// Registered here: resnet18, resnet34, resnet50, resnet101 (torchvision's), resnet18_dilated8,
// resnet50_dilated8,
// resnet101_dilated8 (replace_stride_with_dilation {false, true, true}: output stride 8),
// resnet50_dilated16, resnet101_dilated16 ({false, false, true}: output stride 16), vgg11, vgg13,
// vgg16, vgg19, vgg19_bn, the ResNet+FPN backbones resnet18_fpn, resnet50_fpn (nets/fpn.h) and the
// stacked hourglasses hourglass, hourglass8 (nets/hourglass.h).
// Other libraries (heads, the thesis models) add theirs with DC_REGISTER_MODEL.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/philox.h"
#include "nets/module.h"

namespace dc {

// Options every registered model understands (each model reads those that apply to it).
struct ModelOptions {
  int64_t num_classes = 1000;  // 0 for a ResNet: feature extractor (no avgpool/fc), C2..C5
  bool zero_init_residual = false;
  uint64_t seed = 0;  // initialization is drawn from Generator(seed): same seed, same weights
};

using ModelFactory = std::function<ModulePtr(const ModelOptions&, Generator&)>;

// Registers `factory` under `name`; a name registered twice throws.
void register_model(const std::string& name, ModelFactory factory);
// Builds the model `name` in training mode. An unknown name throws dc::Error listing the
// registered names and the closest one (closest_name in core/closest_name.h, ignoring case).
ModulePtr build_model(const std::string& name, const ModelOptions& options = {});
// Registered names, sorted.
std::vector<std::string> registered_models();

}  // namespace dc

#define DC_MODEL_CONCAT_INNER(a, b) a##b
#define DC_MODEL_CONCAT(a, b) DC_MODEL_CONCAT_INNER(a, b)
// At namespace scope in a .cc of an alwayslink library: DC_REGISTER_MODEL("name", factory).
#define DC_REGISTER_MODEL(name, factory)                                      \
  static const bool DC_MODEL_CONCAT(dc_model_registered_, __COUNTER__) = [] { \
    ::dc::register_model(name, factory);                                      \
    return true;                                                              \
  }()
