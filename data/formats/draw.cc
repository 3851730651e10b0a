#include "data/formats/draw.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.h"

namespace dc {

Canvas::Canvas(int width, int height, Rgb fill) : width_(width), height_(height) {
  DC_CHECK(width > 0 && height > 0, "Canvas: size ", width, "x", height, " must be positive");
  rgb_.resize(static_cast<size_t>(width) * height * 3);
  for (size_t p = 0; p < rgb_.size(); p += 3) {
    for (int k = 0; k < 3; ++k)
      rgb_[p + k] = static_cast<uint8_t>(std::lround(std::clamp(fill[k], 0.0f, 1.0f) * 255));
  }
}

void Canvas::put(int x, int y, const Rgb& c) { blend(x, y, c, 1.0f); }

void Canvas::blend(int x, int y, const Rgb& c, float alpha) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
  uint8_t* p = &rgb_[3 * (static_cast<size_t>(y) * width_ + x)];
  for (int k = 0; k < 3; ++k) {
    const float v = (1 - alpha) * p[k] / 255.0f + alpha * std::clamp(c[k], 0.0f, 1.0f);
    p[k] = static_cast<uint8_t>(std::lround(v * 255));
  }
}

void Canvas::line(double x0, double y0, double x1, double y1, const Rgb& c) {
  if (!std::isfinite(x0 + y0 + x1 + y1)) return;
  const int n = static_cast<int>(std::ceil(std::max(std::abs(x1 - x0), std::abs(y1 - y0)))) + 1;
  if (n > 100000) return;
  for (int i = 0; i <= n; ++i) {
    const double t = static_cast<double>(i) / n;
    put(static_cast<int>(std::lround(x0 + (x1 - x0) * t)),
        static_cast<int>(std::lround(y0 + (y1 - y0) * t)), c);
  }
}

void Canvas::dot(double x, double y, int r, const Rgb& c) {
  if (!std::isfinite(x + y)) return;
  for (int dy = -r; dy <= r; ++dy)
    for (int dx = -r; dx <= r; ++dx)
      if (dx * dx + dy * dy <= r * r)
        put(static_cast<int>(std::lround(x)) + dx, static_cast<int>(std::lround(y)) + dy, c);
}

void Canvas::blit(const Tensor& image, int ox, int oy, double scale) {
  DC_CHECK(image.dim() == 3 && image.size(0) == 3 && image.dtype() == DType::f32,
           "Canvas::blit: expected a 3×H×W f32 image, got ", image.str());
  const Tensor im = image.contiguous();
  const int64_t H = im.size(1), W = im.size(2);
  const float* d = im.data<float>();
  const int w = static_cast<int>(std::floor(W * scale)),
            h = static_cast<int>(std::floor(H * scale));
  for (int y = 0; y < h; ++y) {
    const int64_t sy = std::min<int64_t>(H - 1, static_cast<int64_t>((y + 0.5) / scale));
    for (int x = 0; x < w; ++x) {
      const int64_t sx = std::min<int64_t>(W - 1, static_cast<int64_t>((x + 0.5) / scale));
      const int64_t p = sy * W + sx;
      put(ox + x, oy + y, {d[p], d[H * W + p], d[2 * H * W + p]});
    }
  }
}

Tensor Canvas::to_tensor() const {
  Tensor t = empty({height_, width_, 3}, DType::u8);
  std::memcpy(t.raw_data(), rgb_.data(), rgb_.size());
  return t;
}

Rgb label_colour(int label) {
  const float h = std::fmod(label * 0.381966f, 1.0f) * 6;
  const float x = 1 - std::abs(std::fmod(h, 2.0f) - 1);
  Rgb c{0, 0, 0};
  const int sector = static_cast<int>(h);
  const float table[6][3] = {{1, x, 0}, {x, 1, 0}, {0, 1, x}, {0, x, 1}, {x, 0, 1}, {1, 0, x}};
  const float v = label % 2 ? 0.95f : 0.7f;
  for (int k = 0; k < 3; ++k) c[k] = table[std::min(sector, 5)][k] * v;
  return c;
}

}  // namespace dc
