// The library pieces behind `densecorr infer` and the DenseReg eval gallery: chart textures (the
// checkerboard's texels by hand, the synthetic face albedo landing on the template's lips, a
// picture transposed into a texture), the contact sheet's layout, the landmark rule names and
// uv_pictures as the composition of the eval/visualize.h functions.
#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include "core/philox.h"
#include "data/synth/face_template.h"
#include "data/synth/face_world.h"
#include "eval/chart_textures.h"
#include "eval/image_grid.h"
#include "eval/uv_landmarks.h"
#include "eval/uv_pictures.h"
#include "eval/visualize.h"
#include "tests/testing/expect_error.h"

namespace dc {
namespace {

std::array<float, 3> texel(const Tensor& t, int64_t i, int64_t j) {
  const float* p = t.data<float>() + 3 * (j * t.size(1) + i);
  return {p[0], p[1], p[2]};
}

Tensor constant_image(int64_t h, int64_t w, std::array<float, 3> c) {
  Tensor t = empty({3, h, w});
  for (int k = 0; k < 3; ++k)
    for (int64_t i = 0; i < h * w; ++i) t.data<float>()[k * h * w + i] = c[k];
  return t;
}

TEST(ChartTextures, CheckerboardTexelsByHand) {
  const Tensor t = checkerboard_chart_texture(4, 2);
  ASSERT_EQ(t.sizes(), (Shape{4, 4, 3}));
  // (0, 0): light cell, i = j = 0.
  EXPECT_FLOAT_EQ(texel(t, 0, 0)[0], 0.9f * 0.5f);
  EXPECT_FLOAT_EQ(texel(t, 0, 0)[1], 0.9f * 0.8f);
  EXPECT_FLOAT_EQ(texel(t, 0, 0)[2], 0.9f * 0.5f);
  // (2, 0): the next cell along U is dark; red grows with U.
  EXPECT_FLOAT_EQ(texel(t, 2, 0)[0], 0.25f * 0.75f);
  EXPECT_FLOAT_EQ(texel(t, 2, 0)[2], 0.25f * 0.5f);
  // (1, 3): dark (cells 0 and 1), blue grows with V (the row).
  EXPECT_FLOAT_EQ(texel(t, 1, 3)[2], 0.25f * (0.5f + 0.5f * 3 / 4));
  // (3, 3): light again.
  EXPECT_FLOAT_EQ(texel(t, 3, 3)[1], 0.9f * 0.8f);
  expect_error([] { checkerboard_chart_texture(1); }, {"size must be >= 2"});
  expect_error([] { checkerboard_chart_texture(8, 9); }, {"cells must be in [1, 8]"});
}

// The atlas is laid out on the chart: where the template has lips, the texture is lip-coloured
// (redder than the skin), which fails if U and V were swapped or the chart offsets ignored.
TEST(ChartTextures, SyntheticFaceAlbedoSitsOnTheTemplateParts) {
  const int size = 128;
  const Tensor t = synth_face_chart_texture(size);
  ASSERT_EQ(t.sizes(), (Shape{size, size, 3}));
  double lip[3] = {0, 0, 0}, skin[3] = {0, 0, 0};
  int64_t nl = 0, ns = 0;
  for (int j = 0; j < size; ++j) {
    for (int i = 0; i < size; ++i) {
      const int part = face_part_at((i + 0.5f) / size, (j + 0.5f) / size);
      const std::array<float, 3> c = texel(t, i, j);
      for (int k = 0; k < 3; ++k) {
        EXPECT_GE(c[k], 0.0f);
        EXPECT_LE(c[k], 1.0f);
      }
      double* acc = part == kFaceUpperLip || part == kFaceLowerLip ? lip
                    : part == kFaceSkin                            ? skin
                                                                   : nullptr;
      if (acc == nullptr) continue;
      for (int k = 0; k < 3; ++k) acc[k] += c[k];
      (acc == lip ? nl : ns) += 1;
    }
  }
  ASSERT_GT(nl, 20);
  ASSERT_GT(ns, 1000);
  // Default lips (0.70, 0.38, 0.36) against skin (0.85, 0.66, 0.55): red over green 1.8 vs 1.3.
  EXPECT_GT(lip[0] / lip[1], 1.15 * (skin[0] / skin[1]));
  expect_error([] { synth_face_chart_texture(1); }, {"size must be >= 2"});
}

TEST(ChartTextures, PictureBecomesTextureRowsAtV) {
  Tensor img = empty({3, 2, 3});  // 3 wide, 2 tall
  for (int64_t i = 0; i < img.numel(); ++i) img.data<float>()[i] = static_cast<float>(i) / 20;
  const Tensor t = chart_texture_from_image(img, "'x.png'");
  ASSERT_EQ(t.sizes(), (Shape{2, 3, 3}));
  for (int64_t j = 0; j < 2; ++j)
    for (int64_t i = 0; i < 3; ++i)
      for (int k = 0; k < 3; ++k)
        EXPECT_EQ(texel(t, i, j)[k], img.data<float>()[k * 6 + j * 3 + i]) << i << " " << j;
  expect_error(
      [] {
        chart_texture_from_image(empty({3, 1, 5}), "'tiny.png'");
      },
      {"texture 'tiny.png'", "at least 2×2"});
  expect_error(
      [] {
        chart_texture_from_image(empty({2, 4, 4}), "'two.png'");
      },
      {"texture 'two.png'", "3×H×W"});
  Tensor nan = constant_image(2, 2, {0, 0, 0});
  nan.data<float>()[5] = std::nanf("");
  expect_error([&] { chart_texture_from_image(nan, "'nan.png'"); },
               {"texture 'nan.png'", "pixel (1, 0) channel 1", "not finite"});
}

TEST(ImageGrid, LayoutTitlesAndErrors) {
  const std::array<float, 3> red{1, 0, 0}, blue{0, 0, 1}, green{0, 1, 0}, black{0, 0, 0};
  const Tensor sheet = image_grid({{constant_image(4, 5, red), constant_image(4, 5, blue)},
                                   {constant_image(4, 5, green), constant_image(4, 5, black)}},
                                  {"a", "b"}, 3);
  // Width 3 + 2·(5 + 3) = 19; height 3 + 20 + 2·(4 + 3) = 37.
  ASSERT_EQ(sheet.sizes(), (Shape{37, 19, 3}));
  auto at = [&](int x, int y) {
    const uint8_t* p = sheet.data<uint8_t>() + 3 * (y * 19 + x);
    return std::array<int, 3>{p[0], p[1], p[2]};
  };
  EXPECT_EQ(at(3, 23), (std::array<int, 3>{255, 0, 0}));      // cell (0, 0) top-left
  EXPECT_EQ(at(7, 26), (std::array<int, 3>{255, 0, 0}));      // ... bottom-right
  EXPECT_EQ(at(11, 23), (std::array<int, 3>{0, 0, 255}));     // cell (0, 1)
  EXPECT_EQ(at(3, 30), (std::array<int, 3>{0, 255, 0}));      // cell (1, 0)
  EXPECT_EQ(at(15, 33), (std::array<int, 3>{0, 0, 0}));       // cell (1, 1) bottom-right
  EXPECT_EQ(at(8, 23), (std::array<int, 3>{255, 255, 255}));  // the gap between columns
  EXPECT_EQ(at(3, 27), (std::array<int, 3>{255, 255, 255}));  // the gap between rows
  int dark = 0;  // the titles' ink in the band above the cells
  for (int y = 3; y < 23; ++y)
    for (int x = 0; x < 19; ++x) dark += at(x, y)[0] < 128;
  EXPECT_GT(dark, 0);
  // Without titles there is no band.
  EXPECT_EQ(image_grid({{constant_image(4, 5, red)}}, {}, 0).sizes(), (Shape{4, 5, 3}));
  expect_error([] { image_grid({}); }, {"no row"});
  expect_error(
      [&] {
        image_grid({{constant_image(4, 5, red)}, {}});
      },
      {"row 1 has 0", "expected 1"});
  expect_error(
      [&] {
        image_grid({{constant_image(4, 5, red), constant_image(5, 5, red)}});
      },
      {"row 0, column 1", "5×5", "expected 5×4"});
  expect_error([&] { image_grid({{constant_image(4, 5, red)}}, {}, -1); }, {"gap must be >= 0"});
}

TEST(UVPictures, RuleNamesAndComposition) {
  EXPECT_EQ(parse_landmark_rule("component", "--landmarks"), LandmarkRule::kComponents);
  EXPECT_EQ(parse_landmark_rule("argmin", "--landmarks"), LandmarkRule::kArgmin);
  expect_error([] { parse_landmark_rule("nearest", "infer: --landmarks"); },
               {"infer: --landmarks", "component or argmin", "'nearest'"});

  FaceWorldOptions o;
  o.size = 64;
  Generator rng(3);
  const Sample s = render_face(rng, o);
  const Tensor &image = s.at("image"), &uv = s.at("uv"), &mask = s.at("mask");
  const UVPictures p = uv_pictures(image, uv, mask, LandmarkRule::kArgmin);
  const Tensor u = uv_color_map(uv, mask, 0), v = uv_color_map(uv, mask, 1);
  const Tensor iso = draw_uv_isolines(image, uv, mask);
  for (int64_t i = 0; i < u.numel(); ++i) {
    ASSERT_EQ(p.u.data<float>()[i], u.data<float>()[i]);
    ASSERT_EQ(p.v.data<float>()[i], v.data<float>()[i]);
    ASSERT_EQ(p.isolines.data<float>()[i], iso.data<float>()[i]);
  }
  const UVLandmarks argmin = landmarks_from_uv(uv, mask, face_landmarks_uv_tensor());
  const UVLandmarks comp = uv_pictures(image, uv, mask, LandmarkRule::kComponents).found;
  const UVLandmarks comp_ref = landmarks_from_uv_components(uv, mask, face_landmarks_uv_tensor());
  for (int64_t i = 0; i < 68 * 2; ++i) {
    ASSERT_EQ(p.found.points.data<float>()[i], argmin.points.data<float>()[i]);
    ASSERT_EQ(comp.points.data<float>()[i], comp_ref.points.data<float>()[i]);
  }
  // The landmark picture differs from the image (discs drawn), the same size.
  EXPECT_EQ(p.landmarks.sizes(), image.sizes());
  int changed = 0;
  for (int64_t i = 0; i < image.numel(); ++i)
    changed += p.landmarks.data<float>()[i] != image.data<float>()[i];
  EXPECT_GT(changed, 50);
}

}  // namespace
}  // namespace dc
