#include "eval/chart_textures.h"

#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "data/synth/face_texture.h"
#include "data/synth/shading.h"
#include "eval/inputs.h"

namespace dc {

Tensor checkerboard_chart_texture(int size, int cells) {
  DC_CHECK(size >= 2, "checkerboard_chart_texture: size must be >= 2, got ", size);
  DC_CHECK(cells >= 1 && cells <= size, "checkerboard_chart_texture: cells must be in [1, ", size,
           "], got ", cells);
  Tensor t = empty({size, size, 3});
  float* p = t.data<float>();
  for (int j = 0; j < size; ++j) {
    for (int i = 0; i < size; ++i) {
      const bool dark = ((i * cells / size) + (j * cells / size)) % 2;
      const float base = dark ? 0.25f : 0.9f;
      p[3 * (j * size + i)] = base * (0.5f + 0.5f * i / size);
      p[3 * (j * size + i) + 1] = base * 0.8f;
      p[3 * (j * size + i) + 2] = base * (0.5f + 0.5f * j / size);
    }
  }
  return t;
}

Tensor synth_face_chart_texture(int size) {
  DC_CHECK(size >= 2, "synth_face_chart_texture: size must be >= 2, got ", size);
  const Texture atlas = face_texture(FaceTextureParams{});
  atlas.validate("synth_face_chart_texture: the face atlas");
  Tensor t = empty({size, size, 3});
  float* p = t.data<float>();
  for (int j = 0; j < size; ++j) {
    for (int i = 0; i < size; ++i) {
      const std::array<float, 2> st = face_texture_coords((i + 0.5f) / static_cast<float>(size),
                                                          (j + 0.5f) / static_cast<float>(size));
      const std::array<float, 3> c = sample_bilinear(atlas, st[0], st[1]);
      for (int k = 0; k < 3; ++k) p[3 * (j * size + i) + k] = c[k];
    }
  }
  return t;
}

Tensor chart_texture_from_image(const Tensor& image, const std::string& what) {
  int64_t h = 0, w = 0;
  const std::vector<float> rgb = eval_read_rgb(image, "texture " + what, &h, &w);
  DC_CHECK(h >= 2 && w >= 2, "texture ", what, ": expected at least 2×2 texels, got ", w, "×", h);
  Tensor t = empty({h, w, 3});
  float* p = t.data<float>();
  const int64_t n = h * w;
  for (int64_t i = 0; i < n; ++i) {
    for (int k = 0; k < 3; ++k) {
      const float v = rgb[k * n + i];
      DC_CHECK(std::isfinite(v), "texture ", what, ": the value at pixel (", i % w, ", ", i / w,
               ") channel ", k, " is not finite");
      p[3 * i + k] = v;
    }
  }
  return t;
}

}  // namespace dc
