// Bad inputs to roi_align, the box ops and NMS throw dc::Error naming the op and the shapes.
#include <gtest/gtest.h>

#include <string>

#include "ops/boxes.h"
#include "ops/creation.h"
#include "ops/roi_align.h"
#include "tests/testing/expect_error.h"

namespace dc {
namespace {

Tensor rois_with_batch(double b) { return tensor_from({b, 0, 0, 4, 4}, {1, 5}); }

TEST(RoiAlignErrors, RejectsBadShapesDtypesAndOptions) {
  const Tensor x = zeros({2, 3, 8, 8});
  expect_error(
      [] {
        roi_align(zeros({3, 8, 8}), rois_with_batch(0), {2, 2});
      },
      {"roi_align", "f32[3, 8, 8]", "4-D"});
  expect_error([&] { roi_align(x, zeros({3, 4}), {2, 2}); }, {"roi_align", "f32[3, 4]", "[K, 5]"});
  expect_error(
      [&] {
        roi_align(x, zeros({1, 5}, DType::f64), {2, 2});
      },
      {"roi_align", "f64[1, 5]", "dtype"});
  expect_error(
      [] {
        roi_align(zeros({1, 1, 4, 4}, DType::i64), zeros({1, 5}, DType::i64), {2, 2});
      },
      {"roi_align", "i64"});
  expect_error([&] { roi_align(x, rois_with_batch(0), {0, 2}); }, {"roi_align", "output size"});
  expect_error(
      [&] {
        roi_align(x, rois_with_batch(0), {2, 2}, -1.0);
      },
      {"roi_align", "spatial_scale"});
}

TEST(RoiAlignErrors, RejectsBatchIndexOutOfRange) {
  const Tensor x = zeros({2, 3, 8, 8});
  expect_error(
      [&] {
        roi_align(x, rois_with_batch(2), {2, 2});
      },
      {"roi_align", "batch index 2", "[0, 2)"});
  expect_error([&] { roi_align(x, rois_with_batch(-1), {2, 2}); }, {"roi_align", "batch index -1"});
  // 1.5 truncates to 1, a valid image (as torchvision's int conversion).
  EXPECT_NO_THROW(roi_align(x, rois_with_batch(1.5), {2, 2}));
}

TEST(BoxErrors, RejectsBadBoxShapesAndDtypes) {
  expect_error([] { box_area(zeros({3, 5})); }, {"box_area", "f32[3, 5]", "[N, 4]"});
  expect_error([] { box_area(zeros({3, 4}, DType::i64)); }, {"box_area", "i64[3, 4]"});
  expect_error([] { box_iou(zeros({3, 4}), zeros({2, 3})); }, {"box_iou", "boxes2", "f32[2, 3]"});
  expect_error(
      [] {
        box_iou(zeros({3, 4}), zeros({2, 4}, DType::f64));
      },
      {"box_iou", "f32[3, 4]", "f64[2, 4]"});
  expect_error([] { clip_boxes(zeros({3, 6}), 10, 10); }, {"clip_boxes", "f32[3, 6]", "4k"});
  expect_error([] { clip_boxes(zeros({3, 4}), -1, 10); }, {"clip_boxes", "height -1"});
  expect_error(
      [] {
        encode_boxes(zeros({3, 4}), zeros({2, 4}), {1, 1, 1, 1});
      },
      {"encode_boxes", "f32[3, 4]", "f32[2, 4]"});
  expect_error(
      [] {
        decode_boxes(zeros({3, 6}), zeros({3, 4}), {1, 1, 1, 1});
      },
      {"decode_boxes", "f32[3, 6]", "[N, 4k]"});
  expect_error(
      [] {
        decode_boxes(zeros({2, 4}), zeros({3, 4}), {1, 1, 1, 1});
      },
      {"decode_boxes", "f32[2, 4]", "f32[3, 4]"});
}

TEST(NmsErrors, RejectsMismatchedScoresAndCategories) {
  expect_error([] { nms(zeros({3, 4}), zeros({2}), 0.5); }, {"nms", "scores", "[3]", "f32[2]"});
  expect_error([] { nms(zeros({3, 4}), zeros({3}, DType::f64), 0.5); }, {"nms", "dtype"});
  expect_error([] { nms(zeros({3, 2}), zeros({3}), 0.5); }, {"nms", "f32[3, 2]"});
  expect_error(
      [] {
        batched_nms(zeros({3, 4}), zeros({3}), zeros({3}), 0.5);
      },
      {"batched_nms", "idxs", "f32[3]"});
  expect_error(
      [] {
        batched_nms(zeros({3, 4}), zeros({3}), zeros({2}, DType::i64), 0.5);
      },
      {"batched_nms", "idxs", "i64[2]"});
}

// Only f32 and f64 have kernels: other floating dtypes are refused up front, by name.
TEST(NmsErrors, RejectsHalf) {
  expect_error(
      [] {
        nms(zeros({3, 4}, DType::f16), zeros({3}, DType::f16), 0.5);
      },
      {"nms", "f16[3, 4]"});
}

}  // namespace
}  // namespace dc
