// Small drawing helpers for contact sheets: an RGB byte canvas with image blits, lines and dots.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace dc {

using Rgb = std::array<float, 3>;  // in [0, 1]

class Canvas {
 public:
  Canvas(int width, int height, Rgb fill = {1, 1, 1});
  int width() const { return width_; }
  int height() const { return height_; }
  void put(int x, int y, const Rgb& c);
  // Mixes `c` into the pixel with weight `alpha`.
  void blend(int x, int y, const Rgb& c, float alpha);
  void line(double x0, double y0, double x1, double y1, const Rgb& c);
  void dot(double x, double y, int radius, const Rgb& c);
  // Draws a 3×H×W f32 image scaled by `scale` (nearest) with its top-left at (ox, oy).
  void blit(const Tensor& image, int ox, int oy, double scale);
  // The canvas as an H×W×3 u8 tensor (image_io.h's write_png takes it).
  Tensor to_tensor() const;

 private:
  int width_, height_;
  std::vector<uint8_t> rgb_;
};

// A distinct colour per DensePose chart 1..24 (or any small label).
Rgb label_colour(int label);

}  // namespace dc
