// GPU tests of //ops/cuda:cuda_conv_pool: cuDNN conv2d and conv_transpose2d, our pooling and
// upsampling kernels, each against the CPU kernels (outputs and every input gradient) in f32, f16
// and bf16; the cuDNN algorithm cache; the CudaImpl::kOurs hook of the conv2d forward. With no
// device, or a CPU-only build, the GPU tests report SKIPPED with the reason.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "core/copy.h"
#include "core/tensor.h"
#include "ops/conv.h"
#include "ops/conv_transpose.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/pool.h"
#include "ops/upsample.h"
#include "tests/testing/expect_error.h"

#ifdef DC_WITH_CUDA
#include "core/cuda/device.h"
#include "ops/cuda/cublas_gemm.h"
#include "ops/cuda/cudnn_conv.h"
#include "ops/cuda/impl_select.h"
#endif

namespace dc {
namespace {

const Device kCuda0{DeviceType::CUDA, 0};

// Runs on every machine: half types pass the ops' checks (they have CUDA kernels) and the CPU's
// kernel table then names what it has.
TEST(ConvPoolDtypes, HalfInputsOnCpuNameTheMissingKernel) {
  const Tensor x = zeros({1, 2, 4, 4}, DType::f16);
  expect_error(
      [&] {
        conv2d(x, zeros({2, 2, 3, 3}, DType::f16));
      },
      {"conv2d_forward_kernel", "cpu", "f16", "cpu/f32"});
  expect_error(
      [&] {
        conv_transpose2d(x, zeros({2, 2, 3, 3}, DType::f16));
      },
      {"conv_transpose2d_forward_kernel", "cpu", "f16"});
  expect_error([&] { max_pool2d(x, {2, 2}); }, {"max_pool2d_kernel", "f16"});
  expect_error(
      [&] {
        upsample_bilinear2d(x, {8, 8}, false);
      },
      {"upsample_bilinear2d_kernel", "f16"});
}

#ifdef DC_WITH_CUDA
// Needs no GPU: the kernels registered themselves, and the cuDNN library loads.
TEST(CudaConvBuild, KernelsAreRegisteredAndCudnnLoads) {
  for (DType t : {DType::f32, DType::f16, DType::bf16}) {
    EXPECT_NE(conv2d_forward_kernel().get(kCuda0, t), nullptr);
    EXPECT_NE(conv2d_backward_kernel().get(kCuda0, t), nullptr);
    EXPECT_NE(conv_transpose2d_forward_kernel().get(kCuda0, t), nullptr);
    EXPECT_NE(conv_transpose2d_backward_kernel().get(kCuda0, t), nullptr);
    EXPECT_NE(max_pool2d_kernel().get(kCuda0, t), nullptr);
    EXPECT_NE(max_pool2d_backward_kernel().get(kCuda0, t), nullptr);
    EXPECT_NE(avg_pool2d_kernel().get(kCuda0, t), nullptr);
    EXPECT_NE(avg_pool2d_backward_kernel().get(kCuda0, t), nullptr);
    EXPECT_NE(upsample_bilinear2d_kernel().get(kCuda0, t), nullptr);
    EXPECT_NE(upsample_bilinear2d_backward_kernel().get(kCuda0, t), nullptr);
    EXPECT_NE(upsample_nearest2d_kernel().get(kCuda0, t), nullptr);
    EXPECT_NE(upsample_nearest2d_backward_kernel().get(kCuda0, t), nullptr);
  }
  EXPECT_GE(cudnn_version(), 90000) << "cuDNN 9 or later expected";
  EXPECT_EQ(cudnn_conv_algo_cache_size(), 0);
}
#endif

class CudaConvTest : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef DC_WITH_CUDA
    GTEST_SKIP() << "built without CUDA (no toolkit found by @local_cuda)";
#else
    if (!cuda_is_available()) GTEST_SKIP() << "no CUDA device: " << cuda_unavailable_reason();
#endif
  }
};

#ifdef DC_WITH_CUDA

Tensor cpu(const Tensor& t) { return t.to(kCPU); }

Tensor uniform(const Shape& shape, double lo, double hi, uint64_t seed) {
  Generator gen(seed);
  return rand(shape, DType::f32, gen) * (hi - lo) + lo;
}

// Integers in [-3, 3] as f32: many exact ties for max pooling.
Tensor small_ints(const Shape& shape, uint64_t seed) {
  Generator gen(seed);
  return randint(-3, 4, shape, DType::i64, gen).to(DType::f32);
}

// |got - want| <= tol * max(1, max |want|) elementwise (a scale-aware bound: cuDNN's algorithms
// sum in different orders, and half types round every output); NaNs must match.
void expect_close(const Tensor& got, const Tensor& want, double tol, const std::string& what) {
  ASSERT_TRUE(got.defined()) << what << ": no result";
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  const std::vector<double> g = cpu(got).to_vector(), w = want.to_vector();
  double scale = 1;
  for (double v : w) {
    if (!std::isnan(v)) scale = std::max(scale, std::abs(v));
  }
  int bad = 0;
  for (size_t i = 0; i < g.size() && bad < 5; ++i) {
    const bool both_nan = std::isnan(g[i]) && std::isnan(w[i]);
    if (!both_nan && !(std::abs(g[i] - w[i]) <= tol * scale)) {
      ADD_FAILURE() << what << ": element " << i << " is " << g[i] << ", expected " << w[i]
                    << " (tolerance " << tol * scale << ")";
      ++bad;
    }
  }
}

struct DTypeTol {
  DType dtype;
  double tol;
};

using OpFn = std::function<Tensor(const std::vector<Tensor>&)>;

struct Run {
  Tensor y;
  std::vector<Tensor> grads;
};

// f on leaves made from `inputs` (CPU f32, already rounded to the dtype under test), backward
// with a fixed random output gradient.
Run run_op(const OpFn& f, const std::vector<Tensor>& inputs, DType dtype, Device device,
           uint64_t seed) {
  std::vector<Tensor> leaves;
  for (const Tensor& t : inputs) {
    Tensor leaf = t.to(dtype).to(device).detach();
    leaf.set_requires_grad(true);
    leaves.push_back(leaf);
  }
  const Tensor y = f(leaves);
  const Tensor gy = uniform(y.sizes(), -1, 1, seed).to(dtype).to(device);
  y.backward(gy);
  Run r{y.detach(), {}};
  for (const Tensor& l : leaves) r.grads.push_back(l.grad());
  return r;
}

// The op on the GPU in `dtype` against the CPU in f32 on the same (rounded) values: the output
// and the gradient of every input.
void check_vs_cpu(const std::string& name, const OpFn& f, const std::vector<Tensor>& inputs,
                  const DTypeTol& dt) {
  SCOPED_TRACE(name + " " + dtype_name(dt.dtype));
  std::vector<Tensor> rounded;
  for (const Tensor& t : inputs) rounded.push_back(t.to(dt.dtype).to(DType::f32));
  const Run want = run_op(f, rounded, DType::f32, kCPU, 99);
  const Run got = run_op(f, rounded, dt.dtype, kCuda0, 99);
  EXPECT_EQ(got.y.device(), kCuda0);
  EXPECT_EQ(got.y.dtype(), dt.dtype);
  expect_close(got.y.to(DType::f32), want.y, dt.tol, name + " output");
  for (size_t i = 0; i < inputs.size(); ++i) {
    ASSERT_TRUE(got.grads[i].defined()) << name << " gradient " << i;
    expect_close(got.grads[i].to(DType::f32), want.grads[i], dt.tol,
                 name + " gradient of input " + std::to_string(i));
  }
}

// Convolutions: cuDNN's f32 algorithms (FFT, Winograd) round differently from a direct sum.
const DTypeTol kConvTypes[] = {{DType::f32, 1e-4}, {DType::f16, 4e-3}, {DType::bf16, 2.5e-2}};
// Pooling and upsampling: same arithmetic as the CPU (f32), half types round their outputs.
const DTypeTol kPoolTypes[] = {{DType::f32, 1e-5}, {DType::f16, 2e-3}, {DType::bf16, 1.6e-2}};

struct ConvCase {
  std::string name;
  Shape x, w;
  bool bias;
  std::array<int64_t, 2> stride, padding, dilation;
  int64_t groups;
  std::array<int64_t, 2> output_padding{0, 0};  // conv_transpose2d only
};

std::vector<Tensor> conv_inputs(const ConvCase& c, int64_t bias_size) {
  std::vector<Tensor> in = {uniform(c.x, -1, 1, 1), uniform(c.w, -1, 1, 2)};
  if (c.bias) in.push_back(uniform({bias_size}, -1, 1, 3));
  return in;
}

TEST_F(CudaConvTest, Conv2dMatchesCpu) {
  const std::vector<ConvCase> cases = {
      {"3x3_pad1_bias", {2, 4, 9, 11}, {6, 4, 3, 3}, true, {1, 1}, {1, 1}, {1, 1}, 1},
      {"odd_kernel_strides", {1, 3, 13, 7}, {5, 3, 3, 5}, false, {2, 3}, {1, 2}, {1, 1}, 1},
      {"dilated_grouped", {2, 4, 10, 10}, {6, 2, 3, 3}, true, {1, 1}, {2, 1}, {2, 1}, 2},
      {"depthwise", {1, 8, 7, 7}, {8, 1, 3, 3}, true, {2, 2}, {1, 1}, {1, 1}, 8},
      {"pointwise", {2, 16, 5, 5}, {8, 16, 1, 1}, false, {1, 1}, {0, 0}, {1, 1}, 1},
      {"resnet_stem", {1, 3, 64, 64}, {16, 3, 7, 7}, false, {2, 2}, {3, 3}, {1, 1}, 1},
      {"resnet_3x3", {2, 64, 28, 28}, {64, 64, 3, 3}, false, {1, 1}, {1, 1}, {1, 1}, 1},
      {"resnet_down_1x1", {2, 64, 28, 28}, {128, 64, 1, 1}, false, {2, 2}, {0, 0}, {1, 1}, 1},
  };
  for (const ConvCase& c : cases) {
    const OpFn f = [&c](const std::vector<Tensor>& in) {
      return conv2d(in[0], in[1], c.bias ? in[2] : Tensor(), c.stride, c.padding, c.dilation,
                    c.groups);
    };
    for (const DTypeTol& dt : kConvTypes) {
      check_vs_cpu("conv2d " + c.name, f, conv_inputs(c, c.w[0]), dt);
    }
  }
}

TEST_F(CudaConvTest, ConvTranspose2dMatchesCpu) {
  // w is [Cin, Cout/groups, kh, kw]. The last two have output_padding >= stride (allowed below
  // the dilation), which cuDNN's symmetric padding cannot describe: the unpadded fallback; in the
  // last one the output reaches past every input's footprint (bias-only rows).
  const std::vector<ConvCase> cases = {
      {"s2_outpad1_bias", {2, 4, 5, 6}, {4, 3, 3, 3}, true, {2, 2}, {1, 1}, {1, 1}, 1, {1, 1}},
      {"s3_odd_kernel", {1, 3, 4, 7}, {3, 5, 4, 2}, false, {3, 2}, {1, 0}, {1, 1}, 1, {2, 1}},
      {"grouped_dilated", {2, 4, 6, 5}, {4, 3, 3, 3}, true, {2, 1}, {2, 1}, {2, 2}, 2, {1, 0}},
      {"outpad_over_stride", {2, 3, 4, 5}, {3, 2, 3, 3}, true, {1, 1}, {2, 1}, {2, 2}, 1, {1, 1}},
      {"bias_only_rows", {1, 2, 3, 3}, {2, 2, 2, 2}, true, {1, 2}, {0, 0}, {3, 3}, 1, {2, 1}},
      {"fcn_upsample_x2", {2, 32, 14, 14}, {32, 16, 4, 4}, true, {2, 2}, {1, 1}, {1, 1}, 1},
  };
  for (const ConvCase& c : cases) {
    const OpFn f = [&c](const std::vector<Tensor>& in) {
      return conv_transpose2d(in[0], in[1], c.bias ? in[2] : Tensor(), c.stride, c.padding,
                              c.output_padding, c.dilation, c.groups);
    };
    for (const DTypeTol& dt : kConvTypes) {
      check_vs_cpu("conv_transpose2d " + c.name, f, conv_inputs(c, c.w[1] * c.groups), dt);
    }
  }
}

TEST_F(CudaConvTest, GradientsOnlyWhereAsked) {
  // Only the weight needs a gradient: gx is never computed, the weight's is still right.
  const Tensor x = uniform({2, 3, 8, 8}, -1, 1, 5), w = uniform({4, 3, 3, 3}, -1, 1, 6);
  Tensor wc = w.to(kCuda0).detach();
  wc.set_requires_grad(true);
  Tensor ww = w.detach().clone();
  ww.set_requires_grad(true);
  conv2d(x.to(kCuda0), wc, Tensor(), {2, 2}, {1, 1})
      .backward(ones({2, 4, 4, 4}, DType::f32, kCuda0));
  conv2d(x, ww, Tensor(), {2, 2}, {1, 1}).backward(ones({2, 4, 4, 4}));
  expect_close(wc.grad(), ww.grad(), 1e-4, "weight gradient alone");
}

TEST_F(CudaConvTest, AlgorithmChoiceIsCachedPerShape) {
  cudnn_conv_clear_algo_cache();
  EXPECT_EQ(cudnn_conv_algo_cache_size(), 0);
  const int64_t s0 = cudnn_conv_algo_searches();
  auto step = [](int64_t h) {
    Tensor x = uniform({2, 8, h, h}, -1, 1, 7).to(kCuda0).detach();
    Tensor w = uniform({8, 8, 3, 3}, -1, 1, 8).to(kCuda0).detach();
    x.set_requires_grad(true);
    w.set_requires_grad(true);
    conv2d(x, w, Tensor(), {1, 1}, {1, 1}).backward(ones({2, 8, h, h}, DType::f32, kCuda0));
  };
  step(12);  // forward, backward data, backward filter: three searches
  EXPECT_EQ(cudnn_conv_algo_searches() - s0, 3);
  EXPECT_EQ(cudnn_conv_algo_cache_size(), 3);
  step(12);
  step(12);
  EXPECT_EQ(cudnn_conv_algo_searches() - s0, 3) << "the same shape searched again";
  step(13);  // a new shape: three more
  EXPECT_EQ(cudnn_conv_algo_searches() - s0, 6);
  EXPECT_EQ(cudnn_conv_algo_cache_size(), 6);
  // Another dtype is another entry.
  conv2d(uniform({2, 8, 12, 12}, -1, 1, 7).to(DType::f16).to(kCuda0),
         uniform({8, 8, 3, 3}, -1, 1, 8).to(DType::f16).to(kCuda0), Tensor(), {1, 1}, {1, 1});
  EXPECT_EQ(cudnn_conv_algo_cache_size(), 7);
  cudnn_conv_clear_algo_cache();
  EXPECT_EQ(cudnn_conv_algo_cache_size(), 0);
}

TEST_F(CudaConvTest, TimedSearchAndTf32StillMatchCpu) {
  const ConvCase c{"bench", {2, 16, 20, 20}, {32, 16, 3, 3}, true, {1, 1}, {1, 1}, {1, 1}, 1};
  const OpFn f = [&c](const std::vector<Tensor>& in) {
    return conv2d(in[0], in[1], in[2], c.stride, c.padding, c.dilation, c.groups);
  };
  const OpFn ft = [](const std::vector<Tensor>& in) {
    return conv_transpose2d(in[0], in[1], in[2], {2, 2}, {1, 1}, {1, 1});
  };
  const std::vector<Tensor> tin = {uniform({2, 16, 7, 7}, -1, 1, 11),
                                   uniform({16, 8, 3, 3}, -1, 1, 12), uniform({8}, -1, 1, 13)};
  set_cudnn_benchmark(true);
  cudnn_conv_clear_algo_cache();
  const int64_t s0 = cudnn_conv_algo_searches();
  check_vs_cpu("conv2d timed search", f, conv_inputs(c, 32), kConvTypes[0]);
  check_vs_cpu("conv_transpose2d timed search", ft, tin, kConvTypes[0]);
  EXPECT_EQ(cudnn_conv_algo_searches() - s0, 6);
  set_cudnn_benchmark(false);
  // TF32: 10-bit mantissas, so a looser bound; a separate cache entry from FMA-only f32.
  set_cuda_allow_tf32(true);
  check_vs_cpu("conv2d tf32", f, conv_inputs(c, 32), {DType::f32, 5e-3});
  set_cuda_allow_tf32(false);
  EXPECT_EQ(cudnn_conv_algo_searches() - s0, 9);
  cudnn_conv_clear_algo_cache();
}

// A stand-in for the hand-written implicit-GEMM kernel: proves the forward dispatches to it.
bool g_fake_called = false;
void fake_ours_conv(const Tensor& y, const Tensor&, const Tensor&, const Tensor&,
                    const Conv2dParams&) {
  g_fake_called = true;
  fill_(y, 7);
}

TEST_F(CudaConvTest, OursImplSelectionReachesTheRegisteredKernel) {
  Conv2dForwardFn* previous = nullptr;
  try {
    previous = ours_conv2d_forward();
  } catch (const Error&) {
    // None registered in this build.
  }
  register_ours_conv2d_forward(&fake_ours_conv);
  const Tensor x = uniform({1, 2, 5, 5}, -1, 1, 1).to(kCuda0);
  const Tensor w = uniform({3, 2, 3, 3}, -1, 1, 2).to(kCuda0);
  g_fake_called = false;
  Tensor y;
  {
    ScopedCudaImpl ours(CudaImpl::kVendor, CudaImpl::kOurs);
    y = conv2d(x, w);
  }
  register_ours_conv2d_forward(previous);
  EXPECT_TRUE(g_fake_called);
  EXPECT_EQ(cpu(y).to_vector(), std::vector<double>(27, 7.0));
  // Outside the scope, cuDNN again.
  expect_close(conv2d(x, w), conv2d(cpu(x), cpu(w)), 1e-4, "cuDNN after the scope");
}

TEST_F(CudaConvTest, UnsupportedDtypeNamesTheKernel) {
  const Tensor x = zeros({1, 2, 4, 4}, DType::f64, kCuda0);
  expect_error(
      [&] {
        conv2d(x, zeros({2, 2, 3, 3}, DType::f64, kCuda0));
      },
      {"conv2d_forward_kernel", "cuda:0", "f64", "cuda/f32"});
  expect_error([&] { avg_pool2d(x, {2, 2}); }, {"avg_pool2d_kernel", "cuda:0", "f64"});
}

TEST_F(CudaConvTest, MaxPoolMatchesCpu) {
  struct Case {
    std::string name;
    std::array<int64_t, 2> k, s, p, d;
    bool ceil;
  };
  const std::vector<Case> cases = {
      {"k3s2p1", {3, 3}, {2, 2}, {1, 1}, {1, 1}, false},
      {"k2s2", {2, 2}, {0, 0}, {0, 0}, {1, 1}, false},
      {"k3s2p1_ceil", {3, 3}, {2, 2}, {1, 1}, {1, 1}, true},
      {"dilated", {3, 3}, {1, 1}, {1, 1}, {2, 2}, false},
      {"rect_ceil", {3, 2}, {2, 1}, {1, 0}, {1, 2}, true},
  };
  for (const Case& c : cases) {
    const OpFn f = [&c](const std::vector<Tensor>& in) {
      return max_pool2d(in[0], c.k, c.s, c.p, c.d, c.ceil);
    };
    for (const DTypeTol& dt : kPoolTypes) {
      check_vs_cpu("max_pool2d " + c.name, f, {uniform({2, 3, 11, 13}, -1, 1, 21)}, dt);
      // Exact ties everywhere: the first maximum wins on both devices, so gradients agree.
      check_vs_cpu("max_pool2d ties " + c.name, f, {small_ints({2, 3, 11, 13}, 22)}, dt);
    }
  }
  // 3-D input, and a NaN that wins its windows.
  Tensor x = uniform({3, 9, 9}, -1, 1, 23);
  x.data<float>()[40] = NAN;
  check_vs_cpu(
      "max_pool2d nan",
      [](const std::vector<Tensor>& in) {
        return max_pool2d(in[0], {3, 3}, {2, 2}, {1, 1});
      },
      {x}, kPoolTypes[0]);
}

TEST_F(CudaConvTest, AvgPoolMatchesCpu) {
  struct Case {
    std::string name;
    std::array<int64_t, 2> k, s, p;
    bool ceil, include_pad;
  };
  const std::vector<Case> cases = {
      {"k3s2p1_incl", {3, 3}, {2, 2}, {1, 1}, false, true},
      {"k3s2p1_excl", {3, 3}, {2, 2}, {1, 1}, false, false},
      {"k2_ceil_incl", {2, 2}, {2, 2}, {0, 0}, true, true},
      {"k3_ceil_excl", {3, 3}, {2, 2}, {1, 1}, true, false},
      {"rect", {4, 2}, {3, 1}, {2, 1}, true, true},
  };
  for (const Case& c : cases) {
    const OpFn f = [&c](const std::vector<Tensor>& in) {
      return avg_pool2d(in[0], c.k, c.s, c.p, c.ceil, c.include_pad);
    };
    for (const DTypeTol& dt : kPoolTypes) {
      check_vs_cpu("avg_pool2d " + c.name, f, {uniform({2, 3, 11, 13}, -1, 1, 31)}, dt);
    }
  }
  for (std::array<int64_t, 2> size :
       {std::array<int64_t, 2>{1, 1}, {4, 5}, {11, 13}, {5, 9}, {20, 3}}) {
    for (const DTypeTol& dt : kPoolTypes) {
      check_vs_cpu(
          "adaptive_avg_pool2d " + std::to_string(size[0]) + "x" + std::to_string(size[1]),
          [size](const std::vector<Tensor>& in) { return adaptive_avg_pool2d(in[0], size); },
          {uniform({2, 3, 11, 13}, -1, 1, 32)}, dt);
    }
  }
}

TEST_F(CudaConvTest, UpsampleMatchesCpu) {
  const Tensor x = uniform({2, 3, 7, 10}, -1, 1, 41);
  const std::vector<std::array<int64_t, 2>> sizes = {{14, 20}, {21, 25}, {7, 10}, {3, 4},
                                                     {1, 1},   {16, 7},  {8, 11}};
  for (const auto& s : sizes) {
    const std::string tag = std::to_string(s[0]) + "x" + std::to_string(s[1]);
    for (const DTypeTol& dt : kPoolTypes) {
      for (bool ac : {false, true}) {
        check_vs_cpu(
            "bilinear " + tag + (ac ? " align" : ""),
            [s, ac](const std::vector<Tensor>& in) { return upsample_bilinear2d(in[0], s, ac); },
            {x}, dt);
      }
      check_vs_cpu(
          "nearest " + tag,
          [s](const std::vector<Tensor>& in) { return upsample_nearest2d(in[0], s); }, {x}, dt);
    }
  }
  const std::vector<std::array<double, 2>> scales = {
      {2.0, 2.0}, {1.5, 2.5}, {0.5, 0.7}, {3.0, 1.0}};
  for (const auto& sc : scales) {
    const std::string tag = std::to_string(sc[0]) + "," + std::to_string(sc[1]);
    for (const DTypeTol& dt : kPoolTypes) {
      for (bool ac : {false, true}) {
        check_vs_cpu(
            "bilinear scale " + tag + (ac ? " align" : ""),
            [sc, ac](const std::vector<Tensor>& in) {
              return upsample_bilinear2d(in[0], sc[0], sc[1], ac);
            },
            {x}, dt);
      }
      check_vs_cpu(
          "nearest scale " + tag,
          [sc](const std::vector<Tensor>& in) { return upsample_nearest2d(in[0], sc[0], sc[1]); },
          {x}, dt);
    }
  }
}

TEST_F(CudaConvTest, GatherBackwardsAreDeterministic) {
  // Bitwise-equal gradients on repeated runs (no atomics), and in f32 equal to the CPU's up to
  // FMA contraction of the blend.
  const Tensor x = uniform({4, 8, 33, 29}, -1, 1, 51);
  for (int op = 0; op < 3; ++op) {
    auto grad = [&]() {
      Tensor leaf = x.to(kCuda0).detach();
      leaf.set_requires_grad(true);
      const Tensor y = op == 0   ? upsample_bilinear2d(leaf, {70, 61}, false)
                       : op == 1 ? max_pool2d(leaf, {3, 3}, {1, 1}, {1, 1})
                                 : avg_pool2d(leaf, {3, 3}, {2, 2}, {1, 1});
      y.backward(uniform(y.sizes(), -1, 1, 52).to(kCuda0));
      return cpu(leaf.grad()).to_vector();
    };
    EXPECT_EQ(grad(), grad()) << "op " << op;
  }
}

#endif  // DC_WITH_CUDA

}  // namespace
}  // namespace dc
