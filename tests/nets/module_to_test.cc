// Module::to(Device) with the CUDA backend linked in: on a GPU it moves every parameter and buffer
// in place (the handles layers keep stay valid) and a forward runs there; without a GPU (or in a
// CPU-only build) it fails naming the module, the tensor and the reason, and changes nothing.
#include <gtest/gtest.h>

#include "nets/batch_norm.h"
#include "nets/linear.h"
#include "nets/sequential.h"
#include "ops/creation.h"
#include "ops/reduce.h"
#include "tests/testing/expect_error.h"

#ifdef DC_WITH_CUDA
#include "core/cuda/device.h"
#endif

namespace dc {
namespace {

const Device kCuda0{DeviceType::CUDA, 0};

bool gpu_available() {
#ifdef DC_WITH_CUDA
  return cuda_is_available();
#else
  return false;
#endif
}

TEST(ModuleToTest, CpuIsANoOp) {
  Linear lin(3, 2);
  const Tensor w = lin.weight;
  const void* data = w.raw_data();
  lin.to(kCPU);
  EXPECT_EQ(lin.weight.raw_data(), data);
  EXPECT_TRUE(lin.weight.same(w));
}

TEST(ModuleToTest, WithoutGpuFailsClearlyAndChangesNothing) {
  if (gpu_available()) GTEST_SKIP() << "a GPU is present; the move is tested by MovesInPlace";
  Linear lin(3, 2);
  const std::vector<double> before = lin.weight.to_vector();
#ifdef DC_WITH_CUDA
  // The driver's own reason, e.g. "cudaGetDeviceCount failed: cudaErrorNoDevice (...)".
  const std::vector<std::string> reason = {"no CUDA device is usable", cuda_unavailable_reason()};
#else
  const std::vector<std::string> reason = {"no CUDA backend"};
#endif
  const std::string msg = error_of([&] { lin.to(kCuda0); });
  expect_contains(msg, {"Linear", "to(cuda:0)", "\"weight\"", "[2, 3]"});
  expect_contains(msg, reason);
  EXPECT_EQ(lin.weight.device(), kCPU);
  EXPECT_EQ(lin.bias.device(), kCPU);
  EXPECT_EQ(lin.weight.to_vector(), before);
}

TEST(ModuleToTest, MovesInPlaceAndForwardRuns) {
  if (!gpu_available()) {
#ifdef DC_WITH_CUDA
    GTEST_SKIP() << "no CUDA device: " << cuda_unavailable_reason();
#else
    GTEST_SKIP() << "built without CUDA";
#endif
  }
  auto lin = std::make_shared<Linear>(5, 4);
  auto bn = std::make_shared<BatchNorm2d>(4);
  Sequential net({lin});
  const Tensor w = lin->weight;  // a handle kept outside, as an optimizer keeps its parameters
  const std::vector<double> wv = w.to_vector();
  Generator gen(3);
  const Tensor x = randn({6, 5}, DType::f32, gen);
  const Tensor want = net.forward(x);
  // A gradient accumulated before the move moves with its parameter.
  sum(want).backward();
  const std::vector<double> gv = w.grad().to_vector();

  net.to(kCuda0);
  bn->to(kCuda0);
  EXPECT_EQ(w.device(), kCuda0);
  EXPECT_TRUE(lin->weight.same(w));
  EXPECT_EQ(lin->bias.device(), kCuda0);
  EXPECT_EQ(bn->running_mean.device(), kCuda0);
  EXPECT_EQ(bn->num_batches_tracked.device(), kCuda0);
  EXPECT_EQ(w.to(kCPU).to_vector(), wv);
  EXPECT_EQ(w.grad().device(), kCuda0);
  EXPECT_EQ(w.grad().to(kCPU).to_vector(), gv);
  EXPECT_TRUE(w.requires_grad());

  const Tensor got = net.forward(x.to(kCuda0));
  EXPECT_EQ(got.device(), kCuda0);
  const std::vector<double> g = got.to(kCPU).to_vector(), e = want.to_vector();
  ASSERT_EQ(g.size(), e.size());
  for (size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], e[i], 1e-5) << i;

  net.to(kCPU);
  EXPECT_EQ(w.device(), kCPU);
  EXPECT_EQ(w.to_vector(), wv);
}

}  // namespace
}  // namespace dc
