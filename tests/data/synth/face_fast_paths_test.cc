// The vectorized and culled paths of the face world against plain reference computations: the
// background clutter against the scalar formula, landmark visibility against a test of every
// triangle, face_parts() against face_part_at(), planar_tensor() and Mesh::validate() on sizes that
// use both their eight-wide blocks and their scalar tails.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "data/synth/face_blur.h"
#include "data/synth/face_clutter.h"
#include "data/synth/face_labels.h"
#include "data/synth/face_shapes.h"
#include "data/synth/face_world.h"
#include "data/synth/render_tensors.h"
#include "tests/testing/expect_error.h"

namespace dc {
namespace {

constexpr double kPi = 3.14159265358979323846;

// The clutter as first written: every pixel of every shape's box, one at a time, in double for
// the gradient and float for the shapes (the formula the vectorized version keeps).
std::vector<float> reference_clutter(int S, uint64_t seed) {
  Generator g(seed);
  face_shapes::Draws d(g);
  std::vector<float> img(3 * static_cast<size_t>(S) * S);
  const std::array<float, 3> c0 = face_shapes::random_colour(d), c1 = face_shapes::random_colour(d);
  const double a = d.uniform(0, 2 * kPi), ca = std::cos(a), sa = std::sin(a);
  for (int y = 0; y < S; ++y) {
    for (int x = 0; x < S; ++x) {
      const float w = static_cast<float>(
          std::min(1.0, std::max(0.0, 0.5 + ((x - 0.5 * S) * ca + (y - 0.5 * S) * sa) / S)));
      for (int k = 0; k < 3; ++k) img[3 * (y * S + x) + k] = c0[k] + w * (c1[k] - c0[k]);
    }
  }
  const int shapes = 3 + static_cast<int>(d.uniform(0, 7));
  for (int n = 0; n < shapes; ++n) {
    const int kind = static_cast<int>(d.uniform(0, 3));
    const double cx = d.uniform(-0.1, 1.1) * S, cy = d.uniform(-0.1, 1.1) * S;
    const double rx = d.uniform(0.05, 0.4) * S, ry = d.uniform(0.05, 0.4) * S;
    const double th = d.uniform(0, kPi), ct = std::cos(th), st = std::sin(th);
    const std::array<float, 3> col = face_shapes::random_colour(d);
    const std::array<float, 3> col2 = face_shapes::random_colour(d);
    const float alpha = d.uniform(0.6, 1.0);
    const double period = d.uniform(4, 20);
    const double r = std::max(rx, ry) + 2;
    const int x0 = std::max(0, static_cast<int>(cx - r));
    const int x1 = std::min(S - 1, static_cast<int>(cx + r));
    const int y0 = std::max(0, static_cast<int>(cy - r));
    const int y1 = std::min(S - 1, static_cast<int>(cy + r));
    for (int y = y0; y <= y1; ++y) {
      const float u0 = static_cast<float>((x0 - cx) * ct + (y - cy) * st);
      const float v0 = static_cast<float>(-(x0 - cx) * st + (y - cy) * ct);
      for (int x = x0; x <= x1; ++x) {
        const int i = x - x0;
        const float u = u0 + i * static_cast<float>(ct), v = v0 - i * static_cast<float>(st);
        const float inside = kind == 0
                                 ? (1 - std::sqrt(u * u * static_cast<float>(1 / (rx * rx)) +
                                                  v * v * static_cast<float>(1 / (ry * ry)))) *
                                       static_cast<float>(std::min(rx, ry))
                                 : std::min(static_cast<float>(rx) - std::abs(u),
                                            static_cast<float>(ry) - std::abs(v));
        const float cover = std::min(1.0f, std::max(0.0f, inside + 0.5f)) * alpha;
        const float q = u * static_cast<float>(1 / period);
        const float second = kind == 2 && q - std::floor(q) < 0.5f ? 1.0f : 0.0f;
        for (int k = 0; k < 3; ++k) {
          float& p = img[3 * (y * S + x) + k];
          p += cover * ((col[k] + second * (col2[k] - col[k])) - p);
        }
      }
    }
  }
  return img;
}

TEST(FaceFastPaths, ClutterMatchesTheScalarFormula) {
  // Sizes with and without a tail of columns past the last block of 8 (and of 4 for the
  // gradient); seeds giving all three kinds of shapes. The reference may fuse multiply-adds
  // differently (another file, other flags), so values agree to float rounding, not bits; the
  // span of columns each shape visits must also match (a missed column differs by its cover).
  for (const int size : {64, 123, 256}) {
    for (uint64_t seed = 1; seed <= 12; ++seed) {
      const std::vector<float> fast = clutter_background(size, seed * 7919);
      const std::vector<float> ref = reference_clutter(size, seed * 7919);
      ASSERT_EQ(fast.size(), ref.size());
      float worst = 0;
      for (size_t i = 0; i < ref.size(); ++i) worst = std::max(worst, std::abs(fast[i] - ref[i]));
      EXPECT_LE(worst, 2e-5f) << "size " << size << ", seed " << seed * 7919;
      EXPECT_EQ(fast, clutter_background(size, seed * 7919));  // deterministic
    }
  }
}

TEST(FaceFastPaths, ClutterIntoAReusedVectorEqualsAFreshOne) {
  // Every value is overwritten: what the vector held before (another size, garbage) is irrelevant.
  std::vector<float> reused(7, -3.0f);
  for (const int size : {64, 123, 64}) {
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      std::fill(reused.begin(), reused.end(), std::numeric_limits<float>::quiet_NaN());
      clutter_background(size, seed * 104729, reused);
      EXPECT_EQ(reused, clutter_background(size, seed * 104729)) << "size " << size;
    }
  }
}

// A deterministic pseudo-random float in [0, 1) for test inputs.
float test_value(uint64_t i) {
  uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ull;
  x ^= x >> 29;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 32;
  return static_cast<float>(x >> 40) / static_cast<float>(1 << 24);
}

TEST(FaceFastPaths, ConvolveRowsMatchesTheScalarFmaChainBitForBit) {
  // n covers the 32-wide blocks, the 8-wide blocks and the scalar tail; the reference is the
  // documented order: the first product, then std::fma per further tap.
  for (const int taps : {1, 2, 3, 7, 13}) {
    for (const int n : {1, 7, 8, 31, 32, 39, 40, 71, 768}) {
      std::vector<std::vector<float>> rows(taps, std::vector<float>(n));
      std::vector<const float*> src(taps);
      std::vector<float> w(taps);
      for (int i = 0; i < taps; ++i) {
        w[i] = test_value(1000 + i) - 0.25f;
        for (int j = 0; j < n; ++j) rows[i][j] = test_value(static_cast<uint64_t>(i) * n + j);
        src[i] = rows[i].data();
      }
      std::vector<float> got(n, -1.0f);
      convolve_rows(src.data(), w.data(), taps, n, got.data());
      for (int j = 0; j < n; ++j) {
        float ref = w[0] * rows[0][j];
        for (int i = 1; i < taps; ++i) ref = std::fma(w[i], rows[i][j], ref);
        ASSERT_EQ(got[j], ref) << "taps " << taps << ", n " << n << ", j " << j;
      }
    }
  }
}

TEST(FaceFastPaths, BlurMatchesAPlainTwoPassGaussianBitForBit) {
  for (const int S : {16, 37}) {
    for (const double sigma : {0.3, 1.2, 2.6}) {
      std::vector<float> img(3 * static_cast<size_t>(S) * S);
      for (size_t i = 0; i < img.size(); ++i) img[i] = test_value(i + 77);
      // Reference: the kernel of the documented formula, each output an fma chain over its taps.
      const int r = std::max(1, static_cast<int>(std::ceil(2.5 * sigma)));
      std::vector<float> k(2 * r + 1);
      float sum = 0;
      for (int i = -r; i <= r; ++i) {
        sum += k[i + r] = static_cast<float>(std::exp(-i * i / (2 * sigma * sigma)));
      }
      for (float& x : k) x /= sum;
      auto at = [&](int v) { return std::min(S - 1, std::max(0, v)); };
      std::vector<float> h(img.size()), ref(img.size());
      for (int y = 0; y < S; ++y)
        for (int x = 0; x < S; ++x)
          for (int c = 0; c < 3; ++c) {
            float acc = k[0] * img[3 * (y * S + at(x - r)) + c];
            for (int i = 1; i <= 2 * r; ++i) {
              acc = std::fma(k[i], img[3 * (y * S + at(x - r + i)) + c], acc);
            }
            h[3 * (y * S + x) + c] = acc;
          }
      for (int y = 0; y < S; ++y)
        for (int x = 0; x < S; ++x)
          for (int c = 0; c < 3; ++c) {
            float acc = k[0] * h[3 * (at(y - r) * S + x) + c];
            for (int i = 1; i <= 2 * r; ++i) {
              acc = std::fma(k[i], h[3 * (at(y - r + i) * S + x) + c], acc);
            }
            ref[3 * (y * S + x) + c] = acc;
          }
      blur_rgb(img, S, sigma);
      EXPECT_EQ(img, ref) << "S " << S << ", sigma " << sigma;
    }
  }
}

TEST(FaceFastPaths, LabelPlanesMatchTheScalarFormulaBitForBit) {
  // Sizes whose pixel counts are and are not multiples of 8 (the scalar tail); profiles show the
  // back of the head (triangles outside the face chart, which must read as background).
  FaceWorldOptions o;
  o.max_yaw = 90;
  int chart = 0, other = 0;
  for (const int S : {37, 64, 101}) {
    for (uint64_t seed = 0; seed < 6; ++seed) {
      Generator rng(seed + 100);
      const FaceScene scene = FaceScene::sample(rng, o);
      const Mesh mesh = face_mesh(scene.shape);
      const Fragments fr = rasterize(mesh, face_camera(scene, S));
      const int64_t N = fr.num_pixels();
      std::vector<float> u(N, -1), v(N, -1), depth(N, -1);
      std::vector<uint8_t> mask(N, 7);
      face_label_planes(mesh, fr, u.data(), v.data(), depth.data(), mask.data());
      const std::vector<float>& uv = mesh.vertex_attribute("uv").data;
      const std::vector<float>& flag = mesh.face_attribute("face").data;
      auto coord = [&](int64_t p, int c) {
        const int32_t* fv = &mesh.faces[3 * static_cast<int64_t>(fr.face[p])];
        const float* b = &fr.bary[3 * p];
        const float t = std::fma(b[2], uv[2 * fv[2] + c],
                                 std::fma(b[0], uv[2 * fv[0] + c], b[1] * uv[2 * fv[1] + c]));
        return std::min(1.0f, std::max(0.0f, t));
      };
      for (int64_t p = 0; p < N; ++p) {
        const int32_t f = fr.face[p];
        const bool on_chart = f >= 0 && flag[f] != 0;
        chart += on_chart;
        other += f >= 0 && !on_chart;
        ASSERT_EQ(mask[p], on_chart ? 1 : 0) << "S " << S << ", pixel " << p;
        ASSERT_EQ(u[p], on_chart ? coord(p, 0) : 0.0f) << "S " << S << ", pixel " << p;
        ASSERT_EQ(v[p], on_chart ? coord(p, 1) : 0.0f) << "S " << S << ", pixel " << p;
        ASSERT_EQ(depth[p], on_chart ? fr.depth[p] : 0.0f) << "S " << S << ", pixel " << p;
      }
    }
  }
  EXPECT_GT(chart, 1000);
  EXPECT_GT(other, 100);  // the back of the head was seen
}

TEST(FaceFastPaths, FaceMeshIntoAReusedMeshEqualsAFreshOne) {
  // The reused mesh starts with a stale "normal" of the wrong size and an extra attribute; then
  // holds one shape's arrays when the next shape is written over them.
  Mesh reused;
  reused.positions = {1, 2, 3};
  reused.vertex_attributes["normal"] = Attribute{3, {9, 9, 9}, Interp::kNearestVertex};
  reused.vertex_attributes["extra"] = Attribute{1, {5}, Interp::kLinear};
  reused.face_attributes["extra"] = Attribute{2, {}, Interp::kLinear};
  for (uint64_t seed = 0; seed < 4; ++seed) {
    Generator rng(seed);
    const FaceShape shape = FaceShape::sample(rng);
    face_mesh(shape, reused);
    const Mesh fresh = face_mesh(shape);
    EXPECT_EQ(reused.positions, fresh.positions) << "seed " << seed;
    EXPECT_EQ(reused.faces, fresh.faces);
    for (const char* name : {"uv", "tex", "normal"}) {
      const Attribute& a = reused.vertex_attribute(name);
      const Attribute& b = fresh.vertex_attribute(name);
      EXPECT_EQ(a.width, b.width) << name;
      EXPECT_EQ(a.interp, b.interp) << name;
      EXPECT_EQ(a.data, b.data) << name << ", seed " << seed;
    }
    EXPECT_EQ(reused.face_attribute("face").data, fresh.face_attribute("face").data);
    EXPECT_EQ(reused.vertex_attributes.size(), fresh.vertex_attributes.size());  // "extra" gone
    EXPECT_EQ(reused.face_attributes.size(), fresh.face_attributes.size());
  }
}

// Landmark visibility by testing every triangle of the head (no cells, no culling): visible when
// in the image on a mask pixel and no triangle is nearer than z − 1e-4 at the exact projection.
std::vector<uint8_t> reference_visible(const FaceScene& scene, const Sample& sample, int S) {
  const Mesh mesh = face_mesh(scene.shape);
  const Camera cam = face_camera(scene, S);
  const float* lm = sample.at("landmarks").data<float>();
  const uint8_t* mask = sample.at("mask").data<uint8_t>();
  std::vector<Projection> proj(mesh.num_vertices());
  for (int64_t v = 0; v < mesh.num_vertices(); ++v) proj[v] = cam.project(mesh.vertex(v));
  std::vector<uint8_t> visible(kFaceNumLandmarks, 0);
  for (int k = 0; k < kFaceNumLandmarks; ++k) {
    const Projection p = cam.project(surface_position(
        mesh, face_surface_point(face_landmarks_uv()[k][0], face_landmarks_uv()[k][1])));
    EXPECT_FLOAT_EQ(lm[2 * k], static_cast<float>(p.x));
    const int px = static_cast<int>(std::lround(p.x)), py = static_cast<int>(std::lround(p.y));
    if (!(p.z > 0 && px >= 0 && px < S && py >= 0 && py < S && mask[py * S + px] == 1)) continue;
    bool hidden = false;
    for (int64_t f = 0; f < mesh.num_faces() && !hidden; ++f) {
      const Projection &a = proj[mesh.faces[3 * f]], &b = proj[mesh.faces[3 * f + 1]],
                       &q = proj[mesh.faces[3 * f + 2]];
      const double area = (b.x - a.x) * (q.y - a.y) - (b.y - a.y) * (q.x - a.x);
      if (area == 0) continue;
      const double l0 = ((b.x - p.x) * (q.y - p.y) - (b.y - p.y) * (q.x - p.x)) / area;
      const double l1 = ((q.x - p.x) * (a.y - p.y) - (q.y - p.y) * (a.x - p.x)) / area;
      const double l2 = 1 - l0 - l1;
      if (l0 < 0 || l1 < 0 || l2 < 0) continue;
      hidden = 1.0 / (l0 / a.z + l1 / b.z + l2 / q.z) < p.z - 1e-4;
    }
    visible[k] = !hidden;
  }
  return visible;
}

TEST(FaceFastPaths, LandmarkVisibilityMatchesTestingEveryTriangle) {
  FaceWorldOptions o;
  o.occluder_probability = 0;  // occluders are tested in face_test
  o.max_yaw = 90;              // profiles: the nose and the far cheek hide landmarks
  const int S = o.size;
  int hidden = 0, shown = 0;
  for (uint64_t seed = 0; seed < 24; ++seed) {
    Generator rng(seed);
    const FaceScene scene = FaceScene::sample(rng, o);
    const Sample sample = render_face_scene(scene, o);
    const std::vector<uint8_t> ref = reference_visible(scene, sample, S);
    const uint8_t* vis = sample.at("visible").data<uint8_t>();
    for (int k = 0; k < kFaceNumLandmarks; ++k) {
      EXPECT_EQ(vis[k], ref[k]) << "seed " << seed << ", landmark " << k;
      (vis[k] ? shown : hidden) += 1;
    }
  }
  // Both outcomes occur, so the comparison tests the hiding triangles too.
  EXPECT_GT(hidden, 100);
  EXPECT_GT(shown, 500);
}

TEST(FaceFastPaths, NoiseRepeatsWithTheTablePeriodOnLargeImages) {
  // The noise of value i (interleaved RGB order) is normal table value (start + i) mod 2^18; a
  // 512 × 512 image (3 · 512² values) reads the table round three times, so values i and
  // i + 2^18 get the same noise. Compared through the same scene rendered without noise.
  FaceWorldOptions o;
  o.size = 512;
  o.blur_probability = 0;
  o.occluder_probability = 0;
  Generator rng(11);
  FaceScene scene = FaceScene::sample(rng, o);
  scene.noise = 0.02;
  FaceScene clean = scene;
  clean.noise = 0;
  const Tensor noisy_t = render_face_scene(scene, o).at("image");
  const Tensor clean_t = render_face_scene(clean, o).at("image");
  const float* a = noisy_t.data<float>();
  const float* c = clean_t.data<float>();
  const size_t N = 512 * 512, period = size_t{1} << 18;
  auto value = [N](const float* planes, size_t i) { return planes[(i % 3) * N + i / 3]; };
  int compared = 0;
  double spread = 0;
  for (size_t i = 0; i + period < 3 * N; i += 7) {
    const float a0 = value(a, i), c0 = value(c, i);
    const float a1 = value(a, i + period), c1 = value(c, i + period);
    const bool unclamped = std::min({a0, c0, a1, c1}) > 0.1f && std::max({a0, c0, a1, c1}) < 0.9f;
    if (!unclamped) continue;
    EXPECT_NEAR(a0 - c0, a1 - c1, 1e-6) << "value " << i;
    spread += std::abs(a0 - c0);
    ++compared;
  }
  EXPECT_GT(compared, 20000);
  EXPECT_GT(spread / compared, 0.005);  // noise of sigma 0.02 was added: mean |n| ≈ 0.016
}

TEST(FaceFastPaths, FacePartsIsFacePartAtUnderTheMask) {
  // 1001 points: blocks of eight (all masked, mixed, none) and a tail of one.
  const int n = 1001;
  std::vector<float> u(n), v(n);
  std::vector<uint8_t> mask(n);
  Generator g(3);
  face_shapes::Draws d(g);
  for (int k = 0; k < n; ++k) {
    u[k] = d.uniform(0, 1);
    v[k] = d.uniform(0, 1);
    mask[k] = k < 400 ? (k / 8) % 3 == 0 : d.chance(0.7);
  }
  u[7] = 1.0f, v[7] = 1.0f;  // the chart's corner (the last cell)
  mask[7] = 1;
  std::vector<int64_t> out(n, -1);
  face_parts(u.data(), v.data(), mask.data(), n, out.data());
  int faces = 0;
  for (int k = 0; k < n; ++k) {
    EXPECT_EQ(out[k], mask[k] ? face_part_at(u[k], v[k]) : 0) << k;
    faces += mask[k];
  }
  EXPECT_GT(faces, 300);
}

TEST(FaceFastPaths, PlanarTensorSplitsBlocksAndTail) {
  // 3 × 3 pixels: one block of eight and one pixel of tail.
  std::vector<float> hwc(27);
  for (int i = 0; i < 27; ++i) hwc[i] = 0.5f * i;
  const Tensor t = planar_tensor(hwc, 3, 3, 3);
  ASSERT_EQ(t.sizes(), (std::vector<int64_t>{3, 3, 3}));
  const float* p = t.data<float>();
  for (int c = 0; c < 3; ++c) {
    for (int q = 0; q < 9; ++q) EXPECT_EQ(p[c * 9 + q], 0.5f * (3 * q + c)) << c << " " << q;
  }
}

TEST(FaceFastPaths, ValidateFindsBadValuesInBlocksAndTail) {
  // A strip of 20 triangles over 22 vertices: 66 coordinates and 60 indices, so both scans run
  // blocks of 16 and a tail.
  Mesh m;
  for (int i = 0; i < 22; ++i) m.add_vertex({0.1 * i, i % 2 ? 1.0 : 0.0, 0});
  for (int i = 0; i < 20; ++i) m.add_face(i, i + 1, i + 2);
  m.validate();
  for (const int vertex : {3, 21}) {  // in a block, in the tail
    Mesh bad = m;
    bad.positions[3 * vertex + 1] = std::numeric_limits<float>::infinity();
    expect_error([&] { bad.validate("strip"); },
                 {"strip", "vertex " + std::to_string(vertex), "non-finite"});
    bad.positions[3 * vertex + 1] = std::numeric_limits<float>::quiet_NaN();
    expect_error([&] { bad.validate("strip"); }, {"vertex " + std::to_string(vertex)});
  }
  for (const int at : {5, 59}) {  // in a block, in the tail
    for (const int32_t index : {-1, 22}) {
      Mesh bad = m;
      bad.faces[at] = index;
      expect_error([&] { bad.validate("strip"); }, {"face " + std::to_string(at / 3),
                                                    "vertex " + std::to_string(index), "[0, 22)"});
    }
  }
}

}  // namespace
}  // namespace dc
