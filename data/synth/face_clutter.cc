#include "data/synth/face_clutter.h"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "data/synth/face_shapes.h"

namespace dc {
namespace {

using face_shapes::Draws;
using face_shapes::random_colour;

constexpr double kPi = 3.14159265358979323846;

// The columns i ∈ [0, n) of a row of clutter where a shape may cover the pixel: with its rotated
// coordinates u = u0 + i du, v = v0 + i dv, those within half a pixel (plus a margin) of the
// ellipse u²/rx² + v²/ry² <= 1 (kind 0) or the box |u| <= rx, |v| <= ry (else), widened by two
// columns on each side, as [*ia, *ib]; false if none. Elsewhere a shape's cover is exactly 0,
// which leaves the pixel unchanged, so only these columns need visiting.
bool shape_span(int kind, double u0, double v0, double du, double dv, double rx, double ry, int n,
                int* ia, int* ib) {
  double lo = -1e300, hi = 1e300;
  if (kind == 0) {
    // (u/rx)² + (v/ry)² < R² is a quadratic A i² + B i + C < 0 in i (A > 0: du² + dv² = 1).
    const double R = 1 + 0.5 / std::min(rx, ry) + 0.05;
    const double irx2 = 1 / (rx * rx), iry2 = 1 / (ry * ry);
    const double A = du * du * irx2 + dv * dv * iry2;
    const double B = 2 * (u0 * du * irx2 + v0 * dv * iry2);
    const double C = u0 * u0 * irx2 + v0 * v0 * iry2 - R * R;
    const double disc = B * B - 4 * A * C;
    if (disc < 0) return false;
    const double root = std::sqrt(disc);
    lo = (-B - root) / (2 * A);
    hi = (-B + root) / (2 * A);
  } else {
    auto slab = [&](double p0, double dp, double half) {  // |p0 + i dp| < half
      if (std::abs(dp) < 1e-9) {
        if (std::abs(p0) >= half) lo = 1, hi = 0;
        return;
      }
      double a = (-half - p0) / dp, b = (half - p0) / dp;
      if (a > b) std::swap(a, b);
      lo = std::max(lo, a);
      hi = std::min(hi, b);
    };
    slab(u0, du, rx + 0.55);
    slab(v0, dv, ry + 0.55);
  }
  if (!(lo <= hi)) return false;
  const double a = std::max(0.0, std::floor(lo) - 2), b = std::min(n - 1.0, std::ceil(hi) + 2);
  if (a > b) return false;
  *ia = static_cast<int>(a);
  *ib = static_cast<int>(b);
  return true;
}

// The gradient weight of row y, w[x] = clamp(0.5 + ((x − S/2) cos a + (y − S/2) sin a) / S, 0, 1)
// in double, four columns per AVX vector (the division dominates a scalar loop). The operations
// are those the compiler emits for the scalar formula (one fused multiply-add, then the division),
// so the weights are the same bit for bit.
void gradient_row(int S, int y, double ca, double sa, float* w) {
  const double half = 0.5 * S;
  const double ys = (y - half) * sa;
  const __m256d vca = _mm256_set1_pd(ca), vys = _mm256_set1_pd(ys), vhalf = _mm256_set1_pd(half);
  const __m256d vS = _mm256_set1_pd(S), zero = _mm256_setzero_pd(), one = _mm256_set1_pd(1.0);
  const __m256d point5 = _mm256_set1_pd(0.5);
  int x = 0;
  for (; x + 4 <= S; x += 4) {
    const __m256d xd =
        _mm256_cvtepi32_pd(_mm_add_epi32(_mm_set1_epi32(x), _mm_setr_epi32(0, 1, 2, 3)));
    const __m256d t = _mm256_div_pd(_mm256_fmadd_pd(_mm256_sub_pd(xd, vhalf), vca, vys), vS);
    // std::min(1.0, std::max(0.0, t + 0.5)): max_pd(v, 0) and min_pd(v, 1) keep the first
    // operand exactly when the std:: comparisons do.
    const __m256d c = _mm256_min_pd(_mm256_max_pd(_mm256_add_pd(t, point5), zero), one);
    _mm_storeu_ps(w + x, _mm256_cvtpd_ps(c));
  }
  for (; x < S; ++x) {
    w[x] = static_cast<float>(std::min(1.0, std::max(0.0, 0.5 + ((x - half) * ca + ys) / S)));
  }
}

// One shape over a row of clutter.
struct ShapeRow {
  int kind;  // 0 ellipse, 1 box, 2 stripes (a box with alternate bands of the second colour)
  float fct, fst, irx2, iry2, rmin, frx, fry, alpha, iperiod;

  // cover[i] (in [0, alpha]) and second[i] (1 on a stripe of the second colour, else 0) for the
  // columns i ∈ [ia, ib], where the rotated coordinates are u = u0 + i ct, v = v0 − i st. Eight
  // columns per AVX vector (cover and second must hold ib + 8 values); the operations and their
  // order are those of the scalar formula
  //   inside = kind 0 ? (1 − sqrt(u² / rx² + v² / ry²)) · rmin : min(rx − |u|, ry − |v|),
  //   cover = clamp(inside + 0.5, 0, 1) · alpha,
  // with the multiply-adds the compiler fuses in it, so the values are the same bit for bit.
  void cover_row(float u0, float v0, int ia, int ib, float* cover, float* second) const {
    const __m256 vu0 = _mm256_set1_ps(u0), vv0 = _mm256_set1_ps(v0);
    const __m256 vct = _mm256_set1_ps(fct), vst = _mm256_set1_ps(fst);
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
    const __m256 point5 = _mm256_set1_ps(0.5f), va = _mm256_set1_ps(alpha);
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int i = ia; i <= ib; i += 8) {
      const __m256 fi = _mm256_cvtepi32_ps(_mm256_add_epi32(_mm256_set1_epi32(i), iota));
      const __m256 u = _mm256_fmadd_ps(fi, vct, vu0);
      const __m256 v = _mm256_fnmadd_ps(fi, vst, vv0);
      __m256 inside_half;  // inside + 0.5
      if (kind == 0) {
        const __m256 e = _mm256_fmadd_ps(_mm256_mul_ps(u, u), _mm256_set1_ps(irx2),
                                         _mm256_mul_ps(_mm256_mul_ps(v, v), _mm256_set1_ps(iry2)));
        inside_half =
            _mm256_fmadd_ps(_mm256_sub_ps(one, _mm256_sqrt_ps(e)), _mm256_set1_ps(rmin), point5);
      } else {
        const __m256 a = _mm256_sub_ps(_mm256_set1_ps(frx), _mm256_and_ps(u, abs_mask));
        const __m256 b = _mm256_sub_ps(_mm256_set1_ps(fry), _mm256_and_ps(v, abs_mask));
        inside_half = _mm256_add_ps(_mm256_min_ps(b, a), point5);  // std::min(a, b)
      }
      const __m256 c = _mm256_min_ps(_mm256_max_ps(inside_half, zero), one);
      _mm256_storeu_ps(cover + i, _mm256_mul_ps(c, va));
      __m256 s = zero;
      if (kind == 2) {
        const __m256 q = _mm256_mul_ps(u, _mm256_set1_ps(iperiod));
        s = _mm256_and_ps(_mm256_cmp_ps(_mm256_sub_ps(q, _mm256_floor_ps(q)), point5, _CMP_LT_OQ),
                          one);
      }
      _mm256_storeu_ps(second + i, s);
    }
  }
};

}  // namespace

void clutter_background(int S, uint64_t seed, std::vector<float>& img) {
  Generator g(seed);
  Draws d(g);
  const std::array<float, 3> c0 = random_colour(d), c1 = random_colour(d);
  const double a = d.uniform(0, 2 * kPi), ca = std::cos(a), sa = std::sin(a);
  // The gradient, written straight into the image row by row: every value is overwritten, so a
  // reused vector needs no clearing, and no row is built elsewhere and copied in.
  img.resize(3 * static_cast<size_t>(S) * S);
  std::vector<float> w(S);
  for (int y = 0; y < S; ++y) {
    gradient_row(S, y, ca, sa, w.data());
    float* row = &img[3 * static_cast<size_t>(y) * S];
    for (int x = 0; x < S; ++x) {
      for (int k = 0; k < 3; ++k) row[3 * x + k] = c0[k] + w[x] * (c1[k] - c0[k]);
    }
  }
  std::vector<float> cover(S + 8), second(S + 8);
  const int shapes = 3 + static_cast<int>(d.uniform(0, 7));
  for (int n = 0; n < shapes; ++n) {
    const int kind = static_cast<int>(d.uniform(0, 3));  // 0 ellipse, 1 box, 2 stripes
    const double cx = d.uniform(-0.1, 1.1) * S, cy = d.uniform(-0.1, 1.1) * S;
    const double rx = d.uniform(0.05, 0.4) * S, ry = d.uniform(0.05, 0.4) * S;
    const double th = d.uniform(0, kPi), ct = std::cos(th), st = std::sin(th);
    const std::array<float, 3> col = random_colour(d), col2 = random_colour(d);
    const float alpha = d.uniform(0.6, 1.0);
    const double period = d.uniform(4, 20);
    const double r = std::max(rx, ry) + 2;
    const int x0 = std::max(0, static_cast<int>(cx - r)),
              x1 = std::min(S - 1, static_cast<int>(cx + r));
    const int y0 = std::max(0, static_cast<int>(cy - r)),
              y1 = std::min(S - 1, static_cast<int>(cy + r));
    const int n_x = x1 - x0 + 1;
    if (n_x <= 0) continue;
    const ShapeRow shape{kind,
                         static_cast<float>(ct),
                         static_cast<float>(st),
                         static_cast<float>(1 / (rx * rx)),
                         static_cast<float>(1 / (ry * ry)),
                         static_cast<float>(std::min(rx, ry)),
                         static_cast<float>(rx),
                         static_cast<float>(ry),
                         alpha,
                         static_cast<float>(1 / period)};
    for (int y = y0; y <= y1; ++y) {
      // Rotated coordinates of (x0, y); they advance by (ct, −st) per pixel.
      const double du0 = (x0 - cx) * ct + (y - cy) * st, dv0 = -(x0 - cx) * st + (y - cy) * ct;
      int ia = 0, ib = 0;
      if (!shape_span(kind, du0, dv0, ct, -st, rx, ry, n_x, &ia, &ib)) continue;
      shape.cover_row(static_cast<float>(du0), static_cast<float>(dv0), ia, ib, cover.data(),
                      second.data());
      float* p = &img[3 * (static_cast<size_t>(y) * S + x0)];
      for (int i = ia; i <= ib; ++i) {
        for (int k = 0; k < 3; ++k) {
          const float c = col[k] + second[i] * (col2[k] - col[k]);
          p[3 * i + k] += cover[i] * (c - p[3 * i + k]);
        }
      }
    }
  }
}

std::vector<float> clutter_background(int S, uint64_t seed) {
  std::vector<float> img;
  clutter_background(S, seed, img);
  return img;
}

}  // namespace dc
