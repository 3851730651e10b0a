// Internal to the face world (face_template.cc, face_texture.cc, face_world.cc): the layout of the
// facial features in the template's frontal coordinates, shared so that the geometry, the part
// labels, the landmarks and the texture put each feature at the same place.
//
// Coordinates are those of face_template_xy() on the image-left half of the face, mirrored to
// ax = |x| ≥ 0 (metres), and y (metres, up). Signed functions (*_inside) are > 0 inside a region,
// < 0 outside, roughly in metres, so textures can soften their edges.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "core/philox.h"

namespace dc {
namespace face_shapes {

inline double gauss(double x, double sigma) { return std::exp(-x * x / (2 * sigma * sigma)); }
// gauss(x, sx) · gauss(y, sy) with one exp, and 0 beyond 5 sigma (below 4e-6).
inline double gauss2(double x, double sx, double y, double sy) {
  const double e = x * x / (2 * sx * sx) + y * y / (2 * sy * sy);
  return e > 12.5 ? 0.0 : std::exp(-e);
}
// Smoothstep from 0 at x0 to 1 at x1 (x1 < x0 allowed: then it rises as x decreases).
inline double ramp(double x, double x0, double x1) {
  const double t = std::min(std::max((x - x0) / (x1 - x0), 0.0), 1.0);
  return t * t * (3 - 2 * t);
}

constexpr double kEyeX = 0.032, kEyeY = 0.001, kEyeHalfWidth = 0.015;
constexpr double kNoseTipY = -0.036;
constexpr double kMouthY = -0.062, kMouthHalfWidth = 0.025;
// The band of the mouth that opens: from kMouthOpenTop above the mouth line to kMouthOpenBottom
// below it (the inner lip landmarks sit on its edges).
constexpr double kMouthOpenTop = 0.0015, kMouthOpenBottom = 0.0025;

// Eyebrow: centre line, half-thickness and upper edge.
inline double brow_centre(double ax) {
  const double a = ax < 0.036 ? -10.4 : -28.9;
  return 0.036 + a * (ax - 0.036) * (ax - 0.036);
}
inline double brow_half(double ax) { return std::max(0.002, 0.0045 - 0.035 * (ax - 0.012)); }
inline double brow_top(double ax) { return brow_centre(ax) + 0.6 * brow_half(ax); }
inline double brow_inside(double ax, double y) {
  return std::min({brow_half(ax) - std::abs(y - brow_centre(ax)), ax - 0.011, 0.061 - ax});
}

// Eye opening between the lids.
inline double eye_q(double ax) { return (ax - kEyeX) / kEyeHalfWidth; }
inline double eye_upper(double ax) {
  const double q = eye_q(ax);
  return kEyeY + 0.0068 * std::max(0.0, 1 - q * q) * (1 - 0.15 * q);
}
inline double eye_lower(double ax) {
  const double q = eye_q(ax);
  return kEyeY - 0.0045 * std::max(0.0, 1 - q * q);
}
inline double eye_inside(double ax, double y) {
  return std::min(
      {eye_upper(ax) - y, y - eye_lower(ax), (1 - std::abs(eye_q(ax))) * kEyeHalfWidth});
}

// Nose: widening from the bridge to the wings, bounded below by the nostril base.
inline double nose_half_width(double y) { return 0.0065 + 0.011 * ramp(y, 0.0, -0.034); }
inline double nose_bottom(double ax) { return -0.0465 + 12 * ax * ax; }
inline double nose_inside(double ax, double y) {
  return std::min({nose_half_width(y) - ax, y - nose_bottom(ax), 0.006 - y});
}

// Lips: the mouth line between them, the upper contour (with the cupid's bow) and the lower one.
inline double lip_w(double ax) { return std::max(0.0, 1 - (ax / 0.026) * (ax / 0.026)); }
inline double mouth_line(double ax) { return kMouthY + 0.0008 * lip_w(ax); }
inline double lip_top(double ax) {
  return kMouthY + 0.0095 * std::sqrt(lip_w(ax)) - 0.0015 * gauss(ax, 0.003);
}
inline double lip_bottom(double ax) { return kMouthY - 0.0115 * std::pow(lip_w(ax), 0.7); }
inline double upper_lip_inside(double ax, double y) {
  return std::min({lip_top(ax) - y, y - mouth_line(ax), 0.5 * (0.026 - ax)});
}
inline double lower_lip_inside(double ax, double y) {
  return std::min({mouth_line(ax) - y, y - lip_bottom(ax), 0.5 * (0.026 - ax)});
}

// The part label (left-side labels of face_template.h) at (ax, y). Each region is tested only
// inside a bounding box that contains it (a shortcut, not a change of the regions).
inline int left_part(double ax, double y) {
  if (y > -0.0045 && y < 0.009 && ax > 0.016 && ax < 0.048 && eye_inside(ax, y) > 0) return 3;
  if (y > 0.012 && y < 0.042 && ax > 0.011 && ax < 0.061 && brow_inside(ax, y) > 0) return 1;
  if (y > -0.047 && y < 0.006 && ax < 0.018 && nose_inside(ax, y) > 0) return 7;
  if (y > -0.075 && y < -0.052 && ax < 0.026) {
    if (upper_lip_inside(ax, y) > 0) return 5;
    if (lower_lip_inside(ax, y) > 0) return 6;
  }
  return 8;
}

// Where atlas point (s, t) of face_texture.h lies on the undeformed head: the angle θ around it
// (radians, 0 at the front), the height y (metres), whether it is on the face chart and, if so, its
// (u, v) and frontal x. Defined in face_template.cc, which owns the layout.
struct AtlasPoint {
  double theta = 0, y = 0;
  bool chart = false;
  double u = 0, v = 0, x = 0;
};
AtlasPoint atlas_point(double s, double t);

// Random draws from a Generator, four 32-bit words per Philox block.
class Draws {
 public:
  explicit Draws(Generator& rng) : rng_(rng) {}
  uint32_t word() {
    if (used_ == 4) {
      buf_ = rng_.block(rng_.advance(1));
      used_ = 0;
    }
    return buf_[used_++];
  }
  // Uniform in [lo, hi).
  float uniform(double lo, double hi) {
    return static_cast<float>(lo + (hi - lo) * uint_to_unit_float(word()));
  }
  bool chance(double p) { return uniform(0, 1) < p; }
  // A 64-bit seed for a local generator (noise fields).
  uint64_t seed() { return (static_cast<uint64_t>(word()) << 32) | word(); }

 private:
  Generator& rng_;
  std::array<uint32_t, 4> buf_{};
  int used_ = 4;
};

// A random colour, each channel uniform in [0.05, 0.95) (clutter, occluders).
inline std::array<float, 3> random_colour(Draws& d) {
  return {d.uniform(0.05, 0.95), d.uniform(0.05, 0.95), d.uniform(0.05, 0.95)};
}

}  // namespace face_shapes
}  // namespace dc
