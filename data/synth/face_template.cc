#include "data/synth/face_template.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "data/synth/face_shapes.h"

namespace dc {
namespace {

using face_shapes::gauss;
using face_shapes::gauss2;
using face_shapes::ramp;

// Grid of the template: columns by angle θ around the head, rows by ring index t from the crown.
constexpr int kBackCols = 6;  // segments on each side between the face chart and the seam
// 48 × 48 on the face chart: at 256×256 a face quad spans about 3 pixels; the 56 × 56 grid used
// before looked the same and cost 15 % more per sample (docs/PERFORMANCE.md, Synthetic world).
constexpr int kFaceCols = 48;  // segments across the face chart (U)
constexpr int kTopRows = 8;    // segments from the crown to the hairline
constexpr int kFaceRows = 48;  // segments across the face chart (V)
constexpr int kBotRows = 8;    // segments from under the chin to the bottom of the neck
constexpr int kColSegs = 2 * kBackCols + kFaceCols;
constexpr int kRowSegs = kTopRows + kFaceRows + kBotRows;
constexpr int kCols = kColSegs + 1;
constexpr int kRows = kRowSegs + 1;

constexpr double kPi = 3.14159265358979323846;
constexpr double kTheta0 = 95.0 * kPi / 180.0;  // the face chart spans θ ∈ [−θ0, θ0]
// Ring keys (index t): height y, half-width A, half-depth C and depth of the centre z0, metres.
// The face chart spans rings 3 (hairline) to 9 (under the chin).
struct Ring {
  double y, A, C, z0;
};
constexpr Ring kKeys[] = {
    {0.128, 0.000, 0.000, -0.012},   // 0 crown (pole)
    {0.121, 0.036, 0.050, -0.010},   // 1
    {0.104, 0.060, 0.082, -0.006},   // 2
    {0.075, 0.069, 0.094, 0.000},    // 3 hairline: V = 0
    {0.034, 0.073, 0.098, 0.000},    // 4 brows
    {0.000, 0.074, 0.098, 0.000},    // 5 eyes
    {-0.034, 0.071, 0.095, 0.000},   // 6 nose tip
    {-0.064, 0.063, 0.090, 0.000},   // 7 mouth
    {-0.092, 0.052, 0.082, 0.000},   // 8 chin
    {-0.110, 0.037, 0.068, -0.006},  // 9 under the chin: V = 1
    {-0.121, 0.046, 0.052, -0.022},  // 10 under the jaw into the neck
    {-0.145, 0.052, 0.055, -0.025},  // 11 neck
    {-0.185, 0.054, 0.058, -0.025},  // 12
    {-0.210, 0.048, 0.052, -0.025},  // 13
    {-0.220, 0.000, 0.000, -0.025},  // 14 bottom (pole)
};
constexpr int kNumKeys = sizeof(kKeys) / sizeof(kKeys[0]);
constexpr double kTopT = 3, kChinT = 9, kLastT = kNumKeys - 1;

// Atlas layout of "tex" (see face_texture.h): the face chart occupies s ∈ [kTexS0, 1 − kTexS0],
// t ∈ [kTexT0, kTexT1].
constexpr double kTexS0 = 0.1, kTexT0 = 0.2, kTexT1 = 0.85;

// Catmull-Rom through the keys: a smooth ring at any t ∈ [0, kLastT].
Ring ring_at(double t) {
  t = std::min(std::max(t, 0.0), kLastT);
  const int k = std::min(static_cast<int>(t), kNumKeys - 2);
  const double s = t - k;
  const Ring& p0 = kKeys[std::max(k - 1, 0)];
  const Ring& p1 = kKeys[k];
  const Ring& p2 = kKeys[k + 1];
  const Ring& p3 = kKeys[std::min(k + 2, kNumKeys - 1)];
  auto cr = [s](double a, double b, double c, double d) {
    return 0.5 * (2 * b + (c - a) * s + (2 * a - 5 * b + 4 * c - d) * s * s +
                  (3 * b - a - 3 * c + d) * s * s * s);
  };
  Ring r{cr(p0.y, p1.y, p2.y, p3.y), cr(p0.A, p1.A, p2.A, p3.A), cr(p0.C, p1.C, p2.C, p3.C),
         cr(p0.z0, p1.z0, p2.z0, p3.z0)};
  r.A = std::max(r.A, 0.0);
  r.C = std::max(r.C, 0.0);
  return r;
}

// θ of face coordinate U: denser at the front. Odd in w = 2U − 1, so U ↦ 1 − U is θ ↦ −θ.
double theta_of_u(double u) {
  const double w = 2 * u - 1;
  return kTheta0 * (0.6 * w + 0.4 * w * w * w);
}
double u_of_theta(double theta) {
  const double target = theta / kTheta0;
  double lo = -1, hi = 1;
  for (int i = 0; i < 60; ++i) {
    const double mid = 0.5 * (lo + hi);
    (0.6 * mid + 0.4 * mid * mid * mid < target ? lo : hi) = mid;
  }
  return 0.5 * (0.5 * (lo + hi) + 1);
}
double t_of_v(double v) { return kTopT + (kChinT - kTopT) * v; }

// The grid's columns and rows, computed once.
struct Grid {
  std::vector<double> sin_t, cos_t, theta, col_u, col_s;
  std::vector<double> row_t, row_v, row_tex;
  std::vector<Ring> rings;
  std::vector<int32_t> faces;
  std::vector<float> face_flag;
  std::vector<float> uv, tex;
};

const Grid& grid() {
  static const Grid g = [] {
    Grid g;
    for (int c = 0; c < kCols; ++c) {
      double theta, u, s;
      if (c < kBackCols) {  // from the seam at the back (−π) to the chart's left edge
        theta = -(kPi - (kPi - kTheta0) * c / kBackCols);
        u = 0;
        s = kTexS0 * c / kBackCols;
      } else if (c <= kBackCols + kFaceCols) {
        const int j = c - kBackCols;
        u = static_cast<double>(j) / kFaceCols;
        theta = kTheta0 * ((2.0 * j - kFaceCols) / kFaceCols * 0.6 +
                           0.4 * std::pow((2.0 * j - kFaceCols) / kFaceCols, 3));
        s = kTexS0 + (1 - 2 * kTexS0) * u;
      } else {
        const int k = kCols - 1 - c;  // mirror of column k
        theta = kPi - (kPi - kTheta0) * k / kBackCols;
        u = 1;
        s = 1 - kTexS0 * k / kBackCols;
      }
      g.theta.push_back(theta);
      // The seam columns (θ = ±π) must coincide exactly so the back of the head is watertight.
      const bool seam = c == 0 || c == kCols - 1;
      g.sin_t.push_back(seam ? 0.0 : std::sin(theta));
      g.cos_t.push_back(seam ? -1.0 : std::cos(theta));
      g.col_u.push_back(u);
      g.col_s.push_back(s);
    }
    for (int r = 0; r < kRows; ++r) {
      double t, v, tt;
      if (r < kTopRows) {
        t = kTopT * r / kTopRows;
        v = 0;
        tt = kTexT0 * t / kTopT;
      } else if (r <= kTopRows + kFaceRows) {
        v = static_cast<double>(r - kTopRows) / kFaceRows;
        t = t_of_v(v);
        tt = kTexT0 + (kTexT1 - kTexT0) * v;
      } else {
        t = kChinT + (kLastT - kChinT) * (r - kTopRows - kFaceRows) / kBotRows;
        v = 1;
        tt = kTexT1 + (1 - kTexT1) * (t - kChinT) / (kLastT - kChinT);
      }
      g.row_t.push_back(t);
      g.row_v.push_back(v);
      g.row_tex.push_back(tt);
      g.rings.push_back(ring_at(t));
    }
    for (int r = 0; r < kRows; ++r) {
      for (int c = 0; c < kCols; ++c) {
        g.uv.push_back(static_cast<float>(g.col_u[c]));
        g.uv.push_back(static_cast<float>(g.row_v[r]));
        g.tex.push_back(static_cast<float>(g.col_s[c]));
        g.tex.push_back(static_cast<float>(g.row_tex[r]));
      }
    }
    // Quad (r, c): a = (r, c) top-left, b = (r, c + 1), c' = (r + 1, c), d = (r + 1, c + 1) seen
    // from outside (+x right, +y up). Left half: triangles (a, c', b) and (b, c', d); right half
    // the mirror diagonal, (a, c', d) and (a, d, b); all wind counter-clockwise. The mirrored
    // diagonals make the piecewise-linear surface of a mirror shape the exact mirror image.
    for (int r = 0; r < kRowSegs; ++r) {
      for (int c = 0; c < kColSegs; ++c) {
        const int32_t a = r * kCols + c, b = a + 1, cc = a + kCols, d = cc + 1;
        if (c < kColSegs / 2) {
          g.faces.insert(g.faces.end(), {a, cc, b, b, cc, d});
        } else {
          g.faces.insert(g.faces.end(), {a, cc, d, a, d, b});
        }
        const bool face = r >= kTopRows && r < kTopRows + kFaceRows && c >= kBackCols &&
                          c < kBackCols + kFaceCols;
        g.face_flag.push_back(face ? 1.0f : 0.0f);
        g.face_flag.push_back(face ? 1.0f : 0.0f);
      }
    }
    return g;
  }();
  return g;
}

// Displacement of the surface at template frontal coordinates (x, y) (metres): along the ring's
// outward normal (d) and in x and y. Features are Gaussians placed in the left-side coordinates
// and mirrored, so that the mirror shape gives the mirror surface.
struct Displacement {
  double d = 0, dx = 0, dy = 0;
};

// The terms of features() that are fixed Gaussians scaled linearly by the shape, evaluated once
// per template point: the identity and expression of a face are then a few multiply-adds per
// vertex, plus the nose and nostril wings, whose shape moves their Gaussians.
struct FeatureBasis {
  double fixed = 0;                // d: eyeballs, brow ridges, cheekbones, dental arch, crease
  double socket = 0;               // d: −0.011 (1 + eye_depth) × this
  double brow[2] = {0, 0};         // dy: brow_raise × 0.008 × this (left, right)
  double corner[2] = {0, 0};       // dy, dx: the mouth corner under a smile
  double smile_cheek[2] = {0, 0};  // d: smile × 0.0035 × this
  double lips = 0;                 // d: (1 + lip_thickness) × this
  double chin = 0;                 // d: 0.007 (1 + chin) × this
  double open_dy = 0, open_d = 0;  // mouth_open × these (subtracted)
};

FeatureBasis feature_basis(double x, double y) {
  using namespace face_shapes;
  FeatureBasis b;
  for (int side = -1; side <= 1; side += 2) {
    const double sx = side;  // −1: left (image-left), +1: right
    const int k = side < 0 ? 0 : 1;
    b.socket += gauss2(x - sx * kEyeX, 0.017, y - 0.003, 0.012);
    b.fixed += 0.0068 * gauss2(x - sx * kEyeX, 0.0105, y - kEyeY, 0.0062);
    b.fixed += 0.0055 * gauss2(x - sx * 0.030, 0.022, y - 0.025, 0.009);
    b.fixed += 0.0045 * gauss2(x - sx * 0.047, 0.014, y + 0.018, 0.014);
    b.brow[k] = gauss2(x - sx * 0.032, 0.02, y - 0.03, 0.012);
    b.corner[k] = gauss2(x - sx * kMouthHalfWidth, 0.01, y - kMouthY, 0.01);
    b.smile_cheek[k] = gauss2(x - sx * 0.036, 0.013, y + 0.045, 0.012);
  }
  b.fixed += 0.009 * gauss2(x, 0.028, y - (kMouthY - 0.002), 0.02);
  b.lips = 0.0045 * gauss2(x, 0.017, y - (kMouthY + 0.0045), 0.0042) +
           0.005 * gauss2(x, 0.015, y - (kMouthY - 0.0065), 0.0045);
  b.fixed -= 0.002 * gauss2(x, 0.02, y - kMouthY, 0.0018);
  b.chin = gauss2(x, 0.017, y + 0.094, 0.011);
  const double below = ramp(y, kMouthY + kMouthOpenTop, kMouthY - kMouthOpenBottom);
  const double fade = ramp(y, -0.15, -0.105);
  b.open_dy = 0.013 * below * fade * gauss(x, 0.045);
  b.open_d = 0.010 * gauss(x, 0.013) *
             gauss(y - (kMouthY + 0.5 * (kMouthOpenTop - kMouthOpenBottom)), 0.003);
  return b;
}

// The nose at template height y: a ridge from between the eyes to the tip, widening downwards,
// falling steeply under the tip; its displacement at x is profile · gauss(x, sigma). A function
// of the height alone, so face_mesh() evaluates it once per ring.
struct NoseRow {
  double profile, sigma;
};
NoseRow nose_row(double y, const FaceShape& s) {
  using face_shapes::kNoseTipY;
  const double top = 0.008;
  const double tip = kNoseTipY - 0.006 * s.nose_length;
  const double height = 0.022 * (1 + 0.25 * s.nose_length);
  const double q = std::min(std::max((top - y) / (top - tip), 0.0), 1.0);
  const double profile = y >= tip ? height * std::pow(q, 1.2) : height * gauss(y - tip, 0.0055);
  const double sigma = (0.0055 + 0.0055 * q) * (1 + 0.3 * s.nose_width);
  return {profile, sigma};
}

// Displacement of the surface at template point (x, y) with basis `b` = feature_basis(x, y) and
// `nose` = nose_row(y, s). Features are Gaussians placed in the left-side coordinates and
// mirrored, so that the mirror shape gives the mirror surface.
Displacement features(const FeatureBasis& b, const NoseRow& nose, double x, double y,
                      const FaceShape& s) {
  using namespace face_shapes;
  Displacement out;
  double d = b.fixed - 0.011 * (1 + s.eye_depth) * b.socket;
  const double nw = 1 + 0.3 * s.nose_width;
  for (int side = -1; side <= 1; side += 2) {
    const double sx = side;
    const int k = side < 0 ? 0 : 1;
    const double brow = side < 0 ? s.brow_raise_left : s.brow_raise_right;
    const double smile = side < 0 ? s.smile_left : s.smile_right;
    // Nostril wings (their place follows the nose width).
    d += 0.0065 * gauss2(x - sx * 0.0125 * nw, 0.0055, y - (kNoseTipY - 0.005), 0.005);
    // Brow raise lifts the brow and the skin above the eye.
    out.dy += brow * 0.008 * b.brow[k];
    // Smile: the mouth corner moves up and out, the cheek bulges.
    out.dy += smile * 0.005 * b.corner[k];
    out.dx += sx * smile * 0.003 * b.corner[k];
    d += smile * 0.0035 * b.smile_cheek[k];
  }
  // Nose: a ridge from between the eyes to the tip (nose_row() at this height).
  d += nose.profile * gauss(x, nose.sigma);
  // Mouth: the lips, and the chin. Mouth open: everything below the mouth line drops (the jaw),
  // fading out into the neck; the stretched band between the lips is pushed back into the mouth.
  d += (1 + s.lip_thickness) * b.lips;
  d += 0.007 * (1 + s.chin) * b.chin;
  out.dy -= s.mouth_open * b.open_dy;
  d -= s.mouth_open * b.open_d;
  out.d = d;
  return out;
}

// feature_basis() at every grid vertex that features move (the others are left zero).
const std::vector<FeatureBasis>& vertex_basis() {
  static const std::vector<FeatureBasis> basis = [] {
    const Grid& g = grid();
    const double front = 88.0 * kPi / 180;
    std::vector<FeatureBasis> b(static_cast<size_t>(kRows) * kCols);
    for (int r = 0; r < kRows; ++r) {
      for (int c = 0; c < kCols; ++c) {
        if (std::abs(g.theta[c]) >= front) continue;
        b[static_cast<size_t>(r) * kCols + c] =
            feature_basis(g.rings[r].A * g.sin_t[c], g.rings[r].y);
      }
    }
    return b;
  }();
  return basis;
}

}  // namespace

namespace face_shapes {
AtlasPoint atlas_point(double s, double t) {
  AtlasPoint p;
  double ring;
  if (t < kTexT0) {
    ring = kTopT * t / kTexT0;
  } else if (t <= kTexT1) {
    p.v = (t - kTexT0) / (kTexT1 - kTexT0);
    ring = t_of_v(p.v);
  } else {
    ring = kChinT + (kLastT - kChinT) * (t - kTexT1) / (1 - kTexT1);
  }
  if (s < kTexS0) {
    p.theta = -(kPi - (kPi - kTheta0) * s / kTexS0);
  } else if (s <= 1 - kTexS0) {
    p.u = (s - kTexS0) / (1 - 2 * kTexS0);
    p.theta = theta_of_u(p.u);
  } else {
    p.theta = kPi - (kPi - kTheta0) * (1 - s) / kTexS0;
  }
  const Ring r = ring_at(ring);
  p.y = r.y;
  p.x = r.A * std::sin(p.theta);
  p.chart = s >= kTexS0 && s <= 1 - kTexS0 && t >= kTexT0 && t <= kTexT1;
  return p;
}
}  // namespace face_shapes

const char* face_part_name(int label) {
  static const char* names[kFaceNumLabels] = {"background", "left_eyebrow", "right_eyebrow",
                                              "left_eye",   "right_eye",    "upper_lip",
                                              "lower_lip",  "nose",         "skin"};
  DC_CHECK(label >= 0 && label < kFaceNumLabels, "face_part_name: label ", label,
           ", expected 0 to ", kFaceNumLabels - 1);
  return names[label];
}

std::array<double, 2> face_template_xy(double u, double v) {
  const Ring r = ring_at(t_of_v(v));
  return {r.A * std::sin(theta_of_u(u)), r.y};
}

std::array<double, 2> face_template_uv(double x, double y) {
  // y decreases with t on the chart: bisection for the ring, then θ from x = A sin θ.
  double lo = kTopT, hi = kChinT;
  DC_CHECK(y <= ring_at(lo).y && y >= ring_at(hi).y, "face_template_uv: y = ", y,
           " m is off the face chart (", ring_at(hi).y, " to ", ring_at(lo).y, ")");
  for (int i = 0; i < 60; ++i) {
    const double mid = 0.5 * (lo + hi);
    (ring_at(mid).y > y ? lo : hi) = mid;
  }
  const double t = 0.5 * (lo + hi);
  const double A = ring_at(t).A;
  const double sin_theta = x / A;
  DC_CHECK(std::abs(sin_theta) <= 1, "face_template_uv: x = ", x,
           " m is off the face chart at y = ", y, " (half-width ", A, ")");
  return {u_of_theta(std::asin(sin_theta)), (t - kTopT) / (kChinT - kTopT)};
}

int face_part_at_geometry(float u, float v) {
  // Evaluate on the left side (u <= 0.5) and mirror the label, so the chart is symmetric.
  const bool right = u > 0.5f;
  const float ul = right ? 1.0f - u : u;
  const std::array<double, 2> xy = face_template_xy(ul, v);
  const int label = face_shapes::left_part(-xy[0], xy[1]);
  return right ? face_part_flip()[label] : label;
}

namespace {

// Parts on a kCells × kCells grid of (U, V) cells: the label of a cell whose 4 × 4 block of
// corners around it (its own and its 8 neighbours') all have that label, else kMixed (decided
// per call by face_part_at_geometry()). The parts are regions millimetres across, far larger than a
// cell (0.3 mm of the face), so a uniform block means a uniform cell.
constexpr int kCells = 512;
constexpr uint8_t kMixed = 255;

std::vector<uint8_t> part_cells() {
  const int n = kCells + 1;
  std::vector<uint8_t> corner(static_cast<size_t>(n) * n);
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i < n; ++i) {
      corner[static_cast<size_t>(j) * n + i] = static_cast<uint8_t>(
          face_part_at_geometry(static_cast<float>(i) / kCells, static_cast<float>(j) / kCells));
    }
  }
  std::vector<uint8_t> out(static_cast<size_t>(kCells) * kCells);
  for (int j = 0; j < kCells; ++j) {
    for (int i = 0; i < kCells; ++i) {
      const uint8_t first = corner[static_cast<size_t>(j) * n + i];
      bool uniform = true;
      for (int b = std::max(0, j - 1); b <= std::min(n - 1, j + 2) && uniform; ++b) {
        for (int a = std::max(0, i - 1); a <= std::min(n - 1, i + 2); ++a) {
          uniform = uniform && corner[static_cast<size_t>(b) * n + a] == first;
        }
      }
      out[static_cast<size_t>(j) * kCells + i] = uniform ? first : kMixed;
    }
  }
  return out;
}

// The cell table stored in two levels, so that it stays in cache while a face is labelled (the
// flat 256 KB table missed the cache on most lookups): blocks of kBlock × kBlock cells that hold
// one value are one entry of `top` (the value), the others (part boundaries) point to their
// cells in `detail`. Looks up exactly the values of part_cells().
constexpr int kBlock = 8, kBlocks = kCells / kBlock;
struct PartTable {
  std::vector<int16_t> top;     // kBlocks², ≥ 0: the block's value; < 0: −1 − detail block
  std::vector<uint8_t> detail;  // kBlock² cells per mixed block, row-major
  uint8_t cell(int i, int j) const {
    const int16_t t = top[(j / kBlock) * kBlocks + i / kBlock];
    if (t >= 0) return static_cast<uint8_t>(t);
    return detail[static_cast<size_t>(-1 - t) * kBlock * kBlock + (j % kBlock) * kBlock +
                  i % kBlock];
  }
};

const PartTable& part_table() {
  static const PartTable table = [] {
    const std::vector<uint8_t> cells = part_cells();
    PartTable t;
    t.top.resize(kBlocks * kBlocks);
    for (int bj = 0; bj < kBlocks; ++bj) {
      for (int bi = 0; bi < kBlocks; ++bi) {
        auto at = [&](int a, int b) {
          return cells[static_cast<size_t>(bj * kBlock + b) * kCells + bi * kBlock + a];
        };
        bool uniform = true;
        for (int b = 0; b < kBlock; ++b)
          for (int a = 0; a < kBlock; ++a) uniform = uniform && at(a, b) == at(0, 0);
        if (uniform) {
          t.top[bj * kBlocks + bi] = at(0, 0);
          continue;
        }
        const size_t index = t.detail.size() / (kBlock * kBlock);
        t.top[bj * kBlocks + bi] = static_cast<int16_t>(-1 - static_cast<int>(index));
        for (int b = 0; b < kBlock; ++b)
          for (int a = 0; a < kBlock; ++a) t.detail.push_back(at(a, b));
      }
    }
    return t;
  }();
  return table;
}

}  // namespace

namespace {
// face_part_at() of (u, v) ∈ [0, 1]², unchecked.
inline int part_lookup(const PartTable& table, float u, float v) {
  const int i = std::min(static_cast<int>(u * kCells), kCells - 1);
  const int j = std::min(static_cast<int>(v * kCells), kCells - 1);
  const uint8_t label = table.cell(i, j);
  return label != kMixed ? label : face_part_at_geometry(u, v);
}
}  // namespace

int face_part_at(float u, float v) {
  DC_CHECK(u >= 0 && u <= 1 && v >= 0 && v <= 1, "face_part_at: (u, v) = (", u, ", ", v,
           "), expected both in [0, 1]");
  return part_lookup(part_table(), u, v);
}

void face_parts(const float* u, const float* v, const uint8_t* mask, int64_t n, int64_t* out) {
  const PartTable& table = part_table();
  int64_t k = 0;
  for (; k + 8 <= n; k += 8) {
    uint64_t m8;  // eight mask bytes: all zero over the background
    std::memcpy(&m8, mask + k, 8);
    if (m8 == 0) {
      std::fill(out + k, out + k + 8, int64_t{0});
      continue;
    }
    for (int l = 0; l < 8; ++l)
      out[k + l] = mask[k + l] ? part_lookup(table, u[k + l], v[k + l]) : 0;
  }
  for (; k < n; ++k) out[k] = mask[k] ? part_lookup(table, u[k], v[k]) : 0;
}

const std::array<int, kFaceNumLabels>& face_part_flip() {
  static const std::array<int, kFaceNumLabels> flip = {0, 2, 1, 4, 3, 5, 6, 7, 8};
  return flip;
}

const std::array<int, kFaceNumLandmarks>& face_landmark_flip() {
  static const std::array<int, kFaceNumLandmarks> flip = [] {
    std::array<int, kFaceNumLandmarks> f{};
    for (int k = 0; k < kFaceNumLandmarks; ++k) f[k] = k;
    auto swap = [&f](int a, int b) {
      f[a] = b;
      f[b] = a;
    };
    for (int i = 0; i < 8; ++i) swap(i, 16 - i);       // jaw
    for (int i = 0; i < 5; ++i) swap(17 + i, 26 - i);  // brows
    swap(31, 35);                                      // nostrils
    swap(32, 34);
    swap(36, 45);  // eyes: outer corners, upper lids, inner corners, lower lids
    swap(37, 44);
    swap(38, 43);
    swap(39, 42);
    swap(40, 47);
    swap(41, 46);
    for (int i = 0; i < 3; ++i) swap(48 + i, 54 - i);  // outer lip: upper contour
    swap(55, 59);                                      // outer lip: lower contour
    swap(56, 58);
    swap(60, 64);  // inner lip
    swap(61, 63);
    swap(65, 67);
    return f;
  }();
  return flip;
}

const std::array<std::array<float, 2>, kFaceNumLandmarks>& face_landmarks_uv() {
  static const std::array<std::array<float, 2>, kFaceNumLandmarks> table = [] {
    using namespace face_shapes;
    std::array<std::array<float, 2>, kFaceNumLandmarks> uv{};
    auto set_xy = [&uv](int k, double ax, double y) {  // a left-side (or centre) point
      const std::array<double, 2> p = face_template_uv(-ax, y);
      uv[k] = {static_cast<float>(p[0]), static_cast<float>(p[1])};
    };
    // Jaw line 0..8 on the left, by angle (it wraps round the side of the face) and height.
    const double jaw[9][2] = {{-67, -0.004}, {-66, -0.024},  {-64, -0.044},
                              {-60, -0.063}, {-53, -0.079},  {-43, -0.091},
                              {-30, -0.099}, {-15, -0.1035}, {0, -0.105}};
    for (int k = 0; k < 9; ++k) {
      const double y = jaw[k][1];
      double lo = kTopT, hi = kChinT;
      for (int i = 0; i < 60; ++i) {
        const double mid = 0.5 * (lo + hi);
        (ring_at(mid).y > y ? lo : hi) = mid;
      }
      const double v = (0.5 * (lo + hi) - kTopT) / (kChinT - kTopT);
      uv[k] = {static_cast<float>(k == 8 ? 0.5 : u_of_theta(jaw[k][0] * kPi / 180)),
               static_cast<float>(v)};
    }
    // Left brow 17..21, outer to inner, along its upper edge.
    const double brow_x[5] = {0.058, 0.048, 0.036, 0.024, 0.013};
    for (int i = 0; i < 5; ++i) set_xy(17 + i, brow_x[i], brow_top(brow_x[i]));
    // Nose bridge 27..30 (centre), nostril base 31..33 (left and centre).
    const double bridge_y[4] = {0.004, -0.009, -0.022, kNoseTipY};
    for (int i = 0; i < 4; ++i) set_xy(27 + i, 0, bridge_y[i]);
    set_xy(31, 0.0115, nose_bottom(0.0115));
    set_xy(32, 0.006, nose_bottom(0.006));
    set_xy(33, 0, nose_bottom(0));
    // Left eye 36..41: outer corner, upper lid (outer, inner), inner corner, lower lid (inner,
    // outer).
    const double xo = kEyeX + kEyeHalfWidth, xi = kEyeX - kEyeHalfWidth;
    const double x1 = kEyeX + 0.4 * kEyeHalfWidth, x2 = kEyeX - 0.4 * kEyeHalfWidth;
    set_xy(36, xo, eye_upper(xo));
    set_xy(37, x1, eye_upper(x1));
    set_xy(38, x2, eye_upper(x2));
    set_xy(39, xi, eye_upper(xi));
    set_xy(40, x2, eye_lower(x2));
    set_xy(41, x1, eye_lower(x1));
    // Outer lip: 48 left corner, 49..51 upper contour to the centre; 57..59 lower contour from
    // the centre to the left.
    const double mw = kMouthHalfWidth;
    set_xy(48, mw, mouth_line(mw));
    set_xy(49, 0.016, lip_top(0.016));
    set_xy(50, 0.006, lip_top(0.006));
    set_xy(51, 0, lip_top(0));
    set_xy(57, 0, lip_bottom(0));
    set_xy(58, 0.006, lip_bottom(0.006));
    set_xy(59, 0.016, lip_bottom(0.016));
    // Inner lip: 60 left corner, 61..62 upper to the centre, 66..67 lower from the centre.
    const double ci = kMouthHalfWidth - 0.004;
    set_xy(60, ci, mouth_line(ci));
    set_xy(61, 0.008, mouth_line(0.008) + kMouthOpenTop);
    set_xy(62, 0, mouth_line(0) + kMouthOpenTop);
    set_xy(66, 0, mouth_line(0) - kMouthOpenBottom);
    set_xy(67, 0.008, mouth_line(0.008) - kMouthOpenBottom);
    // Right side: the mirror images; the centre points get exactly U = 0.5.
    const std::array<int, kFaceNumLandmarks>& flip = face_landmark_flip();
    for (int k = 0; k < kFaceNumLandmarks; ++k) {
      const bool centre = flip[k] == k;
      const bool left = k <= 8 || (k >= 17 && k <= 21) || (k >= 31 && k <= 32) ||
                        (k >= 36 && k <= 41) || (k >= 48 && k <= 50) || (k >= 58 && k <= 61) ||
                        k == 67;
      if (centre) uv[k][0] = 0.5f;
      if (!centre && !left) uv[k] = {face_flip_u(uv[flip[k]][0]), uv[flip[k]][1]};
    }
    return uv;
  }();
  return table;
}

FaceShape FaceShape::mirrored() const {
  FaceShape m = *this;
  std::swap(m.smile_left, m.smile_right);
  std::swap(m.brow_raise_left, m.brow_raise_right);
  return m;
}

FaceShape FaceShape::sample(Generator& rng) {
  face_shapes::Draws draw(rng);
  FaceShape s;
  s.head_width = draw.uniform(-0.08, 0.08);
  s.jaw_width = draw.uniform(-0.12, 0.12);
  s.nose_length = draw.uniform(-0.3, 0.3);
  s.nose_width = draw.uniform(-0.3, 0.3);
  s.lip_thickness = draw.uniform(-0.3, 0.3);
  s.eye_depth = draw.uniform(-0.3, 0.3);
  s.chin = draw.uniform(-0.3, 0.3);
  s.mouth_open = draw.uniform(0, 1) < 0.5 ? 0.0f : draw.uniform(0, 1);
  const float smile = draw.uniform(0, 1) < 0.4 ? 0.0f : draw.uniform(0, 1);
  s.smile_left = std::min(1.0f, std::max(0.0f, smile + draw.uniform(-0.2, 0.2)));
  s.smile_right = std::min(1.0f, std::max(0.0f, smile + draw.uniform(-0.2, 0.2)));
  const float brow = draw.uniform(0, 1) < 0.5 ? 0.0f : draw.uniform(0, 1);
  s.brow_raise_left = std::min(1.0f, std::max(0.0f, brow + draw.uniform(-0.3, 0.3)));
  s.brow_raise_right = std::min(1.0f, std::max(0.0f, brow + draw.uniform(-0.3, 0.3)));
  return s;
}

Mesh face_mesh(const FaceShape& shape) {
  Mesh m;
  face_mesh(shape, m);
  return m;
}

void face_mesh(const FaceShape& shape, Mesh& m) {
  const Grid& g = grid();
  const std::vector<FeatureBasis>& basis = vertex_basis();
  m.positions.resize(3 * static_cast<size_t>(kRows) * kCols);
  const double front = 88.0 * kPi / 180, full = 60.0 * kPi / 180;
  for (int r = 0; r < kRows; ++r) {
    const Ring& ring = g.rings[r];
    // Jaw width acts on the lower face only.
    const double jaw = 1 + shape.jaw_width * ramp(ring.y, -0.02, -0.09);
    const double A = ring.A * (1 + shape.head_width) * jaw;
    const NoseRow nose = nose_row(ring.y, shape);
    for (int c = 0; c < kCols; ++c) {
      const double st = g.sin_t[c], ct = g.cos_t[c];
      double x = A * st, y = ring.y, z = ring.z0 + ring.C * ct;
      const double weight = ramp(std::abs(g.theta[c]), front, full);
      if (weight > 0 && A > 0 && ring.C > 0) {
        // Features are laid out in the undeformed frontal coordinates, so they follow (U, V).
        const Displacement disp =
            features(basis[static_cast<size_t>(r) * kCols + c], nose, ring.A * st, ring.y, shape);
        const double nx = st / A, nz = ct / ring.C, len = std::sqrt(nx * nx + nz * nz);
        x += weight * (disp.d * nx / len + disp.dx);
        z += weight * disp.d * nz / len;
        y += weight * disp.dy;
      }
      float* p = &m.positions[3 * (static_cast<size_t>(r) * kCols + c)];
      p[0] = static_cast<float>(x);
      p[1] = static_cast<float>(y);
      p[2] = static_cast<float>(z);
    }
  }
  // Copy-assigned into the existing vectors: no allocation when `m` held a face mesh before.
  m.faces = g.faces;
  auto set = [](Attribute& a, int width, const std::vector<float>& data) {
    a.width = width;
    a.data = data;
    a.interp = Interp::kLinear;
  };
  set(m.vertex_attributes["uv"], 2, g.uv);
  set(m.vertex_attributes["tex"], 2, g.tex);
  set(m.face_attributes["face"], 1, g.face_flag);
  // Exactly these attributes; "normal" sized before compute_vertex_normals() validates the mesh
  // (its values are all overwritten there).
  auto keep_only = [](std::map<std::string, Attribute>& attrs,
                      std::initializer_list<const char*> names) {
    for (auto it = attrs.begin(); it != attrs.end();) {
      const bool ours =
          std::any_of(names.begin(), names.end(), [&](const char* n) { return it->first == n; });
      it = ours ? std::next(it) : attrs.erase(it);
    }
  };
  Attribute& normal = m.vertex_attributes["normal"];
  normal.width = 3;
  normal.data.resize(m.positions.size());
  keep_only(m.vertex_attributes, {"uv", "tex", "normal"});
  keep_only(m.face_attributes, {"face"});
  compute_vertex_normals(m);
}

FaceSurfacePoint face_surface_point(float u, float v) {
  DC_CHECK(u >= 0 && u <= 1 && v >= 0 && v <= 1, "face_surface_point: (u, v) = (", u, ", ", v,
           "), expected both in [0, 1]");
  const int j = std::min(static_cast<int>(u * kFaceCols), kFaceCols - 1);
  const int i = std::min(static_cast<int>(v * kFaceRows), kFaceRows - 1);
  const float a = u * kFaceCols - j, b = v * kFaceRows - i;  // position in the quad
  const int32_t quad = (kTopRows + i) * kColSegs + (kBackCols + j);
  FaceSurfacePoint p;
  if (kBackCols + j < kColSegs / 2) {  // left half: diagonal from top-right to bottom-left
    if (a + b <= 1) {                  // (top-left, bottom-left, top-right)
      p.face = 2 * quad;
      p.bary = {1 - a - b, b, a};
    } else {  // (top-right, bottom-left, bottom-right)
      p.face = 2 * quad + 1;
      p.bary = {1 - b, 1 - a, a + b - 1};
    }
  } else if (a <= b) {  // right half: (top-left, bottom-left, bottom-right)
    p.face = 2 * quad;
    p.bary = {1 - b, b - a, a};
  } else {  // (top-left, bottom-right, top-right)
    p.face = 2 * quad + 1;
    p.bary = {1 - a, b, a - b};
  }
  return p;
}

Vec3 surface_position(const Mesh& mesh, const FaceSurfacePoint& point) {
  DC_CHECK(point.face >= 0 && point.face < mesh.num_faces(), "surface_position: face ", point.face,
           " out of range for a mesh of ", mesh.num_faces(), " faces");
  Vec3 p;
  for (int k = 0; k < 3; ++k) p = p + point.bary[k] * mesh.vertex(mesh.faces[3 * point.face + k]);
  return p;
}

}  // namespace dc
