// uv_splat checked against a naive reference written here with plain loops over points and the
// 2x2 corner neighbourhood (independently of the kernel's bucketing), for values and gradients;
// exact accumulation of duplicates; and identical results for every thread count.
#include "ops/uv_splat.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "autograd/node.h"
#include "core/thread_pool.h"
#include "ops/creation.h"

namespace dc {
namespace {

struct Problem {
  int64_t N, C, P, K, H, W;
  std::vector<double> values, uv;  // [N, C, P], [N, P, 2]
  std::vector<double> part;        // [N, P], integers in [-1, K)
};

struct Reference {
  std::vector<double> atlas, weight;  // [N, K, C, H, W], [N, K, H, W]
  std::vector<double> grad_values, grad_uv;
};

// Forward and the gradients for output gradients ga (atlas) and gw (weight), by definition: each
// point adds w(dx, dy) = wx(dx) * wy(dy) of its value to the corner (x0 + dx, y0 + dy), with
// wx(0) = 1 - fx, wx(1) = fx (d wx / d fx = -1, +1), likewise wy.
Reference naive(const Problem& pb, const std::vector<double>& ga, const std::vector<double>& gw) {
  const int64_t N = pb.N, C = pb.C, P = pb.P, K = pb.K, H = pb.H, W = pb.W;
  Reference r;
  r.atlas.assign(N * K * C * H * W, 0.0);
  r.weight.assign(N * K * H * W, 0.0);
  r.grad_values.assign(N * C * P, 0.0);
  r.grad_uv.assign(N * P * 2, 0.0);
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t p = 0; p < P; ++p) {
      const int64_t k = static_cast<int64_t>(pb.part[n * P + p]);
      if (k < 0) continue;
      const double x = pb.uv[(n * P + p) * 2] * (W - 1), y = pb.uv[(n * P + p) * 2 + 1] * (H - 1);
      const double fx = x - std::floor(x), fy = y - std::floor(y);
      const int64_t x0 = static_cast<int64_t>(std::floor(x)),
                    y0 = static_cast<int64_t>(std::floor(y));
      for (int dy = 0; dy <= 1; ++dy) {
        for (int dx = 0; dx <= 1; ++dx) {
          const int64_t cx = x0 + dx, cy = y0 + dy;
          if (cx < 0 || cx >= W || cy < 0 || cy >= H) continue;
          const double wx = dx ? fx : 1 - fx, wy = dy ? fy : 1 - fy;
          const double dwx = dx ? 1 : -1, dwy = dy ? 1 : -1;
          const int64_t wcell = ((n * K + k) * H + cy) * W + cx;
          r.weight[wcell] += wx * wy;
          double dl_dw = gw[wcell];
          for (int64_t c = 0; c < C; ++c) {
            const int64_t acell = (((n * K + k) * C + c) * H + cy) * W + cx;
            const double v = pb.values[(n * C + c) * P + p];
            r.atlas[acell] += wx * wy * v;
            r.grad_values[(n * C + c) * P + p] += wx * wy * ga[acell];
            dl_dw += v * ga[acell];
          }
          r.grad_uv[(n * P + p) * 2] += dwx * wy * (W - 1) * dl_dw;
          r.grad_uv[(n * P + p) * 2 + 1] += wx * dwy * (H - 1) * dl_dw;
        }
      }
    }
  }
  return r;
}

Problem random_problem(int64_t N, int64_t C, int64_t P, int64_t K, int64_t H, int64_t W, double lo,
                       double hi, uint64_t seed) {
  Generator gen(seed);
  Problem pb{N, C, P, K, H, W, {}, {}, {}};
  pb.values = randn({N, C, P}, DType::f64, gen).to_vector();
  const std::vector<double> u = rand({N, P, 2}, DType::f64, gen).to_vector();
  for (double e : u) pb.uv.push_back(lo + (hi - lo) * e);
  pb.part = randint(-1, K, {N, P}, DType::i64, gen).to_vector();
  return pb;
}

void expect_near(const std::vector<double>& ours, const std::vector<double>& ref, double tol,
                 const char* what) {
  ASSERT_EQ(ours.size(), ref.size()) << what;
  int bad = 0;
  for (size_t i = 0; i < ref.size() && bad < 5; ++i) {
    if (!(std::abs(ours[i] - ref[i]) <= tol * (1 + std::abs(ref[i])))) {
      ADD_FAILURE() << what << "[" << i << "]: ours " << ours[i] << " vs reference " << ref[i];
      ++bad;
    }
  }
}

// Runs uv_splat in `dtype` with gradients for ga/gw and compares everything with the reference.
void check_against_naive(const Problem& pb, DType dtype, double tol) {
  Generator gen(5);
  const Tensor ga = randn({pb.N, pb.K, pb.C, pb.H, pb.W}, dtype, gen);
  const Tensor gw = randn({pb.N, pb.K, pb.H, pb.W}, dtype, gen);
  Tensor values = tensor_from(pb.values, {pb.N, pb.C, pb.P}, dtype).set_requires_grad(true);
  Tensor uv = tensor_from(pb.uv, {pb.N, pb.P, 2}, dtype).set_requires_grad(true);
  const Tensor part = tensor_from(pb.part, {pb.N, pb.P}, DType::i64);
  auto [atlas, weight] = uv_splat(values, uv, part, pb.K, pb.H, pb.W);
  run_backward({atlas, weight}, {ga, gw}, false);
  const Reference r = naive(pb, ga.to_vector(), gw.to_vector());
  expect_near(atlas.to_vector(), r.atlas, tol, "atlas");
  expect_near(weight.to_vector(), r.weight, tol, "weight");
  expect_near(values.grad().to_vector(), r.grad_values, tol, "grad values");
  expect_near(uv.grad().to_vector(), r.grad_uv, tol * 10, "grad uv");
}

TEST(UvSplat, MatchesNaiveReference) {
  check_against_naive(random_problem(2, 3, 50, 3, 5, 7, 0, 1, 1), DType::f64, 1e-12);
  check_against_naive(random_problem(2, 3, 50, 3, 5, 7, 0, 1, 1), DType::f32, 1e-5);
}

TEST(UvSplat, MatchesNaiveReferenceOutsideUnitSquare) {
  check_against_naive(random_problem(2, 2, 80, 2, 4, 6, -0.4, 1.4, 2), DType::f64, 1e-12);
}

TEST(UvSplat, MatchesNaiveReferenceWithManyPointsPerCell) {
  // 3000 points into 2 charts of 3x3 cells.
  check_against_naive(random_problem(1, 2, 3000, 2, 3, 3, 0, 1, 3), DType::f64, 1e-10);
}

TEST(UvSplat, DuplicatesAccumulateExactly) {
  // Three points at the center of a 3x3 chart land exactly on cell (1, 1) with weight 1 each; a
  // skipped point (-1) at the same spot adds nothing.
  const Tensor values = tensor_from({1, 2, 4, 100}, {1, 1, 4}, DType::f64);
  const Tensor uv = tensor_from({0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5}, {1, 4, 2}, DType::f64);
  const Tensor part = tensor_from({0, 0, 0, -1}, {1, 4}, DType::i64);
  auto [atlas, weight] = uv_splat(values, uv, part, 1, 3, 3);
  const std::vector<double> a = atlas.to_vector(), w = weight.to_vector();
  for (int64_t i = 0; i < 9; ++i) {
    EXPECT_EQ(a[i], i == 4 ? 7.0 : 0.0) << "atlas cell " << i;
    EXPECT_EQ(w[i], i == 4 ? 3.0 : 0.0) << "weight cell " << i;
  }
}

TEST(UvSplat, SameResultForEveryThreadCount) {
  // Many charts and many points per cell: a racy parallel splat would lose or reorder additions.
  const Problem pb = random_problem(3, 3, 20000, 5, 8, 8, -0.1, 1.1, 4);
  const Tensor values = tensor_from(pb.values, {pb.N, pb.C, pb.P}, DType::f32);
  const Tensor uv = tensor_from(pb.uv, {pb.N, pb.P, 2}, DType::f32);
  const Tensor part = tensor_from(pb.part, {pb.N, pb.P}, DType::i64);
  const int saved = num_threads();
  std::vector<double> atlas1, weight1;
  for (int threads : {1, 2, 3, 8}) {
    set_num_threads(threads);
    auto [atlas, weight] = uv_splat(values, uv, part, pb.K, pb.H, pb.W);
    if (threads == 1) {
      atlas1 = atlas.to_vector();
      weight1 = weight.to_vector();
      continue;
    }
    EXPECT_EQ(atlas.to_vector(), atlas1) << threads << " threads";
    EXPECT_EQ(weight.to_vector(), weight1) << threads << " threads";
  }
  set_num_threads(saved);
  const std::vector<double> zeros_a(atlas1.size(), 0.0);
  const Reference r = naive(pb, zeros_a, std::vector<double>(weight1.size(), 0.0));
  expect_near(atlas1, r.atlas, 1e-4, "atlas (f32, 8 threads)");
  expect_near(weight1, r.weight, 1e-4, "weight (f32, 8 threads)");
}

TEST(UvSplat, EmptyPointSetGivesZeros) {
  Tensor values = zeros({2, 3, 0}, DType::f64).set_requires_grad(true);
  Tensor uv = zeros({2, 0, 2}, DType::f64).set_requires_grad(true);
  auto [atlas, weight] = uv_splat(values, uv, zeros({2, 0}, DType::i64), 4, 3, 5);
  EXPECT_EQ(atlas.sizes(), Shape({2, 4, 3, 3, 5}));
  EXPECT_EQ(weight.sizes(), Shape({2, 4, 3, 5}));
  for (double e : atlas.to_vector()) EXPECT_EQ(e, 0.0);
  for (double e : weight.to_vector()) EXPECT_EQ(e, 0.0);
  run_backward({atlas, weight}, {ones_like(atlas), ones_like(weight)}, false);
  EXPECT_EQ(values.grad().sizes(), Shape({2, 3, 0}));
  EXPECT_EQ(uv.grad().sizes(), Shape({2, 0, 2}));
}

}  // namespace
}  // namespace dc
