// FrozenBatchNorm2d, GroupNorm and InstanceNorm2d against torchvision.ops.FrozenBatchNorm2d,
// nn.GroupNorm and nn.InstanceNorm2d through the PyTorch oracle: state-dict names, shapes and
// dtypes; outputs, gradients of the input and of every parameter; running statistics after a
// training step; eval mode.
#include "nets/norm_layers.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "autograd/grad_mode.h"
#include "core/copy.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "tests/nets/nets_test_util.h"

namespace dc {
namespace {

using nets_test::expect_close_rel;
using nets_test::to_oracle;
using testing::OracleResult;
using testing::TorchOracle;

// Non-default values (1, 0, 0, 1 would hide a swapped weight/bias or mean/var): scales and
// variances in [0.5, 1.5), shifts and means in [-0.5, 0.5).
void randomize_state(Module& m, uint64_t seed) {
  Generator gen(seed);
  NoGradGuard no_grad;
  for (auto& [name, t] : m.state_dict()) {
    if (t.dtype() != DType::f32) continue;
    const bool scale = name == "weight" || name == "running_var";
    const Tensor u = rand(t.sizes(), DType::f32, gen);
    copy_into(t, scale ? u + 0.5 : u - 0.5);
  }
}

// Builds `ctor` in torch, loads our state dict into it (by position, after checking the names),
// runs it in the given mode through functional_call (so gradients reach the inputs, and in-place
// buffer updates land in them) and returns the output followed by every buffer.
constexpr const char* kRun = R"(
m = eval(a['ctor'])
keys = list(m.state_dict().keys())
assert keys == a['keys'], f'torch state dict {keys} vs ours {a["keys"]}'
sd = dict(zip(keys, x[1:]))
for k, v in m.state_dict().items():
    assert v.dtype == sd[k].dtype and v.shape == sd[k].shape, (k, v.dtype, v.shape)
m.train(a['train'])
out = [torch.nn.utils.stateless.functional_call(m, sd, (x0,))]
out += [sd[k] for k, _ in m.named_buffers()]
)";

// Our layer and torch's `ctor` agree on names, outputs, gradients and buffers after one forward.
void expect_same_as_torch(Module& m, const std::string& ctor, const Shape& input, bool train,
                          uint64_t seed) {
  randomize_state(m, seed);
  m.zero_grad();
  m.train(train);
  Generator gen(seed + 100);
  Tensor x = randn(input, DType::f32, gen);
  std::vector<testing::OracleTensor> inputs{to_oracle(x, true)};
  std::vector<std::string> keys;
  const NamedTensors params = m.named_parameters();
  for (const auto& [name, t] : m.state_dict()) {
    keys.push_back(name);
    inputs.push_back(to_oracle(t, find_tensor(params, name) != nullptr));
  }
  x.set_requires_grad(true);
  const Tensor y = m.forward(x);
  const Tensor gy = randn(y.sizes(), DType::f32, gen);
  y.backward(gy);

  std::vector<testing::OracleTensor> grad_outputs{to_oracle(gy)};
  for (const auto& [name, t] : m.named_buffers()) {
    if (t.dtype() == DType::f32) grad_outputs.push_back(to_oracle(zeros_like(t)));
  }
  const OracleResult r = TorchOracle::instance().run(
      kRun, inputs, {{"ctor", ctor}, {"keys", keys}, {"train", train}}, grad_outputs);
  const std::string what = ctor + (train ? " train" : " eval");
  ASSERT_EQ(r.outputs.size(), 1 + m.named_buffers().size()) << what;
  EXPECT_EQ(y.sizes(), r.outputs[0].shape) << what;
  expect_close_rel(y.to_vector(), r.outputs[0], 1e-5, what + " output");
  ASSERT_TRUE(x.grad().defined() && r.grads[0].defined) << what;
  expect_close_rel(x.grad().to_vector(), r.grads[0], 1e-4, what + " input gradient");
  size_t b = 1;
  const NamedTensors sd = m.state_dict();
  for (size_t i = 0; i < keys.size(); ++i) {
    const Tensor& t = sd[i].second;
    if (find_tensor(params, keys[i]) != nullptr) {
      ASSERT_TRUE(t.grad().defined() && r.grads[i + 1].defined) << what << " " << keys[i];
      expect_close_rel(t.grad().to_vector(), r.grads[i + 1], 1e-4, what + " grad " + keys[i]);
    } else {
      // Buffers after the step: updated running statistics and counters, or unchanged ones.
      if (t.dtype() == DType::f32) {
        expect_close_rel(t.to_vector(), r.outputs[b], 1e-5, what + " " + keys[i]);
      } else {
        EXPECT_EQ(t.to_vector(), r.outputs[b].data) << what << " " << keys[i];
      }
      ++b;
    }
  }
}

TEST(NormLayersTest, FrozenBatchNorm2dNamesAndValues) {
  DC_REQUIRE_ORACLE();
  FrozenBatchNorm2d m(6);
  const NamedTensors sd = m.state_dict();
  ASSERT_EQ(sd.size(), 4u);
  EXPECT_TRUE(m.named_parameters().empty()) << "FrozenBatchNorm2d holds buffers only";
  // Training mode changes nothing: the statistics are frozen.
  expect_same_as_torch(m, "tv.ops.FrozenBatchNorm2d(6)", {2, 6, 5, 4}, true, 1);
  expect_same_as_torch(m, "tv.ops.FrozenBatchNorm2d(6)", {2, 6, 5, 4}, false, 2);
}

TEST(NormLayersTest, FrozenBatchNorm2dEps) {
  DC_REQUIRE_ORACLE();
  FrozenBatchNorm2d m(3, 0.1);
  expect_same_as_torch(m, "tv.ops.FrozenBatchNorm2d(3, eps=0.1)", {1, 3, 2, 2}, false, 3);
}

TEST(NormLayersTest, GroupNormAffine) {
  DC_REQUIRE_ORACLE();
  GroupNorm m(3, 6);
  expect_same_as_torch(m, "torch.nn.GroupNorm(3, 6)", {2, 6, 4, 5}, true, 4);
  expect_same_as_torch(m, "torch.nn.GroupNorm(3, 6)", {2, 6, 4, 5}, false, 5);
}

TEST(NormLayersTest, GroupNormEdgeGroupings) {
  DC_REQUIRE_ORACLE();
  GroupNorm one(1, 4, 1e-3, false);  // a single group: layer norm over C, H, W; no affine
  expect_same_as_torch(one, "torch.nn.GroupNorm(1, 4, eps=1e-3, affine=False)", {2, 4, 3, 3}, true,
                       6);
  GroupNorm per_channel(4, 4);  // one channel per group: instance norm with affine
  expect_same_as_torch(per_channel, "torch.nn.GroupNorm(4, 4)", {1, 4, 3, 2}, true, 7);
  GroupNorm flat(2, 8);  // [N, C] input: no spatial dims, each group holds 4 values
  expect_same_as_torch(flat, "torch.nn.GroupNorm(2, 8)", {3, 8}, true, 8);
}

TEST(NormLayersTest, InstanceNorm2dDefault) {
  DC_REQUIRE_ORACLE();
  InstanceNorm2d m(5);
  EXPECT_TRUE(m.state_dict().empty());
  expect_same_as_torch(m, "torch.nn.InstanceNorm2d(5)", {2, 5, 4, 3}, true, 9);
  // Without tracked statistics, eval mode also normalizes with the instance statistics.
  expect_same_as_torch(m, "torch.nn.InstanceNorm2d(5)", {2, 5, 4, 3}, false, 10);
}

TEST(NormLayersTest, InstanceNorm2dAffine) {
  DC_REQUIRE_ORACLE();
  InstanceNorm2dOptions o;
  o.affine = true;
  InstanceNorm2d m(4, o);
  expect_same_as_torch(m, "torch.nn.InstanceNorm2d(4, affine=True)", {2, 4, 3, 3}, true, 11);
}

TEST(NormLayersTest, InstanceNorm2dTrackRunningStats) {
  DC_REQUIRE_ORACLE();
  InstanceNorm2dOptions o;
  o.affine = true;
  o.track_running_stats = true;
  o.momentum = 0.3;
  InstanceNorm2d m(4, o);
  const std::string ctor =
      "torch.nn.InstanceNorm2d(4, momentum=0.3, affine=True, track_running_stats=True)";
  // Training: instance statistics, running ones updated, num_batches_tracked counted.
  expect_same_as_torch(m, ctor, {3, 4, 3, 5}, true, 12);
  // Eval: normalizes with the running statistics (a 1x1 plane is then fine).
  expect_same_as_torch(m, ctor, {2, 4, 1, 1}, false, 13);
}

// PyTorch's _InstanceNorm keeps num_batches_tracked for its state dict but never increments it.
TEST(NormLayersTest, InstanceNorm2dDoesNotCountBatches) {
  InstanceNorm2dOptions o;
  o.track_running_stats = true;
  InstanceNorm2d m(2, o);
  Generator gen(1);
  m.forward(randn({1, 2, 3, 3}, DType::f32, gen));
  m.forward(randn({1, 2, 3, 3}, DType::f32, gen));
  EXPECT_EQ(m.num_batches_tracked.data<int64_t>()[0], 0);
  EXPECT_NE(m.running_mean.to_vector(), std::vector<double>(2, 0.0)) << "running stats not updated";
}

}  // namespace
}  // namespace dc
