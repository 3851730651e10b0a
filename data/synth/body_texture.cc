#include "data/synth/body_texture.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "data/synth/body_random.h"
#include "data/synth/body_template.h"

namespace dc {
namespace {

using RGB = std::array<float, 3>;

RGB mix(const RGB& a, const RGB& b, float t) {
  return {a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t};
}
RGB scale(const RGB& a, float s) { return {a[0] * s, a[1] * s, a[2] * s}; }

// V of the head at a fraction τ of its straight section (see body_template.cc).
double head_tau(double v) { return (v - 0.14) / (1 - 2 * 0.14); }

RGB random_colour(Generator& gen, float lo, float hi) {
  return {static_cast<float>(uniform(gen, lo, hi)), static_cast<float>(uniform(gen, lo, hi)),
          static_cast<float>(uniform(gen, lo, hi))};
}

uint32_t hash3(uint32_t a, uint32_t b, uint32_t c) {
  uint32_t h = a * 0x9E3779B1u ^ (b + 0x7F4A7C15u) * 0x85EBCA77u ^ (c + 0x165667B1u) * 0xC2B2AE3Du;
  h ^= h >> 15;
  h *= 0x2C1B3C6Du;
  h ^= h >> 12;
  return h;
}

RGB head_albedo(const BodyAppearance& a, int chart, double u, double v) {
  const double tau = head_tau(v);
  // Hair: the crown, and the back of the head down to a length-dependent line.
  const double hair_line_back = 0.75 - 0.45 * a.hair_length;
  const double front = u;  // 0 back of the head, 1 the face
  const bool crown = tau > 0.9 - 0.08 * front;
  const bool back_hair = front < 0.62 && tau > hair_line_back + 0.25 * front;
  if (crown || back_hair || v > 0.92) return a.hair;
  RGB c = a.skin;
  // Ears: a darker patch on the side.
  const double de = std::hypot((u - 0.48) / 0.05, (tau - 0.68) / 0.06);
  if (de < 1) c = scale(c, 0.85f);
  // Eyes: white with a dark iris; brows above.
  const double dx = (u - 0.84) / 0.06, dy = (tau - 0.74) / 0.035;
  const double d = std::hypot(dx, dy);
  if (d < 0.5) return {0.08f, 0.06f, 0.05f};
  if (d < 1) return {0.95f, 0.95f, 0.92f};
  if (std::abs(u - 0.84) < 0.07 && std::abs(tau - 0.81) < 0.018) return scale(a.hair, 0.8f);
  // Nose: a shaded ridge on the front meridian; mouth below it.
  if (u > 0.95 && std::abs(tau - 0.64) < 0.04) c = scale(c, 0.88f);
  if (u > 0.9 && std::abs(tau - 0.55) < 0.016) return {0.6f, 0.2f, 0.2f};
  (void)chart;
  return c;
}

}  // namespace

BodyAppearance sample_body_appearance(Generator& gen) {
  BodyAppearance a;
  // Skin tones from dark to light along a warm ramp.
  const float t = static_cast<float>(uniform(gen, 0, 1));
  a.skin = mix({0.36f, 0.22f, 0.15f}, {0.96f, 0.78f, 0.66f}, t);
  const int hair = uniform_int(gen, 0, 3);
  const RGB hairs[4] = {
      {0.08f, 0.06f, 0.05f}, {0.3f, 0.18f, 0.1f}, {0.75f, 0.6f, 0.35f}, {0.55f, 0.55f, 0.55f}};
  a.hair = hairs[hair];
  a.top = random_colour(gen, 0.05f, 0.95f);
  a.top2 = coin(gen, 0.5) ? RGB{0.92f, 0.92f, 0.9f} : random_colour(gen, 0.05f, 0.95f);
  a.bottom = random_colour(gen, 0.05f, 0.6f);
  a.bottom2 = random_colour(gen, 0.3f, 0.9f);
  a.shoes = random_colour(gen, 0.02f, 0.5f);
  a.top_pattern = uniform_int(gen, 0, 3);
  a.bottom_pattern = uniform_int(gen, 0, 1);
  a.stripes = uniform(gen, 4, 12);
  a.sleeves = coin(gen, 0.3) ? uniform(gen, 0, 0.15) : uniform(gen, 0.3, 1.0);
  a.trousers = coin(gen, 0.3) ? uniform(gen, 0.3, 0.5) : uniform(gen, 0.85, 1.0);
  a.hair_length = uniform(gen, 0, 1);
  a.seed = random_u32(gen);
  return a;
}

namespace {

// body_albedo() of chart `chart` of body part `part` (= chart_part(chart)), unchecked: the atlas
// loop resolves the part once per chart.
RGB part_albedo(const BodyAppearance& a, int part, int chart, double u, double v) {
  auto top = [&](double along, double across) {
    const int sv = static_cast<int>(std::floor(along * a.stripes));
    const int su = static_cast<int>(std::floor(across * a.stripes * 0.5));
    switch (a.top_pattern) {
      case 1:
        return (sv & 1) ? a.top2 : a.top;
      case 2:
        return (su & 1) ? a.top2 : a.top;
      case 3:
        return ((sv + su) & 1) ? a.top2 : a.top;
      default:
        return a.top;
    }
  };
  auto bottom = [&](double across) {
    if (a.bottom_pattern == 1 && (across < 0.06 || across > 0.94)) return a.bottom2;
    return a.bottom;
  };
  switch (part) {
    case kTorso:
      if (v < 0.24) return v > 0.2 ? scale(a.bottom, 0.6f) : bottom(u);  // belt, then trousers
      return top(v, u);
    case kHead:
      return head_albedo(a, chart, u, v);
    case kRightHand:
    case kLeftHand:
      return a.skin;
    case kRightFoot:
    case kLeftFoot:
      return v < 0.12 ? scale(a.shoes, 0.7f) : a.shoes;
    case kLeftUpperArm:
    case kRightUpperArm:
    case kLeftLowerArm:
    case kRightLowerArm: {
      const bool upper = part == kLeftUpperArm || part == kRightUpperArm;
      const double along = (upper ? 0.0 : 0.5) + (1 - v) * 0.5;  // 0 shoulder → 1 wrist
      return along < a.sleeves ? top(1 - along * 0.6, u) : a.skin;
    }
    default: {  // legs
      const bool upper = part == kLeftUpperLeg || part == kRightUpperLeg;
      const double along = (upper ? 0.0 : 0.5) + (1 - v) * 0.5;  // 0 hip → 1 ankle
      if (along < a.trousers) return bottom(u);
      return a.skin;
    }
  }
}

}  // namespace

std::array<float, 3> body_albedo(const BodyAppearance& a, int chart, double u, double v) {
  DC_CHECK(chart >= 1 && chart <= kNumCharts, "body_albedo: chart ", chart,
           " out of range (expected 1..24)");
  return part_albedo(a, chart_part(chart), chart, u, v);
}

void body_atlas_into(const BodyAppearance& a, int tile, float* dst, int64_t row_stride) {
  DC_CHECK(tile >= 2, "body_atlas: tile size ", tile, " too small (expected >= 2)");
  const double inv = 1.0 / (tile - 1);
  for (int chart = 1; chart <= kNumCharts; ++chart) {
    // The mirror image's tile `chart` holds the original's tile chart_flip(chart), with the
    // columns reversed where U ↦ 1 − U: built texel for texel so mirroring is exact.
    const int src = a.mirrored ? chart_flip_table()[chart] : chart;
    const bool reverse = a.mirrored && flip_u(chart, 0.0) == 1.0;
    const int row0 = ((chart - 1) % 6) * tile, col0 = ((chart - 1) / 6) * tile;
    const int part = chart_part(src);
    for (int r = 0; r < tile; ++r) {
      const double v = 1.0 - r * inv;
      float* row = dst + (row0 + r) * row_stride + 3 * col0;
      for (int q = 0; q < tile; ++q) {
        const int qs = reverse ? tile - 1 - q : q;
        const RGB c = part_albedo(a, part, src, qs * inv, v);
        // Fabric noise of ±4 %, a function of the source texel.
        const float n =
            0.96f + 0.08f * (hash3(a.seed, src * 65536 + r, qs) >> 8) * (1.0f / 16777216.0f);
        for (int k = 0; k < 3; ++k) row[3 * q + k] = std::min(1.0f, c[k] * n);
      }
    }
  }
}

Texture body_atlas(const BodyAppearance& a, int tile) {
  Texture t;
  t.height = 6 * tile;
  t.width = 4 * tile;
  t.rgb.assign(static_cast<size_t>(t.height) * t.width * 3, 0.0f);
  body_atlas_into(a, tile, t.rgb.data(), 3 * t.width);
  return t;
}

void atlas_coordinates(int chart, float u, float v, int tile, int index, int atlases, float* au,
                       float* av) {
  const int row0 = ((chart - 1) % 6) * tile + 6 * tile * index, col0 = ((chart - 1) / 6) * tile;
  *au = (col0 + 0.5f + u * (tile - 1)) / (4.0f * tile);
  *av = (row0 + 0.5f + (1.0f - v) * (tile - 1)) / (6.0f * tile * atlases);
}

}  // namespace dc
