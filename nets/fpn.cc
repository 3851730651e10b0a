#include "nets/fpn.h"

#include <string>

#include "autograd/grad_mode.h"
#include "core/copy.h"
#include "nets/init.h"
#include "nets/registry.h"
#include "ops/elementwise.h"
#include "ops/pool.h"
#include "ops/upsample.h"

namespace dc {

FeaturePyramidNetwork::FeaturePyramidNetwork(std::vector<int64_t> in_list, int64_t out,
                                             bool max_pool, Generator& gen)
    : Module("FeaturePyramidNetwork"),
      in_channels_list(std::move(in_list)),
      out_channels(out),
      last_level_max_pool(max_pool) {
  DC_CHECK(!in_channels_list.empty(),
           "FeaturePyramidNetwork: in_channels_list must name at least one level");
  DC_CHECK(out > 0, "FeaturePyramidNetwork: out_channels must be positive, got ", out);
  inner_blocks = register_module("inner_blocks", std::make_shared<Sequential>());
  layer_blocks = register_module("layer_blocks", std::make_shared<Sequential>());
  Conv2dOptions output_opts;
  output_opts.padding = {1, 1};
  for (size_t i = 0; i < in_channels_list.size(); ++i) {
    const int64_t c = in_channels_list[i];
    DC_CHECK(c > 0, "FeaturePyramidNetwork: in_channels_list[", i, "] must be positive, got ", c);
    // torchvision wraps each conv in a Conv2dNormActivation (a Sequential): hence the ".0".
    inner_blocks->push_back(std::make_shared<Sequential>(std::initializer_list<ModulePtr>{
        std::make_shared<Conv2d>(c, out, std::array<int64_t, 2>{1, 1}, Conv2dOptions{}, gen)}));
    layer_blocks->push_back(std::make_shared<Sequential>(std::initializer_list<ModulePtr>{
        std::make_shared<Conv2d>(out, out, std::array<int64_t, 2>{3, 3}, output_opts, gen)}));
  }
  // torchvision re-initializes every conv after building them, in module order.
  NoGradGuard no_grad;
  for (auto& [name, m] : named_modules()) {
    if (auto* conv = dynamic_cast<Conv2d*>(m)) {
      copy_into(conv->weight, init_kaiming_uniform(conv->weight.sizes(), 1.0, gen));
      fill_(conv->bias, 0.0);
    }
  }
}

Conv2d& FeaturePyramidNetwork::inner(size_t i) {
  return dynamic_cast<Conv2d&>(dynamic_cast<Sequential&>(inner_blocks->at(i)).at(0));
}
Conv2d& FeaturePyramidNetwork::layer(size_t i) {
  return dynamic_cast<Conv2d&>(dynamic_cast<Sequential&>(layer_blocks->at(i)).at(0));
}

NamedTensors FeaturePyramidNetwork::forward(const NamedTensors& x) {
  const size_t k = in_channels_list.size();
  DC_CHECK(x.size() == k, "FeaturePyramidNetwork: expected ", k, " feature maps, got ", x.size());
  for (size_t i = 0; i < k; ++i) {
    const Tensor& t = x[i].second;
    DC_CHECK(t.dim() == 4 && t.size(1) == in_channels_list[i], "FeaturePyramidNetwork: map ", i,
             " (\"", x[i].first, "\") must be [N, ", in_channels_list[i], ", H, W], got ", t.str());
    DC_CHECK(t.size(0) == x[0].second.size(0), "FeaturePyramidNetwork: map ", i, " (\"", x[i].first,
             "\") ", t.str(), " has another batch size than map 0 ", x[0].second.str());
  }
  std::vector<Tensor> results(k);
  Tensor last_inner = inner(k - 1).forward(x[k - 1].second);
  results[k - 1] = layer(k - 1).forward(last_inner);
  for (size_t i = k - 1; i-- > 0;) {
    const Tensor lateral = inner(i).forward(x[i].second);
    last_inner = lateral + upsample_nearest2d(last_inner, {lateral.size(2), lateral.size(3)});
    results[i] = layer(i).forward(last_inner);
  }
  NamedTensors out;
  for (size_t i = 0; i < k; ++i) out.emplace_back(x[i].first, results[i]);
  if (last_level_max_pool) {
    out.emplace_back("pool", max_pool2d(results[k - 1], {1, 1}, {2, 2}));
  }
  return out;
}

namespace {

ResNetOptions frozen_body() {
  ResNetOptions r;
  r.num_classes = 0;
  r.frozen_bn = true;
  return r;
}

}  // namespace

ResNetFPN::ResNetFPN(int depth, ResNetFPNOptions opts, Generator& gen)
    : Module("BackboneWithFPN"), options(opts) {
  DC_CHECK(opts.trainable_layers >= 0 && opts.trainable_layers <= 5,
           "ResNetFPN: trainable_layers must be in [0, 5], got ", opts.trainable_layers);
  body = register_module("body", make_resnet(depth, frozen_body(), gen));
  const auto c = body->stage_channels();
  fpn = register_module("fpn", std::make_shared<FeaturePyramidNetwork>(
                                   std::vector<int64_t>(c.begin(), c.end()), opts.out_channels,
                                   opts.last_level_max_pool, gen));
  // torchvision freezes by parameter-name prefix; the body's top-level children are these.
  const std::vector<std::string> order{"layer4", "layer3", "layer2", "layer1", "conv1", "bn1"};
  const size_t n = opts.trainable_layers == 5 ? 6 : static_cast<size_t>(opts.trainable_layers);
  for (const auto& [name, child] : body->named_children()) {
    bool train = false;
    for (size_t i = 0; i < n; ++i) train = train || order[i] == name;
    if (!train) child->set_requires_grad(false);
  }
}

NamedTensors ResNetFPN::forward_features(const Tensor& x) {
  NamedTensors c = body->forward_features(x);
  // torchvision's IntermediateLayerGetter names layer1..layer4 "0".."3".
  for (size_t i = 0; i < c.size(); ++i) c[i].first = std::to_string(i);
  return fpn->forward(c);
}

std::vector<Tensor> ResNetFPN::forward_multi(const Tensor& x) {
  std::vector<Tensor> out;
  for (auto& [name, t] : forward_features(x)) out.push_back(t);
  return out;
}

namespace {

ModelFactory resnet_fpn(int depth) {
  return [depth](const ModelOptions&, Generator& gen) -> ModulePtr {
    return std::make_shared<ResNetFPN>(depth, ResNetFPNOptions{}, gen);
  };
}

DC_REGISTER_MODEL("resnet18_fpn", resnet_fpn(18));
DC_REGISTER_MODEL("resnet50_fpn", resnet_fpn(50));

}  // namespace
}  // namespace dc
