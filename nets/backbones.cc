// Registers the ResNet and VGG backbones with the model registry (names in nets/registry.h).
#include "nets/registry.h"
#include "nets/resnet.h"
#include "nets/vgg.h"

namespace dc {
namespace {

ModelFactory resnet(int depth, std::array<bool, 3> dilation) {
  return [depth, dilation](const ModelOptions& o, Generator& gen) -> ModulePtr {
    ResNetOptions r;
    r.num_classes = o.num_classes;
    r.zero_init_residual = o.zero_init_residual;
    r.replace_stride_with_dilation = dilation;
    return make_resnet(depth, r, gen);
  };
}

ModelFactory vgg(int depth, bool batch_norm) {
  return [depth, batch_norm](const ModelOptions& o, Generator& gen) -> ModulePtr {
    VGGOptions v;
    v.num_classes = o.num_classes;
    v.batch_norm = batch_norm;
    return std::make_shared<VGG>(depth, v, gen);
  };
}

constexpr std::array<bool, 3> kNoDilation{false, false, false};
constexpr std::array<bool, 3> kStride8{false, true, true};
constexpr std::array<bool, 3> kStride16{false, false, true};

DC_REGISTER_MODEL("resnet18", resnet(18, kNoDilation));
DC_REGISTER_MODEL("resnet34", resnet(34, kNoDilation));
DC_REGISTER_MODEL("resnet50", resnet(50, kNoDilation));
DC_REGISTER_MODEL("resnet101", resnet(101, kNoDilation));
DC_REGISTER_MODEL("resnet18_dilated8", resnet(18, kStride8));
DC_REGISTER_MODEL("resnet50_dilated8", resnet(50, kStride8));
DC_REGISTER_MODEL("resnet101_dilated8", resnet(101, kStride8));
DC_REGISTER_MODEL("resnet50_dilated16", resnet(50, kStride16));
DC_REGISTER_MODEL("resnet101_dilated16", resnet(101, kStride16));
DC_REGISTER_MODEL("vgg11", vgg(11, false));
DC_REGISTER_MODEL("vgg13", vgg(13, false));
DC_REGISTER_MODEL("vgg16", vgg(16, false));
DC_REGISTER_MODEL("vgg19", vgg(19, false));
DC_REGISTER_MODEL("vgg19_bn", vgg(19, true));

}  // namespace
}  // namespace dc
