#include "eval/canvas.h"

#include <stb/stb_easy_font.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "data/image_io.h"
#include "eval/inputs.h"

namespace dc {
namespace {

// stb_easy_font takes mutable char*; printable ASCII only.
std::vector<char> font_chars(const std::string& text) {
  std::vector<char> out;
  out.reserve(text.size() + 1);
  for (unsigned char c : text) out.push_back((c == '\n' || (c >= 32 && c < 127)) ? c : '?');
  out.push_back('\0');
  return out;
}

uint8_t mix(uint8_t a, uint8_t b, float alpha) {
  return static_cast<uint8_t>(std::lround(a * alpha + b * (1.0f - alpha)));
}

}  // namespace

Canvas::Canvas(int width, int height, Rgb background) : width_(width), height_(height) {
  DC_CHECK(width >= 1 && height >= 1, "Canvas: size must be at least 1×1, got ", width, "×",
           height);
  rgb_.resize(static_cast<size_t>(width) * height * 3);
  for (size_t i = 0; i < rgb_.size(); i += 3) {
    rgb_[i] = background.r;
    rgb_[i + 1] = background.g;
    rgb_[i + 2] = background.b;
  }
}

Canvas Canvas::from_image(const Tensor& image) {
  int64_t h = 0, w = 0;
  const std::vector<float> f = eval_read_rgb(image, "Canvas::from_image: image", &h, &w);
  Canvas c(static_cast<int>(w), static_cast<int>(h));
  const int64_t n = h * w;
  for (int64_t i = 0; i < n; ++i) {
    for (int ch = 0; ch < 3; ++ch) {
      const float v = f[ch * n + i];
      DC_CHECK(!std::isnan(v), "Canvas::from_image: image has a NaN at channel ", ch, " pixel (x ",
               i % w, ", y ", i / w, ")");
      c.rgb_[3 * i + ch] = static_cast<uint8_t>(std::lround(255.0f * std::clamp(v, 0.0f, 1.0f)));
    }
  }
  return c;
}

Rgb Canvas::at(int x, int y) const {
  DC_CHECK(x >= 0 && y >= 0 && x < width_ && y < height_, "Canvas::at: (", x, ", ", y,
           ") is outside the ", width_, "×", height_, " canvas");
  const uint8_t* p = &rgb_[3 * (static_cast<size_t>(y) * width_ + x)];
  return {p[0], p[1], p[2]};
}

void Canvas::set(int x, int y, Rgb colour) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
  uint8_t* p = &rgb_[3 * (static_cast<size_t>(y) * width_ + x)];
  p[0] = colour.r;
  p[1] = colour.g;
  p[2] = colour.b;
}

void Canvas::blend(int x, int y, Rgb colour, float alpha) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_ || !(alpha > 0)) return;
  alpha = std::min(alpha, 1.0f);
  uint8_t* p = &rgb_[3 * (static_cast<size_t>(y) * width_ + x)];
  p[0] = mix(colour.r, p[0], alpha);
  p[1] = mix(colour.g, p[1], alpha);
  p[2] = mix(colour.b, p[2], alpha);
}

void Canvas::fill_rect(int x0, int y0, int x1, int y1, Rgb colour) {
  for (int y = std::max(0, y0); y < std::min(height_, y1); ++y) {
    for (int x = std::max(0, x0); x < std::min(width_, x1); ++x) set(x, y, colour);
  }
}

void Canvas::line(double x0, double y0, double x1, double y1, Rgb colour, double width) {
  const double half = width / 2;
  const int bx0 = static_cast<int>(std::floor(std::min(x0, x1) - half - 1));
  const int bx1 = static_cast<int>(std::ceil(std::max(x0, x1) + half + 1));
  const int by0 = static_cast<int>(std::floor(std::min(y0, y1) - half - 1));
  const int by1 = static_cast<int>(std::ceil(std::max(y0, y1) + half + 1));
  const double dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
  for (int y = std::max(0, by0); y <= std::min(height_ - 1, by1); ++y) {
    for (int x = std::max(0, bx0); x <= std::min(width_ - 1, bx1); ++x) {
      // Distance from the pixel centre to the segment.
      double t = len2 > 0 ? ((x - x0) * dx + (y - y0) * dy) / len2 : 0;
      t = std::clamp(t, 0.0, 1.0);
      const double d = std::hypot(x - (x0 + t * dx), y - (y0 + t * dy));
      blend(x, y, colour, static_cast<float>(std::clamp(half + 0.5 - d, 0.0, 1.0)));
    }
  }
}

void Canvas::disc(double cx, double cy, double radius, Rgb colour) {
  for (int y = static_cast<int>(std::floor(cy - radius - 1));
       y <= static_cast<int>(std::ceil(cy + radius + 1)); ++y) {
    for (int x = static_cast<int>(std::floor(cx - radius - 1));
         x <= static_cast<int>(std::ceil(cx + radius + 1)); ++x) {
      const double d = std::hypot(x - cx, y - cy);
      blend(x, y, colour, static_cast<float>(std::clamp(radius + 0.5 - d, 0.0, 1.0)));
    }
  }
}

void Canvas::text(int x, int y, const std::string& text, Rgb colour, int scale) {
  DC_CHECK(scale >= 1, "Canvas::text: scale must be >= 1, got ", scale);
  std::vector<char> chars = font_chars(text);
  // ~270 bytes per character (stb_easy_font's estimate); 16 bytes per vertex, 4 per quad.
  std::vector<char> buffer(400 * chars.size() + 1024);
  const int quads = stb_easy_font_print(0, 0, chars.data(), nullptr, buffer.data(),
                                        static_cast<int>(buffer.size()));
  for (int q = 0; q < quads; ++q) {
    float qx0 = 1e9f, qy0 = 1e9f, qx1 = -1e9f, qy1 = -1e9f;
    for (int v = 0; v < 4; ++v) {
      const float* p = reinterpret_cast<const float*>(&buffer[(4 * q + v) * 16]);
      qx0 = std::min(qx0, p[0]);
      qx1 = std::max(qx1, p[0]);
      qy0 = std::min(qy0, p[1]);
      qy1 = std::max(qy1, p[1]);
    }
    fill_rect(x + static_cast<int>(std::lround(qx0 * scale)),
              y + static_cast<int>(std::lround(qy0 * scale)),
              x + static_cast<int>(std::lround(qx1 * scale)),
              y + static_cast<int>(std::lround(qy1 * scale)), colour);
  }
}

int Canvas::text_width(const std::string& text, int scale) {
  std::vector<char> chars = font_chars(text);
  return stb_easy_font_width(chars.data()) * scale;
}

int Canvas::text_height(const std::string& text, int scale) {
  std::vector<char> chars = font_chars(text);
  return stb_easy_font_height(chars.data()) * scale;
}

Tensor Canvas::to_u8() const {
  Tensor out = empty({height_, width_, 3}, DType::u8);
  std::copy(rgb_.begin(), rgb_.end(), out.data<uint8_t>());
  return out;
}

Tensor Canvas::to_f32() const {
  const int64_t n = static_cast<int64_t>(width_) * height_;
  Tensor out = empty({3, height_, width_}, DType::f32);
  float* p = out.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    for (int c = 0; c < 3; ++c) p[c * n + i] = rgb_[3 * i + c] / 255.0f;
  }
  return out;
}

void Canvas::write_png(const std::string& path) const { dc::write_png(path, to_u8()); }

}  // namespace dc
