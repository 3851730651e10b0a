// Module <-> HDF5: save_weights then load_weights reproduces every parameter and buffer bit for
// bit (and so the outputs); partial and mismatched files are errors unless allow_partial.
#include "nets/weights.h"

#include <gtest/gtest.h>

#include <string>

#include "autograd/grad_mode.h"
#include "nets/registry.h"
#include "ops/creation.h"
#include "ops/reduce.h"
#include "tests/testing/expect_error.h"
#include "tests/testing/temp_dir.h"

namespace dc {
namespace {

// A resnet18 whose BN statistics and counters moved away from their initial values.
ModulePtr trained_resnet18(uint64_t seed, int64_t num_classes = 1000) {
  ModelOptions o;
  o.seed = seed;
  o.num_classes = num_classes;
  ModulePtr m = build_model("resnet18", o);
  Generator gen(seed);
  NoGradGuard no_grad;
  m->forward(randn({2, 3, 32, 32}, DType::f32, gen));
  return m;
}

TEST(WeightsTest, RoundTripIsExact) {
  const ModulePtr a = trained_resnet18(1);
  const std::string path = temp_path("resnet18_roundtrip.h5");
  save_weights(*a, path);
  ModulePtr b = build_model("resnet18", ModelOptions{1000, false, 2});
  const LoadReport report = load_weights(*b, path);
  EXPECT_TRUE(report.complete()) << report.str();
  const NamedTensors sa = a->state_dict(), sb = b->state_dict();
  ASSERT_EQ(report.loaded.size(), sa.size());
  ASSERT_EQ(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i) {
    EXPECT_EQ(sa[i].first, sb[i].first);
    EXPECT_EQ(sa[i].second.dtype(), sb[i].second.dtype()) << sa[i].first;
    EXPECT_EQ(sa[i].second.to_vector(), sb[i].second.to_vector()) << sa[i].first;
  }
  // The counters really travelled (a fresh model has 0).
  EXPECT_EQ(find_tensor(sb, "bn1.num_batches_tracked")->to_vector(), std::vector<double>{1});
  a->eval();
  b->eval();
  Generator gen(5);
  const Tensor x = randn({1, 3, 32, 32}, DType::f32, gen);
  NoGradGuard no_grad;
  EXPECT_EQ(a->forward(x).to_vector(), b->forward(x).to_vector());
}

TEST(WeightsTest, LoadedParametersStillTrain) {
  const std::string path = temp_path("resnet18_train.h5");
  save_weights(*trained_resnet18(3), path);
  ModulePtr m = build_model("resnet18");
  load_weights(*m, path);
  Generator gen(1);
  sum(m->forward(randn({2, 3, 32, 32}, DType::f32, gen))).backward();
  for (const auto& [name, p] : m->named_parameters()) {
    EXPECT_TRUE(p.requires_grad() && p.grad().defined()) << name;
  }
}

TEST(WeightsTest, MismatchedFileIsAnErrorUnlessPartial) {
  const std::string path = temp_path("resnet18_1000.h5");
  save_weights(*trained_resnet18(4), path);
  // A 10-class head: fc has other shapes.
  ModulePtr m = trained_resnet18(5, 10);
  const std::vector<double> before =
      m->submodule("layer1.0.conv1").state_dict()[0].second.to_vector();
  const std::string err = error_of([&] { load_weights(*m, path); });
  EXPECT_NE(err.find(path), std::string::npos) << err;
  EXPECT_NE(err.find("fc.weight"), std::string::npos) << err;
  // Nothing was modified by the failed load.
  EXPECT_EQ(m->submodule("layer1.0.conv1").state_dict()[0].second.to_vector(), before);

  const LoadReport report = load_weights(*m, path, /*allow_partial=*/true);
  EXPECT_FALSE(report.complete());
  ASSERT_EQ(report.mismatched.size(), 2u);
  EXPECT_EQ(report.mismatched[0].key, "fc.weight");
  EXPECT_EQ(report.loaded.size(), m->state_dict().size() - 2);
  EXPECT_NE(m->submodule("layer1.0.conv1").state_dict()[0].second.to_vector(), before);
}

TEST(WeightsTest, MissingFileNamesIt) {
  ModulePtr m = build_model("resnet18");
  const std::string err = error_of([&] { load_weights(*m, temp_path("no_such_file.h5")); });
  EXPECT_NE(err.find("no_such_file.h5"), std::string::npos) << err;
}

}  // namespace
}  // namespace dc
