// The fast paths of the rasterizer core (data/synth/raster_pass.h) against plain references:
// resolve() (fragments four pixels at a time) equals fragment() pixel by pixel, bit for bit, and
// scan conversion (small triangles in one vector block per row, larger ones block by block, huge
// ones in int64) equals a brute-force z-buffer over exact integer edge functions.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "data/synth/rasterizer.h"
#include "tests/data/synth/scenes.h"

namespace dc {
namespace {

// Uniform doubles from a fixed-seed std::mt19937_64 (its sequence is fixed by the standard).
struct Rng {
  std::mt19937_64 engine;
  explicit Rng(uint64_t seed) : engine(seed) {}
  double uniform(double a, double b) { return a + (b - a) * ((engine() >> 11) * 0x1p-53); }
};

uint32_t bits(float v) {
  uint32_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

// rasterize() (resolve) against rasterize_visibility().fragment() at every pixel, bit for bit.
void expect_resolve_matches_fragment(const Mesh& mesh, const Camera& cam, const RasterOptions& opt,
                                     const std::string& what) {
  const Fragments f = rasterize(mesh, cam, opt);
  const Visibility vis = rasterize_visibility(mesh, cam, opt);
  ASSERT_EQ(f.width, cam.width);
  ASSERT_EQ(f.height, cam.height);
  int bad = 0, covered = 0;
  for (int y = 0; y < cam.height; ++y) {
    for (int x = 0; x < cam.width; ++x) {
      const int64_t p = static_cast<int64_t>(y) * cam.width + x;
      int32_t face = -1;
      float bary[3] = {0, 0, 0}, depth = 0;
      const bool hit = vis.fragment(x, y, &face, bary, &depth);
      covered += hit;
      bool same = f.face[p] == (hit ? face : -1) && bits(f.depth[p]) == bits(depth);
      for (int k = 0; k < 3; ++k) same = same && bits(f.bary[3 * p + k]) == bits(bary[k]);
      if (!same && ++bad <= 5) {
        ADD_FAILURE() << what << ": pixel (" << x << ", " << y << ") resolve face " << f.face[p]
                      << " depth " << f.depth[p] << ", fragment() face " << face << " depth "
                      << depth;
      }
    }
  }
  EXPECT_EQ(bad, 0) << what;
  EXPECT_GT(covered, 0) << what;
}

TEST(RasterPassTest, ResolveEqualsFragmentBitForBit) {
  // Spheres (many small triangles), a floor through the camera plane (clipped pieces, whose
  // blocks take the per-pixel path) and widths that are not a multiple of four (the row tails).
  Mesh floor;
  floor.add_vertex({-50, 1, -20});
  floor.add_vertex({50, 1, -20});
  floor.add_vertex({50, 1, 30});
  floor.add_vertex({-50, 1, 30});
  floor.add_face(0, 1, 2);
  floor.add_face(0, 2, 3);
  floor.set_vertex_attribute("uv", 2, {0, 0, 1, 0, 1, 1, 0, 1});
  floor.set_vertex_attribute("vid", 1, {0, 1, 2, 3}, Interp::kNearestVertex);
  floor.set_vertex_attribute("normal", 3, {0, -1, 0, 0, -1, 0, 0, -1, 0, 0, -1, 0});
  const Mesh scene = merge_meshes(
      {uv_sphere({0, 0, 0}, 1.0, 24, 30), uv_sphere({0.7, 0.2, -0.4}, 0.6, 10, 14), floor});
  for (int width : {61, 64, 66, 3}) {
    Camera cam = make_camera(width, 47, 55.0);
    look_at(cam, {0.5, -0.2, -3.5}, {0, 0.3, 0}, {0, 1, 0});
    for (bool cull : {false, true}) {
      RasterOptions opt;
      opt.cull_back_faces = cull;
      expect_resolve_matches_fragment(
          scene, cam, opt, "width " + std::to_string(width) + " cull " + std::to_string(cull));
    }
  }
  // Thin triangles and slivers of three nearly collinear corners (some collinear once snapped,
  // dropped; some whose unsnapped area vanishes, with planes from the snapped corners).
  Mesh slivers;
  Rng rng(11);
  for (int i = 0; i < 300; ++i) {
    const double x = rng.uniform(1, 30), y = rng.uniform(1, 20), dx = rng.uniform(-6, 6),
                 dy = rng.uniform(-6, 6), off = rng.uniform(-1, 1) * (i % 2 ? 1.0 / 512 : 0.4),
                 z = rng.uniform(1, 3);
    const int v = static_cast<int>(slivers.num_vertices());
    slivers.add_vertex(at_pixel(x, y, z));
    slivers.add_vertex(at_pixel(x + dx, y + dy, z * 1.1));
    slivers.add_vertex(at_pixel(x + 0.5 * dx + off, y + 0.5 * dy - off, z * 1.05));
    slivers.add_face(v, v + 1, v + 2);
  }
  expect_resolve_matches_fragment(slivers, screen_camera(33, 23), RasterOptions{}, "slivers");
}

TEST(RasterPassTest, VerticesProjectedFourAtATimeMatchOneAtATime) {
  // Vertices are projected four at a time, with a one-at-a-time tail for the last V mod 4. A
  // mesh of one face has only a tail: the fragments a face wins in the whole mesh must be
  // exactly those it gives alone (same screen positions, same setup, same planes).
  const Mesh sphere = uv_sphere({0, 0, 0}, 1.0, 17, 22);
  Camera cam = make_camera(53, 41, 50.0);
  look_at(cam, {0.4, -0.3, -3.0}, {0, 0, 0}, {0, 1, 0});
  const Fragments all = rasterize(sphere, cam);
  int checked = 0, bad = 0;
  for (int32_t f = 0; f < sphere.num_faces(); ++f) {
    const int32_t* v = &sphere.faces[3 * f];
    Mesh one;
    for (int k = 0; k < 3; ++k) one.add_vertex(sphere.vertex(v[k]));
    one.add_face(0, 1, 2);
    const Fragments alone = rasterize(one, cam);
    for (int64_t p = 0; p < all.num_pixels(); ++p) {
      if (all.face[p] != f) continue;
      ++checked;
      bool same = alone.face[p] == 0 && bits(alone.depth[p]) == bits(all.depth[p]);
      for (int k = 0; k < 3; ++k)
        same = same && bits(alone.bary[3 * p + k]) == bits(all.bary[3 * p + k]);
      if (!same && ++bad <= 5) ADD_FAILURE() << "face " << f << ", pixel " << p;
    }
  }
  EXPECT_EQ(bad, 0);
  EXPECT_GT(checked, 500);
}

// A triangle soup on the 1/256-pixel grid at depths 2^k (so each triangle's 1/Z is a constant
// power of two, exact in float), and what the rasterizer's rules say about it, brute force.
struct Soup {
  Mesh mesh;
  std::vector<int64_t> X, Y;  // corners in 1/256 pixel, 3 per face
  std::vector<float> inv_z;   // per face
};

Soup random_soup(Rng& rng, int width, int height, int faces, double max_size) {
  Soup s;
  for (int f = 0; f < faces; ++f) {
    const double z = std::ldexp(1.0, static_cast<int>(rng.uniform(0, 6)));
    const double cx = rng.uniform(-2, width + 2), cy = rng.uniform(-2, height + 2);
    const double size = rng.uniform(0.2, 1.0) * max_size;
    for (int k = 0; k < 3; ++k) {
      const int64_t X = std::llround((cx + rng.uniform(-size, size)) * 256);
      const int64_t Y = std::llround((cy + rng.uniform(-size, size)) * 256);
      s.X.push_back(X);
      s.Y.push_back(Y);
      s.mesh.add_vertex(at_pixel(X / 256.0, Y / 256.0, z));
    }
    s.mesh.add_face(3 * f, 3 * f + 1, 3 * f + 2);
    s.inv_z.push_back(static_cast<float>(1 / z));
  }
  return s;
}

// The face that wins pixel (x, y): covered by the exact edge functions of the snapped corners
// with the top-left rule, largest 1/Z, ties to the lowest face index; −1 where none covers it.
std::vector<int32_t> brute_force_ids(const Soup& s, int width, int height) {
  std::vector<int32_t> ids(static_cast<size_t>(width) * height, -1);
  std::vector<float> best(ids.size(), 0.0f);
  for (int f = 0; f < static_cast<int>(s.inv_z.size()); ++f) {
    int64_t X[3] = {s.X[3 * f], s.X[3 * f + 1], s.X[3 * f + 2]};
    int64_t Y[3] = {s.Y[3 * f], s.Y[3 * f + 1], s.Y[3 * f + 2]};
    const int64_t area = (X[1] - X[0]) * (Y[2] - Y[0]) - (Y[1] - Y[0]) * (X[2] - X[0]);
    if (area == 0) continue;
    if (area < 0) {
      std::swap(X[1], X[2]);
      std::swap(Y[1], Y[2]);
    }
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        bool inside = true;
        for (int k = 0; k < 3; ++k) {
          const int i = (k + 1) % 3, j = (k + 2) % 3;
          const int64_t dx = X[j] - X[i], dy = Y[j] - Y[i];
          const int64_t e = dx * (y * 256 - Y[i]) - dy * (x * 256 - X[i]);
          const bool top_left = dy < 0 || (dy == 0 && dx > 0);
          inside = inside && (top_left ? e >= 0 : e > 0);
        }
        const size_t p = static_cast<size_t>(y) * width + x;
        if (inside && s.inv_z[f] > best[p]) {
          best[p] = s.inv_z[f];
          ids[p] = f;
        }
      }
    }
  }
  return ids;
}

TEST(RasterPassTest, ScanConversionEqualsBruteForce) {
  // Sizes from sub-pixel slivers to triangles wider than the image, so that every loop runs:
  // boxes within one block of eight, boxes over several blocks, int64 edge functions.
  Rng rng(7);
  struct Case {
    int width, height, faces;
    double size;
  };
  for (const Case& c : {Case{37, 29, 400, 1.5}, Case{64, 40, 300, 4}, Case{45, 33, 120, 12},
                        Case{70, 50, 40, 40}, Case{30, 20, 6, 5000}}) {
    const Soup soup = random_soup(rng, c.width, c.height, c.faces, c.size);
    const std::vector<int32_t> want = brute_force_ids(soup, c.width, c.height);
    for (bool parallel : {false, true}) {
      RasterOptions opt;
      opt.parallel = parallel;
      const Fragments f = rasterize(soup.mesh, screen_camera(c.width, c.height), opt);
      int bad = 0, covered = 0;
      for (size_t p = 0; p < want.size(); ++p) {
        covered += want[p] >= 0;
        if (f.face[p] != want[p] && ++bad <= 5) {
          ADD_FAILURE() << "size " << c.size << ": pixel (" << p % c.width << ", " << p / c.width
                        << ") face " << f.face[p] << ", expected " << want[p];
        }
      }
      EXPECT_EQ(bad, 0) << "size " << c.size;
      EXPECT_GT(covered, 50) << "size " << c.size;
    }
  }
}

}  // namespace
}  // namespace dc
