// Bad inputs to modules, layers, backbones and the registry throw dc::Error naming the culprit.
#include <gtest/gtest.h>

#include <string>

#include "nets/basic_layers.h"
#include "nets/batch_norm.h"
#include "nets/conv.h"
#include "nets/linear.h"
#include "nets/norm_layers.h"
#include "nets/registry.h"
#include "nets/resnet.h"
#include "nets/sequential.h"
#include "ops/creation.h"
#include "tests/testing/expect_error.h"

namespace dc {
namespace {

TEST(NetsErrorsTest, UnknownModelListsNamesAndClosest) {
  expect_error([] { build_model("resnet5O"); },
               {"unknown model \"resnet5O\"", "did you mean \"resnet50\"", "resnet18", "vgg19"});
}

TEST(NetsErrorsTest, DuplicateRegistration) {
  expect_error(
      [] {
        register_model("resnet18", [](const ModelOptions&, Generator&) { return ModulePtr(); });
      },
      {"resnet18", "already registered"});
}

TEST(NetsErrorsTest, UnknownResNetDepth) {
  expect_error([] { make_resnet(42); }, {"make_resnet", "42", "18, 34, 50 or 101"});
}

TEST(NetsErrorsTest, LoadStateDictMismatch) {
  Linear a(3, 2), b(3, 4);
  expect_error([&] { a.load_state_dict(b.state_dict()); }, {"weight", "[2, 3]", "[4, 3]"});
  NamedTensors partial{{"weight", zeros({2, 3})}, {"extra", zeros({1})}};
  expect_error([&] { a.load_state_dict(partial); }, {"missing: [bias]", "unexpected: [extra]"});
  const double before = a.weight.to_vector()[0];
  a.load_state_dict({{"weight", zeros({2, 3})}}, /*strict=*/false);
  EXPECT_NE(before, a.weight.to_vector()[0]);
  EXPECT_EQ(a.weight.to_vector()[0], 0.0);
}

TEST(NetsErrorsTest, BadLayerArguments) {
  expect_error(
      [] {
        Conv2d(3, 4, {3, 3}, Conv2dOptions{{1, 1}, {0, 0}, {1, 1}, 2});
      },
      {"Conv2d", "divisible by groups=2"});
  expect_error([] { Linear(0, 3); }, {"Linear", "positive"});
  expect_error([] { Dropout(1.0); }, {"Dropout", "[0, 1)"});
  expect_error([] { BatchNorm2d(0); }, {"BatchNorm2d", "positive"});
  BatchNorm2d bn(4);
  expect_error([&] { bn.forward(zeros({2, 3, 4, 4})); }, {"BatchNorm2d", "3 channels", "4"});
  expect_error([&] { bn.forward(zeros({2, 4})); }, {"BatchNorm2d", "4-D", "[2, 4]"});
  expect_error([&] { bn.forward(zeros({1, 4, 1, 1})); }, {"more than 1 value per channel"});
  Sequential s;
  expect_error([&] { s.at(0); }, {"Sequential", "index 0"});
}

TEST(NetsErrorsTest, BadInputsAndDevices) {
  auto m = build_model("resnet18");
  expect_error(
      [&] {
        m->forward(zeros({1, 1, 32, 32}));
      },
      {"ResNet", "[N, 3, H, W]", "[1, 1, 32, 32]"});
  // This binary links no CUDA backend, so a move to a GPU fails whatever the machine has.
  expect_error(
      [&] {
        m->to(Device{DeviceType::CUDA, 0});
      },
      {"ResNet", "to(cuda:0)", "conv1.weight", "no CUDA backend"});
  expect_error([&] { m->submodule("layer1.9"); }, {"layer1.9", "no child \"9\""});
  ReLU r;
  expect_error([&] { r.forward_multi(Tensor()); }, {});
}

TEST(NetsErrorsTest, NormLayersRejectBadConstruction) {
  expect_error([] { FrozenBatchNorm2d(0); }, {"FrozenBatchNorm2d", "num_features", "0"});
  expect_error([] { GroupNorm(4, 6); }, {"GroupNorm", "num_groups=4", "num_channels=6"});
  expect_error(
      [] {
        InstanceNorm2d(3, InstanceNorm2dOptions{1e-5, 2.0});
      },
      {"InstanceNorm2d", "momentum=2"});
}

TEST(NetsErrorsTest, NormLayersRejectBadInput) {
  expect_error(
      [] {
        FrozenBatchNorm2d(3).forward(zeros({1, 4, 2, 2}));
      },
      {"FrozenBatchNorm2d", "[1, 4, 2, 2]", "num_features=3"});
  expect_error([] { FrozenBatchNorm2d(3).forward(zeros({3, 2})); }, {"FrozenBatchNorm2d", "4-D"});
  expect_error([] { GroupNorm(2, 4).forward(zeros({1, 6, 2})); }, {"GroupNorm", "[N, 4, ...]"});
  expect_error([] { InstanceNorm2d(2).forward(zeros({1, 2, 2})); }, {"InstanceNorm2d", "4-D"});
  // Instance statistics of a single value are undefined (PyTorch refuses too).
  expect_error(
      [] {
        InstanceNorm2d(2).forward(zeros({1, 2, 1, 1}));
      },
      {"InstanceNorm2d", "more than 1 spatial element"});
}

}  // namespace
}  // namespace dc
