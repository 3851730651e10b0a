// The GPU suite of the op-case registry (ops/op_case.h): every registered case with an oracle
// mode runs on CUDA and on the CPU from the same inputs, and its outputs and input gradients (for
// the same random output gradients) are compared with tolerances by dtype: f32 for every case, f16
// and bf16 (against the CPU's f32 run on the same rounded inputs) for the families that have half
// kernels (elementwise, GEMM, conv). Also our hand-written tiled GEMM and implicit-GEMM conv2d
// against the CPU, and the implementation switch. Tests that need a GPU report SKIPPED with the
// reason when there is none (or the build has no CUDA); the switch tests run on any CUDA build.
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <string>

#include "autograd/node.h"
#include "core/copy.h"
#include "ops/bench/bench.h"
#include "ops/conv.h"
#include "ops/creation.h"
#include "ops/linalg.h"
#include "ops/op_case.h"
#include "tests/testing/expect_error.h"

#ifdef DC_WITH_CUDA
#include "core/cuda/device.h"
#include "ops/cuda/impl_select.h"
#endif

namespace dc {
namespace {

const Device kCuda0{DeviceType::CUDA, 0};

// Skips the calling test unless a CUDA device can run kernels.
#ifdef DC_WITH_CUDA
#define DC_REQUIRE_GPU()                                                                       \
  do {                                                                                         \
    if (!cuda_is_available()) GTEST_SKIP() << "no CUDA device: " << cuda_unavailable_reason(); \
  } while (0)
#else
#define DC_REQUIRE_GPU() GTEST_SKIP() << "built without CUDA (no toolkit found by @local_cuda)"
#endif

struct Tol {
  double rtol, atol;
};

// |got - want| <= atol + rtol |want| elementwise (NaNs must match); both moved to the CPU.
void expect_close(const Tensor& got, const Tensor& want, Tol tol, const std::string& what) {
  ASSERT_TRUE(got.defined() == want.defined()) << what << ": defined on one side only";
  if (!got.defined()) return;
  ASSERT_EQ(got.sizes(), want.sizes()) << what;
  const std::vector<double> g = got.to(kCPU).to_vector(), w = want.to(kCPU).to_vector();
  int bad = 0;
  for (size_t i = 0; i < g.size() && bad < 5; ++i) {
    const bool both_nan = std::isnan(g[i]) && std::isnan(w[i]);
    if (!both_nan && !(std::abs(g[i] - w[i]) <= tol.atol + tol.rtol * std::abs(w[i]))) {
      ADD_FAILURE() << what << ": element " << i << " is " << g[i] << " on CUDA, " << w[i]
                    << " on the CPU";
      ++bad;
    }
  }
}

#ifdef DC_WITH_CUDA

// ---------------------------------------------------------------- every op case, CUDA vs CPU

struct CaseRun {
  std::vector<Tensor> inputs, outputs;
};

// Runs case c on `inputs`, then backward from every floating output that requires grad with
// gradients drawn from a fixed seed (made on the CPU, so both devices get the same values).
CaseRun run_case(const OpCase& c, std::vector<Tensor> inputs, Device device) {
  CaseRun r;
  r.inputs = inputs;
  r.outputs = c.run(inputs);
  std::vector<Tensor> roots, gouts;
  Generator gen(99);
  for (const Tensor& o : r.outputs) {
    if (!o.defined() || !is_floating(o.dtype())) continue;
    const Tensor g = randn(o.sizes(), DType::f32, gen).to(o.dtype()).to(device);
    if (o.requires_grad()) {
      roots.push_back(o);
      gouts.push_back(g);
    }
  }
  if (!roots.empty()) run_backward(roots, gouts, false);
  return r;
}

bool has_half_kernels(const std::string& name) {
  for (const char* p : {"unary/", "binary/", "matmul/", "bmm/", "linear/", "conv2d/"}) {
    if (name.rfind(p, 0) == 0) return true;
  }
  return false;
}

struct CaseParam {
  size_t index;
  DType dtype;
};

std::vector<CaseParam> gpu_case_params() {
  std::vector<CaseParam> out;
  const std::vector<OpCase>& cs = all_op_cases();
  for (size_t i = 0; i < cs.size(); ++i) {
    if (!(cs[i].modes & kOracle)) continue;  // perf-only cases are sized for timing
    out.push_back({i, DType::f32});
    if (has_half_kernels(cs[i].name)) {
      out.push_back({i, DType::f16});
      out.push_back({i, DType::bf16});
    }
  }
  return out;
}

std::string case_param_name(const ::testing::TestParamInfo<CaseParam>& info) {
  std::string n = all_op_cases()[info.param.index].name + "_" + dtype_name(info.param.dtype);
  for (char& ch : n) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n;
}

class CudaOpCaseTest : public ::testing::TestWithParam<CaseParam> {};

TEST_P(CudaOpCaseTest, MatchesCpu) {
  DC_REQUIRE_GPU();
  const OpCase& c = all_op_cases()[GetParam().index];
  const DType dt = GetParam().dtype;
  // The CPU runs f32 on the same (for half types: rounded) values; CPU kernels are f32/f64 only.
  std::vector<Tensor> cpu_in = make_case_inputs(c, 7, dt);
  for (Tensor& t : cpu_in) {
    if (is_floating(t.dtype()) && t.dtype() != DType::f32 && t.dtype() != DType::f64) {
      const bool g = t.requires_grad();
      t = t.detach().to(DType::f32).detach();
      if (g) t.set_requires_grad(true);
    }
  }
  const CaseRun want = run_case(c, cpu_in, kCPU);
  CaseRun got;
  try {
    got = run_case(c, bench::make_case_inputs_on(c, 7, dt, kCuda0), kCuda0);
  } catch (const Error& e) {
    const std::string msg = e.what();
    // f64 variants exist to check the CPU's double kernels against PyTorch; the CUDA backend is
    // f32/f16/bf16 (docs/CUDA.md), so their missing f64 kernel is by design.
    if (msg.find("no kernel for device cuda") != std::string::npos &&
        msg.find("dtype f64") != std::string::npos) {
      GTEST_SKIP() << c.name << " runs in f64, which CUDA kernels do not cover: " << msg;
    }
    FAIL() << c.name << " (" << dtype_name(dt) << ") failed on CUDA: " << msg;
  }
  Tol tol{std::max(c.rtol, 1e-4), std::max(c.atol, 1e-5)};
  if (dt == DType::f16) tol = {5e-3, 5e-3};
  if (dt == DType::bf16) tol = {3e-2, 3e-2};
  ASSERT_EQ(got.outputs.size(), want.outputs.size()) << c.name;
  for (size_t k = 0; k < want.outputs.size(); ++k) {
    const Tensor& g = got.outputs[k];
    if (g.defined()) {
      EXPECT_EQ(g.device(), kCuda0) << c.name << " output " << k;
      EXPECT_EQ(g.dtype(), is_floating(g.dtype()) ? dt : want.outputs[k].dtype())
          << c.name << " output " << k;
    }
    expect_close(g.defined() && is_floating(g.dtype()) ? g.to(kCPU).to(DType::f32) : g,
                 want.outputs[k], tol, c.name + " output " + std::to_string(k));
  }
  for (size_t k = 0; k < want.inputs.size(); ++k) {
    if (!want.inputs[k].requires_grad()) continue;
    const Tensor gw = want.inputs[k].grad(), gg = got.inputs[k].grad();
    ASSERT_EQ(gw.defined(), gg.defined()) << c.name << ": gradient of input " << k;
    if (!gw.defined()) continue;
    expect_close(gg.to(kCPU).to(DType::f32), gw, Tol{tol.rtol * 10, tol.atol * 10},
                 c.name + " gradient of input " + std::to_string(k));
  }
}

INSTANTIATE_TEST_SUITE_P(Ops, CudaOpCaseTest, ::testing::ValuesIn(gpu_case_params()),
                         case_param_name);

// ---------------------------------------------------------------- our tiled GEMM

Tensor randn_on(const Shape& s, uint64_t seed, Device d = kCPU) {
  Generator gen(seed);
  return randn(s, DType::f32, gen).to(d);
}

struct GemmShape {
  int64_t batch, m, n, k;
};

class TiledGemmTest : public ::testing::TestWithParam<GemmShape> {};

// matmul under CudaImpl::kOurs against the CPU and against cuBLAS, for every combination of
// transposed operands; the gradients (which multiply by transposed views) too.
TEST_P(TiledGemmTest, MatchesCpuAndCublas) {
  DC_REQUIRE_GPU();
  const GemmShape s = GetParam();
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      SCOPED_TRACE(std::string("ta=") + (ta ? "1" : "0") + " tb=" + (tb ? "1" : "0"));
      // A transposed operand is the transposed view of a contiguous [.., K, M] / [.., N, K].
      const Tensor a0 =
          ta ? randn_on({s.batch, s.k, s.m}, 1).transpose(1, 2) : randn_on({s.batch, s.m, s.k}, 1);
      const Tensor b0 =
          tb ? randn_on({s.batch, s.n, s.k}, 2).transpose(1, 2) : randn_on({s.batch, s.k, s.n}, 2);
      Tensor a_cpu = a0.detach().set_requires_grad(true), b_cpu = b0.detach();
      b_cpu.set_requires_grad(true);
      const Tensor want = matmul(a_cpu, b_cpu);
      const Tensor gy = randn_on(want.sizes(), 3);
      want.backward(gy);

      auto to_gpu = [](const Tensor& t, bool t_view) {
        Tensor g =
            t_view ? t.detach().transpose(1, 2).to(kCuda0).transpose(1, 2) : t.detach().to(kCuda0);
        g = g.detach();
        g.set_requires_grad(true);
        return g;
      };
      Tensor a = to_gpu(a0, ta), b = to_gpu(b0, tb);
      const Tol tol{1e-4, 1e-4 * std::sqrt(static_cast<double>(s.k) + 1)};
      {
        ScopedCudaImpl ours(CudaImpl::kOurs, CudaImpl::kVendor);
        const Tensor got = matmul(a, b);
        expect_close(got, want, tol, "tiled GEMM output");
        got.backward(gy.to(kCuda0));
      }
      expect_close(a.grad(), a_cpu.grad(), tol, "tiled GEMM grad a");
      expect_close(b.grad(), b_cpu.grad(), tol, "tiled GEMM grad b");
      expect_close(matmul(a, b), want, tol, "cuBLAS output");  // the default is the vendor's
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, TiledGemmTest,
                         ::testing::Values(GemmShape{1, 1, 1, 1}, GemmShape{1, 7, 13, 5},
                                           GemmShape{1, 128, 128, 8}, GemmShape{1, 129, 130, 131},
                                           GemmShape{3, 33, 65, 300}, GemmShape{2, 300, 257, 17},
                                           GemmShape{1, 1, 513, 1000}, GemmShape{1, 257, 1, 64}));

TEST(TiledGemmEdgeTest, BroadcastBatchStridedOperandAndEmptyK) {
  DC_REQUIRE_GPU();
  ScopedCudaImpl ours(CudaImpl::kOurs, CudaImpl::kVendor);
  const Tol tol{1e-4, 1e-3};
  // Batch broadcast: b [K, N] against a [4, M, K] (batch stride 0 inside the kernel).
  const Tensor a = randn_on({4, 37, 19}, 4), b = randn_on({19, 45}, 5);
  expect_close(matmul(a.to(kCuda0), b.to(kCuda0)), matmul(a, b), tol, "broadcast batch");
  // Neither dim unit-stride (every other column): copied to contiguous first.
  const Tensor wide = randn_on({19, 90}, 6);
  const Tensor strided = wide.slice(1, 0, 90, 2);
  expect_close(matmul(a.to(kCuda0), wide.to(kCuda0).slice(1, 0, 90, 2)), matmul(a, strided), tol,
               "strided operand");
  // Misaligned base pointer (offset 1): the scalar load path.
  const Tensor base = randn_on({1 + 33 * 12}, 7);
  const Tensor mis = base.slice(0, 1, 1 + 33 * 12).view({33, 12});
  const Tensor rhs = randn_on({12, 20}, 8);
  expect_close(matmul(base.to(kCuda0).slice(0, 1, 1 + 33 * 12).view({33, 12}), rhs.to(kCuda0)),
               matmul(mis, rhs), tol, "misaligned operand");
  // K = 0: zeros.
  const Tensor e = matmul(zeros({5, 0}).to(kCuda0), zeros({0, 6}).to(kCuda0));
  expect_close(e, zeros({5, 6}), tol, "empty K");
}

// The tensor-core f16/bf16 path of the hand-written GEMM against the CPU's f32 on the same rounded
// inputs (accumulation is f32; the output is rounded once), plain and transposed operands.
TEST(TiledGemmEdgeTest, HalfTypesOnTensorCores) {
  DC_REQUIRE_GPU();
  ScopedCudaImpl ours(CudaImpl::kOurs, CudaImpl::kVendor);
  for (DType dt : {DType::f16, DType::bf16}) {
    SCOPED_TRACE(dtype_name(dt));
    const double r = dt == DType::f16 ? 5e-3 : 2e-2;
    for (const GemmShape& s :
         {GemmShape{1, 7, 13, 5}, GemmShape{2, 130, 129, 77}, GemmShape{1, 256, 128, 512}}) {
      const Tensor a = randn_on({s.batch, s.m, s.k}, 21).to(dt);
      const Tensor bt = randn_on({s.batch, s.n, s.k}, 22).to(dt);
      const Tensor b = bt.transpose(1, 2);  // a transposed view: the element-wise load path
      const Tensor want = matmul(a.to(DType::f32), b.to(DType::f32));
      const Tol tol{r, r * std::sqrt(static_cast<double>(s.k))};
      const Tensor got = matmul(a.to(kCuda0), bt.to(kCuda0).transpose(1, 2));
      EXPECT_EQ(got.dtype(), dt);
      expect_close(got.to(kCPU).to(DType::f32), want, tol, "wmma GEMM, b transposed");
      const Tensor b_contig = b.contiguous();
      expect_close(matmul(a.to(kCuda0), b_contig.to(kCuda0)).to(kCPU).to(DType::f32), want, tol,
                   "wmma GEMM");
    }
  }
}

// ---------------------------------------------------------------- our implicit-GEMM conv2d

struct ConvShape {
  int64_t n, cin, cout, h, w, kh, kw;
  Conv2dParams p;
  bool bias;
};

class ImplicitGemmConvTest : public ::testing::TestWithParam<ConvShape> {};

// The registered kernel called directly (the op's CUDA dispatch goes through cuDNN's kernel,
// which hands over to it under CudaImpl::kOurs), against the CPU's conv2d.
TEST_P(ImplicitGemmConvTest, MatchesCpu) {
  DC_REQUIRE_GPU();
  const ConvShape s = GetParam();
  const Tensor x = randn_on({s.n, s.cin, s.h, s.w}, 11),
               w = randn_on({s.cout, s.cin, s.kh, s.kw}, 12);
  const Tensor b = s.bias ? randn_on({s.cout}, 13) : Tensor();
  const Tensor want = conv2d(x, w, b, s.p.stride, s.p.padding, s.p.dilation, 1);
  const Tensor y = empty(want.sizes(), DType::f32, kCuda0);
  ours_conv2d_forward()(y, x.to(kCuda0), w.to(kCuda0), s.bias ? b.to(kCuda0) : Tensor(), s.p);
  const double k = static_cast<double>(s.cin * s.kh * s.kw);
  expect_close(y, want, Tol{1e-4, 1e-4 * std::sqrt(k + 1)}, "implicit-GEMM conv2d");
}

Conv2dParams params(int64_t s, int64_t p, int64_t d) {
  Conv2dParams c;
  c.stride = {s, s};
  c.padding = {p, p};
  c.dilation = {d, d};
  return c;
}

Conv2dParams asym() {
  Conv2dParams c;
  c.stride = {2, 1};
  c.padding = {0, 2};
  c.dilation = {1, 2};
  return c;
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ImplicitGemmConvTest,
    ::testing::Values(ConvShape{2, 3, 8, 9, 11, 3, 3, params(1, 1, 1), true},
                      ConvShape{1, 1, 1, 1, 1, 1, 1, params(1, 0, 1), false},
                      ConvShape{2, 16, 130, 14, 15, 1, 1, params(1, 0, 1), true},
                      ConvShape{2, 3, 16, 23, 23, 7, 7, params(2, 3, 1), false},
                      ConvShape{1, 5, 7, 17, 13, 3, 3, params(1, 2, 2), true},
                      ConvShape{3, 6, 9, 12, 10, 3, 2, asym(), true},
                      ConvShape{2, 64, 64, 20, 20, 3, 3, params(2, 1, 1), false}));

#endif  // DC_WITH_CUDA

// ---------------------------------------------------------------- the switch (no GPU needed)

TEST(CudaImplSwitchTest, NestsAndRestores) {
#ifndef DC_WITH_CUDA
  GTEST_SKIP() << "built without CUDA (no toolkit found by @local_cuda)";
#else
  EXPECT_EQ(cuda_gemm_impl(), CudaImpl::kVendor);
  EXPECT_EQ(cuda_conv_impl(), CudaImpl::kVendor);
  {
    ScopedCudaImpl outer(CudaImpl::kOurs, CudaImpl::kVendor);
    EXPECT_EQ(cuda_gemm_impl(), CudaImpl::kOurs);
    EXPECT_EQ(cuda_conv_impl(), CudaImpl::kVendor);
    {
      ScopedCudaImpl inner(CudaImpl::kVendor, CudaImpl::kOurs);
      EXPECT_EQ(cuda_gemm_impl(), CudaImpl::kVendor);
      EXPECT_EQ(cuda_conv_impl(), CudaImpl::kOurs);
      EXPECT_STREQ(cuda_impl_name(cuda_conv_impl()), "ours");
    }
    EXPECT_EQ(cuda_gemm_impl(), CudaImpl::kOurs);
    EXPECT_EQ(cuda_conv_impl(), CudaImpl::kVendor);
  }
  EXPECT_EQ(cuda_gemm_impl(), CudaImpl::kVendor);
  EXPECT_STREQ(cuda_impl_name(cuda_gemm_impl()), "vendor");
#endif
}

TEST(CudaImplSwitchTest, OursWithNothingRegisteredFailsLoudly) {
#ifndef DC_WITH_CUDA
  GTEST_SKIP() << "built without CUDA (no toolkit found by @local_cuda)";
#else
  // This binary links the hand-written kernels, so both are registered; unregister them for the
  // check and put them back.
  GemmKernelFn* gemm = ours_gemm();
  Conv2dForwardFn* conv = ours_conv2d_forward();
  ASSERT_NE(gemm, nullptr);
  ASSERT_NE(conv, nullptr);
  register_ours_gemm(nullptr);
  register_ours_conv2d_forward(nullptr);
  const std::string gemm_msg = error_of([] { ours_gemm(); });
  const std::string conv_msg = error_of([] { ours_conv2d_forward(); });
  register_ours_gemm(gemm);
  register_ours_conv2d_forward(conv);
  expect_contains(gemm_msg, {"gemm", "CudaImpl::kOurs", "none is built in"});
  expect_contains(conv_msg, {"conv2d", "implicit-GEMM", "none is built in"});
  EXPECT_EQ(ours_gemm(), gemm);
#endif
}

// The hand-written kernels refuse what they do not implement before touching any device, so this
// runs on CPU tensors with no GPU.
TEST(CudaImplSwitchTest, HandWrittenKernelsRejectWhatTheyDoNotImplement) {
#ifndef DC_WITH_CUDA
  GTEST_SKIP() << "built without CUDA (no toolkit found by @local_cuda)";
#else
  Conv2dParams grouped;
  grouped.groups = 2;
  const Tensor x = zeros({1, 4, 5, 5}), w = zeros({6, 2, 3, 3}), y = zeros({1, 6, 3, 3});
  expect_error([&] { ours_conv2d_forward()(y, x, w, Tensor(), grouped); },
               {"conv2d", "groups = 1 only", "groups = 2"});
  expect_error(
      [&] {
        ours_conv2d_forward()(y.to(DType::f16), x.to(DType::f16), w.to(DType::f16), Tensor(),
                              Conv2dParams{});
      },
      {"conv2d", "f32 only", "f16"});
  const Tensor d = zeros({1, 2, 2}, DType::f64);
  expect_error([&] { ours_gemm()(d, d, d); }, {"matmul", "f32, f16 and bf16", "f64"});
#endif
}

}  // namespace
}  // namespace dc
