// The `synth_faces` dataset of the trainers: synthetic faces (data/synth/face_world.h) at
// data.image_size, as a train or a test split that never share a sample.
//
// Each split mixes its own stream constant into the generator that renders a face:
//   train  face i of epoch e is rendered from Generator(sample_seed(s, kTrainStream, 0)) with s the
//          seed the loader gives the sample (a function of the run seed, e and i), then augmented
//          with the loader's generator: a random scale from `scales`, a random
//          image_size × image_size crop (padded with background where the scaled image is
//          smaller) and, with `flip`, a horizontal flip with the face flip tables (parts, landmark
//          order, U ↦ 1 − U on the face);
//   test   face i is rendered from Generator(sample_seed(test_seed, kTestStream, i)), whatever the
//          run seed or the loader's generator: the same held-out faces for every run, with no
//          augmentation.
// Train and test faces come from different Philox streams, so they coincide only if two 64-bit
// seed hashes collide.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/synth/face_world.h"
#include "data/transforms.h"

namespace dc {

struct SynthFacesSplitOptions {
  std::string split = "train";  // "train" or "test"
  int64_t num_samples = 10000;
  FaceWorldOptions world;                                 // world.size is the image side
  std::vector<double> scales{0.5, 0.75, 1.0, 1.25, 1.5};  // train only; {1}: no scaling
  bool flip = true;                                       // train only
  uint64_t test_seed = 1;                                 // test only
};

class SynthFacesSplit : public Dataset {
 public:
  static constexpr uint64_t kTrainStream = 0x7261696eull;  // "rain"
  static constexpr uint64_t kTestStream = 0x74657374ull;   // "test"

  explicit SynthFacesSplit(SynthFacesSplitOptions options);
  int64_t size() const override { return options_.num_samples; }
  Sample get(int64_t index, Generator& rng) const override;
  SampleLayout layout() const override { return face_sample_layout(); }
  std::string name() const override { return "synthetic faces (" + options_.split + ")"; }
  const SynthFacesSplitOptions& options() const { return options_; }

 private:
  SynthFacesSplitOptions options_;
  std::shared_ptr<const Transform> augment_;  // null for the test split
};

// The horizontal-flip rules of face samples: part labels through face_part_flip(), landmarks
// (and `visible`) through face_landmark_flip(), U ↦ 1 − U where mask is 1.
FlipRules face_flip_rules();

}  // namespace dc
