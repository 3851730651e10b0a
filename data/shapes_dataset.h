// A generated 4-class image dataset: one bright shape per image (horizontal bar, vertical bar,
// diagonal line, filled square) on a dark background with sensor noise. It is the smallest real
// learning task of the project: the quickstart's demo CNN and the Trainer's tests train on it.
#pragma once

#include <cstdint>
#include <string>

#include "core/random_stream.h"
#include "data/dataset.h"

namespace dc {

constexpr int kNumShapeClasses = 4;
// The classes, in label order.
extern const char* const kShapeClassNames[kNumShapeClasses];

// Draws shape `label` into the side×side grey image `img` (row-major, values in [0, 1] over a 0
// background), at a random position, size and contrast. Lengths scale with side / 16.
void draw_shape(RandomStream& random, int label, int side, float* img);

// Samples: image 3×side×side f32 (the grey image in all three channels, so that ImageNet-style
// networks take it as is), label 0-d i64 in [0, 4). Sample i depends only on the generator the
// loader gives it; the split only names the dataset in messages (the loader's seeds differ by run
// seed, so the trainer seeds the test split's loader apart from the training one).
class ShapesDataset : public Dataset {
 public:
  ShapesDataset(int64_t size, int side, std::string split);
  int64_t size() const override { return size_; }
  Sample get(int64_t index, Generator& rng) const override;
  SampleLayout layout() const override;
  std::string name() const override { return "shapes (" + split_ + ")"; }

 private:
  int64_t size_;
  int side_;
  std::string split_;
};

}  // namespace dc
