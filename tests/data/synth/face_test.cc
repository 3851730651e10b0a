// The synthetic FACE world: exact ground truth (vertices land on pixels labelled with their own
// part, U, V and depth; U,V one-to-one; landmarks on their template U,V), flip tables against
// mirrored renders, determinism, extreme yaw, parts, and the error paths.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>
#include <vector>

#include "data/synth/face_world.h"
#include "tests/testing/expect_error.h"

namespace dc {
namespace {

constexpr double kDeg = 3.14159265358979323846 / 180;
constexpr int S = 256;

// Clean scenes: no clutter, occluders, blur or noise; supersample 1 (labels do not depend on it).
FaceWorldOptions clean_options() {
  FaceWorldOptions o;
  o.size = S;
  o.supersample = 1;
  o.clutter = false;
  o.occluder_probability = 0;
  o.blur_probability = 0;
  o.max_noise = 0;
  return o;
}

FaceScene clean_scene(uint64_t seed, double yaw_deg, double pitch_deg, double roll_deg) {
  Generator rng(seed);
  FaceScene s = FaceScene::sample(rng, clean_options());
  s.yaw = yaw_deg * kDeg;
  s.pitch = pitch_deg * kDeg;
  s.roll = roll_deg * kDeg;
  s.offset_x = 3.3;
  s.offset_y = -2.1;
  s.distance = 0.6;
  return s;
}

struct View {
  const Sample& s;
  const float* uv() const { return s.at("uv").data<float>(); }
  const int64_t* part() const { return s.at("part").data<int64_t>(); }
  const uint8_t* mask() const { return s.at("mask").data<uint8_t>(); }
  const float* depth() const { return s.at("depth").data<float>(); }
  const float* landmarks() const { return s.at("landmarks").data<float>(); }
  const uint8_t* visible() const { return s.at("visible").data<uint8_t>(); }
};

int64_t pixel(int x, int y) { return static_cast<int64_t>(y) * S + x; }

TEST(FaceTemplate, TablesAreMirrorInvolutionsAndFollowIbug) {
  const auto& pf = face_part_flip();
  const auto& lf = face_landmark_flip();
  for (int l = 0; l < kFaceNumLabels; ++l) EXPECT_EQ(pf[pf[l]], l);
  EXPECT_EQ(pf[kFaceLeftEye], kFaceRightEye);
  EXPECT_EQ(pf[kFaceLeftBrow], kFaceRightBrow);
  EXPECT_EQ(pf[kFaceNose], kFaceNose);
  EXPECT_EQ(pf[kFaceBackground], kFaceBackground);
  for (int k = 0; k < kFaceNumLandmarks; ++k) EXPECT_EQ(lf[lf[k]], k);
  // The standard permutation at a few points (0-based).
  EXPECT_EQ(lf[0], 16);
  EXPECT_EQ(lf[8], 8);
  EXPECT_EQ(lf[17], 26);
  EXPECT_EQ(lf[36], 45);
  EXPECT_EQ(lf[39], 42);
  EXPECT_EQ(lf[41], 46);
  EXPECT_EQ(lf[48], 54);
  EXPECT_EQ(lf[55], 59);
  EXPECT_EQ(lf[60], 64);
  EXPECT_EQ(lf[65], 67);
  // The landmark table is mirror-symmetric: uv[flip[k]] = (1 − u[k], v[k]).
  const auto& uv = face_landmarks_uv();
  for (int k = 0; k < kFaceNumLandmarks; ++k) {
    EXPECT_NEAR(uv[lf[k]][0], 1 - uv[k][0], 1e-6) << k;
    EXPECT_NEAR(uv[lf[k]][1], uv[k][1], 1e-6) << k;
  }
  // iBUG's convention: 37 (index 36) is the outer corner of the image-left eye, 46 (45) the
  // outer corner of the image-right eye; outer corners lie farther from the centre line than
  // inner ones; point 9 (8) is the chin, below the mouth, below the nose tip, below the eyes.
  EXPECT_LT(uv[36][0], uv[39][0]);
  EXPECT_LT(uv[39][0], 0.5f);
  EXPECT_GT(uv[45][0], uv[42][0]);
  EXPECT_GT(uv[42][0], 0.5f);
  EXPECT_GT(uv[8][1], uv[57][1]);
  EXPECT_GT(uv[57][1], uv[30][1]);
  EXPECT_GT(uv[30][1], uv[36][1]);
  EXPECT_LT(uv[0][0], uv[36][0]);
  // Each landmark lies in its part.
  EXPECT_EQ(face_part_at((uv[37][0] + uv[40][0]) / 2, (uv[37][1] + uv[40][1]) / 2), kFaceLeftEye);
  EXPECT_EQ(face_part_at((uv[43][0] + uv[46][0]) / 2, (uv[43][1] + uv[46][1]) / 2), kFaceRightEye);
  EXPECT_EQ(face_part_at(uv[29][0], uv[29][1]), kFaceNose);
}

TEST(FaceTemplate, PartsSitWhereTheFeaturesAre) {
  auto part_xy = [](double x, double y) {
    const auto uv = face_template_uv(x, y);
    return face_part_at(static_cast<float>(uv[0]), static_cast<float>(uv[1]));
  };
  EXPECT_EQ(part_xy(-0.032, 0.001), kFaceLeftEye);
  EXPECT_EQ(part_xy(0.032, 0.001), kFaceRightEye);
  EXPECT_EQ(part_xy(-0.036, 0.036), kFaceLeftBrow);
  EXPECT_EQ(part_xy(0.036, 0.036), kFaceRightBrow);
  EXPECT_EQ(part_xy(0.0, -0.03), kFaceNose);
  EXPECT_EQ(part_xy(0.01, -0.058), kFaceUpperLip);
  EXPECT_EQ(part_xy(-0.01, -0.068), kFaceLowerLip);
  EXPECT_EQ(part_xy(0.0, 0.06), kFaceSkin);
  EXPECT_EQ(part_xy(0.05, -0.05), kFaceSkin);
  // face_template_uv inverts face_template_xy.
  for (double u : {0.2, 0.45, 0.5, 0.8}) {
    for (double v : {0.1, 0.5, 0.9}) {
      const auto xy = face_template_xy(u, v);
      const auto back = face_template_uv(xy[0], xy[1]);
      EXPECT_NEAR(back[0], u, 1e-6);
      EXPECT_NEAR(back[1], v, 1e-6);
    }
  }
  // The part map is mirror-symmetric.
  int mismatches = 0;
  for (int i = 0; i <= 400; ++i) {
    for (int j = 0; j <= 400; ++j) {
      const float u = i / 400.0f, v = j / 400.0f;
      mismatches += face_part_at(1 - u, v) != face_part_flip()[face_part_at(u, v)];
    }
  }
  EXPECT_EQ(mismatches, 0);
}

// face_part_at() answers from a table where a cell is uniform: it must agree with the geometric
// definition everywhere, in particular next to part boundaries and at the sharp corners of the
// eyes and lips (a 1536² grid, 12 points per table cell, offset from the table's corners).
TEST(FaceTemplate, PartTableAgreesWithTheGeometry) {
  constexpr int n = 1536;
  int mismatches = 0, boundary = 0;
  std::vector<int> row(n + 1), prev(n + 1);
  for (int j = 0; j <= n; ++j) {
    for (int i = 0; i <= n; ++i) {
      const float u = (i + 0.37f) / (n + 1), v = (j + 0.61f) / (n + 1);
      const int fast = face_part_at(u, v), exact = face_part_at_geometry(u, v);
      if (fast != exact && ++mismatches <= 5) {
        ADD_FAILURE() << "(" << u << ", " << v << "): table " << fast << ", geometry " << exact;
      }
      row[i] = exact;
      if (j > 0 && (row[i] != prev[i] || (i > 0 && row[i] != row[i - 1]))) ++boundary;
    }
    std::swap(row, prev);
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_GT(boundary, 2000);  // the grid crosses the part boundaries many times
}

TEST(FaceTemplate, MeshIsModerateAndMirrorShapeMirrorsTheSurface) {
  Generator rng(5);
  FaceShape shape = FaceShape::sample(rng);
  shape.smile_left = 0.9f;
  shape.smile_right = 0.1f;
  shape.brow_raise_left = 0.7f;
  const Mesh a = face_mesh(shape);
  const Mesh b = face_mesh(shape.mirrored());
  a.validate("face mesh");
  EXPECT_GE(a.num_faces(), 5000);
  EXPECT_LE(a.num_faces(), 10000);
  // Vertex with uv (u, v) of one mesh mirrors the vertex with uv (1 − u, v) of the other.
  const auto& uva = a.vertex_attribute("uv").data;
  std::map<std::pair<int, int>, int64_t> by_uv;
  for (int64_t i = 0; i < b.num_vertices(); ++i) {
    const float u = b.vertex_attribute("uv").data[2 * i],
                v = b.vertex_attribute("uv").data[2 * i + 1];
    if (u > 0 && u < 1 && v > 0 && v < 1)
      by_uv[{static_cast<int>(std::lround(u * 1e5)), static_cast<int>(std::lround(v * 1e5))}] = i;
  }
  int checked = 0;
  for (int64_t i = 0; i < a.num_vertices(); ++i) {
    const float u = uva[2 * i], v = uva[2 * i + 1];
    if (!(u > 0 && u < 1 && v > 0 && v < 1)) continue;
    auto it = by_uv.find(
        {static_cast<int>(std::lround((1 - u) * 1e5)), static_cast<int>(std::lround(v * 1e5))});
    ASSERT_NE(it, by_uv.end());
    const Vec3 p = a.vertex(i), q = b.vertex(it->second);
    ASSERT_NEAR(p.x, -q.x, 1e-6);
    ASSERT_NEAR(p.y, q.y, 1e-6);
    ASSERT_NEAR(p.z, q.z, 1e-6);
    ++checked;
  }
  // Every vertex strictly inside the chart: 47 × 47 = 2209 on the 48 × 48 chart grid.
  EXPECT_GT(checked, 2000);
  // An asymmetric expression really is asymmetric (the check above is not vacuous).
  const FaceSurfacePoint left =
      face_surface_point(face_landmarks_uv()[48][0], face_landmarks_uv()[48][1]);
  const FaceSurfacePoint right =
      face_surface_point(face_landmarks_uv()[54][0], face_landmarks_uv()[54][1]);
  EXPECT_GT(surface_position(a, left).y - surface_position(a, right).y, 0.002);
}

TEST(FaceTemplate, IdentityAndExpressionMoveTheirFeatures) {
  auto point = [](const Mesh& m, int k) {
    const auto& uv = face_landmarks_uv()[k];
    return surface_position(m, face_surface_point(uv[0], uv[1]));
  };
  const FaceShape neutral;
  const Mesh base = face_mesh(neutral);
  // Mean face: the nose tip stands out of the face, the chin is below the mouth, head-sized.
  EXPECT_GT(point(base, 30).z - point(base, 39).z, 0.02);
  EXPECT_NEAR(point(base, 36).x - point(base, 45).x, -0.094, 0.01);  // outer eye corners
  EXPECT_LT(point(base, 8).y, point(base, 57).y - 0.02);
  FaceShape open = neutral;
  open.mouth_open = 1;
  const Mesh m_open = face_mesh(open);
  const double gap0 = point(base, 62).y - point(base, 66).y;
  const double gap1 = point(m_open, 62).y - point(m_open, 66).y;
  EXPECT_GT(gap1 - gap0, 0.008);  // the lower lip drops about a centimetre
  EXPECT_NEAR(point(m_open, 27).y, point(base, 27).y, 1e-6);  // the nose bridge stays
  FaceShape brow = neutral;
  brow.brow_raise_left = 1;
  const Mesh m_brow = face_mesh(brow);
  EXPECT_GT(point(m_brow, 19).y - point(base, 19).y, 0.004);   // left brow up
  EXPECT_LT(point(m_brow, 24).y - point(base, 24).y, 0.0005);  // right brow barely
  FaceShape nose = neutral;
  nose.nose_length = 0.3f;
  EXPECT_GT(point(face_mesh(nose), 30).z - point(base, 30).z, 0.001);
  FaceShape wide = neutral;
  wide.head_width = 0.08f;
  EXPECT_NEAR(point(face_mesh(wide), 0).x / point(base, 0).x, 1.08, 0.01);
}

TEST(FaceWorld, TemplateVertexLandsOnItsOwnPartUvAndDepth) {
  const FaceWorldOptions options = clean_options();
  const FaceScene base = clean_scene(11, 20, 8, -6);
  const Mesh mesh = face_mesh(base.shape);
  const auto& uva = mesh.vertex_attribute("uv").data;
  // Chart vertices nearest to a few targets on the front of the face.
  const std::vector<std::array<float, 2>> targets = {{0.5f, 0.12f}, {0.35f, 0.5f},  {0.62f, 0.55f},
                                                     {0.5f, 0.45f}, {0.44f, 0.33f}, {0.5f, 0.85f}};
  for (const auto& target : targets) {
    int64_t best = -1;
    double best_d = 1e9;
    for (int64_t i = 0; i < mesh.num_vertices(); ++i) {
      const double d = std::hypot(uva[2 * i] - target[0], uva[2 * i + 1] - target[1]);
      if (d < best_d) best_d = d, best = i;
    }
    // Shift the principal point so that the vertex projects exactly onto a pixel centre.
    FaceScene scene = base;
    const Projection p0 = face_camera(scene, S).project(mesh.vertex(best));
    scene.principal_dx = std::round(p0.x) - p0.x;
    scene.principal_dy = std::round(p0.y) - p0.y;
    const Camera cam = face_camera(scene, S);
    const Projection p = cam.project(mesh.vertex(best));
    ASSERT_NEAR(p.x, std::round(p.x), 1e-9);
    const int x = static_cast<int>(std::lround(p.x)), y = static_cast<int>(std::lround(p.y));
    ASSERT_TRUE(x >= 0 && x < S && y >= 0 && y < S);
    const Sample s = render_face_scene(scene, options);
    const View v{s};
    const int64_t q = pixel(x, y);
    ASSERT_EQ(v.mask()[q], 1) << "vertex " << best;
    EXPECT_FLOAT_EQ(v.uv()[q], uva[2 * best]);
    EXPECT_FLOAT_EQ(v.uv()[S * S + q], uva[2 * best + 1]);
    EXPECT_EQ(v.part()[q], face_part_at(uva[2 * best], uva[2 * best + 1]));
    EXPECT_NEAR(v.depth()[q], p.z, 1e-6 * p.z);
  }
}

// The face world culls back faces (the head is closed, so the nearest surface along a ray is a
// front face). Culling changes a fragment of the label pass only where, on a silhouette, a back
// face grazes the front face it folds under (snapped coverage): at most 2 pixels a scene, where
// the dropped back face was within 10 µm of the front face's depth.
TEST(FaceWorld, CullingBackFacesChangesOnlyGrazingSilhouettePixels) {
  int covered = 0, changed = 0;
  for (int i = 0; i < 8; ++i) {
    const FaceScene scene = clean_scene(100 + i, -75 + 21.4 * i, -20 + 5.0 * i, 15 - 4.0 * i);
    const Mesh mesh = face_mesh(scene.shape);
    const Camera cam = face_camera(scene, S);
    RasterOptions all, culled;
    culled.cull_back_faces = true;
    const Fragments a = rasterize(mesh, cam, all), b = rasterize(mesh, cam, culled);
    int changed_here = 0;
    for (size_t p = 0; p < a.face.size(); ++p) {
      covered += a.face[p] >= 0;
      if (a.face[p] == b.face[p]) {
        EXPECT_EQ(a.depth[p], b.depth[p]) << "scene " << i << ", pixel " << p;
        continue;
      }
      ++changed_here;
      ASSERT_GE(b.face[p], 0) << "scene " << i << ", pixel " << p << " lost its surface";
      EXPECT_NEAR(a.depth[p], b.depth[p], 1e-5) << "scene " << i << ", pixel " << p;
      // The face that culling dropped there faces away from the camera.
      const int32_t* fv = &mesh.faces[3 * static_cast<int64_t>(a.face[p])];
      const Vec3 p0 = cam.to_camera(mesh.vertex(fv[0])), p1 = cam.to_camera(mesh.vertex(fv[1])),
                 p2 = cam.to_camera(mesh.vertex(fv[2]));
      EXPECT_GE(dot(cross(p1 - p0, p2 - p0), p0), 0) << "scene " << i << ", pixel " << p;
    }
    EXPECT_LE(changed_here, 2) << "scene " << i;
    changed += changed_here;
  }
  EXPECT_GT(covered, 8 * 5000);
  EXPECT_LE(changed, 4);
}

TEST(FaceWorld, UvIsOneToOneOnTheVisibleSurface) {
  for (uint64_t seed : {21u, 22u}) {
    const Sample s = render_face_scene(clean_scene(seed, 0, 0, 0), clean_options());
    const View v{s};
    // Hash pixels by (U, V) cells of the tolerance; any two pixels with (U, V) within the
    // tolerance must be neighbours in the image.
    const double tol = 8e-3;
    std::unordered_map<int64_t, std::vector<int64_t>> cells;
    auto key = [](int64_t a, int64_t b) { return a * 100003 + b; };
    int64_t count = 0;
    for (int64_t p = 0; p < S * S; ++p) {
      if (!v.mask()[p]) continue;
      ++count;
      cells[key(static_cast<int64_t>(v.uv()[p] / tol),
                static_cast<int64_t>(v.uv()[S * S + p] / tol))]
          .push_back(p);
    }
    ASSERT_GT(count, 10000);
    int64_t far_pairs = 0, close_pairs = 0;
    for (int64_t p = 0; p < S * S; ++p) {
      if (!v.mask()[p]) continue;
      const int64_t cu = static_cast<int64_t>(v.uv()[p] / tol),
                    cv = static_cast<int64_t>(v.uv()[S * S + p] / tol);
      for (int64_t du = -1; du <= 1; ++du) {
        for (int64_t dv = -1; dv <= 1; ++dv) {
          auto it = cells.find(key(cu + du, cv + dv));
          if (it == cells.end()) continue;
          for (int64_t q : it->second) {
            if (q <= p) continue;
            if (std::hypot(v.uv()[p] - v.uv()[q], v.uv()[S * S + p] - v.uv()[S * S + q]) >= tol)
              continue;
            const double dist = std::hypot(double(p % S - q % S), double(p / S - q / S));
            (dist > 3.0 ? far_pairs : close_pairs) += 1;
          }
        }
      }
    }
    EXPECT_EQ(far_pairs, 0) << "seed " << seed;
    EXPECT_GT(close_pairs, 0);  // the tolerance is not so tight that the check is vacuous
  }
}

TEST(FaceWorld, VisibleLandmarksProjectOntoTheirTemplateUv) {
  const auto& table = face_landmarks_uv();
  for (int i = 0; i < 6; ++i) {
    const double yaw = -50 + 20 * i;
    const Sample s = render_face_scene(clean_scene(31 + i, yaw, 10 - 4 * i, 5), clean_options());
    const View v{s};
    int visible = 0;
    for (int k = 0; k < kFaceNumLandmarks; ++k) {
      if (!v.visible()[k]) continue;
      ++visible;
      const int x = static_cast<int>(std::lround(v.landmarks()[2 * k]));
      const int y = static_cast<int>(std::lround(v.landmarks()[2 * k + 1]));
      const int64_t q = pixel(x, y);
      ASSERT_EQ(v.mask()[q], 1);
      // The landmark is at most √2/2 pixel from the pixel centre: bound the (U, V) change by the
      // largest difference to a face neighbour.
      double grad = 0;
      for (auto [dx, dy] : std::vector<std::pair<int, int>>{{1, 0}, {-1, 0}, {0, 1}, {0, -1}}) {
        const int64_t n = pixel(std::clamp(x + dx, 0, S - 1), std::clamp(y + dy, 0, S - 1));
        if (v.mask()[n]) {
          grad = std::max({grad, std::abs(double(v.uv()[n] - v.uv()[q])),
                           std::abs(double(v.uv()[S * S + n] - v.uv()[S * S + q]))});
        }
      }
      // Near silhouettes (U, V) varies faster than linearly: allow twice the linear bound.
      const double tol = 1.5 * grad + 2e-3;
      EXPECT_NEAR(v.uv()[q], table[k][0], tol) << "landmark " << k << " yaw " << yaw;
      EXPECT_NEAR(v.uv()[S * S + q], table[k][1], tol) << "landmark " << k << " yaw " << yaw;
    }
    if (std::abs(yaw) <= 10) {
      EXPECT_GE(visible, 64) << "yaw " << yaw;
    }
    EXPECT_GE(visible, 34) << "yaw " << yaw;
  }
}

TEST(FaceWorld, MirroredSceneRendersTheFlippedSample) {
  for (uint64_t seed : {41u, 42u, 43u}) {
    FaceScene a = clean_scene(seed, 25 + 5 * seed % 3, 6, 9);
    a.shape.smile_left = 0.8f;
    a.shape.smile_right = 0.1f;
    a.shape.brow_raise_right = 0.6f;
    a.principal_dx = 0.37;  // the mirror line need not be the image centre
    const FaceScene b = a.mirrored(S);
    const Sample sa = render_face_scene(a, clean_options());
    const Sample sb = render_face_scene(b, clean_options());
    const View va{sa}, vb{sb};
    // The mirror scene mirrors the principal point too, so its image is the flip x ↦ S − 1 − x
    // whatever principal_dx is.
    const double cx2 = S - 1;
    const auto& flip = face_landmark_flip();
    int vis_mismatch = 0;
    for (int k = 0; k < kFaceNumLandmarks; ++k) {
      EXPECT_NEAR(vb.landmarks()[2 * k], cx2 - va.landmarks()[2 * flip[k]], 1e-3);
      EXPECT_NEAR(vb.landmarks()[2 * k + 1], va.landmarks()[2 * flip[k] + 1], 1e-3);
      vis_mismatch += vb.visible()[k] != va.visible()[flip[k]];
    }
    EXPECT_LE(vis_mismatch, 1);

    a.principal_dx = 0;
    const FaceScene b0 = a.mirrored(S);
    const Sample s0a = render_face_scene(a, clean_options());
    const Sample s0b = render_face_scene(b0, clean_options());
    const View wa{s0a}, wb{s0b};
    int64_t face = 0, mismatches = 0, off_boundary = 0;
    for (int y = 0; y < S; ++y) {
      for (int x = 0; x < S; ++x) {
        const int64_t p = pixel(x, y), m = pixel(S - 1 - x, y);
        const int64_t expected = face_part_flip()[wa.part()[m]];
        face += wb.mask()[p];
        bool uv_ok = true;
        if (wb.mask()[p] && wa.mask()[m]) {
          uv_ok = std::abs(wb.uv()[p] - (1 - wa.uv()[m])) < 1e-3 &&
                  std::abs(wb.uv()[S * S + p] - wa.uv()[S * S + m]) < 1e-3 &&
                  std::abs(wb.depth()[p] - wa.depth()[m]) < 1e-5;
        }
        if (wb.part()[p] == expected && uv_ok) continue;
        ++mismatches;
        // A mismatch must sit on a boundary: some 8-neighbour of the source pixel has another
        // label.
        bool boundary = false;
        for (int dy = -1; dy <= 1; ++dy)
          for (int dx = -1; dx <= 1; ++dx) {
            const int xx = std::clamp(S - 1 - x + dx, 0, S - 1), yy = std::clamp(y + dy, 0, S - 1);
            boundary |= wa.part()[pixel(xx, yy)] != wa.part()[m];
          }
        off_boundary += !boundary;
      }
    }
    EXPECT_GT(face, 10000);
    EXPECT_EQ(off_boundary, 0) << "seed " << seed;
    EXPECT_LE(mismatches, face / 200) << "seed " << seed;  // at most 0.5 % of the face pixels
  }
}

TEST(FaceWorld, SameSeedSameSampleOtherSeedOtherSample) {
  FaceWorldOptions options;  // everything on: clutter, occluders, blur, noise
  options.occluder_probability = 1;
  Generator g1(77), g2(77), g3(78);
  const Sample a = render_face(g1, options), b = render_face(g2, options),
               c = render_face(g3, options);
  ASSERT_EQ(a.size(), 7u);
  for (const auto& [name, t] : a) {
    const Tensor& u = b.at(name);
    ASSERT_EQ(t.sizes(), u.sizes()) << name;
    ASSERT_EQ(t.dtype(), u.dtype()) << name;
    EXPECT_EQ(t.to_vector(), u.to_vector()) << name;
  }
  for (const char* name : {"image", "uv", "landmarks"}) {
    EXPECT_NE(a.at(name).to_vector(), c.at(name).to_vector()) << name;
  }
}

TEST(FaceWorld, ExtremeYawHidesTheFarSide) {
  for (double yaw : {75.0, -75.0}) {
    const Sample s = render_face_scene(clean_scene(51, yaw, 0, 0), clean_options());
    const View v{s};
    int64_t face = 0;
    for (int64_t p = 0; p < S * S; ++p) face += v.mask()[p];
    EXPECT_GT(face, 4000) << yaw;
    // yaw > 0 turns the nose to the image right: the image-right half of the face (right eye
    // 42–47, jaw 10–16) turns away.
    const int far_eye = yaw > 0 ? 42 : 36, near_eye = yaw > 0 ? 36 : 42;
    const int far_jaw = yaw > 0 ? 10 : 0, near_jaw = yaw > 0 ? 0 : 10;
    int far = 0, near = 0;
    for (int k = 0; k < 6; ++k) {
      far += v.visible()[far_eye + k];
      near += v.visible()[near_eye + k];
    }
    for (int k = 0; k < 7; ++k) far += v.visible()[far_jaw + k];
    EXPECT_EQ(far, 0) << yaw;
    EXPECT_GE(near, 4) << yaw;
    (void)near_jaw;
    // The near-side eye is in the picture.
    int64_t near_eye_pixels = 0;
    const int label = yaw > 0 ? kFaceLeftEye : kFaceRightEye;
    for (int64_t p = 0; p < S * S; ++p) near_eye_pixels += v.part()[p] == label;
    EXPECT_GT(near_eye_pixels, 5) << yaw;
  }
}

TEST(FaceWorld, FrontalRenderHasEveryPart) {
  FaceScene scene = clean_scene(61, 0, 0, 0);
  scene.shape = FaceShape{};
  const Sample s = render_face_scene(scene, clean_options());
  const View v{s};
  std::vector<int64_t> count(kFaceNumLabels, 0);
  for (int64_t p = 0; p < S * S; ++p) {
    ASSERT_GE(v.part()[p], 0);
    ASSERT_LT(v.part()[p], kFaceNumLabels);
    ++count[v.part()[p]];
    EXPECT_EQ(v.part()[p] != 0, v.mask()[p] == 1);
  }
  for (int l = 1; l < kFaceNumLabels; ++l) EXPECT_GE(count[l], 30) << face_part_name(l);
  // Left is the image-left side.
  double left_x = 0, right_x = 0;
  for (int64_t p = 0; p < S * S; ++p) {
    if (v.part()[p] == kFaceLeftEye) left_x += p % S;
    if (v.part()[p] == kFaceRightEye) right_x += p % S;
  }
  EXPECT_LT(left_x / count[kFaceLeftEye], S / 2.0);
  EXPECT_GT(right_x / count[kFaceRightEye], S / 2.0);
}

TEST(FaceWorld, OccludersClearTheLabelsAndHideLandmarks) {
  FaceScene scene = clean_scene(71, 0, 0, 0);
  const Sample plain = render_face_scene(scene, clean_options());
  FaceOccluder o;
  const float* lm = plain.at("landmarks").data<float>();
  o.cx = lm[2 * 30];  // over the nose tip
  o.cy = lm[2 * 30 + 1];
  o.rx = o.ry = 12;
  scene.occluders.push_back(o);
  const Sample s = render_face_scene(scene, clean_options());
  const View v{s};
  int64_t inside = 0;
  for (int y = 0; y < S; ++y) {
    for (int x = 0; x < S; ++x) {
      if (std::hypot(x - o.cx, y - o.cy) < 11.5) {
        ++inside;
        EXPECT_EQ(v.mask()[pixel(x, y)], 0);
        EXPECT_EQ(v.part()[pixel(x, y)], 0);
      }
    }
  }
  EXPECT_GT(inside, 300);
  EXPECT_EQ(v.visible()[30], 0);
  EXPECT_EQ(plain.at("visible").data<uint8_t>()[30], 1);
}

TEST(FaceWorld, DatasetSamplesHaveTheDocumentedFields) {
  FaceWorldOptions options;
  options.size = 64;
  const SynthFacesDataset ds(10, options);
  EXPECT_EQ(ds.size(), 10);
  EXPECT_EQ(ds.name(), "synthetic faces (train)");
  Generator rng(3);
  const Sample s = ds.get(4, rng);
  EXPECT_EQ(s.at("image").sizes(), (Shape{3, 64, 64}));
  EXPECT_EQ(s.at("uv").sizes(), (Shape{2, 64, 64}));
  EXPECT_EQ(s.at("part").dtype(), DType::i64);
  EXPECT_EQ(s.at("mask").dtype(), DType::u8);
  EXPECT_EQ(s.at("depth").sizes(), (Shape{64, 64}));
  EXPECT_EQ(s.at("landmarks").sizes(), (Shape{68, 2}));
  EXPECT_EQ(s.at("visible").sizes(), (Shape{68}));
  const SampleLayout layout = ds.layout();
  EXPECT_EQ(layout.size(), s.size());
  for (const auto& [name, t] : s) EXPECT_EQ(layout.count(name), 1u) << name;
  EXPECT_EQ(layout.at("landmarks"), FieldKind::kPoints);
  EXPECT_EQ(layout.at("uv"), FieldKind::kDenseLabel);
}

TEST(FaceWorld, BadInputNamesTheOption) {
  expect_error([] { face_part_at(1.5f, 0.2f); }, {"face_part_at", "1.5"});
  expect_error([] { face_surface_point(-0.1f, 0.5f); }, {"face_surface_point"});
  expect_error([] { face_part_name(9); }, {"face_part_name", "9"});
  expect_error([] { face_template_uv(0.0, 0.3); }, {"face_template_uv", "off the face chart"});
  FaceWorldOptions o;
  o.size = 8;
  expect_error([&] { o.validate(); }, {"size", "8"});
  o = FaceWorldOptions{};
  o.min_face = 0.9;
  o.max_face = 0.5;
  expect_error([&] { SynthFacesDataset(4, o); }, {"min_face", "max_face"});
  o = FaceWorldOptions{};
  o.supersample = 0;
  Generator rng(1);
  expect_error([&] { render_face(rng, o); }, {"supersample"});
  expect_error([] { SynthFacesDataset(0, FaceWorldOptions{}); }, {"synthetic faces", "size"});
  const SynthFacesDataset ds(2, FaceWorldOptions{});
  expect_error([&] { ds.get(2, rng); }, {"synthetic faces", "index 2"});
}

}  // namespace
}  // namespace dc
