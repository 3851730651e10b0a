// The stacked Hourglass against a PyTorch transcription of bearpaw/pytorch-pose's HourglassNet
// through the oracle: state-dict names, shapes, dtypes and parameter counts; the score map of
// every stack with the same weights in eval mode and in train mode (batch statistics, the updated
// running statistics and the gradients of the input and every parameter); output resolution and
// the errors of bad options and inputs.
#include "nets/hourglass.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "autograd/grad_mode.h"
#include "core/copy.h"
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

// pytorch-pose's pose/models/hourglass.py (Bottleneck, Hourglass, HourglassNet), transcribed with
// the hourglass depth as an argument (pytorch-pose passes 4). Builds `m` from a['stacks'],
// a['blocks'], a['classes'], a['depth'].
constexpr const char* kReference = R"(
import torch.nn as nn

class Bottleneck(nn.Module):
    expansion = 2
    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(inplanes)
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=1, bias=True)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=stride, padding=1, bias=True)
        self.bn3 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 2, kernel_size=1, bias=True)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
    def forward(self, x):
        out = self.conv1(self.relu(self.bn1(x)))
        out = self.conv2(self.relu(self.bn2(out)))
        out = self.conv3(self.relu(self.bn3(out)))
        residual = self.downsample(x) if self.downsample is not None else x
        return out + residual

class Hourglass(nn.Module):
    def __init__(self, block, num_blocks, planes, depth):
        super().__init__()
        self.depth = depth
        self.upsample = nn.Upsample(scale_factor=2)
        hg = []
        for i in range(depth):
            res = [self._make_residual(block, num_blocks, planes) for j in range(3)]
            if i == 0:
                res.append(self._make_residual(block, num_blocks, planes))
            hg.append(nn.ModuleList(res))
        self.hg = nn.ModuleList(hg)
    def _make_residual(self, block, num_blocks, planes):
        return nn.Sequential(*[block(planes * block.expansion, planes) for i in range(num_blocks)])
    def _forward(self, n, x):
        up1 = self.hg[n - 1][0](x)
        low1 = self.hg[n - 1][1](F.max_pool2d(x, 2, stride=2))
        low2 = self._forward(n - 1, low1) if n > 1 else self.hg[n - 1][3](low1)
        low3 = self.hg[n - 1][2](low2)
        return up1 + self.upsample(low3)
    def forward(self, x):
        return self._forward(self.depth, x)

class HourglassNet(nn.Module):
    def __init__(self, block, num_stacks, num_blocks, num_classes, depth):
        super().__init__()
        self.inplanes = 64
        self.num_feats = 128
        self.num_stacks = num_stacks
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=True)
        self.bn1 = nn.BatchNorm2d(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_residual(block, self.inplanes, 1)
        self.layer2 = self._make_residual(block, self.inplanes, 1)
        self.layer3 = self._make_residual(block, self.num_feats, 1)
        self.maxpool = nn.MaxPool2d(2, stride=2)
        ch = self.num_feats * block.expansion
        hg, res, fc, score, fc_, score_ = [], [], [], [], [], []
        for i in range(num_stacks):
            hg.append(Hourglass(block, num_blocks, self.num_feats, depth))
            res.append(self._make_residual(block, self.num_feats, num_blocks))
            fc.append(nn.Sequential(nn.Conv2d(ch, ch, kernel_size=1, bias=True),
                                    nn.BatchNorm2d(ch), self.relu))
            score.append(nn.Conv2d(ch, num_classes, kernel_size=1, bias=True))
            if i < num_stacks - 1:
                fc_.append(nn.Conv2d(ch, ch, kernel_size=1, bias=True))
                score_.append(nn.Conv2d(num_classes, ch, kernel_size=1, bias=True))
        self.hg = nn.ModuleList(hg)
        self.res = nn.ModuleList(res)
        self.fc = nn.ModuleList(fc)
        self.score = nn.ModuleList(score)
        self.fc_ = nn.ModuleList(fc_)
        self.score_ = nn.ModuleList(score_)
    def _make_residual(self, block, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes * block.expansion,
                                                 kernel_size=1, stride=stride, bias=True))
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        for i in range(1, blocks):
            layers.append(block(self.inplanes, planes))
        return nn.Sequential(*layers)
    def forward(self, x):
        out = []
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer1(x)
        x = self.maxpool(x)
        x = self.layer2(x)
        x = self.layer3(x)
        for i in range(self.num_stacks):
            y = self.hg[i](x)
            y = self.res[i](y)
            y = self.fc[i](y)
            score = self.score[i](y)
            out.append(score)
            if i < self.num_stacks - 1:
                x = x + self.fc_[i](y) + self.score_[i](score)
        return out

m = HourglassNet(Bottleneck, a['stacks'], a['blocks'], a['classes'], a['depth'])
)";

nlohmann::json attrs(const HourglassOptions& o) {
  return {{"stacks", o.num_stacks},
          {"blocks", o.num_blocks},
          {"classes", o.num_classes},
          {"depth", o.depth}};
}

// (name as character codes, shape, [is_int64]) per state-dict entry, then the parameter count.
constexpr const char* kStateDictKeys = R"(
out = []
for k, v in m.state_dict().items():
    out.append(torch.tensor([ord(c) for c in k], dtype=torch.int64))
    out.append(torch.tensor(list(v.shape), dtype=torch.int64))
    out.append(torch.tensor([int(v.dtype == torch.int64)], dtype=torch.int64))
out.append(torch.tensor([sum(p.numel() for p in m.parameters())], dtype=torch.int64))
)";

void expect_same_state_dict(const HourglassNet& m) {
  const NamedTensors sd = m.state_dict();
  const OracleResult r =
      TorchOracle::instance().run(std::string(kReference) + kStateDictKeys, {}, attrs(m.options));
  ASSERT_EQ(r.outputs.size() % 3, 1u);
  const size_t n = r.outputs.size() / 3;
  ASSERT_EQ(sd.size(), n) << "number of state-dict entries";
  for (size_t i = 0; i < n; ++i) {
    std::string name;
    for (double c : r.outputs[3 * i].data) name += static_cast<char>(c);
    Shape shape;
    for (double s : r.outputs[3 * i + 1].data) shape.push_back(static_cast<int64_t>(s));
    const bool is_i64 = r.outputs[3 * i + 2].data[0] != 0;
    EXPECT_EQ(sd[i].first, name) << "entry " << i;
    EXPECT_EQ(sd[i].second.sizes(), shape) << name;
    EXPECT_EQ(sd[i].second.dtype(), is_i64 ? DType::i64 : DType::f32) << name;
  }
  EXPECT_EQ(m.num_parameters(), static_cast<int64_t>(r.outputs.back().data[0]));
}

HourglassNet& as_hourglass(const ModulePtr& m) { return dynamic_cast<HourglassNet&>(*m); }

TEST(HourglassTest, RegisteredHourglassStateDict) {
  DC_REQUIRE_ORACLE();
  ModelOptions o;
  o.num_classes = 16;
  const ModulePtr m = build_model("hourglass", o);
  const HourglassOptions& h = as_hourglass(m).options;
  EXPECT_EQ(h.num_stacks, 2);
  EXPECT_EQ(h.num_blocks, 1);
  EXPECT_EQ(h.num_classes, 16);
  EXPECT_EQ(h.depth, 4);
  expect_same_state_dict(as_hourglass(m));
  // Spot checks of the deepest names (a transcription error on both sides would not show above).
  EXPECT_NE(find_tensor(m->state_dict(), "hg.1.hg.0.3.0.conv3.bias"), nullptr);
  // pytorch-pose builds layer2 with planes = its running inplanes (128): layer2 widens to 256
  // channels, so layer2 (not layer3) has the downsample.
  EXPECT_NE(find_tensor(m->state_dict(), "layer2.0.downsample.0.weight"), nullptr);
  EXPECT_EQ(find_tensor(m->state_dict(), "layer3.0.downsample.0.weight"), nullptr);
  EXPECT_NE(find_tensor(m->state_dict(), "score_.0.weight"), nullptr);
  EXPECT_EQ(find_tensor(m->state_dict(), "score_.1.weight"), nullptr);
}

TEST(HourglassTest, RegisteredHourglass8StateDict) {
  DC_REQUIRE_ORACLE();
  ModelOptions o;
  o.num_classes = 17;
  const ModulePtr m = build_model("hourglass8", o);
  EXPECT_EQ(as_hourglass(m).options.num_stacks, 8);
  EXPECT_EQ(as_hourglass(m).options.num_blocks, 1);
  expect_same_state_dict(as_hourglass(m));
}

// One stack (no fc_ / score_ entries at all), two blocks per residual, a shallower hourglass.
TEST(HourglassTest, OneStackTwoBlocksDepth2StateDict) {
  DC_REQUIRE_ORACLE();
  Generator gen(2);
  expect_same_state_dict(HourglassNet({1, 2, 5, 2}, gen));
}

// Non-trivial BN statistics and affine parameters (1, 0, 0, 1 would hide a wrong normalization).
void randomize_batch_norms(Module& m, uint64_t seed) {
  Generator gen(seed);
  NoGradGuard no_grad;
  for (auto& [name, mod] : m.named_modules()) {
    auto* bn = dynamic_cast<BatchNorm2d*>(mod);
    if (bn == nullptr) continue;
    const Shape c{bn->num_features};
    copy_into(bn->weight, rand(c, DType::f32, gen) + 0.5);
    copy_into(bn->bias, (rand(c, DType::f32, gen) - 0.5) * 0.4);
    copy_into(bn->running_mean, (rand(c, DType::f32, gen) - 0.5) * 0.4);
    copy_into(bn->running_var, rand(c, DType::f32, gen) + 0.5);
  }
}

// Eval mode: every stack's score map equals the reference's with the same weights.
void expect_same_eval_outputs(HourglassNet& m, const Shape& input) {
  randomize_batch_norms(m, 7);
  m.eval();
  Generator gen(3);
  const Tensor x = randn(input, DType::f32, gen);
  std::vector<Tensor> y;
  {
    NoGradGuard no_grad;
    y = m.forward_multi(x);
  }
  const std::string expr = std::string(kReference) + R"(
m.load_state_dict(dict(zip(m.state_dict().keys(), x[1:])))
m.eval()
with torch.no_grad():
    out = m(x0)
)";
  const OracleResult r = TorchOracle::instance().run(expr, model_inputs(x, m), attrs(m.options));
  const HourglassOptions& o = m.options;
  ASSERT_EQ(y.size(), static_cast<size_t>(o.num_stacks));
  ASSERT_EQ(r.outputs.size(), y.size());
  const Shape expected{input[0], o.num_classes, input[2] / 4, input[3] / 4};
  for (size_t s = 0; s < y.size(); ++s) {
    EXPECT_EQ(y[s].sizes(), expected) << "stack " << s;
    EXPECT_EQ(r.outputs[s].shape, expected) << "stack " << s;
    expect_close_rel(y[s].to_vector(), r.outputs[s], 1e-4, "eval stack " + std::to_string(s));
  }
}

TEST(HourglassTest, EvalOutputsOfEveryStack) {
  DC_REQUIRE_ORACLE();
  ModelOptions o;
  o.num_classes = 16;
  o.seed = 11;
  expect_same_eval_outputs(as_hourglass(build_model("hourglass", o)), {2, 3, 64, 64});
}

// Three stacks, two blocks per residual, depth 2, a non-square input (multiples of 4 * 2^2).
TEST(HourglassTest, EvalOutputsThreeStacksDepth2NonSquare) {
  DC_REQUIRE_ORACLE();
  Generator gen(5);
  HourglassNet m({3, 2, 5, 2}, gen);
  expect_same_eval_outputs(m, {1, 3, 32, 48});
}

// Train mode, batch 2: every stack's scores and, after the step, the running statistics and
// num_batches_tracked equal PyTorch's (computed in f64 from the same f32 weights and input).
//
// Depth 2, not 4: at 2x3x64x64 a depth-4 hourglass's innermost maps are 1x1, so its BatchNorms
// normalize two values per channel, which f32 cannot resolve: PyTorch's own f32 and f64 scores
// differ by 20-40% of their scale there (1e-5 at depth 2, whose innermost maps are 4x4). The
// recursion is the same code at any depth.
TEST(HourglassTest, TrainOutputsAndRunningStatistics) {
  DC_REQUIRE_ORACLE();
  Generator init(12);
  HourglassNet m({2, 1, 16, 2}, init);
  randomize_batch_norms(m, 8);
  m.train();
  Generator gen(9);
  const Tensor x = randn({2, 3, 64, 64}, DType::f32, gen);
  // Snapshot before the forward pass updates the running statistics.
  const std::vector<testing::OracleTensor> inputs = model_inputs(x, m);
  std::vector<Tensor> y;
  {
    NoGradGuard no_grad;
    y = m.forward_multi(x);
  }
  const std::string expr = std::string(kReference) + R"(
m.double().train()
sd = {k: v.double() if v.is_floating_point() else v for k, v in zip(m.state_dict().keys(), x[1:])}
m.load_state_dict(sd)
with torch.no_grad():
    out = m(x0.double())
out += [v for k, v in m.state_dict().items() if 'running' in k or 'num_batches' in k]
)";
  const OracleResult r = TorchOracle::instance().run(expr, inputs, attrs(m.options));
  ASSERT_EQ(y.size(), 2u);
  for (size_t s = 0; s < y.size(); ++s) {
    EXPECT_EQ(y[s].sizes(), (Shape{2, 16, 16, 16}));
    expect_close_rel(y[s].to_vector(), r.outputs[s], 1e-4, "train stack " + std::to_string(s));
  }
  size_t k = y.size();
  for (const auto& [name, t] : m.named_buffers()) {
    ASSERT_LT(k, r.outputs.size());
    if (t.dtype() == DType::i64) {
      EXPECT_EQ(t.to_vector(), r.outputs[k++].data) << name;
      EXPECT_EQ(t.to_vector(), std::vector<double>{1.0}) << name;
    } else {
      expect_close_rel(t.to_vector(), r.outputs[k++], 1e-4, name + " after one step");
    }
  }
  EXPECT_EQ(k, r.outputs.size());
}

// ||ours - ref|| <= rel * ||ref|| over the whole tensor. Gradients are compared in norm, not
// element by element: at a ReLU input or a max-pool window within rounding of a tie, f32 (ours or
// PyTorch's) may route one element's gradient differently from f64, which moves a handful of
// elements of the gradients upstream by up to 1% of their scale but hardly their norm.
void expect_close_norm(const std::vector<double>& ours, const testing::OracleTensor& ref,
                       double rel, const std::string& what) {
  ASSERT_EQ(ours.size(), ref.data.size()) << what << ": element count";
  double diff = 0, norm = 0;
  for (size_t i = 0; i < ours.size(); ++i) {
    diff += (ours[i] - ref.data[i]) * (ours[i] - ref.data[i]);
    norm += ref.data[i] * ref.data[i];
  }
  ASSERT_GT(norm, 0) << what << ": PyTorch's reference is all zeros, the check would be void";
  EXPECT_LE(std::sqrt(diff), rel * std::sqrt(norm))
      << what << ": relative L2 error " << std::sqrt(diff / norm);
}

// The registered hourglass's backward, in eval mode (BatchNorms are then fixed affine maps, so the
// comparison is well conditioned; train-mode BatchNorm backward is covered by the op tests): the
// gradients of the input and of every parameter, for a random cotangent on both stacks' scores,
// equal PyTorch's (f64, through functional_call, so they land on the oracle's inputs).
TEST(HourglassTest, EvalGradientsOfInputAndEveryParameter) {
  DC_REQUIRE_ORACLE();
  ModelOptions o;
  o.num_classes = 16;
  o.seed = 13;
  const ModulePtr mp = build_model("hourglass", o);
  HourglassNet& m = as_hourglass(mp);
  randomize_batch_norms(m, 10);
  m.eval();
  Generator gen(14);
  Tensor x = randn({2, 3, 64, 64}, DType::f32, gen);
  x.set_requires_grad(true);
  std::vector<testing::OracleTensor> inputs = model_inputs(x, m, true);
  inputs[0].requires_grad = true;
  const std::vector<Tensor> y = m.forward_multi(x);
  ASSERT_EQ(y.size(), 2u);
  std::vector<testing::OracleTensor> grad_outputs;
  Tensor loss;
  for (const Tensor& t : y) {
    const Tensor g = randn(t.sizes(), DType::f32, gen);
    grad_outputs.push_back(to_oracle(g));
    const Tensor term = sum(t * g);
    loss = loss.defined() ? loss + term : term;
  }
  loss.backward();
  const std::string expr = std::string(kReference) + R"(
m.double().eval()
sd = {k: v.double() if v.is_floating_point() else v for k, v in zip(m.state_dict().keys(), x[1:])}
out = torch.nn.utils.stateless.functional_call(m, sd, (x0.double(),))
)";
  const OracleResult r = TorchOracle::instance().run(expr, inputs, attrs(m.options), grad_outputs);
  for (size_t s = 0; s < y.size(); ++s) {
    expect_close_rel(y[s].to_vector(), r.outputs[s], 1e-4, "eval stack " + std::to_string(s));
  }
  ASSERT_TRUE(x.grad().defined());
  expect_close_norm(x.grad().to_vector(), r.grads[0], 1e-4, "input gradient");
  size_t checked = 0;
  const NamedTensors sd = m.state_dict();
  const NamedTensors params = m.named_parameters();
  for (size_t i = 0; i < sd.size(); ++i) {
    const auto& [name, t] = sd[i];
    if (find_tensor(params, name) == nullptr) continue;
    ASSERT_TRUE(t.grad().defined()) << name << " got no gradient";
    ASSERT_TRUE(r.grads[i + 1].defined) << name;
    expect_close_norm(t.grad().to_vector(), r.grads[i + 1], 1e-4, name + " gradient");
    ++checked;
  }
  EXPECT_EQ(checked, m.parameters().size());
}

// --- shapes (no oracle) ---

// Output stride 4 on a non-square input; forward() is the last stack of forward_multi().
TEST(HourglassShapeTest, OutputResolutionIsAQuarter) {
  ModelOptions o;
  o.num_classes = 7;
  const ModulePtr m = build_model("hourglass", o);
  m->eval();
  Generator gen(4);
  const Tensor x = randn({1, 3, 128, 192}, DType::f32, gen);
  NoGradGuard no_grad;
  const std::vector<Tensor> y = m->forward_multi(x);
  ASSERT_EQ(y.size(), 2u);
  for (const Tensor& t : y) EXPECT_EQ(t.sizes(), (Shape{1, 7, 32, 48}));
  const Tensor last = m->forward(x);
  EXPECT_EQ(last.to_vector(), y[1].to_vector());
  EXPECT_NE(y[0].to_vector(), y[1].to_vector());
}

// A standalone Hourglass keeps its input's shape.
TEST(HourglassShapeTest, HourglassModuleKeepsShape) {
  Generator gen(6);
  Hourglass h(1, 4, 3, gen);
  const Tensor x = randn({2, 8, 16, 24}, DType::f32, gen);
  EXPECT_EQ(h.forward(x).sizes(), x.sizes());
  expect_error(
      [&] {
        h.forward(randn({1, 8, 12, 16}));
      },
      {"Hourglass (depth 3)", "multiples of 8", "[1, 8, 12, 16]"});
}

// --- bad input ---

TEST(HourglassErrorsTest, InputSideNotAMultipleOf64) {
  ModelOptions o;
  o.num_classes = 4;
  const ModulePtr m = build_model("hourglass", o);
  expect_error(
      [&] {
        m->forward(zeros({1, 3, 96, 64}));
      },
      {"HourglassNet (num_stacks 2, depth 4)", "multiples of 64", "[1, 3, 96, 64]"});
  expect_error(
      [&] {
        m->forward_multi(zeros({1, 3, 64, 100}));
      },
      {"HourglassNet", "multiples of 64", "[1, 3, 64, 100]"});
  expect_error(
      [&] {
        m->forward(zeros({1, 4, 64, 64}));
      },
      {"HourglassNet", "expected input [N, 3, H, W]", "[1, 4, 64, 64]"});
  expect_error([&] { m->forward(zeros({3, 64, 64})); }, {"expected input [N, 3, H, W]"});
  // At depth 2 the multiple is 4 * 2^2 = 16.
  Generator gen(1);
  HourglassNet shallow({1, 1, 2, 2}, gen);
  expect_error(
      [&] {
        shallow.forward(zeros({1, 3, 40, 32}));
      },
      {"HourglassNet (num_stacks 1, depth 2)", "multiples of 16", "[1, 3, 40, 32]"});
}

TEST(HourglassErrorsTest, BadOptions) {
  expect_error([] { HourglassNet({0, 1, 16, 4}); }, {"num_stacks must be >= 1, got 0"});
  expect_error([] { HourglassNet({2, 0, 16, 4}); }, {"num_blocks must be >= 1, got 0"});
  expect_error([] { HourglassNet({2, 1, 0, 4}); }, {"num_classes", "must be >= 1, got 0"});
  expect_error([] { HourglassNet({2, 1, 16, 0}); }, {"depth must be in [1, 16], got 0"});
  ModelOptions o;
  o.num_classes = 0;
  expect_error([&] { build_model("hourglass8", o); }, {"HourglassNet", "num_classes"});
}

}  // namespace
}  // namespace dc
