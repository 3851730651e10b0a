#include "nets/densereg.h"

#include <map>

#include "nets/hourglass.h"
#include "nets/registry.h"
#include "nets/resnet.h"
#include "ops/join.h"
#include "ops/upsample.h"

namespace dc {
namespace {

// The model names and the trunk each stands for.
const std::map<std::string, std::string>& trunk_of_suffix() {
  static const std::map<std::string, std::string> m{{"r18", "resnet18_dilated8"},
                                                    {"r50", "resnet50_dilated8"},
                                                    {"r101", "resnet101_dilated8"},
                                                    {"hg", "hourglass"}};
  return m;
}

// A ResNet's stem and first three stages, with the ResNet's own modules (and names).
class ResNetC4 : public Module {
 public:
  explicit ResNetC4(const std::shared_ptr<ResNet>& r) : Module("ResNetC4") {
    conv1 = register_module("conv1", r->conv1);
    bn1 = register_module("bn1", r->bn1);
    maxpool = register_module("maxpool", r->maxpool);
    for (int i = 0; i < 3; ++i) {
      layer[i] = register_module("layer" + std::to_string(i + 1), r->layer[i]);
    }
  }
  Tensor forward(const Tensor& x) override {
    Tensor y = maxpool->forward(norm_relu(*bn1, conv1->forward(x)));
    for (auto& l : layer) y = l->forward(y);
    return y;
  }

  std::shared_ptr<Conv2d> conv1;
  ModulePtr bn1;
  std::shared_ptr<MaxPool2d> maxpool;
  std::array<std::shared_ptr<Sequential>, 3> layer;
};

std::shared_ptr<Conv2d> head(int64_t in, int64_t out, Generator& gen) {
  return std::make_shared<Conv2d>(in, out, std::array<int64_t, 2>{1, 1}, Conv2dOptions{}, gen);
}

}  // namespace

DenseReg::DenseReg(DenseRegOptions opts, Generator& gen) : Module("DenseReg"), options(opts) {
  DC_CHECK(opts.num_bins >= 1, "DenseReg: the number of bins K must be >= 1, got ", opts.num_bins);
  DC_CHECK(opts.part_classes >= 0,
           "DenseReg: part_classes must be >= 0 (0: the correspondence "
           "network), got ",
           opts.part_classes);
  const std::string& t = opts.trunk;
  if (t == "hourglass") {
    HourglassOptions h;
    h.num_stacks = 2;
    h.num_blocks = 1;
    h.num_classes = HourglassNet::kFeatures;
    trunk = register_module("trunk", std::make_shared<HourglassNet>(h, gen));
    feature_channels_ = HourglassNet::kFeatures;
  } else {
    int depth = 0;
    for (int d : {18, 50, 101}) {
      if (t == "resnet" + std::to_string(d) + "_dilated8") depth = d;
    }
    DC_CHECK(depth != 0, "DenseReg: unknown trunk '", t,
             "' (expected resnet18_dilated8, resnet50_dilated8, resnet101_dilated8 or hourglass)");
    ResNetOptions r;
    r.num_classes = 0;  // feature extractor: forward() gives C5
    r.replace_stride_with_dilation = {false, true, true};
    DC_CHECK(opts.trunk_stages == 3 || opts.trunk_stages == 4,
             "DenseReg: trunk_stages must be 3 (up to layer3) or 4, got ", opts.trunk_stages);
    auto resnet = make_resnet(depth, r, gen);
    if (opts.trunk_stages == 3) {
      feature_channels_ = resnet->stage_channels()[2];
      trunk = register_module("trunk", std::make_shared<ResNetC4>(resnet));
    } else {
      feature_channels_ = resnet->stage_channels()[3];
      trunk = register_module("trunk", resnet);
    }
  }
  const int64_t f = feature_channels_, k = opts.num_bins;
  if (opts.part_classes > 0) {
    part = register_module("part", head(f, opts.part_classes, gen));
    return;
  }
  u_bins = register_module("u_bins", head(f, k + 1, gen));
  v_bins = register_module("v_bins", head(f, k + 1, gen));
  u_residual = register_module("u_residual", head(f, k, gen));
  v_residual = register_module("v_residual", head(f, k, gen));
  if (opts.depth_head) depth = register_module("depth", head(f, 1, gen));
}

Tensor DenseReg::features(const Tensor& x) {
  DC_CHECK(x.dim() == 4 && x.size(1) == 3, "DenseReg: input must be [N, 3, H, W], got ", x.str());
  return trunk->forward(x);
}

std::vector<Tensor> DenseReg::forward_multi(const Tensor& x) {
  const Tensor f = features(x);
  const std::array<int64_t, 2> size{x.size(2), x.size(3)};
  auto up = [&](Conv2d& h) { return upsample_bilinear2d(h.forward(f), size, false); };
  if (part) return {up(*part)};
  std::vector<Tensor> out{up(*u_bins), up(*v_bins), up(*u_residual), up(*v_residual)};
  if (depth) out.push_back(up(*depth));
  return out;
}

Tensor DenseReg::forward(const Tensor& x) { return cat(forward_multi(x), 1); }

int64_t DenseReg::num_outputs() const {
  if (part) return 1;
  return depth ? 5 : 4;
}

std::string densereg_trunk(const std::string& model_name) {
  for (const std::string prefix : {"densereg_parts_", "densereg_"}) {
    if (model_name.rfind(prefix, 0) != 0) continue;
    const auto it = trunk_of_suffix().find(model_name.substr(prefix.size()));
    if (it != trunk_of_suffix().end()) return it->second;
  }
  DC_FAIL("DenseReg: unknown model '", model_name,
          "' (expected densereg_r18, densereg_r50, densereg_r101, densereg_hg or their "
          "densereg_parts_* part segmentation variants)");
}

bool densereg_is_parts(const std::string& model_name) {
  return model_name.rfind("densereg_parts_", 0) == 0;
}

std::shared_ptr<DenseReg> make_densereg(const DenseRegOptions& options, Generator& gen) {
  return std::make_shared<DenseReg>(options, gen);
}

namespace {

ModelFactory densereg(const std::string& suffix, bool parts) {
  return [suffix, parts](const ModelOptions& o, Generator& gen) -> ModulePtr {
    DenseRegOptions d;
    d.trunk = trunk_of_suffix().at(suffix);
    if (parts) {
      d.part_classes = o.num_classes;
    } else {
      d.num_bins = o.num_classes;
    }
    return make_densereg(d, gen);
  };
}

DC_REGISTER_MODEL("densereg_r18", densereg("r18", false));
DC_REGISTER_MODEL("densereg_r50", densereg("r50", false));
DC_REGISTER_MODEL("densereg_r101", densereg("r101", false));
DC_REGISTER_MODEL("densereg_hg", densereg("hg", false));
DC_REGISTER_MODEL("densereg_parts_r18", densereg("r18", true));
DC_REGISTER_MODEL("densereg_parts_r50", densereg("r50", true));
DC_REGISTER_MODEL("densereg_parts_r101", densereg("r101", true));
DC_REGISTER_MODEL("densereg_parts_hg", densereg("hg", true));

}  // namespace
}  // namespace dc
