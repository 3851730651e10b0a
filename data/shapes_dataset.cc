#include "data/shapes_dataset.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "ops/creation.h"

namespace dc {

const char* const kShapeClassNames[kNumShapeClasses] = {"horizontal bar", "vertical bar",
                                                        "diagonal line", "filled square"};

void draw_shape(RandomStream& random, int label, int side, float* img) {
  auto set = [&](int64_t r, int64_t c, float v) {
    if (r >= 0 && r < side && c >= 0 && c < side) img[r * side + c] = v;
  };
  // Sizes were tuned on 16×16 images; larger images scale them so the task stays the same.
  auto scaled = [&](int64_t n) { return std::max<int64_t>(1, n * side / 16); };
  const float v = 0.7f + 0.3f * random.uniform();  // varying contrast
  switch (label) {
    case 0: {  // horizontal bar, 1-2 px thick, 8-13 px long (at 16×16)
      const int64_t len = random.uniform_int(scaled(8), scaled(13));
      const int64_t thick = random.uniform_int(scaled(1), scaled(2));
      const int64_t r = random.uniform_int(1, side - 1 - thick);
      const int64_t c = random.uniform_int(0, side - len);
      for (int64_t t = 0; t < thick; ++t)
        for (int64_t k = 0; k < len; ++k) set(r + t, c + k, v);
      break;
    }
    case 1: {  // vertical bar
      const int64_t len = random.uniform_int(scaled(8), scaled(13));
      const int64_t thick = random.uniform_int(scaled(1), scaled(2));
      const int64_t c = random.uniform_int(1, side - 1 - thick);
      const int64_t r = random.uniform_int(0, side - len);
      for (int64_t t = 0; t < thick; ++t)
        for (int64_t k = 0; k < len; ++k) set(r + k, c + t, v);
      break;
    }
    case 2: {  // diagonal line, either direction, 8-13 px long, as thick as a bar
      const int64_t len = random.uniform_int(scaled(8), scaled(13));
      const int64_t thick = scaled(1);
      const int64_t r = random.uniform_int(0, side - len - thick);
      const int64_t c = random.uniform_int(0, side - len);
      const bool anti = random.uniform() < 0.5f;
      for (int64_t t = 0; t < thick; ++t)
        for (int64_t k = 0; k < len; ++k) set(r + k + t, anti ? c + len - 1 - k : c + k, v);
      break;
    }
    default: {  // filled square, 3-6 px
      const int64_t s = random.uniform_int(scaled(3), scaled(6));
      const int64_t r = random.uniform_int(0, side - s), c = random.uniform_int(0, side - s);
      for (int64_t i = 0; i < s; ++i)
        for (int64_t j = 0; j < s; ++j) set(r + i, c + j, v);
      break;
    }
  }
}

ShapesDataset::ShapesDataset(int64_t size, int side, std::string split)
    : size_(size), side_(side), split_(std::move(split)) {
  DC_CHECK(size > 0, "shapes dataset (", split_, "): size must be positive, got ", size);
  DC_CHECK(side >= 16, "shapes dataset (", split_, "): image side must be at least 16, got ", side);
}

Sample ShapesDataset::get(int64_t index, Generator& rng) const {
  DC_CHECK(index >= 0 && index < size_, name(), ": index ", index, " outside [0, ", size_, ")");
  RandomStream random(rng);
  const int label = static_cast<int>(random.uniform_int(0, kNumShapeClasses - 1));
  const int64_t plane = static_cast<int64_t>(side_) * side_;
  Tensor image = zeros({3, side_, side_}, DType::f32);
  float* grey = image.data<float>();
  draw_shape(random, label, side_, grey);
  for (int64_t k = 0; k < plane; ++k) grey[k] += 0.15f * random.normal();  // sensor noise
  std::copy(grey, grey + plane, grey + plane);
  std::copy(grey, grey + plane, grey + 2 * plane);
  Tensor label_t = full({}, static_cast<double>(label), DType::i64);
  return {{"image", image}, {"label", label_t}};
}

SampleLayout ShapesDataset::layout() const {
  return {{"image", FieldKind::kImage}, {"label", FieldKind::kOther}};
}

}  // namespace dc
