#include "data/synth/body_world.h"

#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/cpu_time.h"
#include "core/error.h"
#include "data/synth/body_random.h"
#include "data/synth/rasterizer.h"

namespace dc {
namespace {

constexpr double kPi = 3.14159265358979323846;
// How much nearer than a keypoint (beyond its depth slack) the surface seen at its pixel may be
// before the keypoint counts as occluded (metres).
constexpr double kVisibilityTolerance = 0.03;

using Stopwatch = StageStopwatch<BodyRenderTimes>;

// A wall above the horizon and a floor below it, with a few rectangles (doors, windows, boxes)
// and a little noise.
std::vector<float> sample_background(Generator& gen, const Camera& cam) {
  const int W = cam.width, H = cam.height;
  std::vector<float> img(static_cast<size_t>(W) * H * 3);
  // The horizon: the row of a far point straight ahead at the camera's height.
  const Vec3 c = cam.center();
  const Vec3 fwd = transpose(cam.R) * Vec3{0, 0, 1};
  const Vec3 far = c + 1e4 * normalized(Vec3{fwd.x, 0, fwd.z});
  const double horizon = std::clamp(cam.project(far).y, -10.0, H + 10.0);
  float wall[3], wall2[3], floor[3];
  for (int k = 0; k < 3; ++k) {
    wall[k] = static_cast<float>(uniform(gen, 0.3, 0.9));
    wall2[k] = wall[k] * static_cast<float>(uniform(gen, 0.7, 1.0));
    floor[k] = static_cast<float>(uniform(gen, 0.15, 0.6));
  }
  for (int y = 0; y < H; ++y) {
    for (int x = 0; x < W; ++x) {
      float* p = &img[3 * (static_cast<size_t>(y) * W + x)];
      if (y < horizon) {
        const float t = static_cast<float>(std::clamp(y / std::max(1.0, horizon), 0.0, 1.0));
        for (int k = 0; k < 3; ++k) p[k] = wall2[k] + (wall[k] - wall2[k]) * t;
      } else {
        // The floor darkens towards the camera.
        const float t = static_cast<float>(std::clamp((y - horizon) / H, 0.0, 1.0));
        for (int k = 0; k < 3; ++k) p[k] = floor[k] * (1.0f - 0.35f * t);
      }
    }
  }
  const int rects = uniform_int(gen, 2, 7);
  for (int r = 0; r < rects; ++r) {
    const int x0 = uniform_int(gen, -W / 4, W - 1), y0 = uniform_int(gen, -H / 4, H - 1);
    const int w = uniform_int(gen, W / 16, W / 3), h = uniform_int(gen, H / 16, H / 2);
    float col[3];
    for (float& v : col) v = static_cast<float>(uniform(gen, 0.05, 0.95));
    for (int y = std::max(0, y0); y < std::min(H, y0 + h); ++y) {
      for (int x = std::max(0, x0); x < std::min(W, x0 + w); ++x) {
        float* p = &img[3 * (static_cast<size_t>(y) * W + x)];
        for (int k = 0; k < 3; ++k) p[k] = col[k];
      }
    }
  }
  const uint32_t seed = random_u32(gen);
  for (size_t i = 0; i < img.size(); i += 3) {
    uint32_t h = static_cast<uint32_t>(i) * 0x9E3779B1u ^ seed;
    h ^= h >> 15;
    h *= 0x2C1B3C6Du;
    h ^= h >> 12;
    const float n = 0.97f + 0.06f * (h >> 8) * (1.0f / 16777216.0f);
    for (int k = 0; k < 3; ++k) img[i + k] = std::min(1.0f, img[i + k] * n);
  }
  return img;
}

Light sample_light(Generator& gen) {
  Light l;
  l.direction =
      normalized(Vec3{uniform(gen, -1, 1), uniform(gen, 0.2, 1.2), uniform(gen, -1.2, 0.3)});
  l.ambient = static_cast<float>(uniform(gen, 0.3, 0.5));
  l.diffuse = static_cast<float>(uniform(gen, 0.5, 0.8));
  return l;
}

BodyPerson sample_person(Generator& gen) {
  BodyPerson p;
  p.shape = sample_body_shape(gen);
  p.pose = sample_body_pose(gen);
  p.appearance = sample_body_appearance(gen);
  return p;
}

}  // namespace

void BodyWorldOptions::validate() const {
  DC_CHECK(width >= 8 && height >= 8 && width <= 8192 && height <= 8192,
           "BodyWorldOptions: image size ", width, "x", height, " out of range (8..8192)");
  DC_CHECK(min_people >= 1 && max_people >= min_people && max_people <= 16,
           "BodyWorldOptions: min_people ", min_people, " / max_people ", max_people,
           " invalid (expected 1 <= min_people <= max_people <= 16)");
  DC_CHECK(min_distance >= 1 && max_distance >= min_distance, "BodyWorldOptions: min_distance ",
           min_distance, " / max_distance ", max_distance,
           " invalid (expected 1 <= min_distance <= max_distance)");
  DC_CHECK(detail >= 1 && detail <= 4, "BodyWorldOptions: detail ", detail,
           " out of range (expected 1..4)");
  DC_CHECK(texture_tile >= 2 && texture_tile <= 512, "BodyWorldOptions: texture_tile ",
           texture_tile, " out of range (expected 2..512)");
  DC_CHECK(supersample >= 1 && supersample <= 8, "BodyWorldOptions: supersample ", supersample,
           " out of range (expected 1..8)");
}

BodyScene sample_body_scene(Generator& gen, const BodyWorldOptions& options) {
  options.validate();
  BodyScene scene;
  const double fov = uniform(gen, 45, 65);
  scene.camera = make_camera(options.width, options.height, focal_from_fov(options.width, fov));
  const double eye_height = uniform(gen, 0.9, 2.2);
  const double target_height = uniform(gen, 0.5, 1.3);
  look_at(scene.camera, {0, eye_height, 0}, {0, target_height, 7}, {0, 1, 0});
  scene.light = sample_light(gen);
  scene.background = sample_background(gen, scene.camera);
  const int n = uniform_int(gen, options.min_people, options.max_people);
  const double half_fov = std::atan((options.width / 2.0) / scene.camera.fx);
  for (int k = 0; k < n; ++k) {
    BodyPerson p = sample_person(gen);
    // People do not walk through each other: a few tries to stand 0.7 m from everyone, then
    // the last draw is kept (a crowded scene may still touch).
    for (int attempt = 0; attempt < 8; ++attempt) {
      const double d = uniform(gen, options.min_distance, options.max_distance);
      p.z = d;
      p.x = uniform(gen, -0.85, 0.85) * d * std::tan(half_fov);
      bool clear = true;
      for (const BodyPerson& q : scene.people) {
        clear = clear && std::hypot(p.x - q.x, p.z - q.z) >= 0.7;
      }
      if (clear) break;
    }
    scene.people.push_back(p);
  }
  return scene;
}

BodyScene mirror_body_scene(const BodyScene& scene) {
  BodyScene m = scene;
  // X_cam' = Mc X_cam for the mirrored world X' = M X: R' = Mc R M, t' = Mc t.
  Camera& c = m.camera;
  for (int r = 0; r < 3; ++r) {
    for (int k = 0; k < 3; ++k) {
      const double sign = (r == 0 ? -1.0 : 1.0) * (k == 0 ? -1.0 : 1.0);
      c.R(r, k) = scene.camera.R(r, k) * sign;
    }
  }
  c.t.x = -scene.camera.t.x;
  c.cx = (scene.camera.width - 1) - scene.camera.cx;
  m.light.direction.x = -scene.light.direction.x;
  const int W = scene.camera.width, H = scene.camera.height;
  if (!scene.background.empty()) {
    for (int y = 0; y < H; ++y) {
      for (int x = 0; x < W; ++x) {
        for (int k = 0; k < 3; ++k) {
          m.background[3 * (static_cast<size_t>(y) * W + x) + k] =
              scene.background[3 * (static_cast<size_t>(y) * W + (W - 1 - x)) + k];
        }
      }
    }
  }
  for (BodyPerson& p : m.people) {
    p.x = -p.x;
    p.pose = mirror_body_pose(p.pose);
    p.appearance.mirrored = !p.appearance.mirrored;
  }
  return m;
}

BodyRender render_body_scene(const BodyScene& scene, const BodyWorldOptions& options,
                             BodyRenderTimes* times) {
  Stopwatch watch{times};
  options.validate();
  scene.camera.validate();
  const int W = scene.camera.width, H = scene.camera.height;
  DC_CHECK(scene.background.empty() || scene.background.size() == static_cast<size_t>(W) * H * 3,
           "render_body_scene: background holds ", scene.background.size(), " floats, expected ", W,
           "x", H, "x3");
  const BodyTopology& topo = body_topology(options.detail);
  const int64_t V = topo.num_vertices(), F = topo.num_faces();
  const int n = static_cast<int>(scene.people.size());
  const int T = options.texture_tile;

  Mesh mesh;
  mesh.positions.reserve(3 * V * n);
  mesh.faces.resize(3 * F * n);
  std::vector<float> normals, uv(2 * V * n), atlas(2 * V * n);
  normals.reserve(3 * V * n);
  std::vector<int32_t> face_chart(F * n), face_person(F * n);
  // The atlases of all people, stacked; every texel is written below, and the buffer is reused
  // per thread (it is not part of the result), so there is nothing to clear.
  thread_local Texture texture;
  texture.width = 4 * T;
  texture.height = 6 * T * std::max(1, n);
  texture.rgb.resize(static_cast<size_t>(texture.width) * texture.height * 3);
  if (n == 0) std::fill(texture.rgb.begin(), texture.rgb.end(), 0.0f);

  BodyRender out;
  out.width = W;
  out.height = H;
  out.people.resize(n);
  for (int k = 0; k < n; ++k) {
    const BodyPerson& person = scene.people[k];
    const BodyGeometry geo = body_geometry(person.shape);
    const PosedBody posed = pose_body(geo, person.pose, person.x, person.z, topo);
    body_positions(geo, posed, topo, &mesh.positions);
    body_normals(topo, mesh.positions.data() + 3 * V * k, &normals);
    for (int64_t i = 0; i < V; ++i) {
      const int64_t o = 2 * (V * k + i);
      uv[o] = topo.u[i];
      uv[o + 1] = topo.v[i];
      atlas_coordinates(topo.chart[i], topo.u[i], topo.v[i], T, k, n, &atlas[o], &atlas[o + 1]);
    }
    const int32_t offset = static_cast<int32_t>(V * k);
    for (int64_t f = 0; f < F; ++f) {
      for (int c = 0; c < 3; ++c) mesh.faces[3 * (F * k + f) + c] = topo.faces[3 * f + c] + offset;
      face_chart[F * k + f] = topo.face_chart[f];
      face_person[F * k + f] = k + 1;
    }
    watch.lap(&BodyRenderTimes::mesh);
    body_atlas_into(person.appearance, T,
                    texture.rgb.data() + static_cast<size_t>(6 * T * k) * texture.width * 3,
                    3 * texture.width);
    watch.lap(&BodyRenderTimes::texture);
    BodyRender::Person& po = out.people[k];
    for (int j = 0; j < kNumBodyJoints; ++j) {
      po.joints_camera[j] = scene.camera.to_camera(posed.joints[j]);
      const Projection pr = scene.camera.project_camera(po.joints_camera[j]);
      po.joints_pixels[j] = {static_cast<float>(pr.x), static_cast<float>(pr.y)};
    }
    po.keypoints_world = coco_keypoints(geo, posed);
  }
  mesh.set_vertex_attribute("normal", 3, std::move(normals));
  mesh.set_vertex_attribute("uv", 2, std::move(uv));
  mesh.set_vertex_attribute("atlas", 2, std::move(atlas));

  ShadingOptions shading;
  shading.texture = &texture;
  shading.uv = "atlas";
  shading.light = scene.light;
  shading.background_image = scene.background;
  shading.supersample = options.supersample;
  shading.antialias = options.antialias;
  // Every part is a closed surface seen from outside, so back faces are never the nearest:
  // culling them halves the triangles drawn and changes no pixel.
  RasterOptions raster;
  raster.cull_back_faces = true;
  watch.lap(&BodyRenderTimes::mesh);
  Render r = render(mesh, scene.camera, shading, raster);
  watch.lap(&BodyRenderTimes::render);
  const Fragments& fr = r.fragments;
  out.rgb = std::move(r.rgb);
  out.uv = interpolate(mesh, fr, "uv");
  out.depth = fr.depth;
  const int64_t P = fr.num_pixels();
  out.part.assign(P, 0);
  out.instance.assign(P, 0);
  std::vector<std::array<int, 4>> extent(n, {W, H, -1, -1});
  for (int64_t p = 0; p < P; ++p) {
    const int32_t f = fr.face[p];
    if (f < 0) continue;
    out.part[p] = face_chart[f];
    const int k = face_person[f];
    out.instance[p] = k;
    BodyRender::Person& po = out.people[k - 1];
    ++po.pixels;
    const int x = static_cast<int>(p % W), y = static_cast<int>(p / W);
    auto& e = extent[k - 1];
    e[0] = std::min(e[0], x);
    e[1] = std::min(e[1], y);
    e[2] = std::max(e[2], x);
    e[3] = std::max(e[3], y);
  }
  for (int k = 0; k < n; ++k) {
    BodyRender::Person& po = out.people[k];
    if (po.pixels > 0) {
      const auto& e = extent[k];
      po.box = {static_cast<float>(e[0]), static_cast<float>(e[1]), static_cast<float>(e[2] + 1),
                static_cast<float>(e[3] + 1)};
    }
    const BodyGeometry geo = body_geometry(scene.people[k].shape);
    const auto slack = coco_keypoint_depth_slack(geo);
    for (int i = 0; i < kNumCocoKeypoints; ++i) {
      const Projection pr = scene.camera.project(po.keypoints_world[i]);
      if (!(pr.z > 0)) {
        po.visible[i] = 0;
        continue;
      }
      po.keypoints[2 * i] = static_cast<float>(pr.x);
      po.keypoints[2 * i + 1] = static_cast<float>(pr.y);
      const long px = std::lround(pr.x), py = std::lround(pr.y);
      if (px < 0 || py < 0 || px >= W || py >= H) {
        po.visible[i] = 0;
        continue;
      }
      const int64_t p = py * W + px;
      const bool seen =
          out.instance[p] == k + 1 && out.depth[p] >= pr.z - slack[i] - kVisibilityTolerance;
      po.visible[i] = seen ? 2 : 1;
    }
  }
  watch.lap(&BodyRenderTimes::labels);
  return out;
}

SampleLayout body_scene_layout() {
  return {{"image", FieldKind::kImage},
          {"part", FieldKind::kDenseLabel},
          {"coarse", FieldKind::kDenseLabel},
          {"uv", FieldKind::kDenseLabel},
          {"mask", FieldKind::kDenseLabel},
          {"instance", FieldKind::kDenseLabel},
          {"depth", FieldKind::kDenseLabel},
          {"masks", FieldKind::kDenseLabel},
          {"boxes", FieldKind::kBoxes},
          {"keypoints", FieldKind::kPoints},
          {"keypoints_visible", FieldKind::kOther},
          {"joints3d", FieldKind::kOther},
          {"joints2d", FieldKind::kPoints}};
}

std::set<std::string> body_scene_list_fields() {
  return {"boxes", "masks", "keypoints", "keypoints_visible", "joints3d", "joints2d"};
}

namespace {

Tensor planar(const std::vector<float>& hwc, int H, int W, int C) {
  Tensor t = empty({C, H, W}, DType::f32);
  float* d = t.data<float>();
  const int64_t P = static_cast<int64_t>(H) * W;
  for (int64_t p = 0; p < P; ++p)
    for (int c = 0; c < C; ++c) d[c * P + p] = hwc[p * C + c];
  return t;
}

}  // namespace

Sample body_scene_sample(const BodyRender& r) {
  const int H = r.height, W = r.width;
  const int64_t P = static_cast<int64_t>(H) * W;
  Sample s;
  s["image"] = planar(r.rgb, H, W, 3);
  Tensor uv = planar(r.uv, H, W, 2);
  Tensor part = empty({H, W}, DType::i64), coarse = empty({H, W}, DType::i64);
  Tensor mask = empty({H, W}, DType::u8), instance = empty({H, W}, DType::i64);
  Tensor depth = empty({H, W}, DType::f32);
  // Only people with visible pixels are listed; their instance ids are renumbered 1..N.
  std::vector<int> renumber(r.people.size() + 1, 0);
  std::vector<int> listed;
  for (size_t k = 0; k < r.people.size(); ++k) {
    if (r.people[k].pixels > 0) {
      listed.push_back(static_cast<int>(k));
      renumber[k + 1] = static_cast<int>(listed.size());
    }
  }
  const int N = static_cast<int>(listed.size());
  Tensor masks = empty({N, H, W}, DType::u8);
  uint8_t* mk = masks.data<uint8_t>();
  std::memset(mk, 0, static_cast<size_t>(N) * P);
  int64_t* pt = part.data<int64_t>();
  int64_t* co = coarse.data<int64_t>();
  int64_t* in = instance.data<int64_t>();
  uint8_t* ma = mask.data<uint8_t>();
  std::memcpy(depth.data<float>(), r.depth.data(), P * sizeof(float));
  const std::array<int, kNumCharts + 1>& to_coarse = chart_to_coarse_table();
  for (int64_t p = 0; p < P; ++p) {
    pt[p] = r.part[p];
    co[p] = to_coarse[r.part[p]];
    ma[p] = r.part[p] > 0;
    in[p] = renumber[r.instance[p]];
    if (in[p] > 0) mk[(in[p] - 1) * P + p] = 1;
  }
  s["part"] = part;
  s["coarse"] = coarse;
  s["uv"] = uv;
  s["mask"] = mask;
  s["instance"] = instance;
  s["depth"] = depth;
  s["masks"] = masks;
  Tensor boxes = empty({N, 4}, DType::f32), kp = empty({N * kNumCocoKeypoints, 2}, DType::f32);
  Tensor vis = empty({N * kNumCocoKeypoints}, DType::u8);
  Tensor j3 = empty({N, kNumBodyJoints, 3}, DType::f32), j2 = empty({N * kNumBodyJoints, 2});
  for (int n = 0; n < N; ++n) {
    const BodyRender::Person& po = r.people[listed[n]];
    for (int c = 0; c < 4; ++c) boxes.data<float>()[4 * n + c] = po.box[c];
    for (int i = 0; i < kNumCocoKeypoints; ++i) {
      kp.data<float>()[2 * (n * kNumCocoKeypoints + i)] = po.keypoints[2 * i];
      kp.data<float>()[2 * (n * kNumCocoKeypoints + i) + 1] = po.keypoints[2 * i + 1];
      vis.data<uint8_t>()[n * kNumCocoKeypoints + i] = po.visible[i];
    }
    for (int j = 0; j < kNumBodyJoints; ++j) {
      const Vec3& c = po.joints_camera[j];
      float* d3 = j3.data<float>() + 3 * (n * kNumBodyJoints + j);
      d3[0] = static_cast<float>(c.x);
      d3[1] = static_cast<float>(c.y);
      d3[2] = static_cast<float>(c.z);
      float* d2 = j2.data<float>() + 2 * (n * kNumBodyJoints + j);
      d2[0] = po.joints_pixels[j][0];
      d2[1] = po.joints_pixels[j][1];
    }
  }
  s["boxes"] = boxes;
  s["keypoints"] = kp;
  s["keypoints_visible"] = vis;
  s["joints3d"] = j3;
  s["joints2d"] = j2;
  return s;
}

// ---------------------------------------------------------------------------------------------
// Pose-transfer pairs

Sample sample_body_pair(Generator& gen, const BodyWorldOptions& options) {
  options.validate();
  BodyPerson person = sample_person(gen);
  BodyPose poses[2] = {person.pose, sample_body_pose(gen)};
  // Pair poses face the camera (which looks along +Z, so yaw π) more often than not, as in
  // fashion photographs.
  for (BodyPose& p : poses) {
    p.root_yaw = kPi + uniform(gen, -1.0, 1.0) * (coin(gen, 0.7) ? 0.6 : kPi);
  }
  BodyScene scene;
  scene.camera = make_camera(options.width, options.height, focal_from_fov(options.width, 40));
  scene.light = sample_light(gen);
  const double height = 1.75 * person.shape.height;
  // Distance at which the body fills about 85 % of the image height.
  const double dist = height / 0.85 / (options.height / scene.camera.fy);
  look_at(scene.camera, {0, height * 0.5, -dist}, {0, height * 0.5, 0}, {0, 1, 0});
  scene.background = sample_background(gen, scene.camera);
  person.x = 0;
  person.z = 0;
  Sample out;
  for (int k = 0; k < 2; ++k) {
    person.pose = poses[k];
    scene.people = {person};
    BodyWorldOptions o = options;
    const BodyRender r = render_body_scene(scene, o);
    Sample s = body_scene_sample(r);
    const std::string prefix = k == 0 ? "" : "target_";
    for (const char* f : {"image", "part", "uv", "mask"}) out[prefix + f] = s[f];
    // The person may be cut by the frame but is always listed (it fills the image).
    Tensor kp = empty({kNumCocoKeypoints, 2}), vis = empty({kNumCocoKeypoints}, DType::u8);
    for (int i = 0; i < kNumCocoKeypoints; ++i) {
      kp.data<float>()[2 * i] = r.people[0].keypoints[2 * i];
      kp.data<float>()[2 * i + 1] = r.people[0].keypoints[2 * i + 1];
      vis.data<uint8_t>()[i] = r.people[0].visible[i];
    }
    out[prefix + "keypoints"] = kp;
    out[prefix + "keypoints_visible"] = vis;
  }
  const Texture atlas = body_atlas(person.appearance, options.texture_tile);
  out["texture"] = planar(atlas.rgb, atlas.height, atlas.width, 3);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Dataset

SynthBodiesDataset::SynthBodiesDataset(int64_t size, BodyWorldOptions options, bool pairs)
    : size_(size), options_(options), pairs_(pairs) {
  DC_CHECK(size >= 1, "SynthBodiesDataset: size ", size, " must be >= 1");
  options_.validate();
}

Sample SynthBodiesDataset::get(int64_t index, Generator& rng) const {
  DC_CHECK(index >= 0 && index < size_, "SynthBodiesDataset: index ", index, " out of range [0, ",
           size_, ")");
  if (pairs_) return sample_body_pair(rng, options_);
  return body_scene_sample(render_body_scene(sample_body_scene(rng, options_), options_));
}

SampleLayout SynthBodiesDataset::layout() const {
  if (!pairs_) return body_scene_layout();
  SampleLayout l;
  for (const std::string prefix : {"", "target_"}) {
    l[prefix + "image"] = FieldKind::kImage;
    l[prefix + "part"] = FieldKind::kDenseLabel;
    l[prefix + "uv"] = FieldKind::kDenseLabel;
    l[prefix + "mask"] = FieldKind::kDenseLabel;
    l[prefix + "keypoints"] = FieldKind::kPoints;
    l[prefix + "keypoints_visible"] = FieldKind::kOther;
  }
  l["texture"] = FieldKind::kOther;
  return l;
}

std::set<std::string> SynthBodiesDataset::list_fields() const {
  return pairs_ ? std::set<std::string>{} : body_scene_list_fields();
}

std::string SynthBodiesDataset::name() const {
  return pairs_ ? "synthetic body pairs" : "synthetic bodies";
}

}  // namespace dc
