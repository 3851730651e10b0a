// Shading: the Lambert formula on a flat quad, bilinear texture lookup by hand, textured quads,
// and supersampling that anti-aliases the RGB while leaving every label buffer untouched.
#include "data/synth/shading.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/thread_pool.h"
#include "tests/data/synth/scenes.h"
#include "tests/testing/expect_error.h"

namespace dc {
namespace {

Texture small_texture() {
  // 2 rows × 3 columns; texel (column i, row j) = (i + 10 j, 100 + i, j).
  Texture t;
  t.height = 2;
  t.width = 3;
  for (int j = 0; j < 2; ++j)
    for (int i = 0; i < 3; ++i)
      t.rgb.insert(t.rgb.end(), {float(i + 10 * j), float(100 + i), float(j)});
  return t;
}

TEST(ShadingTest, BilinearLookupByHand) {
  const Texture t = small_texture();
  // Texel centres at ((i + ½)/3, (j + ½)/2).
  auto at = [&](float u, float v) { return sample_bilinear(t, u, v); };
  // (0.5, 0.5): x = 1, y = 0.5 → halfway between texels (1, 0) and (1, 1).
  EXPECT_NEAR(at(0.5f, 0.5f)[0], 6.0f, 1e-5);
  EXPECT_NEAR(at(0.5f, 0.5f)[1], 101.0f, 1e-5);
  EXPECT_NEAR(at(0.5f, 0.5f)[2], 0.5f, 1e-5);
  // (0.25, 0.1): x = 0.25, y = −0.3 clamps to row 0 → 0.75·(0) + 0.25·(1) in R.
  EXPECT_NEAR(at(0.25f, 0.1f)[0], 0.25f, 1e-5);
  EXPECT_NEAR(at(0.25f, 0.1f)[2], 0.0f, 1e-6);
  // (0.6, 0.6): x = 1.3, y = 0.7: R = 1.3 + 10·0.7 = 8.3, G = 101.3, B = 0.7.
  EXPECT_NEAR(at(0.6f, 0.6f)[0], 8.3f, 1e-4);
  EXPECT_NEAR(at(0.6f, 0.6f)[1], 101.3f, 1e-4);
  EXPECT_NEAR(at(0.6f, 0.6f)[2], 0.7f, 1e-5);
  // Corners and beyond clamp to the border texels.
  EXPECT_EQ(at(0, 0)[0], 0.0f);
  EXPECT_EQ(at(1, 1)[0], 12.0f);
  EXPECT_EQ(at(-3, 7)[0], 10.0f);
  Texture bad = t;
  bad.rgb.pop_back();
  expect_error([&] { bad.validate(); }, {"texture", "rgb holds 17 floats", "2 × 3 × 3 = 18"});
}

TEST(ShadingTest, LambertOnAFlatQuad) {
  // A quad facing the camera (normal −Z), colour (0.8, 0.6, 0.4), light from (0, −1, −1)/√2:
  // n·l = 1/√2, so colour · (0.2 + 0.7/√2) at every covered pixel, background elsewhere.
  const Camera cam = screen_camera(10, 8);
  Mesh quad = screen_quad(2, 1, 7, 6, 2.0, 0);
  quad.set_vertex_attribute(
      "colour", 3, {0.8f, 0.6f, 0.4f, 0.8f, 0.6f, 0.4f, 0.8f, 0.6f, 0.4f, 0.8f, 0.6f, 0.4f});
  ShadingOptions opt;
  opt.light.direction = {0, -1, -1};
  opt.light.ambient = 0.2f;
  opt.light.diffuse = 0.7f;
  opt.background = {0.1f, 0.2f, 0.3f};
  const double k = 0.2 + 0.7 / std::sqrt(2.0);
  for (int ss : {1, 2}) {
    opt.supersample = ss;
    const Render r = render(quad, cam, opt);
    for (int y = 0; y < 8; ++y) {
      for (int x = 0; x < 10; ++x) {
        const int p = y * 10 + x;
        const bool inside = x >= 2 && x <= 6 && y >= 1 && y <= 5;
        // With 2×2 samples the border pixels of the quad are partly background.
        const bool interior = ss == 1 ? inside : (x >= 3 && x <= 6 && y >= 2 && y <= 5);
        if (!inside && ss == 1) {
          EXPECT_FLOAT_EQ(r.rgb[3 * p], 0.1f);
          EXPECT_FLOAT_EQ(r.rgb[3 * p + 2], 0.3f);
        }
        if (!interior) continue;
        EXPECT_NEAR(r.rgb[3 * p], 0.8 * k, 1e-6) << "pixel (" << x << ", " << y << ")";
        EXPECT_NEAR(r.rgb[3 * p + 1], 0.6 * k, 1e-6);
        EXPECT_NEAR(r.rgb[3 * p + 2], 0.4 * k, 1e-6);
      }
    }
  }
  // A light behind the surface leaves the ambient term; a strong one clamps at 1.
  opt.supersample = 1;
  opt.light.direction = {0, 0, 1};
  EXPECT_NEAR(render(quad, cam, opt).rgb[3 * (3 * 10 + 4)], 0.8 * 0.2, 1e-6);
  opt.light = Light{{0, 0, -1}, 0.5f, 1.0f};
  const Render bright = render(quad, cam, opt);
  EXPECT_FLOAT_EQ(bright.rgb[3 * (3 * 10 + 4)], 1.0f);             // 0.8 · 1.5 clamped
  EXPECT_NEAR(bright.rgb[3 * (3 * 10 + 4) + 2], 0.4 * 1.5, 1e-6);  // 0.6, not clamped
}

TEST(ShadingTest, TexturedQuadSamplesAtInterpolatedUV) {
  // A fronto-parallel quad over pixels [0, 11]² with U = x/11, V = y/11 at its corners: each
  // pixel's colour (ambient 1, no diffuse) is the texture at (x/11, y/11).
  const Camera cam = screen_camera(12, 12);
  Mesh quad = screen_quad(0, 0, 11, 11, 1.5, 0);
  quad.set_vertex_attribute("uv", 2, {0, 0, 1, 0, 1, 1, 0, 1});
  const Texture tex = small_texture();
  ShadingOptions opt;
  opt.texture = &tex;
  opt.light = Light{{0, 0, -1}, 1.0f, 0.0f};
  opt.supersample = 1;
  Texture unit = tex;
  for (float& v : unit.rgb) v /= 200.0f;  // keep colours inside [0, 1]
  opt.texture = &unit;
  const Render r = render(quad, cam, opt);
  for (int y = 0; y < 11; ++y) {
    for (int x = 0; x < 11; ++x) {
      const auto want = sample_bilinear(unit, x / 11.0f, y / 11.0f);
      for (int c = 0; c < 3; ++c)
        EXPECT_NEAR(r.rgb[3 * (y * 12 + x) + c], want[c], 1e-6)
            << "pixel (" << x << ", " << y << ")";
    }
  }
}

TEST(ShadingTest, SupersamplingChangesEdgesOfTheImageOnly) {
  Camera cam = make_camera(40, 32, 45.0);
  look_at(cam, {0.3, -0.4, -3.0}, {0, 0, 0}, {0, 1, 0});
  const Mesh sphere = uv_sphere({0, 0, 0}, 1.0, 16, 20);
  Texture tex;
  tex.height = tex.width = 8;
  for (int i = 0; i < 64; ++i) tex.rgb.insert(tex.rgb.end(), {0.9f, 0.5f * (i % 2), 0.2f});
  ShadingOptions opt;
  opt.texture = &tex;
  opt.background = {0, 0, 1};
  opt.supersample = 1;
  const Render one = render(sphere, cam, opt);
  const Fragments direct = rasterize(sphere, cam);
  EXPECT_EQ(one.fragments.face, direct.face);
  EXPECT_EQ(one.fragments.bary, direct.bary);
  for (int ss : {2, 3}) {
    opt.supersample = ss;
    const Render aa = render(sphere, cam, opt);
    // The label pass is identical, bit for bit.
    EXPECT_EQ(aa.fragments.face, one.fragments.face);
    EXPECT_EQ(aa.fragments.bary, one.fragments.bary);
    EXPECT_EQ(aa.fragments.depth, one.fragments.depth);
    // The image differs, and at the silhouette blends object and background: some pixel's blue
    // (background 1, sphere 0.2 · lighting) is strictly between the two.
    int changed = 0, blended = 0;
    for (int p = 0; p < cam.width * cam.height; ++p) {
      changed += std::abs(aa.rgb[3 * p + 2] - one.rgb[3 * p + 2]) > 1e-3f;
      const bool edge = aa.rgb[3 * p + 2] > 0.3f && aa.rgb[3 * p + 2] < 0.95f;
      blended += edge;
    }
    EXPECT_GT(changed, 10) << ss;
    EXPECT_GT(blended, 10) << ss;
    // Far from the silhouette (pure background) nothing changes.
    EXPECT_EQ(aa.rgb[0], one.rgb[0]);
    EXPECT_EQ(aa.rgb[2], 1.0f);
  }
}

TEST(ShadingTest, RenderIsDeterministicAcrossThreadCounts) {
  Camera cam = make_camera(48, 40, 50.0);
  look_at(cam, {0.6, -0.2, -2.8}, {0, 0, 0}, {0, 1, 0});
  const Mesh scene =
      merge_meshes({uv_sphere({0, 0, 0}, 1.0, 14, 18), uv_sphere({0.6, 0.3, -0.5}, 0.5, 8, 10)});
  Texture tex;
  tex.height = 4;
  tex.width = 4;
  for (int i = 0; i < 16; ++i) tex.rgb.insert(tex.rgb.end(), {0.1f * (i % 5), 0.5f, 0.05f * i});
  ShadingOptions opt;
  opt.texture = &tex;
  opt.supersample = 2;
  const Render ref = render(scene, cam, opt);
  RasterOptions par;
  par.parallel = true;
  const int saved = num_threads();
  for (int threads : {1, 2, 4}) {
    set_num_threads(threads);
    const Render r = render(scene, cam, opt, par);
    EXPECT_EQ(r.rgb, ref.rgb) << threads;
    EXPECT_EQ(r.fragments.face, ref.fragments.face) << threads;
    EXPECT_EQ(r.fragments.bary, ref.fragments.bary) << threads;
  }
  set_num_threads(saved);
}

TEST(ShadingTest, BadInputIsReported) {
  const Camera cam = screen_camera(6, 6);
  Mesh quad = screen_quad(0, 0, 5, 5, 1, 0);
  ShadingOptions opt;
  expect_error([&] { render(quad, cam, opt); }, {"colour attribute 'colour' not found"});
  Texture tex = small_texture();
  opt.texture = &tex;
  expect_error([&] { render(quad, cam, opt); }, {"uv attribute 'uv' not found"});
  quad.set_vertex_attribute("uv", 1, {0, 0, 0, 0});
  expect_error([&] { render(quad, cam, opt); }, {"uv attribute 'uv' has width 1, expected 2"});
  quad.set_vertex_attribute("uv", 2, {0, 0, 1, 0, 1, 1, 0, 1});
  opt.normal = "normals";
  expect_error([&] { render(quad, cam, opt); },
               {"normal attribute 'normals'", "did you mean 'normal'"});
  opt.normal = "normal";
  opt.supersample = 0;
  expect_error([&] { render(quad, cam, opt); }, {"supersample = 0"});
  opt.supersample = 1;
  opt.background_image.assign(10, 0.0f);
  expect_error([&] { render(quad, cam, opt); }, {"background_image holds 10 floats", "6 × 6 × 3"});
  opt.background_image.clear();
  opt.light.direction = {0, 0, 0};
  expect_error([&] { render(quad, cam, opt); }, {"light.direction"});
  opt.light.direction = {0, 0, -1};
  Fragments frags = rasterize(quad, cam);
  frags.bary.pop_back();
  expect_error([&] { shade(quad, frags, opt); },
               {"shade: fragments of 6×6", "107 barycentrics", "expected 36 and 108"});
  frags = rasterize(quad, cam);
  frags.face[7] = 2;
  expect_error([&] { shade(quad, frags, opt); }, {"pixel 7 has face 2", "mesh has 2 faces"});
}

}  // namespace
}  // namespace dc
