// The synthetic body world: tables, charts, exact labels, flips, visibility, determinism and
// geodesics.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <thread>

#include "data/synth/body_flip.h"
#include "data/synth/body_template.h"
#include "data/synth/body_texture.h"
#include "data/synth/body_world.h"
#include "data/synth/geodesics.h"
#include "data/synth/rasterizer.h"
#include "tests/testing/expect_error.h"

namespace dc {
namespace {

constexpr double kPi = 3.14159265358979323846;

// ---------------------------------------------------------------------------------------------
// Tables

TEST(BodyTables, CoarseMapIsDensePoseCoco) {
  // REFERENCE.md: 1,2→1; 3→2; 4→3; 5→4; 6→5; 7,9→6; 8,10→7; 11,13→8; 12,14→9; 15,17→10;
  // 16,18→11; 19,21→12; 20,22→13; 23,24→14.
  const std::map<int, int> expected = {{1, 1},   {2, 1},   {3, 2},   {4, 3},   {5, 4},   {6, 5},
                                       {7, 6},   {9, 6},   {8, 7},   {10, 7},  {11, 8},  {13, 8},
                                       {12, 9},  {14, 9},  {15, 10}, {17, 10}, {16, 11}, {18, 11},
                                       {19, 12}, {21, 12}, {20, 13}, {22, 13}, {23, 14}, {24, 14}};
  EXPECT_EQ(chart_to_coarse(0), 0);
  for (const auto& [fine, coarse] : expected) EXPECT_EQ(chart_to_coarse(fine), coarse) << fine;
  expect_error([] { chart_to_coarse(25); }, {"chart_to_coarse", "25", "0..24"});
}

TEST(BodyTables, FlipTablesAreConsistentInvolutions) {
  const std::array<int, 15> coarse = {0, 1, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 14};
  EXPECT_EQ(coarse_flip_table(), coarse);
  for (int c = 0; c <= kNumCharts; ++c) {
    const int f = chart_flip_table()[c];
    EXPECT_EQ(chart_flip_table()[f], c);
    EXPECT_EQ(chart_to_coarse(f), coarse[chart_to_coarse(c)]) << "chart " << c;
  }
  // Front/back halves stay front/back: 7 (upper leg right back) ↔ 8 (upper leg left back).
  EXPECT_EQ(chart_flip_table()[7], 8);
  EXPECT_EQ(chart_flip_table()[9], 10);
  EXPECT_EQ(chart_flip_table()[23], 24);
  EXPECT_DOUBLE_EQ(flip_u(2, 0.25), 0.75);
  EXPECT_DOUBLE_EQ(flip_u(23, 0.25), 0.25);
  for (int j = 0; j < kNumBodyJoints; ++j) EXPECT_EQ(body_joint_flip()[body_joint_flip()[j]], j);
  const std::array<int, 17> coco = {0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15};
  EXPECT_EQ(coco_keypoint_flip(), coco);
  EXPECT_STREQ(body_joint_names()[kRightHip], "right_hip");
  EXPECT_STREQ(body_joint_names()[kLeftShoulder], "left_shoulder");
}

// ---------------------------------------------------------------------------------------------
// Template

TEST(BodyTemplate, MirroredBodyIsTheMirrorImage) {
  // Symmetric skeleton: the rest joints of the left side are the right's with x negated.
  const BodyGeometry g = body_geometry(BodyShape{1.05, 1.2, 0.95, 1.03, 1.1, 0.9});
  for (int j = 0; j < kNumBodyJoints; ++j) {
    const Vec3 a = g.rest_joints[j], b = g.rest_joints[body_joint_flip()[j]];
    EXPECT_DOUBLE_EQ(a.x, -b.x);
    EXPECT_DOUBLE_EQ(a.y, b.y);
  }
  // A posed body and its mirror: every surface point (chart, u, v) maps to
  // (flip(chart), flip_u(u), v) with x negated.
  Generator gen(3);
  const BodyPose pose = sample_body_pose(gen);
  const BodyTopology& topo = body_topology(1);
  const PosedBody a = pose_body(g, pose, 0.3, 2.0, topo);
  const PosedBody b = pose_body(g, mirror_body_pose(pose), -0.3, 2.0, topo);
  for (int chart = 1; chart <= kNumCharts; ++chart) {
    for (double u : {0.1, 0.5, 0.83}) {
      for (double v : {0.2, 0.5, 0.9}) {
        const Vec3 p = body_surface_point(g, a, chart, u, v);
        const Vec3 q = body_surface_point(g, b, chart_flip_table()[chart], flip_u(chart, u), v);
        EXPECT_NEAR(p.x, -q.x, 1e-9) << chart_name(chart);
        EXPECT_NEAR(p.y, q.y, 1e-9);
        EXPECT_NEAR(p.z, q.z, 1e-9);
      }
    }
  }
  for (int j = 0; j < kNumBodyJoints; ++j) {
    EXPECT_NEAR(a.joints[j].x, -b.joints[body_joint_flip()[j]].x, 1e-9);
  }
}

TEST(BodyTemplate, FacesPointOutwardsAndStayInOneChart) {
  const BodyTopology& topo = body_topology(1);
  const BodyGeometry g = body_geometry(BodyShape{});
  const Mesh m = body_mesh(g, pose_body(g, BodyPose{}, 0, 0, topo), topo);
  m.validate("body");
  int checked = 0;
  for (int64_t f = 0; f < m.num_faces(); ++f) {
    const int32_t* c = &m.faces[3 * f];
    EXPECT_EQ(topo.chart[c[0]], topo.face_chart[f]);
    EXPECT_EQ(topo.chart[c[1]], topo.face_chart[f]);
    EXPECT_EQ(topo.chart[c[2]], topo.face_chart[f]);
    const Vec3 a = m.vertex(c[0]), b = m.vertex(c[1]), d = m.vertex(c[2]);
    const Vec3 n = cross(b - a, d - a);
    if (norm(n) < 1e-10) continue;  // pole triangles
    // Outward: the normal agrees with the smooth vertex normals.
    const auto& nv = m.vertex_attribute("normal").data;
    const Vec3 smooth{nv[3 * c[0]] + nv[3 * c[1]] + nv[3 * c[2]],
                      nv[3 * c[0] + 1] + nv[3 * c[1] + 1] + nv[3 * c[2] + 1],
                      nv[3 * c[0] + 2] + nv[3 * c[1] + 2] + nv[3 * c[2] + 2]};
    EXPECT_GT(dot(n, smooth), 0) << "face " << f;
    ++checked;
  }
  EXPECT_GT(checked, 4000);
  // And the normals point away from the part's axis.
  const PartSweep& torso = g.parts[kTorso];
  const Vec3 front = body_surface_point(g, pose_body(g, BodyPose{}, 0, 0, topo), 2, 0.5, 0.5);
  EXPECT_GT(front.z, torso.lo.z + 0.05);
}

TEST(BodyTemplate, EachChartMapsOneToOneOntoTheUnitSquare) {
  const BodyTopology& topo = body_topology(1);
  const BodyGeometry g = body_geometry(BodyShape{});
  const PosedBody posed = pose_body(g, BodyPose{}, 0, 0, topo);
  std::vector<float> pos;
  body_positions(g, posed, topo, &pos);
  for (int chart = 1; chart <= kNumCharts; ++chart) {
    // The UV triangles of a chart all have the same orientation and tile [0, 1]² exactly once:
    // total area 1. With no fold and full coverage, the map is a bijection (up to its boundary).
    double area = 0;
    int positive = 0, negative = 0;
    for (int64_t f = 0; f < topo.num_faces(); ++f) {
      if (topo.face_chart[f] != chart) continue;
      const int32_t* c = &topo.faces[3 * f];
      const double a = 0.5 * ((topo.u[c[1]] - topo.u[c[0]]) * (topo.v[c[2]] - topo.v[c[0]]) -
                              (topo.u[c[2]] - topo.u[c[0]]) * (topo.v[c[1]] - topo.v[c[0]]));
      area += std::abs(a);
      positive += a > 1e-12;
      negative += a < -1e-12;
    }
    EXPECT_NEAR(area, 1.0, 1e-6) << chart_name(chart);
    EXPECT_TRUE(positive == 0 || negative == 0) << chart_name(chart) << ": folded UV map";
    // Injective on the surface: two vertices of the chart at the same 3D point are on the
    // collapsed boundary (poles, or the seam U = 0 ≡ 1 of hands and feet).
    std::map<std::tuple<float, float, float>, std::pair<float, float>> seen;
    for (int64_t i = 0; i < topo.num_vertices(); ++i) {
      if (topo.chart[i] != chart) continue;
      const auto key = std::make_tuple(pos[3 * i], pos[3 * i + 1], pos[3 * i + 2]);
      auto [it, fresh] = seen.emplace(key, std::make_pair(topo.u[i], topo.v[i]));
      if (fresh) continue;
      const bool pole = topo.v[i] == 0.0f || topo.v[i] == 1.0f;
      const bool seam = chart >= 3 && chart <= 6 &&
                        std::abs(it->second.first - topo.u[i]) == 1.0f &&
                        it->second.second == topo.v[i];
      EXPECT_TRUE(pole || seam) << chart_name(chart) << ": (" << topo.u[i] << ", " << topo.v[i]
                                << ") and (" << it->second.first << ", " << it->second.second
                                << ") are the same surface point";
    }
  }
}

TEST(BodyTemplate, SurfacePointsMatchTheVertices) {
  const BodyTopology& topo = body_topology(1);
  const BodyGeometry g = body_geometry(BodyShape{0.9, 1.3, 1.05, 0.95, 1.0, 1.1});
  Generator gen(11);
  const PosedBody posed = pose_body(g, sample_body_pose(gen), 1, 4, topo);
  std::vector<float> pos;
  body_positions(g, posed, topo, &pos);
  for (int64_t i = 0; i < topo.num_vertices(); i += 7) {
    const Vec3 p = body_surface_point(g, posed, topo.chart[i], topo.u[i], topo.v[i]);
    EXPECT_NEAR(p.x, pos[3 * i], 1e-5);
    EXPECT_NEAR(p.y, pos[3 * i + 1], 1e-5);
    EXPECT_NEAR(p.z, pos[3 * i + 2], 1e-5);
  }
  // Standing on the floor: the lowest vertex is at y = 0.
  float lowest = 1e9;
  for (size_t i = 1; i < pos.size(); i += 3) lowest = std::min(lowest, pos[i]);
  EXPECT_NEAR(lowest, 0.0f, 1e-5);
}

// The scalars of a pose in the order of body_joint_limits().
std::vector<double> pose_values(const BodyPose& p) {
  std::vector<double> v = {p.root_pitch, p.root_roll, p.neck_yaw, p.neck_pitch, p.neck_roll};
  for (int s = 0; s < 2; ++s) {
    for (double x : {p.hip_flexion[s], p.hip_abduction[s], p.hip_twist[s], p.knee[s], p.ankle[s],
                     p.shoulder_flexion[s], p.shoulder_abduction[s], p.shoulder_twist[s],
                     p.elbow[s], p.wrist[s]}) {
      v.push_back(x);
    }
  }
  return v;
}

TEST(BodyTemplate, PoseSamplerStaysWithinLimits) {
  const auto& limits = body_joint_limits();
  ASSERT_EQ(limits.size(), 25u);
  EXPECT_EQ(limits[5].name, "left_hip_flexion");
  EXPECT_EQ(limits[15 + 3].name, "right_knee");
  Generator gen(5);
  std::vector<double> lo(25, 1e9), hi(25, -1e9);
  for (int k = 0; k < 500; ++k) {
    const std::vector<double> v = pose_values(sample_body_pose(gen));
    for (size_t i = 0; i < v.size(); ++i) {
      EXPECT_GE(v[i], limits[i].lo * kPi / 180 - 1e-12) << limits[i].name;
      EXPECT_LE(v[i], limits[i].hi * kPi / 180 + 1e-12) << limits[i].name;
      lo[i] = std::min(lo[i], v[i]);
      hi[i] = std::max(hi[i], v[i]);
    }
  }
  // The sampler explores: every angle takes values spread over at least a third of its range.
  for (size_t i = 0; i < 25; ++i) {
    EXPECT_GT(hi[i] - lo[i], (limits[i].hi - limits[i].lo) * kPi / 180 / 3) << limits[i].name;
  }
  BodyPose wild;
  wild.knee[0] = -1;
  wild.elbow[1] = 4;
  const BodyPose c = clamp_body_pose(wild);
  EXPECT_EQ(c.knee[0], 0);
  EXPECT_NEAR(c.elbow[1], 145 * kPi / 180, 1e-12);
  expect_error([] { body_geometry(BodyShape{0.1}); }, {"body_geometry", "0.1"});
  expect_error([] { body_topology(0); }, {"body_topology", "detail 0"});
}

TEST(BodyTexture, AtlasFollowsTheDensePoseLayoutAndMirrorsExactly) {
  Generator gen(8);
  BodyAppearance a = sample_body_appearance(gen);
  const int T = 20;
  const Texture t = body_atlas(a, T);
  ASSERT_EQ(t.height, 6 * T);
  ASSERT_EQ(t.width, 4 * T);
  for (int chart : {1, 7, 14, 23, 24}) {
    const int row0 = ((chart - 1) % 6) * T, col0 = ((chart - 1) / 6) * T;
    for (int r : {0, 7, T - 1}) {
      for (int q : {0, 5, T - 1}) {
        const double u = q / double(T - 1), v = 1 - r / double(T - 1);
        const auto albedo = body_albedo(a, chart, u, v);
        for (int k = 0; k < 3; ++k) {
          const float got = t.rgb[3 * ((row0 + r) * t.width + col0 + q) + k];
          // Fabric noise is within ±4 %.
          EXPECT_NEAR(got, std::min(1.0f, albedo[k]), 0.041f * albedo[k] + 1e-6);
        }
      }
    }
  }
  a.mirrored = true;
  const Texture m = body_atlas(a, T);
  for (int chart = 1; chart <= kNumCharts; ++chart) {
    const int src = chart_flip_table()[chart];
    for (int r = 0; r < T; ++r) {
      for (int q = 0; q < T; ++q) {
        const int qs = chart >= 23 ? q : T - 1 - q;
        const int dr = ((chart - 1) % 6) * T + r, dc = ((chart - 1) / 6) * T + q;
        const int sr = ((src - 1) % 6) * T + r, sc = ((src - 1) / 6) * T + qs;
        for (int k = 0; k < 3; ++k) {
          ASSERT_EQ(m.rgb[3 * (dr * m.width + dc) + k], t.rgb[3 * (sr * t.width + sc) + k]);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering

// A camera 3 m in front of a body facing it.
Camera front_camera(int size) {
  Camera cam = make_camera(size, size, focal_from_fov(size, 45));
  look_at(cam, {0.2, 1.1, 3.2}, {0, 0.95, 0}, {0, 1, 0});
  return cam;
}

TEST(BodyRender, ProjectedVertexLandsOnItsOwnLabelAndDepth) {
  const BodyTopology& topo = body_topology(1);
  const BodyGeometry g = body_geometry(BodyShape{});
  Generator gen(21);
  BodyPose pose = sample_body_pose(gen);
  pose.root_yaw = 0.3;  // roughly facing the camera (which looks along −Z)
  const Mesh mesh = body_mesh(g, pose_body(g, pose, 0, 0, topo), topo);
  const auto& uv = mesh.vertex_attribute("uv").data;
  const Camera base = front_camera(96);
  int visible = 0, occluded = 0, uncovered = 0;
  for (int64_t i = 5; i < topo.num_vertices(); i += 11) {
    if (topo.v[i] == 0.0f || topo.v[i] == 1.0f) continue;  // poles: many (U, V) for one point
    const Projection pr = base.project(mesh.vertex(i));
    // Shift the principal point so that the vertex projects exactly onto a pixel centre.
    Camera cam = base;
    cam.cx += std::round(pr.x) - pr.x;
    cam.cy += std::round(pr.y) - pr.y;
    const long x = std::lround(pr.x), y = std::lround(pr.y);
    if (x < 0 || y < 0 || x >= cam.width || y >= cam.height) continue;
    const Fragments fr = rasterize(mesh, cam);
    const int64_t p = y * cam.width + x;
    // A vertex on the silhouette may sit on an edge that the fill rule gives to none of its
    // triangles: the pixel then shows the background or a surface behind the vertex.
    if (!fr.covered(p) || fr.depth[p] > pr.z * (1 + 1e-5)) {
      const auto& nv = mesh.vertex_attribute("normal").data;
      const Vec3 n{nv[3 * i], nv[3 * i + 1], nv[3 * i + 2]};
      const Vec3 view = normalized(mesh.vertex(i) - base.center());
      EXPECT_LT(std::abs(dot(n, view)), 0.35) << "vertex " << i << " off the silhouette";
      ++uncovered;
      continue;
    }
    if (fr.depth[p] < pr.z * (1 - 1e-5)) {  // something nearer: the vertex is hidden
      ++occluded;
      continue;
    }
    ++visible;
    EXPECT_NEAR(fr.depth[p], pr.z, 1e-5 * pr.z) << "vertex " << i;
    const std::vector<float> part = interpolate(mesh, fr, "part");
    const std::vector<float> uvs = interpolate(mesh, fr, "uv");
    // The pixel shows this surface point: the vertex itself or its duplicate on the other side
    // of a chart seam (same point, the other chart's own U, V).
    bool match = false;
    for (int64_t j = 0; j < topo.num_vertices(); ++j) {
      if (topo.weld[j] != topo.weld[i]) continue;
      match |= part[p] == topo.chart[j] && std::abs(uvs[2 * p] - uv[2 * j]) < 1e-4 &&
               std::abs(uvs[2 * p + 1] - uv[2 * j + 1]) < 1e-4;
    }
    EXPECT_TRUE(match) << "vertex " << i << " of " << chart_name(topo.chart[i]) << " (U, V) = ("
                       << topo.u[i] << ", " << topo.v[i] << ") but the pixel shows chart "
                       << part[p] << " at (" << uvs[2 * p] << ", " << uvs[2 * p + 1] << ")";
  }
  EXPECT_GT(visible, 40);
  EXPECT_GT(occluded, 10);
  EXPECT_LT(uncovered, visible / 4);
}

// The pixels of `a` whose 4-neighbourhood is not uniform in (part, instance).
bool near_label_edge(const BodyRender& r, int x, int y) {
  const int W = r.width, H = r.height;
  const int64_t p = static_cast<int64_t>(y) * W + x;
  for (int dy = -1; dy <= 1; ++dy) {
    for (int dx = -1; dx <= 1; ++dx) {
      const int xx = x + dx, yy = y + dy;
      if (xx < 0 || yy < 0 || xx >= W || yy >= H) continue;
      const int64_t q = static_cast<int64_t>(yy) * W + xx;
      if (r.part[q] != r.part[p] || r.instance[q] != r.instance[p]) return true;
    }
  }
  return false;
}

TEST(BodyRender, FlippedRenderEqualsRenderOfMirroredScene) {
  BodyWorldOptions opt;
  opt.width = opt.height = 160;
  opt.max_distance = 7;
  for (uint64_t seed : {1, 2, 3}) {
    Generator gen(seed);
    const BodyScene scene = sample_body_scene(gen, opt);
    const BodyRender a = render_body_scene(scene, opt);
    const BodyRender b = render_body_scene(mirror_body_scene(scene), opt);
    const int W = a.width, H = a.height;
    int64_t fg = 0, bad = 0, bad_far = 0;
    double rgb_err = 0;
    int64_t rgb_n = 0;
    for (int y = 0; y < H; ++y) {
      for (int x = 0; x < W; ++x) {
        const int64_t p = static_cast<int64_t>(y) * W + x,
                      q = static_cast<int64_t>(y) * W + (W - 1 - x);
        const int c = a.part[q];
        fg += c > 0;
        bool same = b.part[p] == chart_flip_table()[c] && b.instance[p] == a.instance[q];
        if (same && c > 0) {
          same = std::abs(b.uv[2 * p] - flip_u(c, a.uv[2 * q])) < 0.02 &&
                 std::abs(b.uv[2 * p + 1] - a.uv[2 * q + 1]) < 0.02 &&
                 std::abs(b.depth[p] - a.depth[q]) < 2e-3 * a.depth[q];
        }
        if (!same) {
          ++bad;
          bad_far += !near_label_edge(a, W - 1 - x, y) && !near_label_edge(b, x, y);
        } else {
          for (int k = 0; k < 3; ++k) rgb_err += std::abs(b.rgb[3 * p + k] - a.rgb[3 * q + k]);
          rgb_n += 3;
        }
      }
    }
    ASSERT_GT(fg, 200) << "seed " << seed;
    // Differences only where the fill rule breaks a tie differently, on label edges.
    EXPECT_LT(bad, fg / 50 + 5) << "seed " << seed;
    EXPECT_EQ(bad_far, 0) << "seed " << seed;
    EXPECT_LT(rgb_err / rgb_n, 0.01) << "seed " << seed;
    // Keypoints: person k's keypoint i ↦ person k's flipped keypoint at W − 1 − x.
    for (size_t k = 0; k < a.people.size(); ++k) {
      for (int i = 0; i < kNumCocoKeypoints; ++i) {
        const int j = coco_keypoint_flip()[i];
        if (a.people[k].visible[i] == 0) continue;
        EXPECT_NEAR(b.people[k].keypoints[2 * j], W - 1 - a.people[k].keypoints[2 * i], 1e-3);
        EXPECT_NEAR(b.people[k].keypoints[2 * j + 1], a.people[k].keypoints[2 * i + 1], 1e-3);
      }
    }
  }
}

TEST(BodyRender, HorizontalFlipWithBodyRulesGivesTheMirroredSceneSample) {
  BodyWorldOptions opt;
  opt.width = opt.height = 128;
  opt.max_distance = 6;
  Generator gen(12);
  const BodyScene scene = sample_body_scene(gen, opt);
  Sample a = body_scene_sample(render_body_scene(scene, opt));
  const Sample b = body_scene_sample(render_body_scene(mirror_body_scene(scene), opt));
  Generator rng(0);
  HorizontalFlip(1.0, body_flip_rules()).apply(a, body_scene_layout(), rng);
  const auto pa = a.at("part").to_vector(), pb = b.at("part").to_vector();
  const auto ua = a.at("uv").to_vector(), ub = b.at("uv").to_vector();
  const auto ca = a.at("coarse").to_vector(), cb = b.at("coarse").to_vector();
  int64_t fg = 0, bad = 0;
  for (size_t p = 0; p < pa.size(); ++p) {
    fg += pb[p] > 0;
    if (pa[p] != pb[p] || ca[p] != cb[p]) {
      ++bad;
    } else if (pa[p] > 0) {
      EXPECT_NEAR(ua[p], ub[p], 0.02) << "pixel " << p << " U";
      EXPECT_NEAR(ua[pa.size() + p], ub[pb.size() + p], 0.02) << "pixel " << p << " V";
    }
  }
  ASSERT_GT(fg, 100);
  EXPECT_LT(bad, fg / 100 + 3);
  ASSERT_EQ(a.at("boxes").sizes(), b.at("boxes").sizes());
  const auto ba = a.at("boxes").to_vector(), bb = b.at("boxes").to_vector();
  for (size_t i = 0; i < ba.size(); ++i) EXPECT_NEAR(ba[i], bb[i], 1.0) << "box value " << i;
  const auto ka = a.at("keypoints").to_vector(), kb = b.at("keypoints").to_vector();
  const auto va = a.at("keypoints_visible").to_vector(), vb = b.at("keypoints_visible").to_vector();
  int vis_diff = 0;
  for (size_t i = 0; i < va.size(); ++i) {
    vis_diff += va[i] != vb[i];
    if (vb[i] == 0) continue;
    EXPECT_NEAR(ka[2 * i], kb[2 * i], 1e-3) << "keypoint " << i;
    EXPECT_NEAR(ka[2 * i + 1], kb[2 * i + 1], 1e-3) << "keypoint " << i;
  }
  EXPECT_LE(vis_diff, 1);
  const auto ja = a.at("joints3d").to_vector(), jb = b.at("joints3d").to_vector();
  for (size_t i = 0; i < ja.size(); ++i) EXPECT_NEAR(ja[i], jb[i], 1e-4) << "joints3d " << i;
  const auto j2a = a.at("joints2d").to_vector(), j2b = b.at("joints2d").to_vector();
  for (size_t i = 0; i < j2a.size(); ++i) EXPECT_NEAR(j2a[i], j2b[i], 1e-3) << "joints2d " << i;
}

TEST(BodyRender, KeypointVisibilityFollowsTheDepthBuffer) {
  BodyWorldOptions opt;
  opt.width = opt.height = 128;
  Generator gen(4);
  BodyScene scene = sample_body_scene(gen, opt);
  Camera& cam = scene.camera;
  cam = make_camera(128, 128, focal_from_fov(128, 50));
  look_at(cam, {0, 1.0, 0}, {0, 1.0, 5}, {0, 1, 0});
  // Two people on the camera's axis facing it (yaw π: their +Z towards −Z), one 2 m behind the
  // other, arms down; and a third beside them facing away.
  scene.people.resize(3);
  for (int k = 0; k < 3; ++k) {
    scene.people[k].pose = BodyPose{};
    scene.people[k].pose.root_yaw = kPi;
    scene.people[k].shape = BodyShape{};
  }
  scene.people[0].x = 0;
  scene.people[0].z = 4;
  scene.people[1].x = 0;
  scene.people[1].z = 6;
  scene.people[2].x = 1.3;
  scene.people[2].z = 5;
  scene.people[2].pose.root_yaw = 0;
  const BodyRender r = render_body_scene(scene, opt);
  const auto& front = r.people[0].visible;
  const auto& back = r.people[1].visible;
  const auto& away = r.people[2].visible;
  // Facing the camera: everything visible (the ears sit on the silhouette, seen edge-on).
  for (int i = 0; i < kNumCocoKeypoints; ++i) {
    if (i == 3 || i == 4) continue;
    EXPECT_EQ(front[i], 2) << coco_keypoint_names()[i];
  }
  // The person behind is hidden except what sticks out (the head above, feet below may show).
  for (int i : {5, 6, 11, 12}) EXPECT_EQ(back[i], 1) << coco_keypoint_names()[i];
  // Facing away: the face keypoints are behind the head.
  for (int i : {0, 1, 2}) EXPECT_EQ(away[i], 1) << coco_keypoint_names()[i];
  for (int i : {5, 6, 11, 12}) EXPECT_EQ(away[i], 2) << coco_keypoint_names()[i];
  // Every visible keypoint sees its own person no nearer than its depth slack allows.
  for (size_t k = 0; k < r.people.size(); ++k) {
    for (int i = 0; i < kNumCocoKeypoints; ++i) {
      if (r.people[k].visible[i] != 2) continue;
      const long x = std::lround(r.people[k].keypoints[2 * i]);
      const long y = std::lround(r.people[k].keypoints[2 * i + 1]);
      EXPECT_EQ(r.instance[y * r.width + x], static_cast<int>(k) + 1);
    }
  }
}

TEST(BodyWorld, SameSeedSameSampleAndFieldsAreConsistent) {
  BodyWorldOptions opt;
  opt.width = opt.height = 96;
  SynthBodiesDataset ds(10, opt);
  Generator g1(77), g2(77), g3(78);
  const Sample a = ds.get(3, g1), b = ds.get(3, g2), c = ds.get(3, g3);
  for (const auto& [name, kind] : ds.layout()) {
    ASSERT_TRUE(a.count(name)) << name;
    ASSERT_EQ(a.at(name).sizes(), b.at(name).sizes()) << name;
    EXPECT_EQ(a.at(name).to_vector(), b.at(name).to_vector()) << name;
  }
  EXPECT_NE(a.at("image").to_vector(), c.at("image").to_vector());
  // Per-person fields agree with the dense ones.
  const int64_t N = a.at("boxes").size(0);
  ASSERT_GE(N, 1);
  EXPECT_EQ(a.at("masks").size(0), N);
  EXPECT_EQ(a.at("keypoints").size(0), 17 * N);
  EXPECT_EQ(a.at("joints3d").sizes(), (Shape{N, 17, 3}));
  const auto inst = a.at("instance").to_vector(), part = a.at("part").to_vector();
  const auto coarse = a.at("coarse").to_vector(), boxes = a.at("boxes").to_vector();
  const auto masks = a.at("masks").to_vector();
  const int W = 96;
  for (int64_t p = 0; p < W * W; ++p) {
    EXPECT_EQ(part[p] > 0, inst[p] > 0);
    EXPECT_EQ(coarse[p], chart_to_coarse(static_cast<int>(part[p])));
    if (inst[p] > 0) {
      const int k = static_cast<int>(inst[p]) - 1;
      EXPECT_EQ(masks[k * W * W + p], 1);
      const double x = p % W, y = p / W;
      EXPECT_GE(x, boxes[4 * k]);
      EXPECT_LT(x, boxes[4 * k + 2]);
      EXPECT_GE(y, boxes[4 * k + 1]);
      EXPECT_LT(y, boxes[4 * k + 3]);
    }
  }
  // 3D joints in camera metres: in front of the camera, a body's height apart.
  const auto j3 = a.at("joints3d").to_vector();
  for (int64_t k = 0; k < N; ++k) {
    EXPECT_GT(j3[k * 51 + 2], 1.0);  // pelvis depth
    const double dy = j3[k * 51 + 3 * kRightAnkle + 1] - j3[k * 51 + 3 * kHeadTop + 1];
    EXPECT_GT(dy, 0.8);
    EXPECT_LT(dy, 2.2);
  }
  EXPECT_EQ(ds.list_fields(), body_scene_list_fields());
  expect_error([&] { ds.get(10, g1); }, {"SynthBodiesDataset", "10"});
  BodyWorldOptions badopt;
  badopt.max_people = 0;
  expect_error([&] { SynthBodiesDataset(4, badopt); }, {"BodyWorldOptions", "max_people"});
}

TEST(BodyWorld, ConcurrentGetsMatchSerialOnes) {
  // The loader calls get() from several threads; the first call also builds the topology cache.
  BodyWorldOptions opt;
  opt.width = opt.height = 64;
  opt.detail = 3;  // a level no other test has built yet
  SynthBodiesDataset ds(8, opt);
  std::vector<Sample> par(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Generator g(100 + t);
      par[t] = ds.get(t, g);
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) {
    Generator g(100 + t);
    const Sample ser = ds.get(t, g);
    EXPECT_EQ(ser.at("image").to_vector(), par[t].at("image").to_vector());
    EXPECT_EQ(ser.at("part").to_vector(), par[t].at("part").to_vector());
  }
  // A backdrop of the wrong size is refused, naming both sizes.
  Generator g(1);
  BodyScene scene = sample_body_scene(g, opt);
  scene.background.resize(10);
  expect_error([&] { render_body_scene(scene, opt); },
               {"render_body_scene", "background", "64x64x3"});
}

TEST(BodyWorld, PairsShowOnePersonInTwoPoses) {
  BodyWorldOptions opt;
  opt.width = opt.height = 64;
  opt.texture_tile = 16;
  SynthBodiesDataset ds(2, opt, /*pairs=*/true);
  Generator gen(9);
  const Sample s = ds.get(0, gen);
  for (const auto& [name, kind] : ds.layout()) ASSERT_TRUE(s.count(name)) << name;
  EXPECT_EQ(s.at("texture").sizes(), (Shape{3, 96, 64}));
  const auto m1 = s.at("mask").to_vector(), m2 = s.at("target_mask").to_vector();
  double n1 = 0, n2 = 0, diff = 0;
  for (size_t p = 0; p < m1.size(); ++p) {
    n1 += m1[p];
    n2 += m2[p];
    diff += m1[p] != m2[p];
  }
  EXPECT_GT(n1, 300);
  EXPECT_GT(n2, 300);
  EXPECT_GT(diff, 20);  // the poses differ
}

// ---------------------------------------------------------------------------------------------
// Geodesics

// A closed cylinder (radius r, length L, `segs` around, `rings` along) with flat caps.
Mesh cylinder(double r, double L, int segs, int rings) {
  Mesh m;
  for (int i = 0; i <= rings; ++i)
    for (int j = 0; j < segs; ++j)
      m.add_vertex(
          {r * std::cos(2 * kPi * j / segs), L * i / rings, r * std::sin(2 * kPi * j / segs)});
  for (int i = 0; i < rings; ++i) {
    for (int j = 0; j < segs; ++j) {
      const int a = i * segs + j, b = i * segs + (j + 1) % segs, c = a + segs, d = b + segs;
      m.add_face(a, c, b);
      m.add_face(b, c, d);
    }
  }
  return m;
}

TEST(Geodesics, CylinderArcsMatchTheirLength) {
  const double r = 0.05, L = 0.4;
  const int segs = 32, rings = 16;  // as a limb at detail 2: 1 cm around, 2.5 cm along
  const GeodesicGraph g = GeodesicGraph::from_mesh(cylinder(r, L, segs, rings));
  EXPECT_EQ(g.num_components(), 1);
  const int mid = rings / 2;
  const int32_t a = g.node_of_vertex(mid * segs), b = g.node_of_vertex(mid * segs + segs / 2);
  // Half the circumference: πr.
  EXPECT_NEAR(g.distance(a, b), kPi * r, 0.01 * kPi * r);
  // Along a generator: exactly the length.
  const int32_t c = g.node_of_vertex(0), d = g.node_of_vertex(rings * segs);
  EXPECT_NEAR(g.distance(c, d), L, 1e-6);
  // A helix a quarter turn around over 0.2 m: √((πr/2)² + 0.2²) on the unrolled cylinder.
  const int32_t e = g.node_of_vertex(4 * segs), f = g.node_of_vertex(12 * segs + segs / 4);
  const double helix = std::hypot(kPi * r / 2, 0.2);
  EXPECT_NEAR(g.distance(e, f), helix, 0.02 * helix);
  EXPECT_GE(g.distance(e, f), norm(g.position(e) - g.position(f)) - 1e-9);
}

class BodyGeodesicsTest : public ::testing::Test {
 protected:
  static const BodyGeodesics& geo() {
    static const BodyGeodesics g(2);
    return g;
  }
};

TEST_F(BodyGeodesicsTest, ConnectedSymmetricAndTriangleInequality) {
  const GeodesicGraph& g = geo().graph();
  EXPECT_EQ(g.num_components(), 1);
  EXPECT_GT(g.num_nodes(), 8000);
  Generator gen(2);
  std::vector<int32_t> nodes;
  for (int k = 0; k < 8; ++k) {
    nodes.push_back(static_cast<int32_t>(gen.block(gen.advance(1))[0] % g.num_nodes()));
  }
  std::vector<std::vector<double>> d;
  for (int32_t a : nodes) d.push_back(g.distances_from(a));
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (size_t j = 0; j < nodes.size(); ++j) {
      EXPECT_NEAR(d[i][nodes[j]], d[j][nodes[i]], 1e-9);
      EXPECT_GE(d[i][nodes[j]], norm(g.position(nodes[i]) - g.position(nodes[j])) - 1e-6);
      EXPECT_NEAR(g.distance(nodes[i], nodes[j]), d[i][nodes[j]], 1e-9);
      for (size_t k = 0; k < nodes.size(); ++k) {
        EXPECT_LE(d[i][nodes[k]], d[i][nodes[j]] + d[j][nodes[k]] + 1e-9);
      }
    }
  }
}

TEST_F(BodyGeodesicsTest, LimbRingArcAndMirrorSymmetry) {
  // Around the middle of the right upper leg: the geodesic between the front-chart points at U = 0
  // and U = 1 (the two sides) goes halfway around, bounded by the ring's own arc length.
  const BodyGeometry body = body_geometry(BodyShape{});
  const double v = 0.5;
  double ring = 0;
  const int n = 200;
  for (int k = 0; k < n; ++k) {
    const Vec3 p = body_surface_point(body, pose_body(body, BodyPose{}, 0, 0, body_topology(2)), 9,
                                      double(k) / n, v);
    const Vec3 q = body_surface_point(body, pose_body(body, BodyPose{}, 0, 0, body_topology(2)), 9,
                                      double(k + 1) / n, v);
    ring += norm(q - p);
  }
  const double d = geo().distance(9, 0.0, v, 9, 1.0, v);
  EXPECT_LE(d, ring * 1.01);
  EXPECT_GE(d, ring * 0.95);
  // Mirror symmetry: left hand → head equals right hand → head.
  const double l = geo().distance(4, 0.5, 0.5, 23, 1.0, 0.6);
  const double r = geo().distance(3, 0.5, 0.5, 24, 1.0, 0.6);
  EXPECT_NEAR(l, r, 0.02 * l);
  // Hand to hand runs up one arm, across the shoulders and down the other: longer than the
  // straight line, about the arm span.
  const double span = geo().distance(3, 0.5, 0.5, 4, 0.5, 0.5);
  EXPECT_GT(span, 1.2);
  EXPECT_LT(span, 2.0);
  expect_error([] { geo().nearest_node(0, 0.5, 0.5); }, {"BodyGeodesics", "chart 0"});
}

TEST_F(BodyGeodesicsTest, NearestNodeAndKappa) {
  // A template vertex's own (I, U, V) finds its node.
  const BodyTopology& topo = body_topology(2);
  for (int64_t i = 3; i < topo.num_vertices(); i += 101) {
    const int32_t node = geo().node_of_vertex(i);
    if (node < 0) continue;
    EXPECT_EQ(geo().nearest_node(topo.chart[i], topo.u[i], topo.v[i]), node);
  }
  const auto k = geo().kappa(12);
  EXPECT_EQ(k[0], 0);
  // DensePose's κ on SMPL: torso 0.351, hands 0.107, feet 0.126, upper legs 0.237, lower legs
  // 0.173, upper arms 0.142, lower arms 0.128, head 0.150. Ours, on our template, within a
  // factor of 1.6 of each, and ordered alike (torso largest, hands smallest of the limbs).
  const double smpl[9] = {0, 0.351, 0.107, 0.126, 0.237, 0.173, 0.142, 0.128, 0.150};
  for (int g = 1; g < 9; ++g) {
    EXPECT_GT(k[g], smpl[g] / 1.6) << g;
    EXPECT_LT(k[g], smpl[g] * 1.6) << g;
  }
  for (int g = 2; g < 9; ++g) EXPECT_GT(k[1], k[g]);
}

}  // namespace
}  // namespace dc
