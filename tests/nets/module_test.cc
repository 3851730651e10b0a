// Module mechanics without the oracle: naming, order, modes, freezing, loading, init
// distributions, parameter counts, BatchNorm2d train/eval and the registry.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "autograd/grad_mode.h"
#include "nets/basic_layers.h"
#include "nets/batch_norm.h"
#include "nets/conv.h"
#include "nets/linear.h"
#include "nets/registry.h"
#include "nets/resnet.h"
#include "nets/sequential.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"

namespace dc {
namespace {

std::vector<std::string> keys(const NamedTensors& t) {
  std::vector<std::string> k;
  for (const auto& [name, x] : t) k.push_back(name);
  return k;
}

TEST(ModuleTest, SequentialNamesAndStateDictOrder) {
  Generator gen(1);
  Sequential s{std::make_shared<Conv2d>(3, 4, std::array<int64_t, 2>{3, 3}, Conv2dOptions{}, gen),
               std::make_shared<BatchNorm2d>(4), std::make_shared<ReLU>(),
               std::make_shared<Linear>(4, 2, true, gen)};
  EXPECT_EQ(keys(s.named_parameters()), (std::vector<std::string>{"0.weight", "0.bias", "1.weight",
                                                                  "1.bias", "3.weight", "3.bias"}));
  EXPECT_EQ(keys(s.named_buffers()),
            (std::vector<std::string>{"1.running_mean", "1.running_var", "1.num_batches_tracked"}));
  // PyTorch: per module, parameters then buffers.
  EXPECT_EQ(
      keys(s.state_dict()),
      (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                                "1.running_var", "1.num_batches_tracked", "3.weight", "3.bias"}));
  EXPECT_EQ(s.state_dict()[6].second.dtype(), DType::i64);
  EXPECT_EQ(s.num_parameters(), 4 * 3 * 9 + 4 + 4 + 4 + 8 + 2);
  EXPECT_EQ(&s.submodule("1"), &s.at(1));
}

TEST(ModuleTest, ParameterCountsEqualTorchvision) {
  EXPECT_EQ(build_model("resnet18")->num_parameters(), 11689512);
  EXPECT_EQ(build_model("resnet34")->num_parameters(), 21797672);
  EXPECT_EQ(build_model("resnet50")->num_parameters(), 25557032);
  EXPECT_EQ(build_model("resnet101")->num_parameters(), 44549160);
  ModelOptions features;
  features.num_classes = 0;
  // Without fc (512*1000 + 1000).
  EXPECT_EQ(build_model("resnet18", features)->num_parameters(), 11689512 - 513000);
}

TEST(ModuleTest, TrainEvalRecursiveAndFreezing) {
  auto m = build_model("resnet18");
  EXPECT_TRUE(m->is_training());
  m->eval();
  for (auto& [name, sub] : m->named_modules()) EXPECT_FALSE(sub->is_training()) << name;
  m->train();
  EXPECT_TRUE(m->submodule("layer3.1.bn2").is_training());
  m->submodule("layer1").set_requires_grad(false);
  for (auto& [name, p] : m->named_parameters()) {
    EXPECT_EQ(p.requires_grad(), name.rfind("layer1.", 0) != 0) << name;
  }
  EXPECT_THROW(m->submodule("layer5"), Error);
}

TEST(ModuleTest, SameSeedSameWeightsAndLoadStateDict) {
  ModelOptions o;
  o.seed = 42;
  auto a = build_model("resnet18", o), b = build_model("resnet18", o);
  o.seed = 43;
  auto c = build_model("resnet18", o);
  const Tensor wa = a->state_dict()[0].second;
  EXPECT_EQ(wa.to_vector(), b->state_dict()[0].second.to_vector());
  EXPECT_NE(wa.to_vector(), c->state_dict()[0].second.to_vector());
  const Tensor handle = c->state_dict()[0].second;
  c->load_state_dict(a->state_dict());
  // Copied into the existing handle, which layers keep.
  EXPECT_EQ(handle.to_vector(), wa.to_vector());
  EXPECT_TRUE(handle.same(dynamic_cast<ResNet&>(*c).conv1->weight));
}

// Standard deviation of the elements of t.
double stddev(const Tensor& t) {
  const std::vector<double> v = t.to_vector();
  double m = 0, s = 0;
  for (double x : v) m += x;
  m /= v.size();
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / v.size());
}

TEST(ModuleTest, InitDistributions) {
  Generator gen(5);
  // nn.Conv2d default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), std = bound / sqrt(3).
  Conv2d conv(64, 128, {3, 3}, Conv2dOptions{}, gen);
  const double bound = 1 / std::sqrt(64.0 * 9);
  EXPECT_LE(max(abs(conv.weight)).item<double>(), bound);
  EXPECT_NEAR(stddev(conv.weight), bound / std::sqrt(3.0), 0.02 * bound);
  EXPECT_LE(max(abs(conv.bias)).item<double>(), bound);
  // torchvision ResNet convs: N(0, 2 / fan_out); BN weight 1, bias 0.
  auto r = make_resnet(18, {}, gen);
  const Tensor w = r->layer[2]->submodule("0.conv2").named_parameters()[0].second;  // 256x256x3x3
  EXPECT_NEAR(stddev(w), std::sqrt(2.0 / (256 * 9)), 0.01 * std::sqrt(2.0 / (256 * 9)));
  EXPECT_EQ(dynamic_cast<BatchNorm2d&>(*r->bn1).weight.to_vector(), std::vector<double>(64, 1.0));
  EXPECT_EQ(dynamic_cast<BatchNorm2d&>(*r->bn1).bias.to_vector(), std::vector<double>(64, 0.0));
  ResNetOptions zero;
  zero.zero_init_residual = true;
  auto z = make_resnet(50, zero, gen);
  for (auto& [name, p] : z->named_parameters()) {
    if (name.find("bn3.weight") != std::string::npos) {
      EXPECT_EQ(max(abs(p)).item<double>(), 0.0) << name;
    }
  }
}

TEST(ModuleTest, BatchNorm2dTrainEval) {
  BatchNorm2d bn(3);
  Generator gen(2);
  const Tensor x = randn({4, 3, 5, 5}, DType::f32, gen) * 2.0 + 1.0;
  const Tensor y_train = bn.forward(x);
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 1);
  // Batch statistics: each output channel has mean ~0 and std ~1.
  EXPECT_NEAR(mean(y_train).item<double>(), 0.0, 1e-5);
  // running_mean moved 10% of the way to the batch mean.
  const double batch_mean0 = mean(x.select(1, 0)).item<double>();
  EXPECT_NEAR(bn.running_mean.to_vector()[0], 0.1 * batch_mean0, 1e-5);
  bn.eval();
  const Tensor y_eval = bn.forward(x);
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 1);  // eval does not count
  // Eval normalizes with the running statistics: y = (x - rm) / sqrt(rv + eps).
  const double rm = bn.running_mean.to_vector()[0], rv = bn.running_var.to_vector()[0];
  EXPECT_NEAR(y_eval.to_vector()[0], (x.to_vector()[0] - rm) / std::sqrt(rv + 1e-5), 1e-5);
  EXPECT_GT(std::abs(y_eval.to_vector()[0] - y_train.to_vector()[0]), 1e-2);
}

TEST(ModuleTest, DropoutTrainAndEval) {
  Generator gen(3);
  Dropout d(0.25, gen);
  const Tensor x = ones({10000});
  const std::vector<double> y = d.forward(x).to_vector();
  int zeros_count = 0;
  for (double v : y) {
    if (v == 0) {
      ++zeros_count;
    } else {
      EXPECT_NEAR(v, 1 / 0.75, 1e-6);
    }
  }
  EXPECT_NEAR(zeros_count / 10000.0, 0.25, 0.02);
  d.eval();
  EXPECT_TRUE(d.forward(x).same(x));
}

TEST(ModuleTest, RegistryNames) {
  const std::vector<std::string> names = registered_models();
  for (const char* n : {"resnet18", "resnet34", "resnet50", "resnet101", "resnet50_dilated8",
                        "resnet50_dilated16", "resnet101_dilated8", "vgg19", "vgg19_bn"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  }
  ModelOptions o;
  o.num_classes = 0;
  auto m = build_model("resnet50_dilated16", o);
  EXPECT_EQ(dynamic_cast<ResNet&>(*m).stage_strides(), (std::array<int64_t, 4>{4, 8, 16, 16}));
  NoGradGuard no_grad;
  m->eval();
  const std::vector<Tensor> f = m->forward_multi(zeros({1, 3, 64, 64}));
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[3].sizes(), (Shape{1, 2048, 4, 4}));
}

}  // namespace
}  // namespace dc
