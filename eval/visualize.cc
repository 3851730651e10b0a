#include "eval/visualize.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"
#include "data/synth/face_template.h"
#include "data/synth/shading.h"
#include "eval/canvas.h"
#include "eval/inputs.h"

namespace dc {
namespace {

// matplotlib's viridis at t = 0, 1/8, ..., 1.
const float kViridis[9][3] = {
    {0.267f, 0.005f, 0.329f}, {0.279f, 0.175f, 0.483f}, {0.230f, 0.322f, 0.546f},
    {0.173f, 0.449f, 0.558f}, {0.128f, 0.567f, 0.551f}, {0.153f, 0.680f, 0.504f},
    {0.361f, 0.785f, 0.388f}, {0.668f, 0.862f, 0.196f}, {0.993f, 0.906f, 0.144f}};

// The face-sheet palette (data/synth/face_sheet.cc), indexed by FacePart.
const uint8_t kPartPalette[kFaceNumLabels][3] = {{0, 0, 0},     {255, 200, 0}, {255, 120, 0},
                                                 {0, 160, 255}, {0, 60, 255},  {230, 0, 90},
                                                 {150, 0, 60},  {0, 200, 80},  {180, 150, 130}};

int64_t level_of(float value, int levels) {
  return static_cast<int64_t>(std::floor(static_cast<double>(value) * levels));
}

}  // namespace

std::array<float, 3> viridis(float t) {
  const float s = std::clamp(std::isnan(t) ? 0.0f : t, 0.0f, 1.0f) * 8.0f;
  const int i = std::min(7, static_cast<int>(s));
  const float a = s - static_cast<float>(i);
  std::array<float, 3> c;
  for (int k = 0; k < 3; ++k) c[k] = kViridis[i][k] * (1 - a) + kViridis[i + 1][k] * a;
  return c;
}

Tensor uv_color_map(const Tensor& uv, const Tensor& mask, int channel,
                    std::array<float, 3> background) {
  DC_CHECK(channel == 0 || channel == 1, "uv_color_map: channel must be 0 (U) or 1 (V), got ",
           channel);
  int64_t h = 0, w = 0;
  const std::vector<float> f = eval_read_uv(uv, "uv_color_map: uv", &h, &w);
  const std::vector<uint8_t> m = eval_read_mask(mask, "uv_color_map: mask", h, w);
  const int64_t n = h * w;
  std::vector<float> out(3 * n);
  for (int64_t i = 0; i < n; ++i) {
    const std::array<float, 3> c = m[i] ? viridis(f[channel * n + i]) : background;
    for (int k = 0; k < 3; ++k) out[k * n + i] = c[k];
  }
  return eval_rgb_tensor(out, h, w);
}

Tensor draw_uv_isolines(const Tensor& image, const Tensor& uv, const Tensor& mask,
                        const IsolineOptions& options) {
  DC_CHECK(options.levels >= 2, "draw_uv_isolines: options.levels must be >= 2, got ",
           options.levels);
  int64_t h = 0, w = 0, ih = 0, iw = 0;
  const std::vector<float> f = eval_read_uv(uv, "draw_uv_isolines: uv", &h, &w);
  std::vector<float> out = eval_read_rgb(image, "draw_uv_isolines: image", &ih, &iw);
  DC_CHECK(ih == h && iw == w, "draw_uv_isolines: image ", image.str(), " and uv ", uv.str(),
           " must have the same size");
  const std::vector<uint8_t> m = eval_read_mask(mask, "draw_uv_isolines: mask", h, w);
  const int64_t n = h * w;
  for (int ch = 0; ch < 2; ++ch) {
    const std::array<float, 3>& colour = ch == 0 ? options.u_colour : options.v_colour;
    const float* plane = &f[ch * n];
    for (int64_t y = 0; y < h; ++y) {
      for (int64_t x = 0; x < w; ++x) {
        const int64_t p = y * w + x;
        if (!m[p] || !std::isfinite(plane[p])) continue;
        const int64_t l = level_of(plane[p], options.levels);
        bool on = false;
        for (const int64_t q : {x + 1 < w ? p + 1 : -1, y + 1 < h ? p + w : -1}) {
          if (q < 0 || !m[q] || !std::isfinite(plane[q])) continue;
          const int64_t lq = level_of(plane[q], options.levels);
          // Only the interior levels 1..levels-1 are lines (not the chart's edges 0 and 1).
          const int64_t crossed = std::max(l, lq);
          if (lq != l && crossed >= 1 && crossed <= options.levels - 1) on = true;
        }
        if (!on) continue;
        for (int k = 0; k < 3; ++k) out[k * n + p] = colour[k];
      }
    }
  }
  return eval_rgb_tensor(out, h, w);
}

Tensor draw_landmarks(const Tensor& image, const Tensor& points, const Tensor& found,
                      const LandmarkStyle& style) {
  DC_CHECK(std::isfinite(style.radius) && style.radius > 0,
           "draw_landmarks: style.radius must be > 0, got ", style.radius);
  Canvas canvas = Canvas::from_image(image);
  int64_t k = 0;
  const std::vector<double> p = eval_read_points(points, "draw_landmarks: points", &k);
  std::vector<double> use(k, 1.0);
  if (found.defined()) {
    DC_CHECK(found.dim() == 1 && found.size(0) == k, "draw_landmarks: found must hold ", k,
             " values (one per point of ", points.str(), "), got ", found.str());
    use = found.to_vector();
  }
  auto byte = [](float v) {
    return static_cast<uint8_t>(std::lround(255.0f * std::clamp(v, 0.0f, 1.0f)));
  };
  const Rgb colour{byte(style.colour[0]), byte(style.colour[1]), byte(style.colour[2])};
  for (int64_t i = 0; i < k; ++i) {
    if (use[i] == 0 || !std::isfinite(p[2 * i]) || !std::isfinite(p[2 * i + 1])) continue;
    canvas.disc(p[2 * i], p[2 * i + 1], style.radius + 1, {0, 0, 0});
    canvas.disc(p[2 * i], p[2 * i + 1], style.radius, colour);
  }
  return canvas.to_f32();
}

Tensor face_part_color_map(const Tensor& parts) {
  DC_CHECK(parts.defined() && parts.dim() == 2,
           "face_part_color_map: parts must be an H×W label map, got ",
           parts.defined() ? parts.str() : std::string("an undefined tensor"));
  const int64_t h = parts.size(0), w = parts.size(1), n = h * w;
  const std::vector<int64_t> l = eval_read_labels(parts, "face_part_color_map: parts", h, w);
  std::vector<float> out(3 * n);
  for (int64_t i = 0; i < n; ++i) {
    DC_CHECK(l[i] >= 0 && l[i] < kFaceNumLabels, "face_part_color_map: label ", l[i],
             " at pixel (x ", i % w, ", y ", i / w, ") is outside [0, ", kFaceNumLabels, ")");
    for (int k = 0; k < 3; ++k) out[k * n + i] = kPartPalette[l[i]][k] / 255.0f;
  }
  return eval_rgb_tensor(out, h, w);
}

Tensor texture_transfer(const Tensor& image, const Tensor& texture, const Tensor& uv,
                        const Tensor& mask, float opacity) {
  DC_CHECK(opacity >= 0 && opacity <= 1, "texture_transfer: opacity must be in [0, 1], got ",
           opacity);
  DC_CHECK(texture.defined() && texture.device().is_cpu() && texture.dim() == 3 &&
               texture.size(2) == 3 && texture.size(0) >= 1 && texture.size(1) >= 1 &&
               is_floating(texture.dtype()),
           "texture_transfer: texture must be an Ht×Wt×3 floating RGB tensor on the CPU, got ",
           texture.defined() ? texture.str() : std::string("an undefined tensor"));
  int64_t h = 0, w = 0, ih = 0, iw = 0;
  const std::vector<float> f = eval_read_uv(uv, "texture_transfer: uv", &h, &w);
  std::vector<float> out = eval_read_rgb(image, "texture_transfer: image", &ih, &iw);
  DC_CHECK(ih == h && iw == w, "texture_transfer: image ", image.str(), " and uv ", uv.str(),
           " must have the same size");
  const std::vector<uint8_t> m = eval_read_mask(mask, "texture_transfer: mask", h, w);
  Texture tex;
  tex.height = static_cast<int>(texture.size(0));
  tex.width = static_cast<int>(texture.size(1));
  const std::vector<double> texels = texture.to_vector();
  tex.rgb.assign(texels.begin(), texels.end());
  tex.validate("texture_transfer: texture");
  const int64_t n = h * w;
  for (int64_t i = 0; i < n; ++i) {
    if (!m[i]) continue;
    DC_CHECK(std::isfinite(f[i]) && std::isfinite(f[n + i]),
             "texture_transfer: uv is not finite at pixel (x ", i % w, ", y ", i / w, ")");
    const std::array<float, 3> c = sample_bilinear(tex, f[i], f[n + i]);
    for (int k = 0; k < 3; ++k) out[k * n + i] = (1 - opacity) * out[k * n + i] + opacity * c[k];
  }
  return eval_rgb_tensor(out, h, w);
}

}  // namespace dc
