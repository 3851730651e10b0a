// GPU tests of the CUDA kernels of ops/cuda/:cuda_geom_index (RoIAlign, grid_sample, the UV
// splat, the indexing ops, sort/topk, box ops and NMS): every kernel against the CPU's on odd
// shapes, outputs and input gradients, and the error paths that validate on the device. Float
// sums that the CUDA kernels accumulate with atomics (backward passes, scatter_add, index_add, the
// splat) are compared with a tolerance; sort, NMS and the integer ops must match exactly. With no
// device, or a CPU-only build, every test is reported SKIPPED with the reason.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "ops/boxes.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/grid_sample.h"
#include "ops/index.h"
#include "ops/reduce.h"
#include "ops/roi_align.h"
#include "ops/sort.h"
#include "ops/uv_splat.h"
#include "tests/testing/cuda_testing.h"
#include "tests/testing/expect_error.h"

#ifdef DC_WITH_CUDA
#include "core/cuda/device.h"
#endif

namespace dc {
namespace {

class CudaGeomTest : public CudaDeviceTest {};

#ifdef DC_WITH_CUDA

// Bit-for-bit equality (NaN equals NaN).
void expect_same(const Tensor& got, const Tensor& want, const std::string& what) {
  expect_close(got, want, 0, 0, what);
}

Tensor uniform(const Shape& shape, double lo, double hi, uint64_t seed, DType dtype = DType::f32) {
  Generator gen(seed);
  return (rand(shape, DType::f64, gen) * (hi - lo) + lo).to(dtype);
}

Tensor ints(int64_t lo, int64_t hi, const Shape& shape, uint64_t seed) {
  Generator gen(seed);
  return randint(lo, hi, shape, DType::i64, gen);
}

// Runs f on differentiable copies of `inputs` on `device` (the entries of `diff` get
// requires_grad), backpropagates sum over outputs of sum(out * w) with fixed random weights w, and
// returns the outputs followed by the gradients of the `diff` inputs.
std::vector<Tensor> run_with_grads(
    const std::function<std::vector<Tensor>(const std::vector<Tensor>&)>& f,
    const std::vector<Tensor>& inputs, const std::vector<bool>& diff, Device device) {
  std::vector<Tensor> leaves;
  for (size_t i = 0; i < inputs.size(); ++i) {
    Tensor t = inputs[i].to(device).detach();
    if (diff[i]) t.set_requires_grad(true);
    leaves.push_back(t);
  }
  const std::vector<Tensor> outs = f(leaves);
  Tensor loss;
  uint64_t seed = 1000;
  for (const Tensor& o : outs) {
    const Tensor w = uniform(o.sizes(), -1, 1, ++seed, o.dtype()).to(device);
    const Tensor term = sum(o * w);
    loss = loss.defined() ? loss + term : term;
  }
  loss.backward();
  std::vector<Tensor> result;
  for (const Tensor& o : outs) result.push_back(cpu(o.detach()));
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (diff[i]) result.push_back(cpu(leaves[i].grad()));
  }
  return result;
}

void expect_matches_cpu(const std::function<std::vector<Tensor>(const std::vector<Tensor>&)>& f,
                        const std::vector<Tensor>& inputs, const std::vector<bool>& diff,
                        double rtol, double atol, const std::string& what) {
  const std::vector<Tensor> want = run_with_grads(f, inputs, diff, kCPU);
  const std::vector<Tensor> got = run_with_grads(f, inputs, diff, kCuda0);
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    expect_close(got[i], want[i], rtol, atol, what + " result " + std::to_string(i));
  }
}

// --- RoIAlign ---

// K rois over an N-image batch, many partly or wholly outside the H x W image (in input-image
// coordinates before spatial_scale), some degenerate (x2 < x1).
Tensor make_rois(int64_t K, int64_t N, double extent, uint64_t seed, DType dtype) {
  const std::vector<double> u =
      uniform({K, 4}, -0.3 * extent, 1.3 * extent, seed, DType::f64).to_vector();
  const std::vector<double> b = ints(0, N, {K}, seed + 1).to_vector();
  std::vector<double> r(K * 5);
  for (int64_t k = 0; k < K; ++k) {
    r[k * 5] = b[k];
    // Mostly well-formed boxes; every 7th keeps its raw (possibly reversed) corners.
    const bool raw = k % 7 == 0;
    r[k * 5 + 1] = raw ? u[k * 4] : std::min(u[k * 4], u[k * 4 + 2]);
    r[k * 5 + 2] = raw ? u[k * 4 + 1] : std::min(u[k * 4 + 1], u[k * 4 + 3]);
    r[k * 5 + 3] = raw ? u[k * 4 + 2] : std::max(u[k * 4], u[k * 4 + 2]);
    r[k * 5 + 4] = raw ? u[k * 4 + 3] : std::max(u[k * 4 + 1], u[k * 4 + 3]);
  }
  return tensor_from(r, {K, 5}, dtype);
}

TEST_F(CudaGeomTest, RoiAlignMatchesCpuWithGradients) {
  const Tensor x = uniform({2, 5, 13, 17}, -1, 1, 1);
  const Tensor rois = make_rois(300, 2, 34, 2, DType::f32);
  for (bool aligned : {false, true}) {
    for (int64_t ratio : {-1, 2}) {
      const auto f = [&](const std::vector<Tensor>& in) {
        return std::vector<Tensor>{roi_align(in[0], in[1], {3, 4}, 0.5, ratio, aligned)};
      };
      expect_matches_cpu(f, {x, rois}, {true, false}, 1e-5, 1e-5,
                         std::string("roi_align aligned=") + (aligned ? "1" : "0") +
                             " ratio=" + std::to_string(ratio));
    }
  }
  // f64, adaptive sampling on a larger scale.
  const auto f64 = [](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{roi_align(in[0], in[1], {7, 7}, 0.25, -1, true)};
  };
  expect_matches_cpu(f64, {x.to(DType::f64), make_rois(50, 2, 68, 3, DType::f64)}, {true, false},
                     1e-12, 1e-12, "roi_align f64");
  // A bad batch index is caught before the kernel, also for device rois.
  const Tensor bad = tensor_from({2, 0, 0, 4, 4}, {1, 5}).to(kCuda0);
  expect_error(
      [&] {
        roi_align(x.to(kCuda0), bad, {2, 2});
      },
      {"roi_align: roi 0 has batch index 2", "[0, 2)"});
}

// --- grid_sample ---

TEST_F(CudaGeomTest, GridSampleMatchesCpuWithGradients) {
  const Tensor x = uniform({2, 3, 7, 9}, -1, 1, 4);
  // Partly outside [-1, 1], so zeros padding and border clamping both matter.
  const Tensor grid = uniform({2, 5, 11, 2}, -1.3, 1.3, 5);
  for (GridSampleMode mode : {GridSampleMode::kBilinear, GridSampleMode::kNearest}) {
    for (GridSamplePadding pad : {GridSamplePadding::kZeros, GridSamplePadding::kBorder}) {
      for (bool ac : {false, true}) {
        const auto f = [&](const std::vector<Tensor>& in) {
          return std::vector<Tensor>{grid_sample(in[0], in[1], mode, pad, ac)};
        };
        const std::string what = std::string("grid_sample ") +
                                 (mode == GridSampleMode::kNearest ? "nearest" : "bilinear") +
                                 (pad == GridSamplePadding::kBorder ? " border" : " zeros") +
                                 (ac ? " align_corners" : "");
        expect_matches_cpu(f, {x, grid}, {true, true}, 1e-5, 1e-5, what);
      }
    }
  }
  const auto f64 = [](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{grid_sample(in[0], in[1])};
  };
  expect_matches_cpu(f64, {x.to(DType::f64), grid.to(DType::f64)}, {true, true}, 1e-12, 1e-12,
                     "grid_sample f64");
  // Only the grid needs a gradient (grad_x undefined in the kernel).
  expect_matches_cpu(f64, {x, grid}, {false, true}, 1e-5, 1e-5, "grid_sample grid only");
}

// --- UV splat ---

TEST_F(CudaGeomTest, UvSplatMatchesCpuWithGradients) {
  const int64_t N = 2, C = 3, P = 500, K = 4, H = 6, W = 7;
  const Tensor values = uniform({N, C, P}, -1, 1, 6);
  const Tensor uv = uniform({N, P, 2}, -0.1, 1.1, 7);  // some corners fall outside
  const Tensor part = ints(-1, K, {N, P}, 8);          // -1 skips the point
  const auto f = [&](const std::vector<Tensor>& in) {
    auto [atlas, weight] = uv_splat(in[0], in[1], in[2], K, H, W);
    return std::vector<Tensor>{atlas, weight};
  };
  expect_matches_cpu(f, {values, uv, part}, {true, true, false}, 1e-5, 1e-5, "uv_splat");
  expect_matches_cpu(f, {values.to(DType::f64), uv.to(DType::f64), part}, {true, true, false},
                     1e-12, 1e-12, "uv_splat f64");
  // A part index of K: the device flags it and the host names the first bad point.
  std::vector<double> pv = part.to_vector();
  pv[P + 3] = K;
  pv[P + 9] = -2;
  const Tensor bad = tensor_from(pv, {N, P}, DType::i64).to(kCuda0);
  expect_error([&] { uv_splat(values.to(kCuda0), uv.to(kCuda0), bad, K, H, W); },
               {"uv_splat: part[1, 3] = 4", "outside [-1, K) with K = 4"});
}

// --- indexing ---

TEST_F(CudaGeomTest, GatherAndScatterAddMatchCpu) {
  const Tensor x = uniform({5, 7, 4}, -1, 1, 9);
  const Tensor idx = ints(0, 7, {5, 9, 3}, 10);  // more entries than x has along dim: duplicates
  const auto g = [&](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{gather(in[0], 1, idx.to(in[0].device()))};
  };
  expect_matches_cpu(g, {x}, {true}, 1e-6, 1e-6, "gather");
  // A transposed input and index (strided kernel paths).
  const Tensor xt = uniform({4, 7, 5}, -1, 1, 11).transpose(0, 2);
  const Tensor it = ints(0, 7, {3, 6, 5}, 12).transpose(0, 2);
  expect_same(gather(xt.to(kCuda0), 1, it.to(kCuda0)), gather(xt, 1, it), "gather strided");
  for (DType t : {DType::i32, DType::i64, DType::f64}) {
    const Tensor xi = ints(-100, 100, {5, 7, 4}, 13).to(t);
    expect_same(gather(xi.to(kCuda0), 1, idx.to(kCuda0)), gather(xi, 1, idx),
                std::string("gather ") + dtype_name(t));
  }

  const Tensor src = uniform({5, 10, 4}, -1, 1, 14);
  const Tensor sidx = ints(0, 7, {4, 9, 3}, 15);
  const auto s = [&](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{scatter_add(in[0], 1, sidx.to(in[0].device()), in[1])};
  };
  expect_matches_cpu(s, {x, src}, {true, true}, 1e-5, 1e-6, "scatter_add");
  for (DType t : {DType::i32, DType::i64}) {
    const Tensor xi = ints(-100, 100, {5, 7, 4}, 16).to(t), si = ints(-9, 9, {5, 10, 4}, 17).to(t);
    expect_same(scatter_add(xi.to(kCuda0), 1, sidx.to(kCuda0), si.to(kCuda0)),
                scatter_add(xi, 1, sidx, si), std::string("scatter_add ") + dtype_name(t));
  }
  // Along the last dim, with a transposed src.
  const Tensor srct = uniform({9, 7, 5}, -1, 1, 18).transpose(0, 2);
  const Tensor lidx = ints(0, 4, {5, 7, 9}, 19);
  expect_close(scatter_add(x.to(kCuda0), 2, lidx.to(kCuda0), srct.to(kCuda0)),
               scatter_add(x, 2, lidx, srct), 1e-5, 1e-6, "scatter_add last dim");
}

TEST_F(CudaGeomTest, IndexSelectAndIndexAddMatchCpu) {
  const Tensor x = uniform({6, 5, 3}, -1, 1, 20);
  const Tensor idx = tensor_from({4, 0, 4, 2, 1, 4, 3, 0}, {8}, DType::i64);
  for (int64_t dim : {0, 1}) {
    const auto f = [&](const std::vector<Tensor>& in) {
      return std::vector<Tensor>{index_select(in[0], dim, idx.to(in[0].device()))};
    };
    expect_matches_cpu(f, {x}, {true}, 1e-6, 1e-6, "index_select dim " + std::to_string(dim));
  }
  const Tensor xi = ints(-50, 50, {6, 5, 3}, 21);
  expect_same(index_select(xi.to(kCuda0), 2, tensor_from({2, 2, 0}, {3}, DType::i64).to(kCuda0)),
              index_select(xi, 2, tensor_from({2, 2, 0}, {3}, DType::i64)), "index_select i64");

  const Tensor src = uniform({6, 8, 3}, -1, 1, 22);
  const Tensor aidx = tensor_from({4, 0, 4, 2, 1, 4, 3, 0}, {8}, DType::i32);  // i32 is converted
  const auto a = [&](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{index_add(in[0], 1, aidx.to(in[0].device()), in[1], 0.5)};
  };
  expect_matches_cpu(a, {x, src}, {true, true}, 1e-5, 1e-6, "index_add");
  const Tensor si = ints(-9, 9, {6, 8, 3}, 23).to(DType::i32);
  expect_same(index_add(xi.to(DType::i32).to(kCuda0), 1, aidx.to(kCuda0), si.to(kCuda0), 2),
              index_add(xi.to(DType::i32), 1, aidx, si, 2), "index_add i32");
}

TEST_F(CudaGeomTest, MaskedSelectAndOneHotMatchCpu) {
  const Tensor x = uniform({4, 6, 5}, -1, 1, 24);
  const Tensor mask = gt(uniform({6, 1}, 0, 1, 25), full({1}, 0.4));  // broadcast mask
  const auto f = [&](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{masked_select(in[0], mask.to(in[0].device()))};
  };
  expect_matches_cpu(f, {x}, {true}, 0, 0, "masked_select");  // copies only: exact
  // A large strided input: the prefix sum spans many cub tiles.
  const Tensor big = uniform({300, 1001}, -1, 1, 26).t();
  const Tensor bm = gt(big, full({1}, 0.1));
  expect_same(masked_select(big.to(kCuda0), bm.to(kCuda0)), masked_select(big, bm),
              "masked_select large");
  const Tensor none = zeros({6, 1}, DType::b8);
  EXPECT_EQ(masked_select(x.to(kCuda0), none.to(kCuda0)).numel(), 0);
  const Tensor xi = ints(-9, 9, {4, 6, 5}, 27);
  expect_same(masked_select(xi.to(kCuda0), mask.to(kCuda0)), masked_select(xi, mask),
              "masked_select i64");

  const Tensor cls = ints(0, 5, {3, 4}, 28);
  expect_same(one_hot(cls.to(kCuda0)), one_hot(cls), "one_hot inferred");
  expect_same(one_hot(cls.to(kCuda0), 7), one_hot(cls, 7), "one_hot 7");
  EXPECT_EQ(one_hot(cls.to(kCuda0)).device(), kCuda0);
  expect_error(
      [&] {
        one_hot(tensor_from({1, -2}, {2}, DType::i64).to(kCuda0));
      },
      {"one_hot: class values must be non-negative, got -2"});
  expect_error(
      [&] {
        one_hot(tensor_from({1, 3}, {2}, DType::i64).to(kCuda0), 3);
      },
      {"one_hot: class value 3 is out of range for num_classes 3"});
}

TEST_F(CudaGeomTest, OutOfRangeIndicesRaiseClearErrors) {
  const Tensor x = uniform({3, 7}, -1, 1, 29).to(kCuda0);
  Tensor gidx = zeros({3, 2}, DType::i64);
  gidx.data<int64_t>()[3] = 7;
  expect_error([&] { gather(x, 1, gidx.to(kCuda0)); },
               {"gather: index 7 is out of range for dim 1 of size 7", "[0, 7)"});
  expect_error([&] { scatter_add(x, 1, gidx.to(kCuda0), x); },
               {"scatter_add: index 7 is out of range for dim 1 of size 7"});
  const Tensor neg = tensor_from({0, -1, 2}, {3}, DType::i64).to(kCuda0);
  expect_error([&] { index_select(x, 0, neg); },
               {"index_select: index -1 is out of range for dim 0 of size 3"});
  expect_error([&] { index_add(x, 0, neg, x); },
               {"index_add: index -1 is out of range for dim 0 of size 3"});
  // The context survives: a valid call right after works.
  const Tensor ok = tensor_from({2, 0}, {2}, DType::i64);
  expect_same(index_select(x, 0, ok.to(kCuda0)), index_select(cpu(x), 0, ok), "after errors");
}

// --- sort / topk ---

// n values with many ties (integers in [-4, 4]), a few NaNs and a -0 among the zeros.
Tensor tied_row(int64_t rows, int64_t n, uint64_t seed) {
  std::vector<double> v = ints(-4, 5, {rows, n}, seed).to(DType::f64).to_vector();
  for (size_t i = 0; i < v.size(); ++i) {
    if (i % 13 == 5) v[i] = NAN;
    if (i % 17 == 3) v[i] = -0.0;
  }
  return tensor_from(v, {rows, n});
}

TEST_F(CudaGeomTest, SortMatchesCpuOnTiesAndNaN) {
  for (int64_t n : {1, 2, 33, 2048, 2049, 5000}) {
    const Tensor x = tied_row(3, n, 30 + n);
    for (bool desc : {false, true}) {
      const std::string what = "sort n=" + std::to_string(n) + (desc ? " desc" : " asc");
      auto [dv, di] = sort(x.to(kCuda0), -1, desc);
      auto [hv, hi] = sort(x, -1, desc);
      expect_same(dv, hv, what + " values");
      expect_same(di, hi, what + " indices");
      // Along dim 0 of the transpose: strided rows and outputs.
      const Tensor ti = sort(x.t().to(kCuda0), 0, desc).second;
      expect_same(ti, sort(x.t(), 0, desc).second, what + " strided");
    }
  }
  // Rows longer than 2^17 are sorted one at a time (the loop over row batches); integer dtypes.
  const Tensor longrows = tied_row(3, 140000, 40);
  expect_same(sort(longrows.to(kCuda0), -1, true).second, sort(longrows, -1, true).second,
              "sort 3 x 140000");
  for (DType t : {DType::i32, DType::i64, DType::f64}) {
    for (int64_t n : {33, 5000}) {
      const Tensor xi = ints(-3, 3, {4, n}, 41).to(t);
      expect_same(sort(xi.to(kCuda0), 1, true).second, sort(xi, 1, true).second,
                  std::string("sort ") + dtype_name(t) + " n=" + std::to_string(n));
    }
  }
  // topk and argsort go through the same kernel; gradients flow through the values.
  for (int64_t n : {33, 5000}) {
    const auto f = [](const std::vector<Tensor>& in) {
      auto [v, i] = topk(in[0], 5, 1);
      auto [sv, si] = sort(in[0], 0, false);
      return std::vector<Tensor>{v, sv, i.to(DType::f32)};
    };
    expect_matches_cpu(f, {uniform({4, n}, -1, 1, 42 + n)}, {true}, 0, 0,
                       "topk/sort grad n=" + std::to_string(n));
  }
  expect_same(argsort(tied_row(2, 100, 43).to(kCuda0)), argsort(tied_row(2, 100, 43)), "argsort");
  EXPECT_EQ(topk(uniform({3, 10}, 0, 1, 44).to(kCuda0), 0, 1).first.numel(), 0);
}

// --- boxes and NMS ---

// n boxes around a few cluster centres (many heavy overlaps), sizes in [2, 30].
Tensor clustered_boxes(int64_t n, uint64_t seed, DType dtype = DType::f32) {
  const std::vector<double> c = ints(0, 5, {n}, seed).to_vector();
  const std::vector<double> j = uniform({n, 4}, -6, 6, seed + 1, DType::f64).to_vector();
  const std::vector<double> s = uniform({n, 2}, 2, 30, seed + 2, DType::f64).to_vector();
  std::vector<double> b(n * 4);
  for (int64_t i = 0; i < n; ++i) {
    const double cx = 20 + 40 * c[i] + j[i * 4], cy = 30 + 25 * c[i] + j[i * 4 + 1];
    b[i * 4] = cx - s[i * 2] / 2;
    b[i * 4 + 1] = cy - s[i * 2 + 1] / 2;
    b[i * 4 + 2] = cx + s[i * 2] / 2;
    b[i * 4 + 3] = cy + s[i * 2 + 1] / 2;
  }
  return tensor_from(b, {n, 4}, dtype);
}

TEST_F(CudaGeomTest, BoxOpsMatchCpu) {
  const Tensor a = clustered_boxes(37, 50), b = clustered_boxes(53, 60);
  expect_close(box_area(a.to(kCuda0)), box_area(a), 1e-6, 0, "box_area");
  expect_close(box_iou(a.to(kCuda0), b.to(kCuda0)), box_iou(a, b), 1e-6, 1e-7, "box_iou");
  // Degenerate boxes: a zero-area pair gives NaN on both devices.
  const Tensor z = tensor_from({1, 1, 1, 1, 0, 0, 2, 2}, {2, 4});
  expect_same(box_iou(z.to(kCuda0), z.to(kCuda0)), box_iou(z, z), "box_iou degenerate");
  const Tensor wide = uniform({9, 8}, -20, 120, 61);
  expect_same(clip_boxes(wide.to(kCuda0), 50, 100), clip_boxes(wide, 50, 100), "clip_boxes");
  const BoxWeights w = {10, 10, 5, 5};
  expect_close(encode_boxes(a.to(kCuda0), clustered_boxes(37, 70).to(kCuda0), w),
               encode_boxes(a, clustered_boxes(37, 70), w), 1e-5, 1e-6, "encode_boxes");
  const Tensor a64 = clustered_boxes(37, 50, DType::f64);
  expect_close(box_iou(a64.to(kCuda0), a64.to(kCuda0)), box_iou(a64, a64), 1e-14, 1e-15,
               "box_iou f64");
}

TEST_F(CudaGeomTest, NmsKeepsExactlyTheCpuBoxes) {
  for (int64_t n : {1, 63, 64, 65, 2000}) {
    const Tensor boxes = clustered_boxes(n, 80 + n);
    // Scores with ties (two decimals) and a NaN.
    std::vector<double> sv = ints(0, 100, {n}, 81 + n).to(DType::f64).to_vector();
    for (double& s : sv) s /= 100;
    if (n > 10) sv[7] = NAN;
    const Tensor scores = tensor_from(sv, {n});
    const Tensor cats = ints(0, 3, {n}, 82 + n);
    for (double thr : {0.3, 0.5, 0.7}) {
      const std::string what = "n=" + std::to_string(n) + " thr=" + std::to_string(thr);
      const Tensor want = nms(boxes, scores, thr);
      const Tensor got = nms(boxes.to(kCuda0), scores.to(kCuda0), thr);
      EXPECT_EQ(got.device(), kCuda0);
      expect_same(got, want, "nms " + what);
      // The clusters overlap heavily: at 0.3 the CPU keeps 166 of the 2000 boxes.
      if (n == 2000 && thr == 0.3) EXPECT_LT(want.numel(), n / 8);
      expect_same(batched_nms(boxes.to(kCuda0), scores.to(kCuda0), cats.to(kCuda0), thr),
                  batched_nms(boxes, scores, cats, thr), "batched_nms " + what);
    }
  }
  const Tensor b64 = clustered_boxes(300, 90, DType::f64);
  const Tensor s64 = uniform({300}, 0, 1, 91, DType::f64);
  expect_same(nms(b64.to(kCuda0), s64.to(kCuda0), 0.5), nms(b64, s64, 0.5), "nms f64");
  EXPECT_EQ(nms(zeros({0, 4}, DType::f32, kCuda0), zeros({0}, DType::f32, kCuda0), 0.5).numel(), 0);
}

// Needs no GPU: CI's CUDA build (toolkit, no device) checks that the kernels registered.
TEST(CudaGeomBuild, KernelsAreRegisteredForCuda) {
  EXPECT_NE(roi_align_kernel().get(kCuda0, DType::f32), nullptr);
  EXPECT_NE(grid_sample_backward_kernel().get(kCuda0, DType::f64), nullptr);
  EXPECT_NE(uv_splat_kernel().get(kCuda0, DType::f32), nullptr);
  EXPECT_NE(scatter_add_kernel().get(kCuda0, DType::i64), nullptr);
  EXPECT_NE(masked_select_kernel().get(kCuda0, DType::b8), nullptr);
  EXPECT_NE(one_hot_kernel().get(kCuda0, DType::i64), nullptr);
  EXPECT_NE(sort_kernel().get(kCuda0, DType::i32), nullptr);
  EXPECT_NE(nms_kernel().get(kCuda0, DType::f64), nullptr);
}

#else

// A CPU-only build reports the suite as skipped rather than empty.
TEST_F(CudaGeomTest, NeedsCuda) {}

#endif  // DC_WITH_CUDA

}  // namespace
}  // namespace dc
