// The fast paths of the renderer against plain compositions of the public API: buffers reused
// across calls give what a fresh thread gives, the supersampled RGB (per-triangle attribute planes,
// four sub-samples per vector) is the mean of shade() over the fragments of the supersampled
// camera, and large triangles (int64 edge functions) follow the same fill rule as small ones
// (int32 vector loop).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "data/synth/rasterizer.h"
#include "data/synth/shading.h"
#include "tests/data/synth/scenes.h"

namespace dc {
namespace {

Texture checker_texture() {
  Texture t;
  t.height = 24;
  t.width = 32;
  for (int y = 0; y < t.height; ++y)
    for (int x = 0; x < t.width; ++x)
      for (int c = 0; c < 3; ++c) t.rgb.push_back(((x / 4 + y / 3 + c) % 3) * 0.4f + 0.01f * x);
  return t;
}

// Two spheres and a floor through the camera plane (clipped), vertex colours, normals and uv.
Mesh test_scene() {
  Mesh fl;
  fl.add_vertex({-50, 1, -20});
  fl.add_vertex({50, 1, -20});
  fl.add_vertex({50, 1, 30});
  fl.add_vertex({-50, 1, 30});
  fl.add_face(0, 1, 2);
  fl.add_face(0, 2, 3);
  fl.set_vertex_attribute("uv", 2, {0, 0, 1, 0, 1, 1, 0, 1});
  fl.set_vertex_attribute("vid", 1, {0, 1, 2, 3}, Interp::kNearestVertex);
  fl.set_vertex_attribute("normal", 3, {0, -1, 0, 0, -1, 0, 0, -1, 0, 0, -1, 0});
  Mesh scene = merge_meshes(
      {uv_sphere({0, 0, 0}, 1.0, 24, 30), uv_sphere({0.7, 0.2, -0.4}, 0.6, 10, 14), fl});
  std::vector<float> colour;
  for (int64_t v = 0; v < scene.num_vertices(); ++v) {
    colour.insert(colour.end(), {0.2f + 0.1f * (v % 7), 0.6f, 0.1f + 0.3f * (v % 3)});
  }
  scene.set_vertex_attribute("colour", 3, colour);
  return scene;
}

Camera test_camera() {
  Camera cam = make_camera(61, 47, 55.0);
  look_at(cam, {0.5, -0.2, -3.5}, {0, 0.3, 0}, {0, 1, 0});
  return cam;
}

// The definition of supersampled RGB composed from public functions: each pixel is the mean of
// shade() over the fragments of supersampled(camera, S) in its S×S block. `clamped` marks pixels
// with a sub-sample whose barycentrics were clamped (a sample covered by the snapped triangle but
// up to 1/512 sample outside the exact one): there the fast path extrapolates the attribute planes
// by that distance instead of clamping, and differs by the attribute's change over it.
std::vector<float> reference_rgb(const Mesh& mesh, const Camera& cam, const ShadingOptions& opt,
                                 std::vector<bool>* clamped = nullptr) {
  const int S = opt.supersample;
  const Camera sub = supersampled(cam, S);
  ShadingOptions per_sample = opt;
  if (!opt.background_image.empty()) {
    per_sample.background_image.assign(static_cast<size_t>(sub.width) * sub.height * 3, 0.0f);
    for (int y = 0; y < sub.height; ++y)
      for (int x = 0; x < sub.width; ++x)
        for (int c = 0; c < 3; ++c)
          per_sample.background_image[3 * (y * sub.width + x) + c] =
              opt.background_image[3 * ((y / S) * cam.width + x / S) + c];
  }
  const Fragments frags = rasterize(mesh, sub);
  const std::vector<float> samples = shade(mesh, frags, per_sample);
  std::vector<float> out(static_cast<size_t>(cam.width) * cam.height * 3, 0.0f);
  if (clamped != nullptr) clamped->assign(static_cast<size_t>(cam.width) * cam.height, false);
  for (int y = 0; y < sub.height; ++y) {
    for (int x = 0; x < sub.width; ++x) {
      const int p = (y / S) * cam.width + x / S, q = y * sub.width + x;
      for (int c = 0; c < 3; ++c) out[3 * p + c] += samples[3 * q + c] / (S * S);
      const float* b = &frags.bary[3 * q];
      if (clamped != nullptr && frags.face[q] >= 0 && std::min({b[0], b[1], b[2]}) == 0.0f) {
        (*clamped)[p] = true;
      }
    }
  }
  return out;
}

void expect_near_rgb(const std::vector<float>& got, const std::vector<float>& want, float tol,
                     const std::string& what, const std::vector<bool>* clamped = nullptr,
                     float clamped_tol = 0) {
  ASSERT_EQ(got.size(), want.size()) << what;
  int bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const float t = clamped != nullptr && (*clamped)[i / 3] ? clamped_tol : tol;
    if (!(std::abs(got[i] - want[i]) <= t) && ++bad <= 5) {
      ADD_FAILURE() << what << ": value " << i << " (pixel " << i / 3 << ") is " << got[i]
                    << ", reference " << want[i];
    }
  }
  EXPECT_EQ(bad, 0) << what;
}

TEST(RenderFastPathsTest, SupersampledRgbIsTheMeanOfShadedSubSamples) {
  const Mesh scene = test_scene();
  const Camera cam = test_camera();
  const Texture tex = checker_texture();
  ShadingOptions opt;
  opt.background = {0.2f, 0.3f, 0.9f};
  opt.light.direction = {0.3, 0.6, -1};
  for (int S : {1, 2, 3, 4}) {
    for (bool textured : {false, true}) {
      opt.supersample = S;
      opt.texture = textured ? &tex : nullptr;
      const Render r = render(scene, cam, opt);
      // Attribute planes in float against barycentrics in double: a few float roundings, and at
      // clamped samples the change of an attribute over 1/512 sample.
      std::vector<bool> clamped;
      const std::vector<float> want = reference_rgb(scene, cam, opt, &clamped);
      expect_near_rgb(r.rgb, want, 2e-5f,
                      "S = " + std::to_string(S) + (textured ? ", textured" : ", colours"),
                      &clamped, 1e-3f);
    }
  }
  // A background image, and pixels that no triangle touches are exactly their background.
  opt.supersample = 2;
  opt.texture = &tex;
  opt.background_image.resize(static_cast<size_t>(cam.width) * cam.height * 3);
  for (size_t i = 0; i < opt.background_image.size(); ++i)
    opt.background_image[i] = static_cast<float>((i * 37) % 101) / 100.0f;
  const Render r = render(scene, cam, opt);
  std::vector<bool> clamped;
  const std::vector<float> want = reference_rgb(scene, cam, opt, &clamped);
  expect_near_rgb(r.rgb, want, 2e-5f, "background image", &clamped, 1e-3f);
  const Fragments sub = rasterize(scene, supersampled(cam, 2));
  int untouched = 0;
  for (int y = 0; y < cam.height; ++y) {
    for (int x = 0; x < cam.width; ++x) {
      bool touched = false;
      for (int sy = 0; sy < 2; ++sy)
        for (int sx = 0; sx < 2; ++sx)
          touched |= sub.face[(2 * y + sy) * 2 * cam.width + 2 * x + sx] >= 0;
      if (touched) continue;
      ++untouched;
      for (int c = 0; c < 3; ++c) {
        const int64_t i = 3 * (static_cast<int64_t>(y) * cam.width + x) + c;
        EXPECT_EQ(r.rgb[i], opt.background_image[i]) << "pixel (" << x << ", " << y << ")";
      }
    }
  }
  EXPECT_GT(untouched, 100);
}

// Antialias::kEdges by its definition (shading.h), from the public label pass: a pixel is marked
// when within its 3×3 neighbourhood a pair of 4-neighbours shows background and face, or two faces
// with no common vertex.
std::vector<bool> marked_pixels(const Mesh& mesh, const Fragments& f) {
  const int W = f.width, H = f.height;
  auto discontinuous = [&](int64_t p, int64_t q) {
    const int32_t a = f.face[p], b = f.face[q];
    if (a == b) return false;
    if (a < 0 || b < 0) return true;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j)
        if (mesh.faces[3 * a + i] == mesh.faces[3 * b + j]) return false;
    return true;
  };
  std::vector<bool> pair_end(static_cast<size_t>(W) * H, false), out(pair_end.size(), false);
  for (int y = 0; y < H; ++y) {
    for (int x = 0; x < W; ++x) {
      const int64_t p = static_cast<int64_t>(y) * W + x;
      if (x + 1 < W && discontinuous(p, p + 1)) pair_end[p] = pair_end[p + 1] = true;
      if (y + 1 < H && discontinuous(p, p + W)) pair_end[p] = pair_end[p + W] = true;
    }
  }
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x)
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          const int u = x + dx, v = y + dy;
          if (u >= 0 && u < W && v >= 0 && v < H && pair_end[static_cast<size_t>(v) * W + u]) {
            out[static_cast<size_t>(y) * W + x] = true;
          }
        }
  return out;
}

TEST(RenderFastPathsTest, EdgeAntialiasingSupersamplesExactlyTheMarkedPixels) {
  Mesh scene = test_scene();
  const Camera cam = test_camera();
  const Texture tex = checker_texture();
  ShadingOptions opt;
  opt.light.direction = {0.3, 0.6, -1};
  opt.background_image.resize(static_cast<size_t>(cam.width) * cam.height * 3);
  for (size_t i = 0; i < opt.background_image.size(); ++i)
    opt.background_image[i] = static_cast<float>((i * 37) % 101) / 100.0f;
  for (int S : {2, 3}) {
    for (int variant = 0; variant < 3; ++variant) {  // colours, texture, nearest-vertex colours
      Mesh mesh = scene;
      if (variant == 2) mesh.vertex_attributes["colour"].interp = Interp::kNearestVertex;
      const std::string what = "S = " + std::to_string(S) + ", " +
                               (variant == 0   ? "colours"
                                : variant == 1 ? "texture"
                                               : "nearest-vertex colours");
      opt.supersample = S;
      opt.texture = variant == 1 ? &tex : nullptr;
      opt.antialias = Antialias::kFull;
      const Render full = render(mesh, cam, opt);
      opt.antialias = Antialias::kEdges;
      const Render edges = render(mesh, cam, opt);
      // Row bands on the thread pool give the same image.
      RasterOptions parallel;
      parallel.parallel = true;
      EXPECT_EQ(render(mesh, cam, opt, parallel).rgb, edges.rgb) << what;
      // The labels do not depend on the mode.
      EXPECT_EQ(edges.fragments.face, full.fragments.face) << what;
      EXPECT_EQ(edges.fragments.bary, full.fragments.bary) << what;
      EXPECT_EQ(edges.fragments.depth, full.fragments.depth) << what;
      const std::vector<bool> marked = marked_pixels(mesh, edges.fragments);
      ShadingOptions centre = opt;
      centre.supersample = 1;
      const std::vector<float> at_centres = shade(mesh, edges.fragments, centre);
      int n_marked = 0, n_centre = 0, n_background = 0, bad = 0;
      for (size_t p = 0; p < marked.size(); ++p) {
        for (int c = 0; c < 3; ++c) {
          const float got = edges.rgb[3 * p + c];
          float want;
          float tol;
          if (marked[p]) {
            want = full.rgb[3 * p + c];  // the very same computation as under kFull
            tol = 0;
          } else if (edges.fragments.face[p] >= 0) {
            want = at_centres[3 * p + c];  // the shading of the label pass's own fragment
            tol = 0;
          } else {
            want = opt.background_image[3 * p + c];
            tol = 0;
          }
          if (!(std::abs(got - want) <= tol) && ++bad <= 5) {
            ADD_FAILURE() << what << ": pixel " << p << " channel " << c << " is " << got
                          << ", expected " << want << (marked[p] ? " (marked)" : "");
          }
        }
        n_marked += marked[p];
        n_centre += !marked[p] && edges.fragments.face[p] >= 0;
        n_background += !marked[p] && edges.fragments.face[p] < 0;
      }
      EXPECT_EQ(bad, 0) << what;
      // Every kind of pixel occurs, and the interior pixels really differ from the full mean
      // somewhere (so the comparison above tells the modes apart).
      EXPECT_GT(n_marked, 100) << what;
      EXPECT_GT(n_centre, 300) << what;
      EXPECT_GT(n_background, 100) << what;
      int differ = 0;
      for (size_t p = 0; p < marked.size(); ++p)
        differ += !marked[p] && std::abs(edges.rgb[3 * p] - full.rgb[3 * p]) > 1e-4f;
      EXPECT_GT(differ, 10) << what;
    }
  }
}

TEST(RenderFastPathsTest, CentresShadedEightAtATimeEqualOneAtATime) {
  // shade() takes rows eight pixels per vector and the rest of a row (61 = 7·8 + 5 here) one
  // at a time. The same fragments seen as one column of width 1 take the one-pixel path only:
  // every pixel must come out with the same bits.
  const Mesh scene = test_scene();
  const Camera cam = test_camera();
  const Texture tex = checker_texture();
  const Fragments frags = rasterize(scene, cam);
  Fragments column = frags;
  column.width = 1;
  column.height = frags.width * frags.height;
  ShadingOptions opt;
  opt.light.direction = {0.3, 0.6, -1};
  for (int variant = 0; variant < 4; ++variant) {  // texture or colours, background image or not
    opt.texture = variant % 2 == 1 ? &tex : nullptr;
    opt.background = {0.25f, 0.5f, 0.75f};
    opt.background_image.clear();
    if (variant >= 2) {
      for (int64_t i = 0; i < 3 * frags.num_pixels(); ++i)
        opt.background_image.push_back(static_cast<float>((i * 37) % 101) / 100.0f);
    }
    const std::string what = "variant " + std::to_string(variant);
    const std::vector<float> rows = shade(scene, frags, opt);
    EXPECT_EQ(rows, shade(scene, column, opt)) << what;
    // Both kinds of pixel occur in the vector blocks, and the colours are not trivial.
    int covered = 0, lit = 0, background = 0;
    for (int y = 0; y < cam.height; ++y) {
      for (int x = 0; x < 56; ++x) {
        const int64_t p = static_cast<int64_t>(y) * cam.width + x;
        if (frags.face[p] < 0) {
          ++background;
          const float want = variant >= 2 ? opt.background_image[3 * p] : 0.25f;
          EXPECT_EQ(rows[3 * p], want) << what << ", pixel " << p;
        } else {
          ++covered;
          lit += rows[3 * p + 1] > 0.05f && rows[3 * p + 1] < 0.95f;
        }
      }
    }
    EXPECT_GT(covered, 500) << what;
    EXPECT_GT(lit, 300) << what;
    EXPECT_GT(background, 100) << what;
  }
}

TEST(RenderFastPathsTest, RenderIntoAUsedRenderGivesAFreshRender) {
  // render(..., out) reuses out's buffers without clearing them: whatever they held (another
  // size, or the right size full of other values), the result is render()'s.
  const Mesh scene = test_scene();
  const Camera cam = test_camera();
  const Texture tex = checker_texture();
  Camera tiny = make_camera(9, 7, 8.0);
  look_at(tiny, {0.2, 0.1, -3.0}, {0, 0, 0}, {0, 1, 0});
  ShadingOptions opt;
  opt.texture = &tex;
  for (Antialias mode : {Antialias::kEdges, Antialias::kFull}) {
    opt.antialias = mode;
    const std::string what = mode == Antialias::kEdges ? "edges" : "full";
    const Render want = render(scene, cam, opt);
    Render out;
    render(scene, tiny, opt, RasterOptions{}, out);  // another size first
    EXPECT_EQ(out.fragments.width, 9);
    render(scene, cam, opt, RasterOptions{}, out);
    EXPECT_EQ(out.rgb, want.rgb) << what;
    EXPECT_EQ(out.fragments.face, want.fragments.face) << what;
    EXPECT_EQ(out.fragments.bary, want.fragments.bary) << what;
    EXPECT_EQ(out.fragments.depth, want.fragments.depth) << what;
    std::fill(out.rgb.begin(), out.rgb.end(), -7.0f);  // the right size, other values
    std::fill(out.fragments.face.begin(), out.fragments.face.end(), 3);
    std::fill(out.fragments.bary.begin(), out.fragments.bary.end(), 0.5f);
    std::fill(out.fragments.depth.begin(), out.fragments.depth.end(), 9.0f);
    render(scene, cam, opt, RasterOptions{}, out);
    EXPECT_EQ(out.rgb, want.rgb) << what;
    EXPECT_EQ(out.fragments.face, want.fragments.face) << what;
    EXPECT_EQ(out.fragments.bary, want.fragments.bary) << what;
    EXPECT_EQ(out.fragments.depth, want.fragments.depth) << what;
  }
}

TEST(RenderFastPathsTest, NearestVertexShadingAttributesTakeTheSampleBySamplePath) {
  // A colour attribute that is not affine over a triangle (kNearestVertex) cannot use attribute
  // planes; the result must still be the mean of shaded sub-samples.
  Mesh scene = test_scene();
  Attribute& colour = scene.vertex_attributes["colour"];
  colour.interp = Interp::kNearestVertex;
  const Camera cam = test_camera();
  ShadingOptions opt;
  opt.background = {0, 0, 1};
  for (int S : {1, 2}) {
    opt.supersample = S;
    expect_near_rgb(render(scene, cam, opt).rgb, reference_rgb(scene, cam, opt), 1e-6f,
                    "S = " + std::to_string(S));
  }
}

TEST(RenderFastPathsTest, ReusedBuffersGiveWhatAFreshThreadGives) {
  // render() and rasterize() keep their buffers per thread. Renders of different sizes and scenes
  // in a row on one thread must equal each render done alone on a new thread (fresh buffers).
  const Mesh scene = test_scene();
  const Mesh small = uv_sphere({0, 0, 0}, 1.0, 6, 8);
  const Texture tex = checker_texture();
  ShadingOptions opt;
  opt.texture = &tex;
  opt.supersample = 2;
  Camera big = test_camera();
  Camera tiny = make_camera(9, 7, 8.0);
  look_at(tiny, {0.2, 0.1, -3.0}, {0, 0, 0}, {0, 1, 0});
  struct Job {
    const Mesh* mesh;
    Camera cam;
    int S;
  };
  const std::vector<Job> jobs = {
      {&scene, big, 2}, {&small, tiny, 3}, {&scene, big, 1}, {&small, big, 2}, {&scene, big, 2}};
  std::vector<Render> in_a_row;
  std::vector<Fragments> frags_in_a_row;
  for (const Job& j : jobs) {
    ShadingOptions o = opt;
    o.supersample = j.S;
    in_a_row.push_back(render(*j.mesh, j.cam, o));
    frags_in_a_row.push_back(rasterize(*j.mesh, j.cam));
  }
  for (size_t i = 0; i < jobs.size(); ++i) {
    Render fresh;
    Fragments fresh_frags;
    std::thread([&] {
      ShadingOptions o = opt;
      o.supersample = jobs[i].S;
      fresh = render(*jobs[i].mesh, jobs[i].cam, o);
      fresh_frags = rasterize(*jobs[i].mesh, jobs[i].cam);
    }).join();
    EXPECT_EQ(in_a_row[i].rgb, fresh.rgb) << "job " << i;
    EXPECT_EQ(in_a_row[i].fragments.face, fresh.fragments.face) << "job " << i;
    EXPECT_EQ(in_a_row[i].fragments.bary, fresh.fragments.bary) << "job " << i;
    EXPECT_EQ(in_a_row[i].fragments.depth, fresh.fragments.depth) << "job " << i;
    EXPECT_EQ(frags_in_a_row[i].face, fresh_frags.face) << "job " << i;
    EXPECT_EQ(frags_in_a_row[i].bary, fresh_frags.bary) << "job " << i;
  }
  // The label pass of render() is rasterize()'s.
  EXPECT_EQ(in_a_row[0].fragments.face, frags_in_a_row[0].face);
  EXPECT_EQ(in_a_row[0].fragments.bary, frags_in_a_row[0].bary);
  EXPECT_EQ(in_a_row[0].fragments.depth, frags_in_a_row[0].depth);
}

TEST(RenderFastPathsTest, LargeAndSmallTrianglesFollowTheSameFillRule) {
  // Corners on pixel centres (a, a), (a + n, a), (a, a + n): the centres (i, j) with i, j >= a and
  // i + j < 2a + n (top and left edges in, the hypotenuse out). With n = 300 the edge functions
  // leave the int32 range of the vector loop (the int64 loop draws it); with n = 6 they do not.
  for (int n : {6, 40, 300}) {
    const int a = 3, size = n + 9;
    const Camera cam = screen_camera(size, size);
    const Fragments f = rasterize(screen_triangle(a, a, a + n, a, a, a + n), cam);
    int64_t covered = 0;
    for (int j = 0; j < size; ++j) {
      for (int i = 0; i < size; ++i) {
        const bool want = i >= a && j >= a && i + j < 2 * a + n;
        ASSERT_EQ(f.face[j * size + i] >= 0, want)
            << "n = " << n << ", pixel (" << i << ", " << j << ")";
        covered += want;
      }
    }
    EXPECT_EQ(covered, int64_t{n} * (n + 1) / 2) << n;
  }
  // A large quad split into a fine grid of small triangles covers the same pixels as the same
  // quad drawn as two large triangles (watertight across both loops).
  const int size = 400;
  const Camera cam = screen_camera(size, size);
  const Mesh two = screen_quad(1.3, 2.7, 390.6, 380.2, 2.0, 1.0f);
  Mesh grid;
  const int n = 40;
  for (int j = 0; j <= n; ++j)
    for (int i = 0; i <= n; ++i)
      grid.add_vertex(at_pixel(1.3 + (390.6 - 1.3) * i / n, 2.7 + (380.2 - 2.7) * j / n, 2.0));
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i < n; ++i) {
      const int v = j * (n + 1) + i;
      grid.add_face(v, v + n + 1, v + n + 2);
      grid.add_face(v, v + n + 2, v + 1);
    }
  }
  const Fragments fa = rasterize(two, cam), fb = rasterize(grid, cam);
  int64_t differ = 0, covered = 0;
  for (int p = 0; p < size * size; ++p) {
    differ += (fa.face[p] >= 0) != (fb.face[p] >= 0);
    covered += fb.face[p] >= 0;
  }
  // The border edges are axis-aligned and snap identically in both meshes.
  EXPECT_EQ(differ, 0);
  EXPECT_GT(covered, 140000);
}

}  // namespace
}  // namespace dc
