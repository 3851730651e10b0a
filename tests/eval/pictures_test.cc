// The pictures: sizes, a few pixels of each, the PNG files, and texture transfer of a
// constant-per-part texture reproducing the part map (on an exact grid and on a rendered face).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/philox.h"
#include "data/image_io.h"
#include "data/synth/face_template.h"
#include "data/synth/face_world.h"
#include "eval/canvas.h"
#include "eval/ced_plot.h"
#include "eval/dense_metrics.h"
#include "eval/visualize.h"
#include "tests/testing/expect_error.h"
#include "tests/testing/temp_dir.h"

namespace dc {
namespace {

Tensor grey_image(int64_t h, int64_t w, float value) {
  Tensor t = empty({3, h, w});
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = value;
  return t;
}

Tensor full_mask(int64_t h, int64_t w) {
  Tensor t = empty({h, w}, DType::u8);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<uint8_t>()[i] = 1;
  return t;
}

// The RGB of pixel (x, y) of a 3×H×W f32 image.
std::array<float, 3> pixel(const Tensor& image, int64_t x, int64_t y) {
  const int64_t h = image.size(1), w = image.size(2);
  const float* p = image.data<float>();
  return {p[y * w + x], p[h * w + y * w + x], p[2 * h * w + y * w + x]};
}

TEST(CedPlot, SizeCurvePixelsAndFile) {
  // Every NME is 0: the curve runs along the top of the plot (CED = 1) from x = 0.
  const CedPlotOptions options;
  const Tensor img = ced_plot({{"perfect", {0.0, 0.0}}, {"half", {0.01, 0.5}}}, options);
  ASSERT_EQ(img.sizes(), (Shape{600, 760, 3}));
  ASSERT_EQ(img.dtype(), DType::u8);
  const uint8_t* p = img.data<uint8_t>();
  auto rgb = [&](int x, int y) {
    const uint8_t* q = p + 3 * (y * 760 + x);
    return std::vector<int>{q[0], q[1], q[2]};
  };
  // Plot area: x0 = 80, x1 = 736, y0 = 480 (CED 0, above a 2-row legend), y1 = 60 (CED 1).
  EXPECT_EQ(rgb(400, 60), (std::vector<int>{0, 114, 178}));   // first curve at CED 1
  EXPECT_EQ(rgb(400, 270), (std::vector<int>{213, 94, 0}));   // second curve at CED 0.5
  EXPECT_EQ(rgb(2, 590), (std::vector<int>{255, 255, 255}));  // margin
  const std::string path = fresh_test_dir() + "/ced.png";
  write_ced_png(path, {{"perfect", {0.0}}}, options);
  const Tensor back = read_image_u8(path);
  EXPECT_EQ(back.sizes(), (Shape{600, 760, 3}));
  EXPECT_EQ(back.data<uint8_t>()[3 * (60 * 760 + 400) + 2], 178);

  expect_error([] { ced_plot({}); }, {"ced_plot", "no curve"});
  expect_error([] { ced_plot({{"bad", {-1.0}}}); }, {"curve 'bad'", ">= 0"});
  CedPlotOptions tiny;
  tiny.width = 100;
  expect_error([&] { ced_plot({{"a", {0.0}}}, tiny); }, {"at least 320×240"});
}

TEST(Canvas, TextAndShapes) {
  Canvas c(60, 20, {0, 0, 0});
  c.text(1, 1, "AUC", {255, 255, 255});
  int lit = 0;
  for (int y = 0; y < 20; ++y)
    for (int x = 0; x < 60; ++x) lit += c.at(x, y).r == 255;
  EXPECT_GT(lit, 40);  // three glyphs at scale 2
  EXPECT_EQ(Canvas::text_width("AUC", 2), 2 * Canvas::text_width("AUC", 1));
  c.disc(50, 10, 3, {0, 255, 0});
  EXPECT_EQ(c.at(50, 10).g, 255);
  EXPECT_EQ(c.at(50, 16).g, 0);
  expect_error([&] { c.at(60, 0); }, {"Canvas::at", "outside"});
}

TEST(UVColorMap, ViridisOnForegroundBackgroundElsewhere) {
  const Tensor uv = tensor_from({0.0, 0.5, 1.0, 0.25, 0.75, 0.125}, {2, 1, 3});
  const Tensor mask = tensor_from({1, 1, 0}, {1, 3}, DType::u8);
  const Tensor u = uv_color_map(uv, mask, 0);
  const Tensor v = uv_color_map(uv, mask, 1);
  ASSERT_EQ(u.sizes(), (Shape{3, 1, 3}));
  EXPECT_NEAR(pixel(u, 0, 0)[0], 0.267f, 1e-6);  // viridis(0)
  EXPECT_NEAR(pixel(u, 1, 0)[1], 0.567f, 1e-6);  // viridis(0.5), an exact sample
  EXPECT_NEAR(pixel(v, 1, 0)[2], 0.388f, 1e-6);  // viridis(0.75)
  EXPECT_NEAR(pixel(u, 2, 0)[0], 0.1f, 1e-7);    // background
  EXPECT_NEAR(viridis(1.0f / 16)[0], (0.267f + 0.279f) / 2, 1e-6);
  expect_error([&] { uv_color_map(uv, mask, 2); }, {"channel must be 0 (U) or 1 (V)"});
}

TEST(Isolines, CrossingsOfALinearField) {
  // U = (x + 0.5)/40, V = 0.55 everywhere: with 10 levels, floor(10 U) steps between x and x + 1
  // exactly at x = 3, 7, ..., 35; V has no line.
  constexpr int w = 40, h = 5;
  Tensor uv = empty({2, h, w});
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uv.data<float>()[y * w + x] = (x + 0.5f) / w;
      uv.data<float>()[h * w + y * w + x] = 0.55f;
    }
  }
  const Tensor image = grey_image(h, w, 0.5f);
  const IsolineOptions options;
  const Tensor out = draw_uv_isolines(image, uv, full_mask(h, w), options);
  for (int x = 0; x < w; ++x) {
    const bool line = x % 4 == 3 && x < 39;
    for (int y = 0; y < h; ++y) {
      EXPECT_EQ(pixel(out, x, y)[0], line ? options.u_colour[0] : 0.5f) << "x " << x;
      EXPECT_EQ(pixel(out, x, y)[2], line ? options.u_colour[2] : 0.5f) << "x " << x;
    }
  }
}

TEST(Landmarks, DiscsOverTheImage) {
  const Tensor image = grey_image(32, 32, 0.2f);
  const Tensor points = tensor_from({10, 12, 25, 5, std::nan(""), 3}, {3, 2});
  const Tensor found = tensor_from({1, 0, 1}, {3}, DType::u8);
  LandmarkStyle style;
  style.colour = {1.0f, 0.0f, 0.0f};
  style.radius = 2.5;  // rim pixels at distance 3 are fully dark, none blended with the disc
  const Tensor out = draw_landmarks(image, points, found, style);
  ASSERT_EQ(out.sizes(), (Shape{3, 32, 32}));
  EXPECT_EQ(pixel(out, 10, 12)[0], 1.0f);  // centre of the found landmark
  EXPECT_EQ(pixel(out, 10, 12)[1], 0.0f);
  EXPECT_EQ(pixel(out, 10, 15)[0], 0.0f);                // its dark rim, 3 px below
  EXPECT_NEAR(pixel(out, 25, 5)[0], 51 / 255.0f, 1e-7);  // not found: left as it was
  EXPECT_NEAR(pixel(out, 0, 31)[1], 51 / 255.0f, 1e-7);
  const std::string path = fresh_test_dir() + "/landmarks.png";
  write_png(path, out);
  EXPECT_EQ(read_image_u8(path).sizes(), (Shape{32, 32, 3}));
  expect_error([&] { draw_landmarks(image, points, tensor_from({1}, {1})); },
               {"found must hold 3 values"});
}

// A texture whose texel (i, j) is the palette colour of the part at its centre.
Tensor part_texture(int n) {
  Tensor labels = empty({n, n}, DType::i64);
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i)
      labels.data<int64_t>()[j * n + i] = face_part_at((i + 0.5f) / n, (j + 0.5f) / n);
  const Tensor colours = face_part_color_map(labels);  // 3×n×n
  return colours.permute({1, 2, 0}).contiguous();      // n×n×3
}

TEST(TextureTransfer, ConstantPerPartTextureReproducesThePartMap) {
  // (U, V) at the texel centres of a 64×64 texture: the bilinear lookup returns texels exactly.
  constexpr int n = 64;
  Tensor uv = empty({2, n, n});
  Tensor mask = empty({n, n}, DType::u8);
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      uv.data<float>()[y * n + x] = (x + 0.5f) / n;
      uv.data<float>()[n * n + y * n + x] = (y + 0.5f) / n;
      mask.data<uint8_t>()[y * n + x] = x < 60;
    }
  }
  const Tensor image = grey_image(n, n, 0.3f);
  const Tensor out = texture_transfer(image, part_texture(n), uv, mask);
  const Tensor want = face_part_color_map(face_parts_from_uv(uv, mask));
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      for (int c = 0; c < 3; ++c) {
        const float expected = x < 60 ? pixel(want, x, y)[c] : 0.3f;
        ASSERT_EQ(pixel(out, x, y)[c], expected) << "x " << x << " y " << y;
      }
    }
  }
  const Tensor half = texture_transfer(image, part_texture(n), uv, mask, 0.5f);
  EXPECT_NEAR(pixel(half, 5, 5)[0], 0.5f * 0.3f + 0.5f * pixel(want, 5, 5)[0], 1e-6);
  expect_error(
      [&] {
        texture_transfer(image, empty({4, 4}), uv, mask);
      },
      {"texture must be an Ht×Wt×3"});
  expect_error([&] { texture_transfer(image, part_texture(n), uv, mask, 2); },
               {"opacity must be in [0, 1]"});
}

// On a rendered face: transferring the part texture through the exact (U, V) paints each face
// pixel with its part's colour wherever the four texels of its bilinear lookup share a part.
TEST(TextureTransfer, RenderedFaceGetsItsPartColours) {
  FaceWorldOptions options;
  options.size = 128;
  Generator rng(3);
  const Sample s = render_face(rng, options);
  constexpr int n = 256;
  const Tensor tex = part_texture(n);
  const Tensor out = texture_transfer(s.at("image"), tex, s.at("uv"), s.at("mask"));
  const Tensor want = face_part_color_map(s.at("part"));
  const float* uv = s.at("uv").data<float>();
  const uint8_t* mask = s.at("mask").data<uint8_t>();
  const int64_t N = 128 * 128;
  int64_t checked = 0, face = 0;
  for (int64_t i = 0; i < N; ++i) {
    if (!mask[i]) continue;
    ++face;
    // The lookup's 2×2 texel block.
    const int i0 = std::clamp(static_cast<int>(std::floor(uv[i] * n - 0.5f)), 0, n - 1);
    const int j0 = std::clamp(static_cast<int>(std::floor(uv[N + i] * n - 0.5f)), 0, n - 1);
    bool uniform = true;
    const int first = face_part_at((i0 + 0.5f) / n, (j0 + 0.5f) / n);
    for (int dj = 0; dj <= 1; ++dj)
      for (int di = 0; di <= 1; ++di)
        uniform &= face_part_at((std::min(i0 + di, n - 1) + 0.5f) / n,
                                (std::min(j0 + dj, n - 1) + 0.5f) / n) == first;
    if (!uniform || first != s.at("part").data<int64_t>()[i]) continue;
    ++checked;
    for (int c = 0; c < 3; ++c) {
      ASSERT_NEAR(out.data<float>()[c * N + i], want.data<float>()[c * N + i], 1e-6) << i;
    }
  }
  EXPECT_GT(face, 2000);
  EXPECT_GT(checked, face * 9 / 10);
}

}  // namespace
}  // namespace dc
