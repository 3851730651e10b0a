// Backbones against torchvision 0.14 through the PyTorch oracle: state-dict names, shapes and
// dtypes; eval-mode outputs with the same weights; train-mode gradients of every parameter.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "autograd/grad_mode.h"
#include "core/copy.h"
#include "nets/registry.h"
#include "nets/resnet.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "tests/nets/nets_test_util.h"

namespace dc {
namespace {

using nets_test::expect_close_rel;
using nets_test::model_inputs;
using testing::OracleResult;
using testing::TorchOracle;

// torchvision's state dict as (name, shape, is_int64) triples of tensors: names travel as their
// character codes.
constexpr const char* kStateDictKeys = R"(
m = getattr(tv.models, a['name'])(**a['kwargs'])
out = []
for k, v in m.state_dict().items():
    out.append(torch.tensor([ord(c) for c in k], dtype=torch.int64))
    out.append(torch.tensor(list(v.shape), dtype=torch.int64))
    out.append(torch.tensor([int(v.dtype == torch.int64)], dtype=torch.int64))
)";

void expect_same_state_dict(const std::string& our_name, const std::string& tv_name,
                            const nlohmann::json& kwargs) {
  ModelOptions o;
  const ModulePtr m = build_model(our_name, o);
  const NamedTensors sd = m->state_dict();
  const OracleResult r =
      TorchOracle::instance().run(kStateDictKeys, {}, {{"name", tv_name}, {"kwargs", kwargs}});
  ASSERT_EQ(r.outputs.size() % 3, 0u);
  const size_t n = r.outputs.size() / 3;
  ASSERT_EQ(sd.size(), n) << our_name << ": number of state-dict entries";
  int64_t tv_params = 0;
  for (size_t i = 0; i < n; ++i) {
    std::string name;
    for (double c : r.outputs[3 * i].data) name += static_cast<char>(c);
    Shape shape;
    for (double s : r.outputs[3 * i + 1].data) shape.push_back(static_cast<int64_t>(s));
    const bool is_i64 = r.outputs[3 * i + 2].data[0] != 0;
    EXPECT_EQ(sd[i].first, name) << our_name << ": entry " << i;
    EXPECT_EQ(sd[i].second.sizes(), shape) << our_name << ": " << name;
    EXPECT_EQ(sd[i].second.dtype(), is_i64 ? DType::i64 : DType::f32) << our_name << ": " << name;
    if (name.find("running_") == std::string::npos && !is_i64) tv_params += shape_numel(shape);
  }
  EXPECT_EQ(m->num_parameters(), tv_params) << our_name;
}

TEST(TorchvisionTest, Resnet18StateDict) {
  DC_REQUIRE_ORACLE();
  expect_same_state_dict("resnet18", "resnet18", nlohmann::json::object());
}
TEST(TorchvisionTest, Resnet34StateDict) {
  DC_REQUIRE_ORACLE();
  expect_same_state_dict("resnet34", "resnet34", nlohmann::json::object());
}
TEST(TorchvisionTest, Resnet50StateDict) {
  DC_REQUIRE_ORACLE();
  expect_same_state_dict("resnet50", "resnet50", nlohmann::json::object());
}
TEST(TorchvisionTest, Resnet101StateDict) {
  DC_REQUIRE_ORACLE();
  expect_same_state_dict("resnet101", "resnet101", nlohmann::json::object());
}
TEST(TorchvisionTest, Resnet50Dilated8StateDict) {
  DC_REQUIRE_ORACLE();
  expect_same_state_dict("resnet50_dilated8", "resnet50",
                         {{"replace_stride_with_dilation", {false, true, true}}});
}
TEST(TorchvisionTest, Vgg19StateDict) {
  DC_REQUIRE_ORACLE();
  expect_same_state_dict("vgg19", "vgg19", nlohmann::json::object());
}
TEST(TorchvisionTest, Vgg19BnStateDict) {
  DC_REQUIRE_ORACLE();
  expect_same_state_dict("vgg19_bn", "vgg19_bn", nlohmann::json::object());
}

// Non-trivial BatchNorm parameters and statistics (the defaults 1, 0, 0, 1 would hide a wrong
// eval-mode normalization).
void randomize_batch_norms(Module& m, uint64_t seed) {
  Generator gen(seed);
  NoGradGuard no_grad;
  for (auto& [name, t] : m.state_dict()) {
    const bool bn_weight =
        name.find("bn") != std::string::npos || name.find("downsample.1") != std::string::npos;
    if (t.dtype() != DType::f32 || t.dim() != 1 || !bn_weight) continue;
    const bool scale = name.size() >= 6 && (name.rfind("weight") == name.size() - 6 ||
                                            name.find("running_var") != std::string::npos);
    Tensor u = rand(t.sizes(), DType::f32, gen);
    copy_into(t, scale ? u + 0.5 : (u - 0.5) * 0.4);
  }
}

constexpr const char* kLoad = R"(
m = getattr(tv.models, a['name'])(**a['kwargs'])
m.load_state_dict(dict(zip(m.state_dict().keys(), x[1:])))
)";

// Eval-mode logits of `name` on x equal torchvision's with the same weights.
void expect_same_eval_logits(const std::string& name, const Shape& input) {
  ModulePtr m = build_model(name, ModelOptions{});
  randomize_batch_norms(*m, 7);
  m->eval();
  Generator gen(3);
  const Tensor x = randn(input, DType::f32, gen);
  Tensor y;
  {
    NoGradGuard no_grad;
    y = m->forward(x);
  }
  const OracleResult r = TorchOracle::instance().run(
      std::string(kLoad) + "m.eval()\nwith torch.no_grad():\n    out = m(x0)\n",
      model_inputs(x, *m), {{"name", name}, {"kwargs", nlohmann::json::object()}});
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_EQ(y.sizes(), r.outputs[0].shape);
  expect_close_rel(y.to_vector(), r.outputs[0], 1e-4, name + " logits");
}

TEST(TorchvisionTest, Resnet18EvalLogits) {
  DC_REQUIRE_ORACLE();
  expect_same_eval_logits("resnet18", {1, 3, 64, 64});
}

TEST(TorchvisionTest, Resnet50EvalLogits) {
  DC_REQUIRE_ORACLE();
  expect_same_eval_logits("resnet50", {1, 3, 64, 64});
}

// The dilated ResNet-50 as a feature extractor: C2..C5 shapes (output strides 4, 8, 8, 8) and
// values equal torchvision's replace_stride_with_dilation=[False, True, True] stages.
TEST(TorchvisionTest, Resnet50Dilated8Features) {
  DC_REQUIRE_ORACLE();
  ModelOptions o;
  o.num_classes = 0;
  ModulePtr m = build_model("resnet50_dilated8", o);
  randomize_batch_norms(*m, 11);
  m->eval();
  auto* resnet = dynamic_cast<ResNet*>(m.get());
  ASSERT_NE(resnet, nullptr);
  EXPECT_EQ(resnet->stage_strides(), (std::array<int64_t, 4>{4, 8, 8, 8}));
  Generator gen(5);
  const Tensor x = randn({1, 3, 64, 64}, DType::f32, gen);
  NamedTensors feats;
  {
    NoGradGuard no_grad;
    feats = resnet->forward_features(x);
  }
  // torchvision's full model (with fc), whose stage outputs we take by hand; our feature
  // extractor has no fc, so the fc entries are appended from a throwaway torch init.
  const std::string expr = R"(
m = tv.models.resnet50(replace_stride_with_dilation=[False, True, True])
sd = m.state_dict()
keys = [k for k in sd.keys() if not k.startswith('fc.')]
m.load_state_dict(dict(list(zip(keys, x[1:])) + [(k, sd[k]) for k in ('fc.weight', 'fc.bias')]))
m.eval()
with torch.no_grad():
    y = m.maxpool(m.relu(m.bn1(m.conv1(x0))))
    out = []
    for layer in (m.layer1, m.layer2, m.layer3, m.layer4):
        y = layer(y)
        out.append(y)
)";
  const OracleResult r = TorchOracle::instance().run(expr, model_inputs(x, *m));
  ASSERT_EQ(r.outputs.size(), 4u);
  const std::vector<Shape> expected{
      {1, 256, 16, 16}, {1, 512, 8, 8}, {1, 1024, 8, 8}, {1, 2048, 8, 8}};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(feats[i].first, "C" + std::to_string(i + 2));
    EXPECT_EQ(feats[i].second.sizes(), expected[i]);
    EXPECT_EQ(r.outputs[i].shape, expected[i]);
    expect_close_rel(feats[i].second.to_vector(), r.outputs[i], 1e-4, feats[i].first);
  }
}

// Train mode, batch 2: the loss gradient of every parameter equals PyTorch's (through
// functional_call, so the gradients land on the oracle's inputs), and the running statistics and
// num_batches_tracked advance as PyTorch's.
TEST(TorchvisionTest, Resnet18TrainGradientsReachEveryParameter) {
  DC_REQUIRE_ORACLE();
  ModulePtr m = build_model("resnet18", ModelOptions{});
  m->train();
  Generator gen(9);
  const Tensor x = randn({2, 3, 64, 64}, DType::f32, gen);
  const Tensor gy = randn({2, 1000}, DType::f32, gen);
  // Snapshot before the forward pass updates the running statistics.
  const std::vector<testing::OracleTensor> inputs = model_inputs(x, *m, true);
  const Tensor y = m->forward(x);
  y.backward(gy);
  const std::string expr = R"(
m = tv.models.resnet18()
m.train()
sd = dict(zip(m.state_dict().keys(), x[1:]))
out = [torch.nn.utils.stateless.functional_call(m, sd, (x0,))]
out += [sd[k] for k in sd if 'running' in k or 'num_batches' in k]
)";
  // One grad_output per floating output: the running statistics (no grad in torch) get zeros.
  std::vector<testing::OracleTensor> grad_outputs{nets_test::to_oracle(gy)};
  for (const auto& [name, t] : m->named_buffers()) {
    if (t.dtype() == DType::f32) grad_outputs.push_back(nets_test::to_oracle(zeros_like(t)));
  }
  const OracleResult r =
      TorchOracle::instance().run(expr, inputs, nlohmann::json::object(), grad_outputs);
  expect_close_rel(y.to_vector(), r.outputs[0], 1e-4, "train-mode logits");
  size_t k = 1, checked = 0;
  const NamedTensors sd = m->state_dict();
  for (size_t i = 0; i < sd.size(); ++i) {
    const auto& [name, t] = sd[i];
    if (name.find("running") != std::string::npos ||
        name.find("num_batches") != std::string::npos) {
      expect_close_rel(t.to_vector(), r.outputs[k++], 1e-4, name + " after one step");
      continue;
    }
    ASSERT_TRUE(t.grad().defined()) << name << " got no gradient";
    ASSERT_TRUE(r.grads[i + 1].defined) << name;
    expect_close_rel(t.grad().to_vector(), r.grads[i + 1], 2e-3, name + " gradient");
    ++checked;
  }
  EXPECT_EQ(checked, m->parameters().size());
  EXPECT_EQ(checked, 62u);  // torchvision's resnet18 has 62 parameter tensors
}

}  // namespace
}  // namespace dc
