// A small RGB drawing surface for the evaluation pictures: anti-aliased lines and discs, filled
// rectangles and text in a tiny built-in bitmap font (stb_easy_font: printable ASCII, glyphs about
// 6×7 pixels at scale 1, drawn at integer scales). Coordinates are pixels with pixel centres at
// integers (data/sample.h), x to the right, y down; drawing outside the canvas is clipped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace dc {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};

class Canvas {
 public:
  Canvas(int width, int height, Rgb background = {255, 255, 255});
  // A canvas holding a 3×H×W floating image with values in [0, 1] (clamped, rounded to 8 bits).
  static Canvas from_image(const Tensor& image);

  int width() const { return width_; }
  int height() const { return height_; }

  Rgb at(int x, int y) const;          // a dc::Error outside the canvas
  void set(int x, int y, Rgb colour);  // ignored outside the canvas
  // colour·alpha + current·(1 − alpha), alpha in [0, 1].
  void blend(int x, int y, Rgb colour, float alpha);
  // Fills the pixels x0 <= x < x1, y0 <= y < y1.
  void fill_rect(int x0, int y0, int x1, int y1, Rgb colour);
  // A segment of the given width; each pixel is blended by its coverage (distance-based
  // anti-aliasing), so pixels on the centre line of a segment of width >= 1 are exactly `colour`.
  void line(double x0, double y0, double x1, double y1, Rgb colour, double width = 1.5);
  // A filled disc, anti-aliased on its rim.
  void disc(double cx, double cy, double radius, Rgb colour);
  // Text with its top-left corner at (x, y), each font pixel drawn as scale×scale pixels;
  // '\n' starts a new line. Non-ASCII characters are drawn as '?'.
  void text(int x, int y, const std::string& text, Rgb colour, int scale = 2);
  static int text_width(const std::string& text, int scale = 2);
  static int text_height(const std::string& text, int scale = 2);

  Tensor to_u8() const;   // H×W×3 u8 (what write_png stores as is)
  Tensor to_f32() const;  // 3×H×W f32 in [0, 1]
  // write_png (data/image_io.h) of to_u8().
  void write_png(const std::string& path) const;

 private:
  int width_, height_;
  std::vector<uint8_t> rgb_;  // row-major, 3 bytes per pixel
};

}  // namespace dc
