// GPU tests: CUDA results against the CPU's for every kernel of ops/cuda, copies between devices
// and layouts, autograd through CUDA ops, the caching allocator (reuse, statistics, out-of-memory
// message), streams, events and pinned memory. With no device, or a CPU-only build, every test is
// reported SKIPPED with the reason.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

#include "core/copy.h"
#include "core/tensor.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/linalg.h"
#include "ops/reduce.h"
#include "ops/softmax.h"
#include "tests/testing/cuda_testing.h"
#include "tests/testing/expect_error.h"

#ifdef DC_WITH_CUDA
#include "core/cuda/cuda_allocator.h"
#include "core/cuda/cuda_copy.h"
#include "core/cuda/device.h"
#include "core/cuda/stream.h"
#include "ops/cuda/cublas_gemm.h"
#endif

namespace dc {
namespace {

class CudaTest : public CudaDeviceTest {};

#ifdef DC_WITH_CUDA

// Uniform values in [lo, hi).
Tensor uniform(const Shape& shape, double lo, double hi, uint64_t seed) {
  Generator gen(seed);
  return rand(shape, DType::f32, gen) * (hi - lo) + lo;
}

// n integers in [-3, 3] as f32: every partial sum of them is exact in float.
Tensor floor_like_ints(int64_t n) {
  Generator gen(77);
  return randint(-3, 4, {n}, DType::i64, gen).to(DType::f32);
}

struct DTypeTol {
  DType dtype;
  double rtol, atol;
};
const DTypeTol kFloatTypes[] = {
    {DType::f32, 1e-5, 1e-6}, {DType::f16, 2e-3, 2e-3}, {DType::bf16, 1.6e-2, 1e-2}};

TEST_F(CudaTest, RoundTripsEveryDtypeAndLayout) {
  const Tensor x = uniform({3, 5, 7}, -10, 10, 1);
  for (DType t : {DType::f32, DType::f64, DType::f16, DType::bf16, DType::i32, DType::i64,
                  DType::u8, DType::b8}) {
    const Tensor h = (t == DType::u8 ? abs(x) : x).to(t);
    const Tensor d = h.to(kCuda0);
    EXPECT_EQ(d.device(), kCuda0);
    EXPECT_EQ(d.dtype(), t);
    EXPECT_EQ(cpu(d).to_vector(), h.to_vector()) << dtype_name(t);
    // Non-contiguous on either side, and a dtype change on the device.
    EXPECT_EQ(cpu(d.transpose(0, 2).contiguous()).to_vector(),
              h.transpose(0, 2).contiguous().to_vector())
        << dtype_name(t);
    EXPECT_EQ(cpu(h.transpose(0, 1).to(kCuda0)).to_vector(),
              h.transpose(0, 1).contiguous().to_vector());
    EXPECT_EQ(cpu(d.to(DType::f64)).to_vector(), h.to(DType::f64).to_vector()) << dtype_name(t);
  }
  // 2^53 + 1 has no double: i64 moves through the device as raw 8-byte words, transposed too.
  const Tensor big = add(tensor_from({9007199254740992.0, 0}, {2, 1}, DType::i64),
                         tensor_from({1, 1}, {1, 2}, DType::i64));
  const Tensor back = cpu(big.to(kCuda0).t().contiguous());
  EXPECT_EQ(back.data<int64_t>()[0], int64_t(9007199254740993));
  EXPECT_EQ(back.data<int64_t>()[1], int64_t(1));
}

TEST_F(CudaTest, FillsAndBroadcastCopies) {
  EXPECT_EQ(cpu(zeros({1000}, DType::f32, kCuda0)).to_vector(), std::vector<double>(1000, 0.0));
  EXPECT_EQ(cpu(full({3, 4}, 2.5, DType::f16, kCuda0)).to_vector(), std::vector<double>(12, 2.5));
  EXPECT_EQ(cpu(full({5}, -7, DType::i64, kCuda0)).to_vector(), std::vector<double>(5, -7));
  // A strided destination: fill a column of a device matrix.
  Tensor m = zeros({3, 4}, DType::f32, kCuda0);
  fill_(m.select(1, 2), 9);
  EXPECT_EQ(cpu(m).to_vector(), (std::vector<double>{0, 0, 9, 0, 0, 0, 9, 0, 0, 0, 9, 0}));
  // A row broadcast from the host and from the device.
  Tensor dst = empty({2, 3}, DType::f32, kCuda0);
  copy_into(dst, tensor_from({1, 2, 3}, {3}));
  EXPECT_EQ(cpu(dst).to_vector(), (std::vector<double>{1, 2, 3, 1, 2, 3}));
  copy_into(dst, tensor_from({4, 5}, {2, 1}).to(kCuda0));
  EXPECT_EQ(cpu(dst).to_vector(), (std::vector<double>{4, 4, 4, 5, 5, 5}));
}

TEST_F(CudaTest, UnaryOpsMatchCpu) {
  struct Case {
    const char* name;
    Tensor (*f)(const Tensor&);
    double lo, hi;
  };
  const Case cases[] = {
      {"neg", [](const Tensor& x) { return neg(x); }, -3, 3},
      {"exp", [](const Tensor& x) { return exp(x); }, -3, 3},
      {"log", [](const Tensor& x) { return log(x); }, 0.1, 5},
      {"sqrt", [](const Tensor& x) { return sqrt(x); }, 0, 5},
      {"abs", [](const Tensor& x) { return abs(x); }, -3, 3},
      {"sign", [](const Tensor& x) { return sign(x); }, -3, 3},
      {"relu", [](const Tensor& x) { return relu(x); }, -3, 3},
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }, -6, 6},
      {"tanh", [](const Tensor& x) { return tanh(x); }, -3, 3},
      {"square", [](const Tensor& x) { return square(x); }, -3, 3},
      {"clamp", [](const Tensor& x) { return clamp(x, -0.5, 1.0); }, -3, 3},
      {"pow", [](const Tensor& x) { return pow(x, 2.5); }, 0, 3},
      {"leaky_relu", [](const Tensor& x) { return leaky_relu(x, 0.2); }, -3, 3},
  };
  uint64_t seed = 10;
  for (const Case& c : cases) {
    // Odd sizes exercise the vector tail; the slice an unaligned start; the transpose the
    // strided kernel.
    const Tensor x = uniform({37, 29}, c.lo, c.hi, ++seed);
    for (const DTypeTol& dt : kFloatTypes) {
      const Tensor h = x.to(dt.dtype).to(DType::f32);  // the values the device sees
      const Tensor d = x.to(dt.dtype).to(kCuda0);
      const std::string what = std::string(c.name) + "/" + dtype_name(dt.dtype);
      expect_close(c.f(d), c.f(h), dt.rtol, dt.atol, what);
      expect_close(c.f(d.slice(1, 1, 28)), c.f(h.slice(1, 1, 28)), dt.rtol, dt.atol,
                   what + " unaligned");
      expect_close(c.f(d.t()), c.f(h.t()), dt.rtol, dt.atol, what + " transposed");
    }
  }
}

TEST_F(CudaTest, BinaryOpsBroadcastLikeCpu) {
  const Tensor a = uniform({4, 1, 6}, -2, 2, 3), b = uniform({5, 1}, 0.5, 2, 4);
  struct Case {
    const char* name;
    Tensor (*f)(const Tensor&, const Tensor&);
  };
  const Case cases[] = {
      {"add", [](const Tensor& x, const Tensor& y) { return add(x, y); }},
      {"sub", [](const Tensor& x, const Tensor& y) { return sub(x, y); }},
      {"mul", [](const Tensor& x, const Tensor& y) { return mul(x, y); }},
      {"div", [](const Tensor& x, const Tensor& y) { return div(x, y); }},
      {"pow", [](const Tensor& x, const Tensor& y) { return pow(abs(x), y); }},
      {"maximum", [](const Tensor& x, const Tensor& y) { return maximum(x, y); }},
      {"minimum", [](const Tensor& x, const Tensor& y) { return minimum(x, y); }},
      {"gt", [](const Tensor& x, const Tensor& y) { return gt(x, y).to(DType::f32); }},
      {"le", [](const Tensor& x, const Tensor& y) { return le(x, y).to(DType::f32); }},
      {"eq", [](const Tensor& x, const Tensor& y) { return eq(x, x * 1.0).to(DType::f32); }},
      {"ne", [](const Tensor& x, const Tensor& y) { return ne(x, y).to(DType::f32); }},
      {"where", [](const Tensor& x, const Tensor& y) { return where(lt(x, y), x, y); }},
      {"scalar", [](const Tensor& x, const Tensor& y) { return x * 3.0 + 1.0 - y / 2.0; }},
  };
  for (const Case& c : cases) {
    for (const DTypeTol& dt : kFloatTypes) {
      const Tensor ha = a.to(dt.dtype).to(DType::f32), hb = b.to(dt.dtype).to(DType::f32);
      const Tensor da = a.to(dt.dtype).to(kCuda0), db = b.to(dt.dtype).to(kCuda0);
      const std::string what = std::string(c.name) + "/" + dtype_name(dt.dtype);
      expect_close(c.f(da, db), c.f(ha, hb), dt.rtol, dt.atol, what);
      expect_close(c.f(db, da), c.f(hb, ha), dt.rtol, dt.atol, what + " swapped");
    }
  }
  // Large contiguous operands take the vectorized path (and its scalar-operand variant).
  const Tensor x = uniform({1 << 20}, -1, 1, 5), y = uniform({1 << 20}, -1, 1, 6);
  const Tensor dx = x.to(kCuda0), dy = y.to(kCuda0);
  expect_close(dx * dy + dx, x * y + x, 1e-6, 1e-7, "large mul-add");
  expect_close(2.0 * dx, 2.0 * x, 0, 0, "large scalar mul");
}

TEST_F(CudaTest, ReductionsMatchCpu) {
  const Tensor x = uniform({6, 70, 33}, -1, 1, 7);
  const Tensor d = x.to(kCuda0);
  expect_close(sum(d), sum(x), 1e-5, 1e-4, "sum all");
  expect_close(sum(d, {1}), sum(x, {1}), 1e-5, 1e-5, "sum dim 1");
  expect_close(sum(d, {0, 2}, true), sum(x, {0, 2}, true), 1e-5, 1e-5, "sum (0, 2)");
  expect_close(mean(d, {2}), mean(x, {2}), 1e-5, 1e-6, "mean dim 2");
  expect_close(var(d, {0}), var(x, {0}), 1e-4, 1e-6, "var dim 0");
  expect_close(norm(d, 2, {1}), norm(x, 2, {1}), 1e-5, 1e-6, "norm 2");
  expect_close(norm(d, 3, {1}), norm(x, 3, {1}), 1e-4, 1e-6, "norm 3");
  expect_close(max(d), max(x), 0, 0, "max all");
  expect_close(min(d), min(x), 0, 0, "min all");
  for (int64_t dim : {0, 1, 2}) {
    auto [dv, di] = max(d, dim);
    auto [hv, hi] = max(x, dim);
    expect_close(dv, hv, 0, 0, "max values");
    EXPECT_EQ(cpu(di).to_vector(), hi.to_vector()) << "argmax dim " << dim;
    EXPECT_EQ(cpu(argmin(d, dim)).to_vector(), argmin(x, dim).to_vector()) << dim;
  }
  // Ties go to the first index, NaN wins, as on the CPU.
  const Tensor t = tensor_from({1, 5, 5, 2, NAN, 3, NAN, 0}, {2, 4});
  EXPECT_EQ(cpu(argmax(t.to(kCuda0), 1)).to_vector(), (std::vector<double>{1, 0}));
  // One long row: the chunked two-pass kernel. Integer-valued data keeps the sum exact.
  const Tensor big = floor_like_ints(5'000'011);
  EXPECT_EQ(cpu(sum(big.to(kCuda0))).item<double>(), sum(big).item<double>());
  EXPECT_EQ(cpu(max(big.to(kCuda0), 0).second).item<int64_t>(), max(big, 0).second.item<int64_t>());
  for (const DTypeTol& dt : kFloatTypes) {
    if (dt.dtype == DType::f32) continue;
    const Tensor h = x.to(dt.dtype).to(DType::f32);
    expect_close(sum(x.to(dt.dtype).to(kCuda0), {2}), sum(h, {2}), dt.rtol * 4, dt.atol * 4,
                 std::string("sum ") + dtype_name(dt.dtype));
  }
}

TEST_F(CudaTest, MatmulUsesCublasAndMatchesCpu) {
  const Tensor a = uniform({33, 65}, -1, 1, 8), b = uniform({65, 17}, -1, 1, 9);
  expect_close(matmul(a.to(kCuda0), b.to(kCuda0)), matmul(a, b), 1e-5, 1e-5, "matmul");
  // A transposed operand is read in place (op T), a sliced one is copied first.
  const Tensor bt = uniform({17, 65}, -1, 1, 10);
  expect_close(matmul(a.to(kCuda0), bt.to(kCuda0).t()), matmul(a, bt.t()), 1e-5, 1e-5, "a bt^T");
  expect_close(matmul(a.to(kCuda0).slice(1, 0, 64, 2), b.to(kCuda0).slice(0, 0, 64, 2)),
               matmul(a.slice(1, 0, 64, 2), b.slice(0, 0, 64, 2)), 1e-5, 1e-5, "strided");
  // Batched, with a broadcast batch dim; linear; vector products.
  const Tensor x = uniform({4, 3, 8}, -1, 1, 11), w = uniform({8, 5}, -1, 1, 12);
  expect_close(matmul(x.to(kCuda0), w.to(kCuda0)), matmul(x, w), 1e-5, 1e-5, "batched");
  const Tensor y = uniform({4, 8, 2}, -1, 1, 13);
  expect_close(bmm(x.to(kCuda0), y.to(kCuda0)), bmm(x, y), 1e-5, 1e-5, "bmm");
  const Tensor lw = uniform({6, 8}, -1, 1, 14), lb = uniform({6}, -1, 1, 15);
  expect_close(linear(x.to(kCuda0), lw.to(kCuda0), lb.to(kCuda0)), linear(x, lw, lb), 1e-5, 1e-5,
               "linear");
  const Tensor v = uniform({65}, -1, 1, 16);
  expect_close(matmul(a.to(kCuda0), v.to(kCuda0)), matmul(a, v), 1e-5, 1e-5, "matrix-vector");
  // Half types accumulate in f32; compare with f32 on the rounded inputs.
  for (DType t : {DType::f16, DType::bf16}) {
    const Tensor ah = a.to(t).to(DType::f32), bh = b.to(t).to(DType::f32);
    expect_close(matmul(a.to(t).to(kCuda0), b.to(t).to(kCuda0)), matmul(ah, bh),
                 t == DType::f16 ? 2e-3 : 1.6e-2, 2e-2, std::string("matmul ") + dtype_name(t));
  }
  set_cuda_allow_tf32(true);
  expect_close(matmul(a.to(kCuda0), b.to(kCuda0)), matmul(a, b), 5e-3, 2e-2, "matmul tf32");
  set_cuda_allow_tf32(false);
  // k == 0 gives zeros.
  EXPECT_EQ(
      cpu(matmul(empty({2, 0}, DType::f32, kCuda0), empty({0, 3}, DType::f32, kCuda0))).to_vector(),
      std::vector<double>(6, 0.0));
}

TEST_F(CudaTest, AutogradRunsOnTheDevice) {
  const Tensor xh = uniform({5, 8}, -1, 1, 20), wh = uniform({8, 3}, -1, 1, 21);
  const Tensor bh = uniform({3}, -1, 1, 22);
  auto loss_and_grads = [](Tensor x, Tensor w, Tensor b) {
    x.set_requires_grad(true);
    w.set_requires_grad(true);
    b.set_requires_grad(true);
    Tensor loss = mean(sigmoid(relu(linear(x, w, b)) * 2.0 - 0.5));
    loss.backward();
    return std::vector<Tensor>{loss.detach(), x.grad(), w.grad(), b.grad()};
  };
  const auto want =
      loss_and_grads(xh.clone().detach(), wh.t().contiguous().detach(), bh.clone().detach());
  const auto got = loss_and_grads(xh.to(kCuda0), wh.t().contiguous().to(kCuda0), bh.to(kCuda0));
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].device(), kCuda0);
    expect_close(got[i], want[i], 1e-5, 1e-6, "autograd output " + std::to_string(i));
  }
  // Moving to the device is differentiable: the gradient comes back to the CPU leaf.
  Tensor leaf = uniform({4}, -1, 1, 23);
  leaf.set_requires_grad(true);
  sum(square(leaf.to(kCuda0))).backward();
  expect_close(leaf.grad(), leaf.detach() * 2.0, 1e-6, 1e-7, "to() backward");
}

TEST_F(CudaTest, OpsWithoutCudaKernelsFailLoudly) {
  const Tensor d = uniform({2, 3}, -1, 1, 30).to(kCuda0);
  expect_error([&] { softmax(d.to(DType::f64), 1); }, {"no kernel for device cuda:0", "f64"});
  expect_error([&] { d.to_vector(); }, {"cuda:0", "move it to cpu first"});
  expect_error([&] { add(d, uniform({2, 3}, -1, 1, 31)); }, {"different devices", "cuda:0", "cpu"});
}

TEST_F(CudaTest, CachingAllocatorReusesBlocksAndReportsStatistics) {
  cuda_synchronize(0);
  cuda_empty_cache(0);
  cuda_reset_peak_memory_stats(0);
  const CachingAllocatorStats s0 = cuda_memory_stats(0);
  EXPECT_EQ(s0.cached, 0u);
  void* first = nullptr;
  {
    Tensor t = empty({1 << 20}, DType::f32, kCuda0);  // 4 MiB
    first = t.raw_data();
    const CachingAllocatorStats s1 = cuda_memory_stats(0);
    EXPECT_EQ(s1.allocated, s0.allocated + (size_t(4) << 20));
    EXPECT_EQ(s1.num_raw_allocs, s0.num_raw_allocs + 1);
  }
  const CachingAllocatorStats s2 = cuda_memory_stats(0);
  EXPECT_EQ(s2.allocated, s0.allocated);
  EXPECT_EQ(s2.cached, size_t(4) << 20);
  EXPECT_EQ(s2.peak_allocated, s0.allocated + (size_t(4) << 20));
  // The steady state: the same shapes again come from the cache, without cudaMalloc.
  for (int i = 0; i < 10; ++i) {
    Tensor t = zeros({1 << 20}, DType::f32, kCuda0);
    EXPECT_EQ(t.raw_data(), first);
  }
  const CachingAllocatorStats s3 = cuda_memory_stats(0);
  EXPECT_EQ(s3.num_raw_allocs, s2.num_raw_allocs);
  EXPECT_EQ(s3.num_cache_hits, s2.num_cache_hits + 10);
  expect_contains(cuda_memory_summary(0), {"cuda:0", "allocated", "cached 4.00 MiB", "peak"});
  cuda_empty_cache(0);
  EXPECT_EQ(cuda_memory_stats(0).cached, 0u);
}

TEST_F(CudaTest, OutOfMemoryReportsTheAllocatorState) {
  Tensor keep = empty({1 << 18}, DType::f32, kCuda0);                 // 1 MiB stays allocated
  expect_error([] { empty({int64_t(1) << 42}, DType::u8, kCuda0); },  // 4 TiB
               {"CUDA device cuda:0 out of memory", "tried to allocate 4.00 TiB", "allocated",
                "cached", "peak", "free of"});
  // The failure leaves the allocator usable.
  EXPECT_EQ(cpu(full({3}, 1.5, DType::f32, kCuda0)).to_vector(),
            (std::vector<double>{1.5, 1.5, 1.5}));
}

TEST_F(CudaTest, StreamsEventsAndPinnedAsyncCopies) {
  CudaStream s = CudaStream::create(0);
  EXPECT_FALSE(s.is_default());
  const Tensor h = uniform({1 << 16}, -1, 1, 40);
  Tensor pinned = pin_memory(h);
  EXPECT_TRUE(is_pinned(pinned));
  EXPECT_FALSE(is_pinned(h));
  Tensor back = empty_pinned({1 << 16});
  CudaEvent start(true), stop(true);
  {
    CudaStreamGuard guard(s);
    EXPECT_EQ(current_cuda_stream(0), s);
    start.record();
    Tensor d = to_device_async(pinned, kCuda0);
    Tensor r = relu(d) * 2.0;
    copy_async(back, r);
    stop.record();
  }
  EXPECT_TRUE(current_cuda_stream(0).is_default());
  stop.synchronize();
  EXPECT_TRUE(s.query());
  EXPECT_GE(start.elapsed_ms(stop), 0.0f);
  expect_close(back, relu(h) * 2.0, 0, 0, "async pipeline");
  EXPECT_GE(pinned_memory_stats().allocated, size_t(2) << 18);
}

#endif  // DC_WITH_CUDA

TEST_F(CudaTest, DeviceIsReported) {
#ifdef DC_WITH_CUDA
  const CudaDeviceProperties p = cuda_device_properties(0);
  std::cout << "cuda:0 is " << p.name << " (sm_" << p.major << p.minor << ", " << p.multiprocessors
            << " SMs)\n";
  EXPECT_GT(p.multiprocessors, 0);
  EXPECT_GT(p.total_memory, 0u);
#endif
}

}  // namespace
}  // namespace dc
