// The host/device arithmetic shared by the CPU and CUDA kernels (ops/*_math.h), checked on the
// host against hand-computed values: the contracts their comments state (coordinate conventions,
// clamping at the borders, what counts as outside). The ops themselves are checked against
// PyTorch in op_cases_test; these pin the pieces the GPU reuses.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "ops/boxes_math.h"
#include "ops/index_math.h"
#include "ops/roi_align_math.h"
#include "ops/upsample_math.h"
#include "ops/uv_splat_math.h"
#include "tests/testing/expect_error.h"

namespace dc {
namespace {

// The geometry's start, bin size and sample grid along (w, h), then its divisor.
template <typename T>
void expect_geom(const RoiAlignGeom<T>& g, T start_w, T start_h, T bin_w, T bin_h, int64_t grid_w,
                 int64_t grid_h, T divisor) {
  EXPECT_EQ(g.start_w, start_w);
  EXPECT_EQ(g.start_h, start_h);
  EXPECT_EQ(g.bin_w, bin_w);
  EXPECT_EQ(g.bin_h, bin_h);
  EXPECT_EQ(g.grid_w, grid_w);
  EXPECT_EQ(g.grid_h, grid_h);
  EXPECT_EQ(roi_align_divisor(g), divisor);
}

TEST(RoiAlignMath, GeomUnalignedScalesAndClampsSmallRoisToOnePixel) {
  // Roi (x1, y1, x2, y2) = (4, 2, 5, 2.5) at scale 0.5: start (w, h) = (2, 1), size 0.5 x 0.25,
  // clamped to 1 x 1 when not aligned; 2 x 4 bins.
  const float roi[5] = {1.f, 4.f, 2.f, 5.f, 2.5f};
  const RoiAlignGeom<float> g = roi_align_geom(roi, 0.5f, /*aligned=*/false, 2, 4, -1);
  EXPECT_EQ(g.batch, 1);
  // Adaptive sampling: ceil(1 / 2) = ceil(1 / 4) = 1 sample per bin.
  expect_geom(g, 2.f, 1.f, 0.25f, 0.5f, 1, 1, 1.f);
}

TEST(RoiAlignMath, GeomAlignedShiftsByHalfPixelAndKeepsNegativeSizes) {
  // aligned: every coordinate shifted by -0.5 after scaling; no clamping, so x2 < x1 gives a
  // negative width and an empty adaptive grid (the bin averages nothing: divisor 1).
  const double roi[5] = {0.0, 3.0, 1.0, 11.0, 7.0};
  const RoiAlignGeom<double> g = roi_align_geom(roi, 1.0, /*aligned=*/true, 2, 2, -1);
  // An 8 x 6 roi from (2.5, 0.5): grid ceil(8 / 2) x ceil(6 / 2), 12 samples per bin.
  expect_geom(g, 2.5, 0.5, 4.0, 3.0, 4, 3, 12.0);

  const double flipped[5] = {0.0, 5.0, 1.0, 3.0, 7.0};
  const RoiAlignGeom<double> f = roi_align_geom(flipped, 1.0, /*aligned=*/true, 2, 2, -1);
  EXPECT_EQ(f.bin_w, -1.0);
  EXPECT_EQ(f.grid_w, -1);  // ceil(-2 / 2)
  EXPECT_EQ(roi_align_divisor(f), 1.0);
  // A fixed sampling ratio overrides the adaptive count.
  EXPECT_EQ(roi_align_geom(flipped, 1.0, true, 2, 2, 3).grid_w, 3);
}

TEST(RoiAlignMath, SampleCoordinatesAreBinCentresOfTheGrid) {
  // start 1, bins of 2, 4 samples per bin: bin 1 samples at 3 + (i + 0.5) * 0.5.
  EXPECT_EQ(roi_align_sample(1.f, 2.f, 1, 0, 4), 3.25f);
  EXPECT_EQ(roi_align_sample(1.f, 2.f, 1, 3, 4), 4.75f);
  EXPECT_EQ(roi_align_sample(1.0, 2.0, 0, 0, 1), 2.0);
}

TEST(RoiAlignMath, BilinearTapsInsideAtBordersAndOutside) {
  const int64_t H = 4, W = 5;
  int64_t pos[4];
  float w[4];
  // Interior: (y, x) = (1.25, 2.5) -> rows 1, 2 and columns 2, 3.
  ASSERT_TRUE(roi_align_bilinear(1.25f, 2.5f, H, W, pos, w));
  EXPECT_EQ(pos[0], 1 * W + 2);
  EXPECT_EQ(pos[1], 1 * W + 3);
  EXPECT_EQ(pos[2], 2 * W + 2);
  EXPECT_EQ(pos[3], 2 * W + 3);
  EXPECT_EQ(w[0], 0.75f * 0.5f);
  EXPECT_EQ(w[1], 0.75f * 0.5f);
  EXPECT_EQ(w[2], 0.25f * 0.5f);
  EXPECT_EQ(w[3], 0.25f * 0.5f);
  // In [-1, 0]: clamped to 0, all weight on row/column 0.
  ASSERT_TRUE(roi_align_bilinear(-0.75f, -1.f, H, W, pos, w));
  EXPECT_EQ(pos[0], 0);
  EXPECT_EQ(pos[3], 1 * W + 1);
  EXPECT_EQ(w[0], 1.f);
  EXPECT_EQ(w[1] + w[2] + w[3], 0.f);
  // Past the last row and column but within +1: every tap on the last pixel.
  ASSERT_TRUE(roi_align_bilinear(3.5f, 5.f, H, W, pos, w));
  for (int q = 0; q < 4; ++q) EXPECT_EQ(pos[q], 3 * W + 4) << q;
  EXPECT_EQ(w[0], 1.f);
  // Outside [-1, H] x [-1, W].
  EXPECT_FALSE(roi_align_bilinear(-1.01f, 0.f, H, W, pos, w));
  EXPECT_FALSE(roi_align_bilinear(0.f, 5.01f, H, W, pos, w));
  EXPECT_FALSE(roi_align_bilinear(4.01f, 0.f, H, W, pos, w));
}

TEST(RoiAlignMath, ForEachSampleVisitsTheGridInRowMajorOrder) {
  // A 2 x 2 roi at (0, 0) of a 3 x 3 plane, one bin, 2 x 2 samples at 0.5 and 1.5.
  const float roi[5] = {0.f, 0.f, 0.f, 2.f, 2.f};
  const RoiAlignGeom<float> g = roi_align_geom(roi, 1.f, /*aligned=*/false, 1, 1, 2);
  int calls = 0;
  int64_t first[4] = {0, 0, 0, 0};
  float sum = 0;
  roi_align_for_each_sample(g, 0, 0, 3, 3, [&](bool inside, const int64_t* pos, const float* w) {
    EXPECT_TRUE(inside);
    if (calls == 1) {  // (y, x) = (0.5, 1.5): rows 0, 1 and columns 1, 2.
      for (int q = 0; q < 4; ++q) first[q] = pos[q];
    }
    sum += w[0] + w[1] + w[2] + w[3];
    ++calls;
  });
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(first[0], 1);
  EXPECT_EQ(first[1], 2);
  EXPECT_EQ(first[2], 4);
  EXPECT_EQ(first[3], 5);
  EXPECT_EQ(sum, 4.f);  // each sample's weights sum to 1
}

TEST(UvSplatMath, CornersWeightsAndDerivativesOfAnInteriorPoint) {
  // H = W = 5: (u, v) = (0.375, 0.3125) lands at (x, y) = (1.5, 1.25).
  UvSplatCorners<double> c;
  uv_splat_corners(0.375, 0.3125, 5, 5, c);
  const int64_t cells[4] = {6, 7, 11, 12};  // (x, y) = (1, 1), (2, 1), (1, 2), (2, 2)
  const double w[4] = {0.5 * 0.75, 0.5 * 0.75, 0.5 * 0.25, 0.5 * 0.25};
  const double dwdx[4] = {-0.75, 0.75, -0.25, 0.25}, dwdy[4] = {-0.5, -0.5, 0.5, 0.5};
  for (int q = 0; q < 4; ++q) {
    EXPECT_EQ(c.cell[q], cells[q]) << q;
    EXPECT_EQ(c.w[q], w[q]) << q;
    EXPECT_EQ(c.dwdx[q], dwdx[q]) << q;
    EXPECT_EQ(c.dwdy[q], dwdy[q]) << q;
  }
}

TEST(UvSplatMath, CornersOutsideTheGridAreDropped) {
  UvSplatCorners<float> c;
  // (u, v) = (1, 1) on H = 3, W = 4: exactly the last cell; its right and lower neighbours are
  // outside.
  uv_splat_corners(1.f, 1.f, 3, 4, c);
  EXPECT_EQ(c.cell[0], 2 * 4 + 3);
  EXPECT_EQ(c.w[0], 1.f);
  EXPECT_EQ(c.cell[1], -1);
  EXPECT_EQ(c.cell[2], -1);
  EXPECT_EQ(c.cell[3], -1);
  // u = -0.1 on W = 11: x = -1, so only the x0 + 1 = 0 column is inside.
  uv_splat_corners(-0.1f, 0.f, 2, 11, c);
  EXPECT_EQ(c.cell[0], -1);
  EXPECT_EQ(c.cell[1], 0);
  EXPECT_EQ(c.cell[2], -1);
  EXPECT_EQ(c.cell[3], 11);
  // NaN never reaches the integer cast: every corner is outside.
  uv_splat_corners(std::numeric_limits<float>::quiet_NaN(), 0.5f, 4, 4, c);
  for (int q = 0; q < 4; ++q) EXPECT_EQ(c.cell[q], -1) << q;
}

TEST(IndexMath, RangeCheckDoesNotWrapNegativeIndices) {
  EXPECT_TRUE(index_in_range(0, 3));
  EXPECT_TRUE(index_in_range(2, 3));
  EXPECT_FALSE(index_in_range(3, 3));
  EXPECT_FALSE(index_in_range(-1, 3));
  EXPECT_FALSE(index_in_range(0, 0));
}

TEST(IndexMath, AroundAndRowOffsetsAddressTheIndexedDim) {
  const std::vector<int64_t> sizes = {2, 3, 4, 5};
  const IndexAround g = index_around(sizes, 2);
  EXPECT_EQ(g.outer, 6);
  EXPECT_EQ(g.n, 4);
  EXPECT_EQ(g.inner, 5);
  const IndexAround first = index_around(sizes, 0), last = index_around(sizes, 3);
  EXPECT_EQ(first.outer, 1);
  EXPECT_EQ(first.inner, 60);
  EXPECT_EQ(last.outer, 24);
  EXPECT_EQ(last.inner, 1);
  // Element [1, 2, k=3, 0] of the contiguous [2, 3, 4, 5] tensor: outer slice o = 1 * 3 + 2 = 5.
  EXPECT_EQ(index_row_offset(5, 3, g.n, g.inner), ((1 * 3 + 2) * 4 + 3) * 5);
}

TEST(IndexMath, OutOfRangeErrorNamesTheOpTheValueAndTheValidRange) {
  const std::string msg = error_of([] { index_out_of_range("gather", 7, 1, 7); });
  EXPECT_EQ(msg, "gather: index 7 is out of range for dim 1 of size 7 (valid range [0, 7))");
}

TEST(BoxesMath, AreaAndIouOfOverlappingAndDisjointBoxes) {
  EXPECT_EQ(box_area_of(1.f, 2.f, 4.f, 7.f), 15.f);
  // Two 2 x 2 boxes overlapping in a 1 x 1 square: 1 / (4 + 4 - 1).
  EXPECT_EQ((box_iou_of<false>(0.0, 0.0, 2.0, 2.0, 4.0, 1.0, 1.0, 3.0, 3.0, 4.0)), 1.0 / 7.0);
  EXPECT_EQ((box_iou_of<true>(0.0, 0.0, 2.0, 2.0, 4.0, 1.0, 1.0, 3.0, 3.0, 4.0)), 1.0 / 7.0);
  // Disjoint: the negative overlap is clamped to 0.
  EXPECT_EQ((box_iou_of<false>(0.f, 0.f, 1.f, 1.f, 1.f, 2.f, 2.f, 3.f, 3.f, 1.f)), 0.f);
  EXPECT_EQ(box_overlap<false>(0.f, 1.f, 2.f, 3.f), 0.f);
}

TEST(BoxesMath, NanSidesPropagateInBoxIouButNotInNms) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // a2 = NaN: min(NaN, 3) is NaN, so the side is NaN before the clamp.
  EXPECT_TRUE(std::isnan(box_overlap<false>(0.f, nan, 1.f, 3.f)));
  EXPECT_EQ(box_overlap<true>(0.f, nan, 1.f, 3.f), 0.f);
  EXPECT_TRUE(std::isnan(box_iou_of<false>(0.f, 0.f, nan, 2.f, 4.f, 1.f, 1.f, 3.f, 3.f, 4.f)));
  EXPECT_EQ((box_iou_of<true>(0.f, 0.f, nan, 2.f, 4.f, 1.f, 1.f, 3.f, 3.f, 4.f)), 0.f);
}

TEST(BoxesMath, ClipClampsEvenColumnsToWidthAndOddOnesToHeight) {
  EXPECT_EQ(box_clip_value(-1.f, 0, 10.f, 20.f), 0.f);
  EXPECT_EQ(box_clip_value(25.f, 0, 10.f, 20.f), 20.f);
  EXPECT_EQ(box_clip_value(25.f, 1, 10.f, 20.f), 10.f);
  EXPECT_EQ(box_clip_value(5.f, 3, 10.f, 20.f), 5.f);
  EXPECT_TRUE(std::isnan(box_clip_value(std::numeric_limits<float>::quiet_NaN(), 2, 10.f, 20.f)));
}

TEST(BoxesMath, EncodeGivesTheCentreOffsetsAndLogScales) {
  // Proposal 10 x 20 centred at (5, 10); reference 20 x 20 centred at (15, 15).
  const double p[4] = {0, 0, 10, 20}, g[4] = {5, 5, 25, 25};
  double r[4];
  box_encode_one(g, p, 1.0, 1.0, 1.0, 1.0, r);
  EXPECT_EQ(r[0], 1.0);
  EXPECT_EQ(r[1], 0.25);
  EXPECT_EQ(r[2], std::log(2.0));
  EXPECT_EQ(r[3], 0.0);
  box_encode_one(g, p, 10.0, 10.0, 5.0, 5.0, r);
  EXPECT_EQ(r[0], 10.0);
  EXPECT_EQ(r[1], 2.5);
  EXPECT_EQ(r[2], 5.0 * std::log(2.0));
}

TEST(BoxesMath, ThresholdBelowComparesInTheElementTypeAsInDouble) {
  // float(0.1) is above 0.1: the threshold is the float just below it.
  const float t = box_threshold_below<float>(0.1);
  EXPECT_LT(static_cast<double>(t), 0.1);
  EXPECT_GT(static_cast<double>(std::nextafter(t, 1.f)), 0.1);
  EXPECT_EQ(box_threshold_below<float>(0.5), 0.5f);  // exact
  EXPECT_EQ(box_threshold_below<double>(0.1), 0.1);
}

TEST(UpsampleMath, RatiosFollowAlignCornersAndScaleFactors) {
  EXPECT_EQ(upsample_linear_ratio<float>(4, 8, /*align_corners=*/false, -1), 0.5f);
  EXPECT_EQ(upsample_linear_ratio<float>(4, 8, false, 4.0), 0.25f);  // 1 / scale wins
  EXPECT_EQ(upsample_linear_ratio<double>(5, 9, /*align_corners=*/true, 4.0), 0.5);
  EXPECT_EQ(upsample_linear_ratio<double>(5, 1, true, -1), 0.0);
  EXPECT_EQ(upsample_nearest_ratio(3, 7, -1), 3.f / 7.f);
  EXPECT_EQ(upsample_nearest_ratio(3, 7, 2.0), 0.5f);
}

TEST(UpsampleMath, LerpOfHalfPixelCentresClampsAtBothEnds) {
  // 4 -> 8 inputs, align_corners=False: src = 0.5 (o + 0.5) - 0.5.
  const UpsampleLerp<double> mid = upsample_lerp(0.5, 4, 8, false, 3);  // src 1.25
  EXPECT_EQ(mid.i0, 1);
  EXPECT_EQ(mid.i1, 2);
  EXPECT_EQ(mid.l0, 0.75);
  EXPECT_EQ(mid.l1, 0.25);
  const UpsampleLerp<double> first = upsample_lerp(0.5, 4, 8, false, 0);  // src -0.25 -> 0
  EXPECT_EQ(first.i0, 0);
  EXPECT_EQ(first.i1, 1);
  EXPECT_EQ(first.l0, 1.0);
  EXPECT_EQ(first.l1, 0.0);
  const UpsampleLerp<double> last = upsample_lerp(0.5, 4, 8, false, 7);  // src 3.25, last input
  EXPECT_EQ(last.i0, 3);
  EXPECT_EQ(last.i1, 3);
  EXPECT_EQ(last.l1, 0.25);
}

TEST(UpsampleMath, LerpWithAlignedCornersAndTheExactCopy) {
  // 5 -> 9, align_corners=True: ratio 0.5, src = 0.5 o; the last output sits on the last input.
  const UpsampleLerp<float> l = upsample_lerp(0.5f, 5, 9, true, 3);
  EXPECT_EQ(l.i0, 1);
  EXPECT_EQ(l.i1, 2);
  EXPECT_EQ(l.l1, 0.5f);
  const UpsampleLerp<float> end = upsample_lerp(0.5f, 5, 9, true, 8);
  EXPECT_EQ(end.i0, 4);
  EXPECT_EQ(end.i1, 4);
  EXPECT_EQ(end.l0, 1.f);
  // in == out copies whatever the ratio says.
  const UpsampleLerp<float> copy = upsample_lerp(0.37f, 6, 6, false, 4);
  EXPECT_EQ(copy.i0, 4);
  EXPECT_EQ(copy.i1, 4);
  EXPECT_EQ(copy.l0, 1.f);
  EXPECT_EQ(copy.l1, 0.f);
}

TEST(UpsampleMath, NearestIndexSpecialCasesAndFloor) {
  EXPECT_EQ(upsample_nearest_index(0.5f, 3, 6, 5), 2);       // out == 2 in: o >> 1
  EXPECT_EQ(upsample_nearest_index(0.25f, 4, 4, 3), 3);      // out == in: the identity
  EXPECT_EQ(upsample_nearest_index(3.f / 7.f, 3, 7, 3), 1);  // floor(1.29)
  EXPECT_EQ(upsample_nearest_index(3.f / 7.f, 3, 7, 6), 2);  // floor(2.57)
  EXPECT_EQ(upsample_nearest_index(7.f / 3.f, 7, 3, 2), 4);  // floor(4.67)
  EXPECT_EQ(upsample_nearest_index(2.0f, 3, 4, 3), 2);       // floor(6) clamped to in - 1
}

}  // namespace
}  // namespace dc
