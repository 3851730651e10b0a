// Bad inputs to the warping ops (upsampling, grid_sample, affine_grid, uv_splat) throw dc::Error
// naming the op, the offending shapes or values and what was expected.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ops/creation.h"
#include "ops/grid_sample.h"
#include "ops/upsample.h"
#include "ops/uv_splat.h"
#include "tests/testing/expect_error.h"

namespace dc {
namespace {

TEST(UpsampleErrors, RejectsBadInput) {
  expect_error(
      [] {
        upsample_bilinear2d(zeros({3, 4, 4}), {8, 8});
      },
      {"upsample_bilinear2d", "4-D", "f32[3, 4, 4]"});
  expect_error(
      [] {
        upsample_nearest2d(zeros({1, 1, 4, 4}, DType::i64), {8, 8});
      },
      {"upsample_nearest2d", "i64"});
  expect_error(
      [] {
        upsample_bilinear2d(zeros({1, 1, 4, 4}), {0, 8});
      },
      {"upsample_bilinear2d", "output size", "{0, 8}"});
  expect_error(
      [] {
        upsample_bilinear2d(zeros({1, 1, 4, 4}), -2.0, 2.0, false);
      },
      {"upsample_bilinear2d", "scale factors", "-2"});
  // 4 * 0.2 = 0.8 truncates to an empty output.
  expect_error(
      [] {
        upsample_nearest2d(zeros({1, 1, 4, 4}), 0.2, 1.0);
      },
      {"upsample_nearest2d", "empty output", "0x4"});
  expect_error(
      [] {
        upsample_nearest2d(zeros({1, 1, 0, 4}), {2, 2});
      },
      {"upsample_nearest2d", "non-empty"});
}

TEST(GridSampleErrors, RejectsBadShapesAndDtypes) {
  expect_error(
      [] {
        grid_sample(zeros({2, 3, 4}), zeros({2, 3, 3, 2}));
      },
      {"grid_sample", "4-D", "f32[2, 3, 4]"});
  expect_error(
      [] {
        grid_sample(zeros({2, 3, 4, 4}), zeros({2, 3, 3, 3}));
      },
      {"grid_sample", "[N, Ho, Wo, 2]", "f32[2, 3, 3, 3]"});
  expect_error(
      [] {
        grid_sample(zeros({2, 3, 4, 4}), zeros({1, 3, 3, 2}));
      },
      {"grid_sample", "batch size", "f32[1, 3, 3, 2]", "f32[2, 3, 4, 4]"});
  expect_error(
      [] {
        grid_sample(zeros({2, 3, 4, 4}), zeros({2, 3, 3, 2}, DType::f64));
      },
      {"grid_sample", "dtype", "f64[2, 3, 3, 2]"});
  expect_error(
      [] {
        grid_sample(zeros({2, 3, 4, 4}, DType::i32), zeros({2, 3, 3, 2}));
      },
      {"grid_sample", "i32"});
}

TEST(AffineGridErrors, RejectsBadThetaAndSize) {
  expect_error(
      [] {
        affine_grid(zeros({2, 3, 3}), {2, 1, 4, 4});
      },
      {"affine_grid", "[N, 2, 3]", "f32[2, 3, 3]"});
  expect_error(
      [] {
        affine_grid(zeros({2, 2, 3}), {3, 1, 4, 4});
      },
      {"affine_grid", "batch 3", "f32[2, 2, 3]"});
  expect_error([] { affine_grid(zeros({1, 2, 3}), {1, 1, 0, 4}); }, {"affine_grid", "positive"});
  expect_error(
      [] {
        affine_grid(zeros({1, 2, 3}, DType::i64), {1, 1, 4, 4});
      },
      {"affine_grid", "i64"});
}

TEST(UvSplatErrors, RejectsBadShapesDtypesAndParts) {
  const Tensor v = zeros({2, 3, 5}), uv = zeros({2, 5, 2}), part = zeros({2, 5}, DType::i64);
  expect_error(
      [&] {
        uv_splat(zeros({3, 5}), uv, part, 2, 4, 4);
      },
      {"uv_splat", "[N, C, P]", "f32[3, 5]"});
  expect_error(
      [&] {
        uv_splat(v, zeros({2, 4, 2}), part, 2, 4, 4);
      },
      {"uv_splat", "uv", "[2, 5, 2]", "f32[2, 4, 2]"});
  expect_error(
      [&] {
        uv_splat(v, zeros({2, 5, 2}, DType::f64), part, 2, 4, 4);
      },
      {"uv_splat", "dtype", "f64[2, 5, 2]"});
  expect_error(
      [&] {
        uv_splat(v, uv, zeros({2, 5}), 2, 4, 4);
      },
      {"uv_splat", "part", "i64", "f32[2, 5]"});
  expect_error(
      [&] {
        uv_splat(v, uv, zeros({2, 6}, DType::i64), 2, 4, 4);
      },
      {"uv_splat", "part", "[2, 5]", "i64[2, 6]"});
  expect_error([&] { uv_splat(v, uv, part, 0, 4, 4); }, {"uv_splat", "K=0"});
  expect_error([&] { uv_splat(v, uv, part, 2, 4, 0); }, {"uv_splat", "W=0"});
  // A chart index beyond K, and one below -1 (the only negative value allowed).
  expect_error(
      [&] {
        uv_splat(v, uv, full({2, 5}, 2, DType::i64), 2, 4, 4);
      },
      {"uv_splat", "part[0, 0] = 2", "K = 2"});
  expect_error(
      [&] {
        uv_splat(v, uv, full({2, 5}, -2, DType::i64), 2, 4, 4);
      },
      {"uv_splat", "= -2", "[-1, K)"});
}

}  // namespace
}  // namespace dc
