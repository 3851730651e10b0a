// The synthetic FACE world: one random face (identity, expression, texture) in a random head pose,
// lit, over background clutter, with optional occluders, blur and noise, rendered with exact
// per-pixel correspondence to the face template (data/synth/face_template.h).
//
// A face sample (data/sample.h fields), S = FaceWorldOptions::size:
//   image      3×S×S f32 RGB in [0, 1] (anti-aliased, blurred and noisy; the labels are not)
//   uv         2×S×S f32 template (U, V) of the face surface seen at each pixel centre, 0 where
//              mask is 0
//   part       S×S i64 part label (face_template.h table: 1..8 on the face, 0 elsewhere)
//   mask       S×S u8: 1 where the face chart is the front-most surface at the pixel centre and no
//              occluder covers it (hair, neck, background and occluders are 0)
//   depth      S×S f32 camera Z (metres) of that surface point, 0 where mask is 0
//   landmarks  68×2 f32 (x, y) pixel coordinates of the 68 template landmarks, projected exactly
//              from their surface points (also when invisible or outside the image)
//   visible    68 u8: 1 when the landmark's surface point is the front-most surface along its
//              ray (no triangle of the head nearer at its exact projection), its pixel lies in
//              the image with mask 1, and no occluder covers it
//
// Camera: pinhole, principal point at the image centre, 30° horizontal field of view; the head
// pose is given in the camera frame: yaw > 0 turns the nose towards the image right, pitch > 0
// tilts the face down, roll > 0 turns the face counter-clockwise in the image.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/philox.h"
#include "data/dataset.h"
#include "data/synth/face_template.h"
#include "data/synth/face_texture.h"
#include "data/synth/rasterizer.h"
#include "data/synth/shading.h"

namespace dc {

struct FaceWorldOptions {
  int size = 256;       // S: images are S×S
  int supersample = 2;  // RGB anti-aliasing, S×S sub-samples per pixel (1 to 8)
  // Which pixels are supersampled (shading.h): kEdges, only those near silhouettes, occlusions
  // and seams (about 5 % of a face image), the rest one sample at the centre.
  Antialias antialias = Antialias::kEdges;
  double max_yaw = 75;                // degrees, yaw uniform in [−max_yaw, max_yaw]
  double max_pitch = 20;              // degrees
  double max_roll = 15;               // degrees
  double min_face = 0.45;             // face height (hairline to chin) as a fraction of S, smallest
  double max_face = 0.65;             // ... and largest
  double max_shift = 0.08;            // face centre offset from the image centre, fraction of S
  bool clutter = true;                // random shapes and gradients behind the head (else mid grey)
  double occluder_probability = 0.3;  // chance of 1–3 occluding blobs over the face
  double blur_probability = 0.5;      // chance of a Gaussian blur of the RGB
  double max_blur = 1.2;              // its largest sigma, pixels
  double max_noise = 0.03;            // Gaussian RGB noise sigma, uniform in [0, max_noise]
  bool parallel = false;  // RasterOptions::parallel (the loader already renders per thread)

  // Checks ranges; a dc::Error names the option.
  void validate() const;
};

// A blob drawn over the image in front of everything: a superellipse (|x'/rx|^n + |y'/ry|^n <= 1
// in its rotated frame) of one colour with a linear shading across it.
struct FaceOccluder {
  double cx = 0, cy = 0, rx = 10, ry = 10;  // pixels
  double angle = 0;                         // radians
  double exponent = 2;                      // 2: ellipse; larger: rounder rectangle
  std::array<float, 3> colour{0.5f, 0.5f, 0.5f};
  float shade = 0;  // brightness change from one side to the other, ±
};

// Everything random about one face sample: render_face_scene() is a pure function of it.
struct FaceScene {
  FaceShape shape;
  FaceTextureParams texture;
  double yaw = 0, pitch = 0, roll = 0;        // radians, camera frame (see the top of this file)
  double distance = 0.6;                      // metres from the camera to the face centre
  double offset_x = 0, offset_y = 0;          // pixels from the image centre to the face centre
  double principal_dx = 0, principal_dy = 0;  // principal point offset from the image centre, px
  double fov = 30;                            // horizontal field of view, degrees
  Vec3 light_direction{0, 0, -1};             // camera frame, from the face towards the light
  float ambient = 0.4f, diffuse = 0.6f;
  bool clutter = true;
  uint64_t background_seed = 0;
  std::vector<FaceOccluder> occluders;
  double blur = 0;   // Gaussian sigma of the RGB blur, pixels (0: none)
  double noise = 0;  // RGB noise sigma
  uint64_t noise_seed = 0;

  // The mirror image of this scene at `size`×`size` pixels about the image's vertical centre
  // line: mirrored shape, yaw and roll negated, offsets, principal point, light and occluders
  // mirrored. Its render is the horizontal flip x ↦ size − 1 − x of this one's, with part labels
  // through face_part_flip(), U ↦ 1 − U and landmarks reordered by face_landmark_flip(), up to
  // the rasterizer's fill rule on pixel centres exactly on an edge; the background clutter, the
  // texture noise and the image noise are not mirrored.
  FaceScene mirrored(int size) const;
  // A random scene from `rng` within `options`' ranges.
  static FaceScene sample(Generator& rng, const FaceWorldOptions& options);
};

// The camera of `scene` at `size`×`size` pixels, looking at the head (whose frame is the world).
Camera face_camera(const FaceScene& scene, int size);

// Thread CPU seconds spent in each stage of render_face_scene().
struct FaceRenderTimes {
  // mesh: face_mesh(); texture: face_texture(); background: clutter; render: rasterization and
  // shading (label pass + supersampled RGB); labels: uv, part, mask, depth and occluders;
  // landmarks: projection and visibility; post: blur and noise; tensors: the Sample's tensors.
  double mesh = 0, texture = 0, background = 0, render = 0, labels = 0, landmarks = 0, post = 0,
         tensors = 0;
  double total() const {
    return mesh + texture + background + render + labels + landmarks + post + tensors;
  }
};

// Renders `scene` into a face sample (fields at the top of this file).
Sample render_face_scene(const FaceScene& scene, const FaceWorldOptions& options,
                         FaceRenderTimes* times = nullptr);

// A random face sample: render_face_scene(FaceScene::sample(rng, options), options).
Sample render_face(Generator& rng, const FaceWorldOptions& options);

// How the fields of a face sample move under geometric transforms.
SampleLayout face_sample_layout();

// Synthetic faces generated on the fly: sample i is render_face() with the generator the loader
// gives for it, so the dataset holds no data and is deterministic per (seed, epoch, index).
class SynthFacesDataset : public Dataset {
 public:
  // `size` samples (>= 1), options validated here.
  SynthFacesDataset(int64_t size, FaceWorldOptions options, std::string split = "train");
  int64_t size() const override { return size_; }
  Sample get(int64_t index, Generator& rng) const override;
  SampleLayout layout() const override { return face_sample_layout(); }
  std::string name() const override { return "synthetic faces (" + split_ + ")"; }
  const FaceWorldOptions& options() const { return options_; }

 private:
  int64_t size_;
  FaceWorldOptions options_;
  std::string split_;
};

}  // namespace dc
