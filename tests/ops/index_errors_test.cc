// Bad inputs to the indexing, sorting and shape ops throw dc::Error naming the op, the offending
// value or shape and what was expected. Also: the accumulating kernels (scatter_add, index_add)
// stay exact under heavy duplicate targets when run on several threads.
#include <gtest/gtest.h>

#include <string>

#include "core/thread_pool.h"
#include "ops/creation.h"
#include "ops/index.h"
#include "ops/shape_ops.h"
#include "ops/sort.h"
#include "tests/testing/expect_error.h"

namespace dc {
namespace {

Tensor idx(std::vector<double> v, Shape s, DType t = DType::i64) { return tensor_from(v, s, t); }

TEST(IndexErrors, GatherRejectsOutOfRangeAndBadShapes) {
  expect_error(
      [] {
        gather(zeros({2, 4}), 1, idx({0, 4}, {2, 1}));
      },
      {"gather", "index 4", "dim 1", "[0, 4)"});
  expect_error([] { gather(zeros({2, 4}), 1, idx({-1, 0}, {2, 1})); }, {"gather", "index -1"});
  expect_error([] { gather(zeros({2, 4}), 1, zeros({2, 1})); }, {"gather", "i64", "f32[2, 1]"});
  expect_error([] { gather(zeros({2, 4}), 1, idx({0, 0}, {2})); }, {"gather", "as many dims"});
  expect_error(
      [] {
        gather(zeros({2, 4}), 1, idx({0, 0, 0}, {3, 1}));
      },
      {"gather", "larger than x", "dim 0"});
  expect_error([] { gather(zeros({2, 4}), 2, idx({0, 0}, {2, 1})); }, {"gather"});
}

TEST(IndexErrors, ScatterAddChecksDtypeShapeAndRange) {
  expect_error(
      [] {
        scatter_add(zeros({3, 2}), 0, idx({3, 0}, {1, 2}), zeros({1, 2}));
      },
      {"scatter_add", "index 3", "[0, 3)"});
  expect_error(
      [] {
        scatter_add(zeros({3, 2}), 0, idx({0, 0}, {1, 2}), zeros({1, 2}, DType::f64));
      },
      {"scatter_add", "dtype"});
  expect_error(
      [] {
        scatter_add(zeros({3, 2}), 0, idx({0, 0, 0, 0}, {2, 2}), zeros({1, 2}));
      },
      {"scatter_add", "larger than src"});
}

TEST(IndexErrors, IndexSelectAndIndexAdd) {
  expect_error(
      [] {
        index_select(zeros({3, 2}), 0, idx({0, 5}, {2}));
      },
      {"index_select", "index 5", "dim 0", "[0, 3)"});
  expect_error(
      [] {
        index_select(zeros({3, 2}), 0, idx({0, 1}, {1, 2}));
      },
      {"index_select", "1-D"});
  // Bad indices fail even when the output would be empty.
  expect_error([] { index_select(zeros({3, 0}), 0, idx({7}, {1})); }, {"index_select", "index 7"});
  expect_error(
      [] {
        index_add(zeros({3, 2}), 0, idx({0, 1}, {2}), zeros({3, 2}));
      },
      {"index_add", "2 entries", "f32[3, 2]"});
  expect_error(
      [] {
        index_add(zeros({3, 2}), 0, idx({0, 1}, {2}), zeros({2, 3}));
      },
      {"index_add", "every dim but 0"});
  expect_error(
      [] {
        index_add(zeros({3, 2}), 0, idx({0, -3}, {2}), zeros({2, 2}));
      },
      {"index_add", "index -3"});
}

TEST(IndexErrors, MaskedOpsAndOneHot) {
  expect_error([] { masked_select(zeros({2, 3}), zeros({2, 3})); }, {"masked_select", "bool"});
  expect_error([] { masked_select(zeros({2, 3}), zeros({4}, DType::b8)); }, {"masked_select"});
  expect_error(
      [] {
        masked_fill(zeros({2, 3}), zeros({3}, DType::u8), 1.0);
      },
      {"masked_fill", "bool"});
  expect_error([] { masked_fill(zeros({2, 3}), zeros({2}, DType::b8), 1.0); }, {"masked_fill"});
  expect_error([] { one_hot(idx({0, -1}, {2})); }, {"one_hot", "non-negative", "-1"});
  expect_error([] { one_hot(idx({0, 3}, {2}), 3); }, {"one_hot", "3", "num_classes 3"});
  expect_error([] { one_hot(idx({}, {0})); }, {"one_hot", "empty"});
  expect_error([] { one_hot(zeros({2})); }, {"one_hot", "i64"});
}

TEST(SortErrors, BadDimAndK) {
  expect_error([] { sort(zeros({2, 3}), 2); }, {"sort"});
  expect_error([] { topk(zeros({2, 3}), 4); }, {"topk", "k = 4", "0 <= k <= 3"});
  expect_error([] { topk(zeros({2, 3}), -1, 0); }, {"topk", "k = -1"});
  expect_error([] { sort(zeros({3}, DType::b8)); }, {"sort_kernel", "bool"});
}

TEST(ShapeOpErrors, Pad) {
  expect_error([] { pad(zeros({2, 3}), {1, 2, 3}); }, {"pad", "pairs"});
  expect_error([] { pad(zeros({2, 3}), {1, 1, 1, 1, 1, 1}); }, {"pad", "3 (left, right) pairs"});
  expect_error([] { pad(zeros({2, 3}), {-2, -2}); }, {"pad", "negative"});
  expect_error(
      [] {
        pad(zeros({1, 2, 3}), {3, 0}, PadMode::kReflect);
      },
      {"pad", "reflect", "less than the size 3"});
  expect_error(
      [] {
        pad(zeros({1, 2, 3}), {0, 1, 2, 0}, PadMode::kReflect);
      },
      {"pad", "less than the size 2"});
  expect_error(
      [] {
        pad(zeros({1, 1, 1, 2, 3}), {1, 1}, PadMode::kReplicate);
      },
      {"pad", "replicate", "2-D or 3-D"});
  expect_error([] { pad(zeros({3}), {1, 1}, PadMode::kReflect); }, {"pad", "2-D or 3-D"});
  expect_error(
      [] {
        pad(zeros({2, 2, 2, 2}), {1, 1, 1, 1, 1, 1}, PadMode::kReflect);
      },
      {"pad", "last 1 or 2 dims"});
  expect_error([] { pad(zeros({2, 0}), {1, 1}, PadMode::kReplicate); }, {"pad", "non-empty"});
  expect_error(
      [] {
        pad(zeros({2, 3}, DType::i64), {1, 1}, PadMode::kReflect);
      },
      {"pad_index_kernel", "i64"});
}

TEST(ShapeOpErrors, FlipRollRepeat) {
  expect_error([] { flip(zeros({2, 3}), {1, -1}); }, {"flip", "more than once"});
  expect_error([] { flip(zeros({2, 3}), {2}); }, {"flip"});
  expect_error([] { roll(zeros({2, 3}), {1, 2}, {0}); }, {"roll", "2 shifts", "1 dims"});
  expect_error([] { roll(zeros({2, 3}), {1, 2}); }, {"roll", "one shift"});
  expect_error([] { repeat(zeros({2, 3}), {2}); }, {"repeat", "fewer than the dims"});
  expect_error([] { repeat(zeros({2, 3}), {2, -1}); }, {"repeat", "non-negative"});
}

// Many more sources than targets, split over several threads: the parallel kernels must give
// the serial sums (values are small integers, so the f64 sums are exact in any order).
TEST(IndexParallel, DuplicateTargetsAccumulateExactly) {
  set_num_threads(4);
  const int64_t rows = 7, cols = 3, n = 200000;
  Tensor index = randint(0, rows, {n});
  Tensor src = randint(-3, 4, {n, cols}, DType::i64).to(DType::f64);
  Tensor out = index_add(zeros({rows, cols}, DType::f64), 0, index, src);
  std::vector<double> expect(rows * cols, 0.0);
  const std::vector<double> iv = index.to_vector(), sv = src.to_vector();
  for (int64_t j = 0; j < n; ++j) {
    for (int64_t c = 0; c < cols; ++c) expect[iv[j] * cols + c] += sv[j * cols + c];
  }
  EXPECT_EQ(out.to_vector(), expect);

  // scatter_add along dim 1 of a [cols, n] source into [cols, rows].
  Tensor src_t = src.t().contiguous();
  Tensor index_t = index.reshape({1, n}).expand({cols, n}).contiguous();
  Tensor out2 = scatter_add(zeros({cols, rows}, DType::f64), 1, index_t, src_t);
  std::vector<double> expect2(cols * rows, 0.0);
  for (int64_t c = 0; c < cols; ++c) {
    for (int64_t j = 0; j < n; ++j) expect2[c * rows + iv[j]] += sv[j * cols + c];
  }
  EXPECT_EQ(out2.to_vector(), expect2);
}

}  // namespace
}  // namespace dc
