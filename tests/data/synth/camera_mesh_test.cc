// Camera projection and pose helpers against hand-computed numbers; mesh helpers (normals, merge,
// transform, validation) and the conversion of render outputs to Tensors.
#include <gtest/gtest.h>

#include <cmath>

#include "data/synth/camera.h"
#include "data/synth/mesh.h"
#include "data/synth/render_tensors.h"
#include "tests/data/synth/scenes.h"
#include "tests/testing/expect_error.h"

namespace dc {
namespace {

void expect_vec(const Vec3& a, const Vec3& b, double tol = 1e-12) {
  EXPECT_NEAR(a.x, b.x, tol);
  EXPECT_NEAR(a.y, b.y, tol);
  EXPECT_NEAR(a.z, b.z, tol);
}

TEST(CameraTest, ProjectsHandComputedPoints) {
  Camera cam;
  cam.width = 64;
  cam.height = 48;
  cam.fx = 100;
  cam.fy = 120;
  cam.cx = 31.5;
  cam.cy = 23.5;
  cam.R = rotation_z(M_PI / 2);  // (x, y, z) ↦ (−y, x, z)
  cam.t = {0.5, -1, 4};
  cam.validate();
  // (1, 2, 0) ↦ R: (−2, 1, 0) ↦ + t: (−1.5, 0, 4) ↦ x = 100·(−1.5/4) + 31.5 = −6, y = 23.5.
  const Projection p = cam.project({1, 2, 0});
  EXPECT_NEAR(p.x, -6.0, 1e-12);
  EXPECT_NEAR(p.y, 23.5, 1e-12);
  EXPECT_NEAR(p.z, 4.0, 1e-12);
  // (0, −0.5, 2) ↦ (0.5, 0, 2) + t = (1, −1, 6) ↦ (100/6 + 31.5, −120/6 + 23.5) = (48.1667, 3.5).
  const Projection q = cam.project({0, -0.5, 2});
  EXPECT_NEAR(q.x, 100.0 / 6 + 31.5, 1e-12);
  EXPECT_NEAR(q.y, 3.5, 1e-12);
  // Behind the camera: no pixel.
  const Projection behind = cam.project({0, 0, -5});
  EXPECT_DOUBLE_EQ(behind.z, -1.0);
  EXPECT_TRUE(std::isnan(behind.x) && std::isnan(behind.y));
  // The centre maps to the camera origin.
  expect_vec(cam.to_camera(cam.center()), {0, 0, 0});
  // The ray through a pixel projects back onto it.
  const Vec3 r = cam.ray(10.25, -3.5);
  const Projection back = cam.project_camera(2.5 * r);
  EXPECT_NEAR(back.x, 10.25, 1e-12);
  EXPECT_NEAR(back.y, -3.5, 1e-12);
}

TEST(CameraTest, PixelCentreConventionAndSupersampling) {
  // A 4×3 image centred on the axis: the principal point is the centre of the middle, (1.5, 1).
  const Camera cam = make_camera(4, 3, 2.0);
  EXPECT_DOUBLE_EQ(cam.cx, 1.5);
  EXPECT_DOUBLE_EQ(cam.cy, 1.0);
  // Horizontal field of view of 90° over 4 px: the image edge x = −0.5 is at X/Z = −1.
  EXPECT_NEAR(focal_from_fov(4, 90), 2.0, 1e-12);
  EXPECT_NEAR(cam.project({-1, 0, 1}).x, -0.5, 1e-12);
  // Sub-sample (i, j) of a 3×3 grid sits at ((i + ½)/3 − ½, (j + ½)/3 − ½) in the image.
  const Camera sub = supersampled(cam, 3);
  EXPECT_EQ(sub.width, 12);
  EXPECT_EQ(sub.height, 9);
  for (const Vec3& p : {Vec3{0.3, -0.2, 2}, Vec3{-1, 0.7, 3}}) {
    const Projection a = cam.project(p), b = sub.project(p);
    EXPECT_NEAR((b.x + 0.5) / 3 - 0.5, a.x, 1e-12);
    EXPECT_NEAR((b.y + 0.5) / 3 - 0.5, a.y, 1e-12);
  }
  // The centre sub-sample of pixel (1, 2) is that pixel's centre.
  EXPECT_NEAR((3 * 1 + 1 + 0.5) / 3 - 0.5, 1.0, 1e-12);
}

TEST(CameraTest, RotationsAndLookAt) {
  // Rz(90°) then Rx(90°): (1, 0, 0) ↦ (0, 1, 0) ↦ (0, 0, 1); yaw 0 leaves it.
  expect_vec(rotation_ypr(0, M_PI / 2, M_PI / 2) * Vec3{1, 0, 0}, {0, 0, 1});
  // Yaw turns +Z towards +X.
  expect_vec(rotation_ypr(0.4, 0, 0) * Vec3{0, 0, 1}, {std::sin(0.4), 0, std::cos(0.4)});
  const Mat3 a = rotation_ypr(0.3, -0.7, 1.1);
  const Mat3 b = rotation_y(0.3) * rotation_x(-0.7) * rotation_z(1.1);
  for (int i = 0; i < 9; ++i) EXPECT_NEAR(a.m[i], b.m[i], 1e-15);

  Camera cam = make_camera(64, 48, 50);
  look_at(cam, {0, 0, -5}, {0, 0, 0}, {0, 1, 0});
  cam.validate();
  expect_vec(cam.center(), {0, 0, -5});
  const Projection target = cam.project({0, 0, 0});
  EXPECT_NEAR(target.x, cam.cx, 1e-12);
  EXPECT_NEAR(target.y, cam.cy, 1e-12);
  EXPECT_NEAR(target.z, 5, 1e-12);
  // World up is image up; looking along +Z with +Y up, world +X is on the left (right-handed).
  EXPECT_NEAR(cam.project({0, 1, 0}).y, cam.cy - 10, 1e-12);
  EXPECT_NEAR(cam.project({1, 0, 0}).x, cam.cx - 10, 1e-12);
  // An oblique look-at still centres the target.
  look_at(cam, {2, -1, 3}, {0.5, 0.2, -0.1}, {0, 1, 0});
  cam.validate();
  const Projection t2 = cam.project({0.5, 0.2, -0.1});
  EXPECT_NEAR(t2.x, cam.cx, 1e-9);
  EXPECT_NEAR(t2.y, cam.cy, 1e-9);
  expect_error([&] { look_at(cam, {0, 0, 0}, {0, 2, 0}, {0, 1, 0}); }, {"parallel"});
  expect_error([&] { look_at(cam, {1, 1, 1}, {1, 1, 1}, {0, 1, 0}); }, {"coincide"});
}

TEST(CameraTest, ValidateNamesTheField) {
  Camera cam = make_camera(8, 8, 10);
  cam.fx = -1;
  expect_error([&] { cam.validate(); }, {"fx = -1"});
  cam = make_camera(8, 8, 10);
  cam.R = Mat3{{1, 0, 0, 0, 1, 0, 0, 0, -1}};
  expect_error([&] { cam.validate(); }, {"determinant -1"});
  cam.R = Mat3{{2, 0, 0, 0, 1, 0, 0, 0, 1}};
  expect_error([&] { cam.validate(); }, {"not a rotation"});
  expect_error([&] { supersampled(cam, 0); }, {"factor 0"});
  expect_error([&] { focal_from_fov(8, 180); }, {"field of view 180"});
}

TEST(MeshTest, NormalsOfAFlatQuadAndACube) {
  Mesh quad = screen_quad(0, 0, 2, 1, 3.0, 0);
  quad.vertex_attributes.erase("normal");
  compute_vertex_normals(quad);
  const Attribute& n = quad.vertex_attribute("normal");
  for (int v = 0; v < 4; ++v) {
    EXPECT_NEAR(n.data[3 * v], 0, 1e-7);
    EXPECT_NEAR(n.data[3 * v + 1], 0, 1e-7);
    EXPECT_NEAR(n.data[3 * v + 2], -1, 1e-7);
  }
  // A corner of a cube sees three faces of equal area: its normal is (±1, ±1, ±1)/√3, pointing
  // out of the cube.
  Mesh cube;
  for (int i = 0; i < 8; ++i)
    cube.add_vertex({double(i & 1), double((i >> 1) & 1), double(i >> 2)});
  const int quads[6][4] = {{0, 2, 3, 1}, {4, 5, 7, 6}, {0, 1, 5, 4},
                           {2, 6, 7, 3}, {0, 4, 6, 2}, {1, 3, 7, 5}};
  for (const auto& q : quads) {
    cube.add_face(q[0], q[1], q[2]);
    cube.add_face(q[0], q[2], q[3]);
  }
  const std::vector<float> fn = face_normals(cube);
  for (int64_t f = 0; f < cube.num_faces(); ++f) {
    // Outward: the face normal points away from the cube's centre.
    const Vec3 c =
        (1.0 / 3) * (cube.vertex(cube.faces[3 * f]) + cube.vertex(cube.faces[3 * f + 1]) +
                     cube.vertex(cube.faces[3 * f + 2]));
    EXPECT_GT(dot(Vec3{fn[3 * f], fn[3 * f + 1], fn[3 * f + 2]}, c - Vec3{0.5, 0.5, 0.5}), 0.1)
        << "face " << f;
  }
  compute_vertex_normals(cube);
  const Attribute& cn = cube.vertex_attribute("normal");
  for (int v = 0; v < 8; ++v) {
    const Vec3 want = normalized(cube.vertex(v) - Vec3{0.5, 0.5, 0.5});
    // Two triangles per face split the corners' weight unevenly; the cube's corners each touch
    // one or two triangles of each face, so only the octant is exact.
    EXPECT_GT(cn.data[3 * v] * want.x + cn.data[3 * v + 1] * want.y + cn.data[3 * v + 2] * want.z,
              0.9);
  }
}

TEST(MeshTest, MergeOffsetsIndicesAndChecksAttributes) {
  Mesh a = screen_triangle(0, 0, 1, 0, 0, 1);
  a.set_vertex_attribute("uv", 2, {0, 0, 1, 0, 0, 1});
  a.set_face_attribute("part", 1, {3});
  Mesh b = screen_quad(0, 0, 1, 1, 2, 0);
  b.vertex_attributes.erase("normal");
  b.face_attributes.erase("id");
  b.set_vertex_attribute("uv", 2, {0, 0, 1, 0, 1, 1, 0, 1});
  b.set_face_attribute("part", 1, {7, 8});
  const Mesh m = merge_meshes({a, b});
  EXPECT_EQ(m.num_vertices(), 7);
  EXPECT_EQ(m.faces, (std::vector<int32_t>{0, 1, 2, 3, 6, 5, 3, 5, 4}));
  EXPECT_EQ(m.face_attribute("part").data, (std::vector<float>{3, 7, 8}));
  EXPECT_EQ(m.vertex_attribute("uv").data.size(), 14u);
  EXPECT_FLOAT_EQ(m.vertex_attribute("uv").data[12], 0);
  EXPECT_FLOAT_EQ(m.vertex_attribute("uv").data[13], 1);
  m.validate();

  Mesh c = b;
  c.set_vertex_attribute("uv", 1, {0, 0, 0, 0});
  expect_error([&] { merge_meshes({a, c}); }, {"mesh 1", "'uv'", "width 1", "width 2"});
  Mesh d = b;
  d.face_attributes.erase("part");
  expect_error([&] { merge_meshes({a, d}); }, {"mesh 1 lacks face attribute 'part'"});
  expect_error(
      [&] {
        a.set_vertex_attribute("x", 2, {1, 2, 3});
      },
      {"vertex attribute 'x'", "holds 3 values", "3 × 2 = 6"});
  expect_error([&] { a.face_attribute("prt"); },
               {"no face attribute 'prt'", "did you mean 'part'"});
}

TEST(MeshTest, TransformRotatesPositionsAndNormals) {
  Mesh q = screen_quad(0, 0, 1, 1, 1, 0);
  const Mat3 R = rotation_y(M_PI / 2);  // (x, y, z) ↦ (z, y, −x)
  transform_mesh(q, R, {1, 2, 3});
  expect_vec(q.vertex(2), {1 + 1, 2 + 1, 3 - 1}, 1e-6);
  const Attribute& n = q.vertex_attribute("normal");
  expect_vec({n.data[0], n.data[1], n.data[2]}, {-1, 0, 0}, 1e-6);
}

TEST(RenderTensorsTest, LayoutsAndDtypes) {
  const std::vector<float> hwc = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};  // 2×2×3
  const Tensor t = planar_tensor(hwc, 2, 2, 3);
  EXPECT_EQ(t.sizes(), (Shape{3, 2, 2}));
  EXPECT_EQ(t.to_vector(), (std::vector<double>{1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12}));
  const Tensor l = label_tensor({0, 3, 24, 1}, 2, 2);
  EXPECT_EQ(l.dtype(), DType::i64);
  EXPECT_EQ(l.to_vector(), (std::vector<double>{0, 3, 24, 1}));
  expect_error([&] { label_tensor({0, 2.5f, 0, 0}, 2, 2); }, {"pixel 1", "2.5", "integer label"});
  expect_error([&] { planar_tensor(hwc, 2, 2, 2); }, {"12 floats", "2 × 2 × 2"});
  Fragments f;
  f.width = 3;
  f.height = 1;
  f.face = {-1, 4, 0};
  f.depth = {0, 2.5f, 3};
  f.bary.assign(9, 0);
  const Tensor mask = mask_tensor(f);
  EXPECT_EQ(mask.dtype(), DType::u8);
  EXPECT_EQ(mask.to_vector(), (std::vector<double>{0, 1, 1}));
  EXPECT_EQ(depth_tensor(f).to_vector(), (std::vector<double>{0, 2.5, 3}));
  EXPECT_EQ(depth_tensor(f).sizes(), (Shape{1, 3}));
}

}  // namespace
}  // namespace dc
