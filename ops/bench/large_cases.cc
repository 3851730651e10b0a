// The large benchmark cases (perf mode only, run by default on CUDA): sizes at which a GPU is
// busy enough for its throughput to show. They are not registered with the op-case registry, so
// the oracle and gradient suites (and the CPU benchmark) never pay for them.
#include <string>

#include "ops/bench/bench.h"
#include "ops/conv.h"
#include "ops/elementwise.h"
#include "ops/grid_sample.h"
#include "ops/join.h"
#include "ops/linalg.h"
#include "ops/loss.h"
#include "ops/reduce.h"
#include "ops/roi_align.h"

namespace dc {
namespace bench {
namespace {

using Ts = std::vector<Tensor>;

BenchCase make(const std::string& name, std::vector<InputSpec> inputs,
               std::function<Ts(const Ts&)> run, const std::string& torch, double flops,
               bool backward) {
  BenchCase b;
  b.op = make_case(name, std::move(inputs), std::move(run), torch, kPerf);
  b.op.flops = flops;
  b.op.perf_backward = backward;
  return b;
}

void gemm_cases(std::vector<BenchCase>* out) {
  const int64_t n = 4096;
  struct V {
    const char* suffix;
    DType dtype;
    bool tf32;
  };
  for (const V& v : {V{"f32", DType::f32, false}, V{"tf32", DType::f32, true},
                     V{"f16", DType::f16, false}, V{"bf16", DType::bf16, false}}) {
    BenchCase b = make(
        std::string("large/gemm_4096_") + v.suffix, {normal({n, n}, false), normal({n, n}, false)},
        [](const Ts& x) { return Ts{matmul(x[0], x[1])}; }, "torch.matmul(x0, x1)", 2.0 * n * n * n,
        false);
    b.dtype = v.dtype;
    b.tf32 = v.tf32;
    out->push_back(std::move(b));
  }
}

// The distinct convolution shapes of torchvision's ResNet-50 (224 x 224 input) at batch 32: the
// stem, the 3x3 of each stage (the strided one of stages 2-4 included), the 1x1 expansions and
// reductions, and the strided 1x1 projection shortcuts.
void resnet50_conv_cases(std::vector<BenchCase>* out) {
  struct C {
    const char* name;
    int64_t cin, cout, hw, k, stride, pad;
  };
  const C cs[] = {
      {"conv1_7x7s2_3to64_224", 3, 64, 224, 7, 2, 3},
      {"l1_1x1_64to64_56", 64, 64, 56, 1, 1, 0},
      {"l1_3x3_64_56", 64, 64, 56, 3, 1, 1},
      {"l1_1x1_64to256_56", 64, 256, 56, 1, 1, 0},
      {"l1_1x1_256to64_56", 256, 64, 56, 1, 1, 0},
      {"l2_3x3s2_128_56", 128, 128, 56, 3, 2, 1},
      {"l2_3x3_128_28", 128, 128, 28, 3, 1, 1},
      {"l2_1x1s2_256to512_56", 256, 512, 56, 1, 2, 0},
      {"l2_1x1_512to128_28", 512, 128, 28, 1, 1, 0},
      {"l3_3x3_256_14", 256, 256, 14, 3, 1, 1},
      {"l3_1x1_256to1024_14", 256, 1024, 14, 1, 1, 0},
      {"l3_1x1_1024to256_14", 1024, 256, 14, 1, 1, 0},
      {"l4_3x3_512_7", 512, 512, 7, 3, 1, 1},
      {"l4_1x1_512to2048_7", 512, 2048, 7, 1, 1, 0},
      {"l4_1x1s2_1024to2048_14", 1024, 2048, 14, 1, 2, 0},
  };
  const int64_t batch = 32;
  for (const C& c : cs) {
    const int64_t ho = (c.hw + 2 * c.pad - c.k) / c.stride + 1;
    const double flops = 2.0 * batch * c.cout * ho * ho * c.cin * c.k * c.k;
    const std::string torch =
        "F.conv2d(x0, x1, None, " + std::to_string(c.stride) + ", " + std::to_string(c.pad) + ")";
    for (bool backward : {false, true}) {
      const int64_t s = c.stride, p = c.pad;
      out->push_back(make(
          std::string("large/resnet50_") + c.name + "_b32_" + (backward ? "fwdbwd" : "fwd"),
          {normal({batch, c.cin, c.hw, c.hw}, backward),
           normal({c.cout, c.cin, c.k, c.k}, backward)},
          [s, p](const Ts& x) {
            return Ts{conv2d(x[0], x[1], Tensor(), {s, s}, {p, p})};
          },
          torch, backward ? 3 * flops : flops,
          backward));  // backward: grad input and grad weight GEMMs
    }
  }
}

// 64M f32 elements (256 MiB) per tensor: far beyond any cache, so the figures are DRAM bandwidth.
void bandwidth_cases(std::vector<BenchCase>* out) {
  const int64_t n = 64 << 20;
  BenchCase copy = make(
      kCopyCaseName, {normal({n}, false)}, [](const Ts& x) { return Ts{x[0].clone()}; },
      "x0.clone()", 0, false);
  BenchCase add = make(
      "large/add_64M_f32", {normal({n}, false), normal({n}, false)},
      [](const Ts& x) { return Ts{x[0] + x[1]}; }, "x0 + x1", static_cast<double>(n), false);
  BenchCase total = make(
      "large/sum_64M_f32", {normal({n}, false)}, [](const Ts& x) { return Ts{sum(x[0])}; },
      "x0.sum()", static_cast<double>(n), false);
  for (BenchCase* b : {&copy, &add, &total}) {
    b->memory_bound = true;
    out->push_back(std::move(*b));
  }
}

// DensePose-RCNN sizes: a batch of 2 images at 800 x 1088 (FPN level P2 is 256 x 200 x 272),
// 1024 RoIs pooled to 14 x 14 for the DensePose head; the head's 25-way part classification at
// 56 x 56 for 64 RoIs; and a feature warp of 8 x 256 x 64 x 64 by a sampling grid.
void densepose_cases(std::vector<BenchCase>* out) {
  for (bool backward : {false, true}) {
    const std::string suffix = backward ? "fwdbwd" : "fwd";
    out->push_back(make(
        "large/roi_align_1024x14x14_from_2x256x200x272_" + suffix,
        {normal({2, 256, 200, 272}, backward), uniform({1024, 4}, 0, 1, false),
         integers({1024}, 0, 2)},
        [](const Ts& in) {
          const Tensor u = in[1];
          const Tensor x1 = u.select(1, 0) * 800.0, y1 = u.select(1, 1) * 500.0;
          const Tensor x2 = x1 + (u.select(1, 2) * 256.0 + 16.0);
          const Tensor y2 = y1 + (u.select(1, 3) * 256.0 + 16.0);
          const Tensor rois = stack({in[2].to(in[0].dtype()), x1, y1, x2, y2}, 1);
          return Ts{roi_align(in[0], rois, {14, 14}, 0.25, 2, true)};
        },
        "u = x1\n"
        "bx1, by1 = u[:, 0] * 800.0, u[:, 1] * 500.0\n"
        "rois = torch.stack([x2.to(x0.dtype), bx1, by1, bx1 + (u[:, 2] * 256.0 + 16.0),\n"
        "                    by1 + (u[:, 3] * 256.0 + 16.0)], 1)\n"
        "out = tv.ops.roi_align(x0, rois, (14, 14), 0.25, 2, True)",
        1024.0 * 256 * 196 * 32 * (backward ? 2 : 1), backward));
    out->push_back(make(
        "large/softmax_ce_64x25x56x56_" + suffix,
        {normal({64, 25, 56, 56}, backward), integers({64, 56, 56}, 0, 25)},
        [](const Ts& x) { return Ts{cross_entropy(x[0], x[1])}; }, "F.cross_entropy(x0, x1)",
        64.0 * 25 * 56 * 56 * 6, backward));
    out->push_back(make(
        "large/grid_sample_bilinear_8x256x64x64_" + suffix,
        {normal({8, 256, 64, 64}, backward), uniform({8, 64, 64, 2}, -1.1, 1.1, backward)},
        [](const Ts& x) {
          return Ts{
              grid_sample(x[0], x[1], GridSampleMode::kBilinear, GridSamplePadding::kZeros, false)};
        },
        "F.grid_sample(x0, x1, mode='bilinear', padding_mode='zeros', align_corners=False)",
        8.0 * 256 * 64 * 64 * (backward ? 40 : 8), backward));
  }
}

}  // namespace

std::vector<BenchCase> large_bench_cases() {
  std::vector<BenchCase> out;
  bandwidth_cases(&out);  // first: the copy is the reference the others are quoted against
  gemm_cases(&out);
  resnet50_conv_cases(&out);
  densepose_cases(&out);
  return out;
}

}  // namespace bench
}  // namespace dc
