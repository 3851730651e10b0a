// The synthetic BODY world: scenes of 1–6 people (body_template.h) standing on a floor, at varied
// distances so that their scale varies and they occlude each other, seen by a random camera under
// a random light in front of a random backdrop, rendered with exact per-pixel DensePose labels.
//
// Everything is metres in the world frame (+Y up, the floor y = 0); camera coordinates are those
// of camera.h (+X right, +Y down, +Z forward), in metres too.
//
// A scene is a plain description (BodyScene) drawn from a Generator, rendered by
// render_body_scene(); mirror_body_scene() describes the mirror image (world X ↦ −X), whose
// render equals the horizontally flipped render after the flip tables of body_template.h.
//
// Sample fields (body_scene_sample(); N = people with at least one visible pixel, in scene order):
//   image      3×H×W f32 RGB in [0, 1], anti-aliased (the labels are not)
//   part       H×W i64 DensePose fine part I, 0 background, 1..24 (body_template.h's charts)
//   coarse     H×W i64 coarse part (dp_masks labels) 0..14
//   uv         2×H×W f32 chart coordinates U, V (0 where part == 0)
//   mask       H×W u8 1 on any person
//   instance   H×W i64 0 background, k in 1..N: person k (row k − 1 of the list fields)
//   depth      H×W f32 camera Z in metres (0 at background)
//   boxes      N×4 f32 tight boxes of each person's visible pixels (x1, y1, x2, y2), the image
//              spanning [0, W]×[0, H] (data/sample.h)
//   masks      N×H×W u8 instance masks
//   keypoints  (17·N)×2 f32 the 17 COCO keypoints of each person (rows 17k .. 17k + 16 for
//              person k + 1), pixel coordinates with pixel centres at integers (sample.h)
//   keypoints_visible  (17·N) u8 COCO visibility: 2 visible, 1 inside the image but occluded
//              (by another person or by the person's own body), 0 outside the image or behind
//              the camera
//   joints3d   N×17×3 f32 the Human3.6M joints (body_template.h order) in camera coordinates,
//              METRES
//   joints2d   (17·N)×2 f32 their projections (pixels; rows 17k .. 17k + 16 for person k + 1)
// List fields (the loader keeps them as lists): boxes, masks, keypoints, keypoints_visible,
// joints3d, joints2d.
#pragma once

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/philox.h"
#include "data/dataset.h"
#include "data/synth/body_template.h"
#include "data/synth/body_texture.h"
#include "data/synth/camera.h"
#include "data/synth/shading.h"

namespace dc {

struct BodyWorldOptions {
  int width = 256, height = 256;
  int min_people = 1, max_people = 6;            // 1 <= min <= max <= 16
  double min_distance = 2.0, max_distance = 10;  // camera → person along the view (metres)
  int detail = 1;                                // template level of detail (body_topology)
  int texture_tile = 32;  // atlas tile size used for rendering (DensePose's is 200)
  int supersample = 2;    // RGB anti-aliasing (ShadingOptions::supersample)
  // Which pixels are supersampled (shading.h). kFull: people are small, so most pixels are near
  // an edge and kEdges would shade the image twice for little saving (measured slower).
  Antialias antialias = Antialias::kFull;

  void validate() const;  // a dc::Error naming the field
};

struct BodyPerson {
  BodyShape shape;
  BodyPose pose;
  BodyAppearance appearance;
  double x = 0, z = 0;  // where the pelvis stands on the floor (world)
};

struct BodyScene {
  Camera camera;
  Light light;
  std::vector<float> background;  // H × W × 3, the backdrop behind the people
  std::vector<BodyPerson> people;
};

BodyScene sample_body_scene(Generator& gen, const BodyWorldOptions& options = {});
// The mirror image of a scene (world X ↦ −X, image columns reversed).
BodyScene mirror_body_scene(const BodyScene& scene);

// Everything rendered, per pixel (H·W row-major) and per person of the scene (scene order,
// including people with no visible pixel).
struct BodyRender {
  int width = 0, height = 0;
  std::vector<float> rgb;         // H·W·3
  std::vector<int32_t> part;      // I, 0..24
  std::vector<float> uv;          // H·W·2
  std::vector<int32_t> instance;  // 0 background, k + 1 for scene.people[k]
  std::vector<float> depth;       // camera Z, 0 at background
  struct Person {
    int64_t pixels = 0;          // visible pixels
    std::array<float, 4> box{};  // tight box of the visible pixels (zeros if none)
    std::array<float, 2 * kNumCocoKeypoints> keypoints{};              // x, y pixels
    std::array<uint8_t, kNumCocoKeypoints> visible{};                  // COCO 0 / 1 / 2
    std::array<Vec3, kNumBodyJoints> joints_camera;                    // metres
    std::array<std::array<float, 2>, kNumBodyJoints> joints_pixels{};  // their projections
    std::array<Vec3, kNumCocoKeypoints> keypoints_world;
  };
  std::vector<Person> people;
};

// Thread CPU seconds spent in each stage of render_body_scene(), added to by each call.
struct BodyRenderTimes {
  // mesh: posing, positions, normals, chart and atlas coordinates of every person; texture: the
  // atlases; render: rasterization and shading (label pass + anti-aliased RGB); labels: U,V, part,
  // instance, boxes and keypoint visibility.
  double mesh = 0, texture = 0, render = 0, labels = 0;
  double total() const { return mesh + texture + render + labels; }
};

BodyRender render_body_scene(const BodyScene& scene, const BodyWorldOptions& options = {},
                             BodyRenderTimes* times = nullptr);

// The Sample of a render (fields at the top of this file).
Sample body_scene_sample(const BodyRender& render);
SampleLayout body_scene_layout();
std::set<std::string> body_scene_list_fields();

// Pose transfer: one person (same shape and appearance) in two poses, each framed to fill a
// `options.width`×`options.height` image in front of the same backdrop. Fields: image, part, uv,
// mask, keypoints (17×2), keypoints_visible (17) of the first pose and the same names prefixed
// "target_" for the second; "texture" the person's atlas as 3×(6T)×(4T) f32 (T = texture_tile).
Sample sample_body_pair(Generator& gen, const BodyWorldOptions& options = {});

// Scenes generated on the fly: sample i is sample_body_scene() (or sample_body_pair() when
// `pairs`) with the loader's per-sample Generator.
class SynthBodiesDataset : public Dataset {
 public:
  SynthBodiesDataset(int64_t size, BodyWorldOptions options = {}, bool pairs = false);
  int64_t size() const override { return size_; }
  Sample get(int64_t index, Generator& rng) const override;
  SampleLayout layout() const override;
  std::set<std::string> list_fields() const override;
  std::string name() const override;

 private:
  int64_t size_;
  BodyWorldOptions options_;
  bool pairs_;
};

}  // namespace dc
