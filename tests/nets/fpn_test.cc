// FeaturePyramidNetwork and the ResNet+FPN backbone against torchvision 0.14 through the PyTorch
// oracle (state-dict names, shapes, dtypes and trainable flags; outputs with the same weights;
// gradients of the standalone FPN), and the errors of bad inputs.
#include "nets/fpn.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "autograd/grad_mode.h"
#include "core/copy.h"
#include "core/error.h"
#include "nets/registry.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"
#include "tests/nets/nets_test_util.h"
#include "tests/testing/expect_error.h"

namespace dc {
namespace {

using nets_test::expect_close_rel;
using nets_test::model_inputs;
using nets_test::to_oracle;
using testing::OracleResult;
using testing::TorchOracle;

// torchvision's resnet_fpn_backbone as built by a['depth'] and a['trainable'].
constexpr const char* kBuild = R"(
from torchvision.models.detection.backbone_utils import resnet_fpn_backbone
m = resnet_fpn_backbone(backbone_name='resnet%d' % a['depth'], weights=None,
                        trainable_layers=a['trainable'])
)";

// (name as character codes, shape, [is_int64, requires_grad]) per state-dict entry.
constexpr const char* kStateDictKeys = R"(
params = dict(m.named_parameters())
out = []
for k, v in m.state_dict().items():
    out.append(torch.tensor([ord(c) for c in k], dtype=torch.int64))
    out.append(torch.tensor(list(v.shape), dtype=torch.int64))
    out.append(torch.tensor([int(v.dtype == torch.int64),
                             int(k in params and params[k].requires_grad)], dtype=torch.int64))
)";

void expect_same_state_dict(const Module& m, int depth, int trainable) {
  const NamedTensors sd = m.state_dict();
  const NamedTensors params = m.named_parameters();
  const OracleResult r = TorchOracle::instance().run(std::string(kBuild) + kStateDictKeys, {},
                                                     {{"depth", depth}, {"trainable", trainable}});
  ASSERT_EQ(r.outputs.size() % 3, 0u);
  const size_t n = r.outputs.size() / 3;
  ASSERT_EQ(sd.size(), n) << "resnet" << depth << "_fpn: number of state-dict entries";
  int64_t tv_params = 0;
  for (size_t i = 0; i < n; ++i) {
    std::string name;
    for (double c : r.outputs[3 * i].data) name += static_cast<char>(c);
    Shape shape;
    for (double s : r.outputs[3 * i + 1].data) shape.push_back(static_cast<int64_t>(s));
    const bool is_i64 = r.outputs[3 * i + 2].data[0] != 0;
    const bool trains = r.outputs[3 * i + 2].data[1] != 0;
    EXPECT_EQ(sd[i].first, name) << "entry " << i;
    EXPECT_EQ(sd[i].second.sizes(), shape) << name;
    EXPECT_EQ(sd[i].second.dtype(), is_i64 ? DType::i64 : DType::f32) << name;
    const Tensor* p = find_tensor(params, sd[i].first);
    EXPECT_EQ(p != nullptr && p->requires_grad(), trains) << name << " requires_grad";
    if (p != nullptr) tv_params += shape_numel(shape);
  }
  EXPECT_EQ(m.num_parameters(), tv_params);
}

TEST(FpnTest, Resnet50FpnStateDict) {
  DC_REQUIRE_ORACLE();
  expect_same_state_dict(*build_model("resnet50_fpn"), 50, 5);
}

TEST(FpnTest, Resnet18FpnStateDict) {
  DC_REQUIRE_ORACLE();
  expect_same_state_dict(*build_model("resnet18_fpn"), 18, 5);
}

// trainable_layers=3 freezes conv1 and layer1 (resnet_fpn_backbone's fine-tuning default).
TEST(FpnTest, TrainableLayersFreezeAsTorchvision) {
  DC_REQUIRE_ORACLE();
  for (int t : {0, 3}) {
    ResNetFPNOptions o;
    o.trainable_layers = t;
    Generator gen(1);
    expect_same_state_dict(ResNetFPN(18, o, gen), 18, t);
  }
}

// Non-trivial frozen statistics and FPN biases (the init values 1, 0, 0, 1 and bias 0 would hide
// a wrong normalization or a dropped bias).
void randomize_buffers_and_biases(Module& m, uint64_t seed) {
  Generator gen(seed);
  NoGradGuard no_grad;
  for (auto& [name, t] : m.state_dict()) {
    if (t.dim() != 1) continue;
    const bool scale = name.size() >= 6 && (name.rfind("weight") == name.size() - 6 ||
                                            name.find("running_var") != std::string::npos);
    Tensor u = rand(t.sizes(), DType::f32, gen);
    copy_into(t, scale ? u + 0.5 : (u - 0.5) * 0.4);
  }
}

void expect_same_backbone_outputs(const std::string& model, int depth, const Shape& input,
                                  const std::vector<Shape>& expected) {
  ModulePtr m = build_model(model);
  randomize_buffers_and_biases(*m, 7);
  m->eval();
  auto* b = dynamic_cast<ResNetFPN*>(m.get());
  ASSERT_NE(b, nullptr);
  Generator gen(3);
  const Tensor x = randn(input, DType::f32, gen);
  NamedTensors y;
  {
    NoGradGuard no_grad;
    y = b->forward_features(x);
  }
  const std::string expr = std::string(kBuild) + R"(
m.load_state_dict(dict(zip(m.state_dict().keys(), x[1:])))
m.eval()
with torch.no_grad():
    o = m(x0)
out = [torch.tensor([ord(c) for c in ','.join(o.keys())], dtype=torch.int64)] + list(o.values())
)";
  const OracleResult r =
      TorchOracle::instance().run(expr, model_inputs(x, *m), {{"depth", depth}, {"trainable", 5}});
  ASSERT_EQ(r.outputs.size(), expected.size() + 1);
  std::string tv_names;
  for (double c : r.outputs[0].data) tv_names += static_cast<char>(c);
  EXPECT_EQ(tv_names, "0,1,2,3,pool");
  ASSERT_EQ(y.size(), expected.size());
  const std::vector<std::string> names{"0", "1", "2", "3", "pool"};
  for (size_t i = 0; i < y.size(); ++i) {
    EXPECT_EQ(y[i].first, names[i]);
    EXPECT_EQ(y[i].second.sizes(), expected[i]) << names[i];
    EXPECT_EQ(r.outputs[i + 1].shape, expected[i]) << names[i];
    expect_close_rel(y[i].second.to_vector(), r.outputs[i + 1], 1e-4, model + " " + names[i]);
  }
}

TEST(FpnTest, Resnet50FpnOutputs) {
  DC_REQUIRE_ORACLE();
  expect_same_backbone_outputs(
      "resnet50_fpn", 50, {1, 3, 64, 64},
      {{1, 256, 16, 16}, {1, 256, 8, 8}, {1, 256, 4, 4}, {1, 256, 2, 2}, {1, 256, 1, 1}});
}

// An input whose stage sizes are not multiples of each other (18x14, 9x7, 5x4, 3x2): nearest
// upsampling to the lateral's size, as torchvision; the pool level rounds up (2x1). Batch 2.
TEST(FpnTest, Resnet18FpnOddSizeOutputs) {
  DC_REQUIRE_ORACLE();
  expect_same_backbone_outputs(
      "resnet18_fpn", 18, {2, 3, 70, 54},
      {{2, 256, 18, 14}, {2, 256, 9, 7}, {2, 256, 5, 4}, {2, 256, 3, 2}, {2, 256, 2, 1}});
}

// The standalone FPN in training mode: outputs and the gradients of every input map, weight and
// bias equal torchvision.ops.FeaturePyramidNetwork's (through functional_call).
void expect_same_fpn(const std::vector<int64_t>& in_channels, const std::vector<Shape>& shapes,
                     int64_t out_channels, bool pool) {
  Generator gen(21);
  FeaturePyramidNetwork fpn(in_channels, out_channels, pool, gen);
  randomize_buffers_and_biases(fpn, 5);
  NamedTensors feats;
  std::vector<testing::OracleTensor> inputs;
  for (size_t i = 0; i < shapes.size(); ++i) {
    Tensor f = randn(shapes[i], DType::f32, gen);
    f.set_requires_grad(true);
    feats.emplace_back("feat" + std::to_string(i), f);
    inputs.push_back(to_oracle(f, true));
  }
  for (const auto& [name, t] : fpn.state_dict()) inputs.push_back(to_oracle(t, true));
  const NamedTensors y = fpn.forward(feats);
  ASSERT_EQ(y.size(), shapes.size() + (pool ? 1 : 0));
  std::vector<testing::OracleTensor> grad_outputs;
  Tensor loss;
  for (const auto& [name, t] : y) {
    const Tensor g = randn(t.sizes(), DType::f32, gen);
    grad_outputs.push_back(to_oracle(g));
    const Tensor term = sum(t * g);
    loss = loss.defined() ? loss + term : term;
  }
  loss.backward();
  const std::string expr = R"(
k = len(a['in'])
m = tv.ops.FeaturePyramidNetwork(a['in'], a['out'],
    extra_blocks=tv.ops.feature_pyramid_network.LastLevelMaxPool() if a['pool'] else None)
sd = dict(zip(m.state_dict().keys(), x[k:]))
feats = {'feat%d' % i: x[i] for i in range(k)}
o = torch.nn.utils.stateless.functional_call(m, sd, (feats,))
out = list(o.values())
)";
  const OracleResult r = TorchOracle::instance().run(
      expr, inputs, {{"in", in_channels}, {"out", out_channels}, {"pool", pool}}, grad_outputs);
  ASSERT_EQ(r.outputs.size(), y.size());
  for (size_t i = 0; i < y.size(); ++i) {
    EXPECT_EQ(y[i].second.sizes(), r.outputs[i].shape) << y[i].first;
    expect_close_rel(y[i].second.to_vector(), r.outputs[i], 1e-4, "output " + y[i].first);
  }
  if (pool) {
    EXPECT_EQ(y.back().first, "pool");
  }
  size_t k = 0;
  for (const auto& [name, f] : feats) {
    ASSERT_TRUE(f.grad().defined()) << name;
    expect_close_rel(f.grad().to_vector(), r.grads[k++], 1e-3, name + " gradient");
  }
  for (const auto& [name, t] : fpn.state_dict()) {
    ASSERT_TRUE(t.grad().defined()) << name;
    expect_close_rel(t.grad().to_vector(), r.grads[k++], 1e-3, name + " gradient");
  }
}

// Three levels with sizes that are not multiples (13x11 <- 7x6 <- 3x3), batch 2, with the pool.
TEST(FpnTest, FpnOutputsAndGradientsOddSizes) {
  DC_REQUIRE_ORACLE();
  expect_same_fpn({4, 6, 8}, {{2, 4, 13, 11}, {2, 6, 7, 6}, {2, 8, 3, 3}}, 5, true);
}

// One level, no extra block: just the lateral and output convs.
TEST(FpnTest, FpnSingleLevelNoPool) {
  DC_REQUIRE_ORACLE();
  expect_same_fpn({3}, {{1, 3, 5, 4}}, 4, false);
}

// --- bad input ---

TEST(FpnErrorsTest, BadConstruction) {
  expect_error([] { FeaturePyramidNetwork({}, 4); }, {"at least one level"});
  expect_error([] { FeaturePyramidNetwork({4, 0}, 4); }, {"in_channels_list[1] must be positive"});
  expect_error([] { FeaturePyramidNetwork({4}, 0); }, {"out_channels must be positive"});
  ResNetFPNOptions o;
  o.trainable_layers = 6;
  expect_error([&] { ResNetFPN(18, o); }, {"trainable_layers must be in [0, 5], got 6"});
  expect_error([] { ResNetFPN(20); }, {"unsupported depth 20"});
}

TEST(FpnErrorsTest, BadFeatures) {
  Generator gen(1);
  FeaturePyramidNetwork fpn({4, 6}, 3, true, gen);
  const Tensor a = randn({1, 4, 8, 8}, DType::f32, gen);
  expect_error([&] { fpn.forward(NamedTensors{{"0", a}}); }, {"expected 2 feature maps, got 1"});
  expect_error(
      [&] {
        fpn.forward(NamedTensors{{"0", a}, {"1", a}});
      },
      {"map 1 (\"1\") must be [N, 6, H, W]"});
  expect_error(
      [&] {
        fpn.forward(NamedTensors{{"0", a}, {"1", randn({2, 6, 4, 4})}});
      },
      {"another batch size"});
  expect_error([&] { fpn.forward(a); }, {"FeaturePyramidNetwork"});
}

}  // namespace
}  // namespace dc
