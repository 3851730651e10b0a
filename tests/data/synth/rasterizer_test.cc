// The rasterizer's exactness guarantees: hand-computed coverage and the top-left fill rule,
// watertight shared edges, the z-buffer, perspective-correct interpolation against closed forms,
// vertices landing on their own attributes, near-plane clipping, determinism across threads.
#include "data/synth/rasterizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "core/philox.h"
#include "core/thread_pool.h"
#include "tests/data/synth/scenes.h"
#include "tests/testing/expect_error.h"

namespace dc {
namespace {

std::set<std::pair<int, int>> covered_pixels(const Fragments& f) {
  std::set<std::pair<int, int>> out;
  for (int y = 0; y < f.height; ++y)
    for (int x = 0; x < f.width; ++x)
      if (f.face[y * f.width + x] >= 0) out.insert({x, y});
  return out;
}

TEST(RasterizerTest, TriangleCoverageFollowsTheTopLeftRule) {
  // Corners on pixel centres: (1,1), (5,1), (1,5). The top edge y = 1 and the left edge x = 1 are
  // in, the hypotenuse x + y = 6 is out: the centres (i, j) with i, j >= 1 and i + j < 6.
  const Camera cam = screen_camera(8, 8);
  std::set<std::pair<int, int>> expected;
  for (int i = 1; i < 6; ++i)
    for (int j = 1; i + j < 6; ++j) expected.insert({i, j});
  ASSERT_EQ(expected.size(), 10u);
  EXPECT_EQ(covered_pixels(rasterize(screen_triangle(1, 1, 5, 1, 1, 5), cam)), expected);
  // Winding does not matter without culling.
  EXPECT_EQ(covered_pixels(rasterize(screen_triangle(1, 1, 1, 5, 5, 1), cam)), expected);

  // The other half of the square: its hypotenuse is a top-left edge, x = 5 and y = 5 are not.
  const std::set<std::pair<int, int>> other = {{2, 4}, {3, 3}, {4, 2}, {3, 4}, {4, 3}, {4, 4}};
  EXPECT_EQ(covered_pixels(rasterize(screen_triangle(5, 1, 5, 5, 1, 5), cam)), other);

  // A triangle strictly inside pixel (3, 3)'s square but missing its centre covers nothing; one
  // containing the centre covers exactly that pixel.
  EXPECT_TRUE(
      covered_pixels(rasterize(screen_triangle(3.1, 3.1, 3.4, 3.1, 3.1, 3.4), cam)).empty());
  EXPECT_EQ(covered_pixels(rasterize(screen_triangle(2.7, 2.8, 3.4, 2.8, 2.8, 3.4), cam)),
            (std::set<std::pair<int, int>>{{3, 3}}));
}

TEST(RasterizerTest, SharedEdgesCoverEveryPixelExactlyOnce) {
  // A jittered 6×6 grid of vertices over the square [2, 27]², some vertices exactly on pixel
  // centres or half-way between them (edges through centres), triangulated with random
  // diagonals. Rendering each triangle alone must cover every centre inside the square exactly
  // once: [2, 26]² (the square's left and top edges are in, its right and bottom edges out).
  const int n = 6, size = 32;
  const Camera cam = screen_camera(size, size);
  Generator gen(7);
  Mesh grid;
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i < n; ++i) {
      double x = 2 + 5.0 * i, y = 2 + 5.0 * j;
      if (i > 0 && i < n - 1 && j > 0 && j < n - 1) {
        const auto r = gen.block(gen.advance(1));
        const int kind = r[0] % 3;  // 0: on a centre, 1: on a half-integer, 2: anywhere
        const double dx = uint_to_unit_float(r[1]) * 3 - 1.5,
                     dy = uint_to_unit_float(r[2]) * 3 - 1.5;
        x += kind == 0 ? std::round(dx) : kind == 1 ? std::round(dx) + 0.5 : dx;
        y += kind == 0 ? std::round(dy) : kind == 1 ? std::round(dy) + 0.5 : dy;
      }
      grid.add_vertex(at_pixel(x, y, 1.0 + 0.01 * i));
    }
  }
  for (int j = 0; j + 1 < n; ++j) {
    for (int i = 0; i + 1 < n; ++i) {
      const int a = j * n + i, b = a + 1, c = a + n, d = c + 1;
      if (gen.block(gen.advance(1))[0] & 1) {
        grid.add_face(a, b, d);
        grid.add_face(a, d, c);
      } else {
        grid.add_face(a, b, c);
        grid.add_face(b, d, c);
      }
    }
  }
  std::vector<int> count(size * size, 0);
  for (int64_t f = 0; f < grid.num_faces(); ++f) {
    Mesh one = grid;
    one.faces.assign(grid.faces.begin() + 3 * f, grid.faces.begin() + 3 * f + 3);
    const Fragments frag = rasterize(one, cam);
    for (int p = 0; p < size * size; ++p) count[p] += frag.face[p] >= 0;
  }
  const Fragments all = rasterize(grid, cam);
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      const bool inside = x >= 2 && x <= 26 && y >= 2 && y <= 26;
      EXPECT_EQ(count[y * size + x], inside ? 1 : 0) << "pixel (" << x << ", " << y << ")";
      EXPECT_EQ(all.face[y * size + x] >= 0, inside) << "pixel (" << x << ", " << y << ")";
    }
  }
}

TEST(RasterizerTest, NearerQuadWinsWhateverTheDrawOrder) {
  const Camera cam = screen_camera(16, 8);
  const Mesh near_quad = screen_quad(2, 1, 10, 6, 2.0, 1.0f);  // pixels x 2..9, y 1..5
  const Mesh far_quad = screen_quad(6, 1, 14, 6, 3.0, 2.0f);   // pixels x 6..13
  for (const auto& scene :
       {merge_meshes({near_quad, far_quad}), merge_meshes({far_quad, near_quad})}) {
    const Fragments f = rasterize(scene, cam);
    const std::vector<float> id = interpolate(scene, f, "id", 0.0f);
    for (int y = 0; y < 8; ++y) {
      for (int x = 0; x < 16; ++x) {
        const int p = y * 16 + x;
        float want = 0, depth = 0;
        if (y >= 1 && y <= 5 && x >= 2 && x <= 9)
          want = 1, depth = 2;
        else if (y >= 1 && y <= 5 && x >= 6 && x <= 13)
          want = 2, depth = 3;
        EXPECT_EQ(id[p], want) << "pixel (" << x << ", " << y << ")";
        EXPECT_NEAR(f.depth[p], depth, 1e-6) << "pixel (" << x << ", " << y << ")";
      }
    }
  }
}

TEST(RasterizerTest, PerspectiveCorrectOnASlantedPlane) {
  // The plane Z = 3 + 0.5 X in camera space (identity pose), a quad far larger than the view, with
  // the linear attribute q = X − 2Y + 0.25 Z. Through pixel (x, y) the ray d = ((x−cx)/fx,
  // (y−cy)/fy, 1) meets the plane at Z = 3 / (1 − 0.5 dx): closed forms for depth and q.
  Camera cam = make_camera(32, 24, 40.0);
  Mesh m;
  std::vector<float> q;
  for (double Y : {-4.0, 4.0}) {
    for (double X : {-3.0, 3.0}) {
      const double Z = 3 + 0.5 * X;
      m.add_vertex({X, Y, Z});
      q.push_back(static_cast<float>(X - 2 * Y + 0.25 * Z));
    }
  }
  m.add_face(0, 1, 3);
  m.add_face(0, 3, 2);
  m.set_vertex_attribute("q", 1, q);
  const Fragments f = rasterize(m, cam);
  const std::vector<float> qi = interpolate(m, f, "q");
  double max_second_difference = 0;
  for (int y = 0; y < cam.height; ++y) {
    for (int x = 0; x < cam.width; ++x) {
      const int p = y * cam.width + x;
      ASSERT_GE(f.face[p], 0);
      const Vec3 d = cam.ray(x, y);
      const double Z = 3 / (1 - 0.5 * d.x);
      const double want = Z * d.x - 2 * Z * d.y + 0.25 * Z;
      EXPECT_NEAR(f.depth[p], Z, 1e-5 * Z) << "pixel (" << x << ", " << y << ")";
      EXPECT_NEAR(qi[p], want, 1e-5 * (1 + std::abs(want))) << "pixel (" << x << ", " << y << ")";
      if (x >= 2) {
        max_second_difference =
            std::max(max_second_difference, std::abs(double(qi[p]) - 2.0 * qi[p - 1] + qi[p - 2]));
      }
    }
  }
  // The map is far from affine in screen space: screen-linear interpolation would be wrong.
  EXPECT_GT(max_second_difference, 1e-3);
}

TEST(RasterizerTest, VerticesOnPixelCentresCarryTheirOwnAttributes) {
  // A bumpy height field whose vertex (i, j) sits on the centre of pixel (i + 3, j + 2) at depth
  // Z(i, j), seen by a rotated, translated camera: the pixel under each vertex must report that
  // vertex's linear attribute, its id (nearest-vertex) and its depth.
  Camera cam = make_camera(40, 30, 35.0);
  cam.R = rotation_ypr(0.3, -0.2, 0.1);
  cam.t = {0.2, -0.1, 0.5};
  const Mat3 Rt = transpose(cam.R);
  const int n = 20, m = 16;
  Mesh grid;
  std::vector<float> value, id;
  std::vector<double> depth;
  for (int j = 0; j < m; ++j) {
    for (int i = 0; i < n; ++i) {
      const double Z = 4 + 0.3 * std::sin(0.7 * i) * std::cos(0.5 * j) + 0.05 * i;
      const Vec3 cam_point{(i + 3 - cam.cx) / cam.fx * Z, (j + 2 - cam.cy) / cam.fy * Z, Z};
      grid.add_vertex(Rt * (cam_point - cam.t));
      value.push_back(static_cast<float>(std::cos(1.3 * i) + 0.1 * j));
      id.push_back(static_cast<float>(j * n + i));
      depth.push_back(Z);
    }
  }
  for (int j = 0; j + 1 < m; ++j) {
    for (int i = 0; i + 1 < n; ++i) {
      const int a = j * n + i;
      grid.add_face(a, a + 1, a + n + 1);
      grid.add_face(a, a + n + 1, a + n);
    }
  }
  grid.set_vertex_attribute("value", 1, value);
  grid.set_vertex_attribute("id", 1, id, Interp::kNearestVertex);
  const Fragments f = rasterize(grid, cam);
  const std::vector<float> vi = interpolate(grid, f, "value", -100.0f);
  const std::vector<float> ii = interpolate(grid, f, "id", -1.0f);
  for (int j = 1; j + 1 < m; ++j) {
    for (int i = 1; i + 1 < n; ++i) {
      const int v = j * n + i;
      const Projection pr = cam.project(grid.vertex(v));
      ASSERT_NEAR(pr.x, i + 3, 1e-4);
      ASSERT_NEAR(pr.y, j + 2, 1e-4);
      const int p = (j + 2) * cam.width + (i + 3);
      EXPECT_EQ(ii[p], id[v]) << "vertex " << v;
      EXPECT_NEAR(vi[p], value[v], 1e-4) << "vertex " << v;
      EXPECT_NEAR(f.depth[p], depth[v], 1e-5 * depth[v]) << "vertex " << v;
    }
  }
}

TEST(RasterizerTest, BarycentricsAreConvexWeightsThatReproducePositions) {
  // On a sphere, each pixel's barycentrics are in [0, 1], sum to 1, and blend the face's corners
  // (in camera space) into a point on the pixel's ray at the reported depth.
  Camera cam = make_camera(48, 40, 50.0);
  look_at(cam, {0.4, -0.3, -3.0}, {0, 0, 0}, {0, 1, 0});
  const Mesh sphere = uv_sphere({0, 0, 0}, 1.0, 12, 16);
  const Fragments f = rasterize(sphere, cam);
  int covered = 0;
  for (int y = 0; y < cam.height; ++y) {
    for (int x = 0; x < cam.width; ++x) {
      const int p = y * cam.width + x;
      if (f.face[p] < 0) continue;
      ++covered;
      const float* b = &f.bary[3 * p];
      for (int k = 0; k < 3; ++k) {
        EXPECT_GE(b[k], 0.0f);
        EXPECT_LE(b[k], 1.0f);
      }
      EXPECT_NEAR(b[0] + b[1] + b[2], 1.0, 1e-6);
      Vec3 point;
      for (int k = 0; k < 3; ++k)
        point = point + b[k] * cam.to_camera(sphere.vertex(sphere.faces[3 * f.face[p] + k]));
      // A centre covered by the snapped triangle but a hair (< 1/512 px) outside the exact one
      // gets clamped barycentrics: its point is off the ray by that much at most.
      const bool on_edge = std::min({b[0], b[1], b[2]}) == 0.0f;
      const double tol = on_edge ? 1e-3 : 1e-5;
      const Vec3 ray = cam.ray(x, y);
      EXPECT_NEAR(point.z, f.depth[p], 1e-5);
      EXPECT_NEAR(point.x, ray.x * point.z, tol);
      EXPECT_NEAR(point.y, ray.y * point.z, tol);
    }
  }
  EXPECT_GT(covered, 300);
}

TEST(RasterizerTest, FloorThroughTheCameraPlaneIsClippedNotCulled) {
  // The floor Y = 1 (below the camera: +Y is down) from Z = −20 to Z = 30 crosses the camera
  // plane. Row y > cy sees it at Z = fy / (y − cy); rows up to the horizon (Z > 30) see nothing.
  Camera cam = make_camera(41, 41, 20.0);  // cx = cy = 20
  Mesh floor;
  floor.add_vertex({-50, 1, -20});
  floor.add_vertex({50, 1, -20});
  floor.add_vertex({50, 1, 30});
  floor.add_vertex({-50, 1, 30});
  floor.add_face(0, 1, 2);  // normal (v1−v0)×(v2−v0) = −Y: up, towards the camera
  floor.add_face(0, 2, 3);
  floor.set_vertex_attribute("z", 1, {-20, -20, 30, 30});
  for (bool cull : {false, true}) {
    RasterOptions opt;
    opt.cull_back_faces = cull;
    const Fragments f = rasterize(floor, cam, opt);
    const std::vector<float> z = interpolate(floor, f, "z", -1.0f);
    for (int y = 0; y < cam.height; ++y) {
      for (int x = 0; x < cam.width; ++x) {
        const int p = y * cam.width + x;
        if (y <= 20) {
          EXPECT_LT(f.face[p], 0) << "pixel (" << x << ", " << y << ")";
          continue;
        }
        const double Z = 20.0 / (y - 20);
        ASSERT_GE(f.face[p], 0) << "pixel (" << x << ", " << y << ")";
        EXPECT_NEAR(f.depth[p], Z, 1e-5 * Z);
        EXPECT_NEAR(z[p], Z, 1e-4 * Z);
        const float* b = &f.bary[3 * p];
        EXPECT_NEAR(b[0] + b[1] + b[2], 1.0, 1e-6);
        EXPECT_GE(std::min({b[0], b[1], b[2]}), 0.0f);
      }
    }
  }
  // With the opposite winding the floor faces down, away from the camera: culled entirely.
  RasterOptions opt;
  opt.cull_back_faces = true;
  Mesh flipped = floor;
  std::swap(flipped.faces[1], flipped.faces[2]);
  std::swap(flipped.faces[4], flipped.faces[5]);
  EXPECT_TRUE(covered_pixels(rasterize(flipped, cam, opt)).empty());
  opt.cull_back_faces = false;
  EXPECT_FALSE(covered_pixels(rasterize(flipped, cam, opt)).empty());
}

TEST(RasterizerTest, ResultsDoNotDependOnTheThreadCount) {
  Camera cam = make_camera(64, 48, 60.0);
  look_at(cam, {0.5, -0.6, -2.5}, {0, 0, 0}, {0, 1, 0});
  const Mesh a = uv_sphere({0, 0, 0}, 1.0, 20, 24), b = uv_sphere({0.7, 0.2, -0.4}, 0.6, 10, 14);
  const Mesh scene = merge_meshes({a, b});
  const int saved = num_threads();
  RasterOptions serial;
  const Fragments ref = rasterize(scene, cam, serial);
  RasterOptions par;
  par.parallel = true;
  for (int threads : {1, 2, 3, 5}) {
    set_num_threads(threads);
    const Fragments f = rasterize(scene, cam, par);
    EXPECT_EQ(f.face, ref.face) << threads << " threads";
    EXPECT_EQ(f.bary, ref.bary) << threads << " threads";
    EXPECT_EQ(f.depth, ref.depth) << threads << " threads";
  }
  set_num_threads(saved);
}

TEST(RasterizerTest, InterpolateModes) {
  // One triangle, vertex attributes of width 2 (linear) and 1 (nearest vertex), a face attribute.
  const Camera cam = screen_camera(8, 8);
  Mesh m = screen_triangle(0, 0, 7, 0, 0, 7);
  m.set_vertex_attribute("lin", 2, {0, 10, 7, 10, 0, 3});  // (x, 10 − y) at the corners
  m.set_vertex_attribute("label", 1, {4, 5, 6}, Interp::kNearestVertex);
  m.set_face_attribute("part", 1, {9});
  const Fragments f = rasterize(m, cam);
  const auto lin = interpolate(m, f, "lin", -1);
  const auto label = interpolate(m, f, "label", -1);
  const auto part = interpolate(m, f, "part", -1);
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 8; ++x) {
      const int p = y * 8 + x;
      if (x + y >= 7) {  // the hypotenuse is a bottom-right edge
        EXPECT_EQ(f.face[p], -1);
        EXPECT_EQ(lin[2 * p], -1);
        EXPECT_EQ(label[p], -1);
        EXPECT_EQ(part[p], -1);
        continue;
      }
      // Fronto-parallel: barycentrics are affine, (1 − (x+y)/7, x/7, y/7).
      EXPECT_NEAR(lin[2 * p], x, 1e-5);
      EXPECT_NEAR(lin[2 * p + 1], 10 - y, 1e-5);
      // The corner with the largest barycentric, in sevenths; exact ties may go either way.
      const int a[3] = {7 - x - y, x, y};
      const int top = std::max({a[0], a[1], a[2]});
      std::set<float> want;
      for (int k = 0; k < 3; ++k)
        if (a[k] == top) want.insert(4.0f + k);
      EXPECT_TRUE(want.count(label[p])) << "pixel (" << x << ", " << y << "): " << label[p];
      EXPECT_EQ(part[p], 9);
    }
  }
}

TEST(RasterizerTest, BadInputIsReported) {
  const Camera cam = screen_camera(4, 4);
  Mesh m = screen_triangle(0, 0, 3, 0, 0, 3);
  m.set_vertex_attribute("uv", 2, {0, 0, 1, 0, 0, 1});
  const Fragments f = rasterize(m, cam);
  expect_error([&] { interpolate(m, f, "uvv"); },
               {"no vertex attribute 'uvv'", "did you mean 'uv'"});
  Mesh both = m;
  both.set_face_attribute("uv", 1, {0});
  expect_error([&] { interpolate(both, f, "uv"); }, {"both a vertex and a face attribute 'uv'"});
  Mesh bad = m;
  bad.faces[2] = 7;
  expect_error([&] { rasterize(bad, cam); }, {"face 0 corner 2", "vertex 7", "[0, 3)"});
  bad = m;
  bad.vertex_attributes["uv"].data.pop_back();
  expect_error([&] { rasterize(bad, cam); }, {"vertex attribute 'uv'", "holds 5 values", "3 × 2"});
  bad = m;
  bad.positions[4] = std::nanf("");
  expect_error([&] { rasterize(bad, cam); }, {"vertex 1", "non-finite"});
  RasterOptions opt;
  opt.near = 0;
  expect_error([&] { rasterize(m, cam, opt); }, {"options.near", "> 0"});
  Camera zero = cam;
  zero.width = 0;
  expect_error([&] { rasterize(m, zero); }, {"camera: image size 0×4"});
  // Fragments of a bigger mesh.
  Mesh two = merge_meshes({m, m});
  const Fragments f2 = rasterize(two, screen_camera(4, 4));
  Fragments tampered = f2;
  tampered.face[0] = 5;
  expect_error([&] { interpolate(m, tampered, "uv"); }, {"face 5", "mesh has 1 faces"});
}

}  // namespace
}  // namespace dc
