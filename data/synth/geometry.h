// Small 3-vectors and 3×3 matrices (double) for the synthetic world's geometry: camera poses,
// template construction, normals. Plain value types, no allocation; the rasterizer's hot loops use
// their own scalar code.
#pragma once

#include <array>
#include <cmath>

namespace dc {

struct Vec3 {
  double x = 0, y = 0, z = 0;
};

inline Vec3 operator+(const Vec3& a, const Vec3& b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
inline Vec3 operator-(const Vec3& a, const Vec3& b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
inline Vec3 operator-(const Vec3& a) { return {-a.x, -a.y, -a.z}; }
inline Vec3 operator*(double s, const Vec3& a) { return {s * a.x, s * a.y, s * a.z}; }
inline Vec3 operator*(const Vec3& a, double s) { return s * a; }
inline double dot(const Vec3& a, const Vec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
inline Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
inline double norm(const Vec3& a) { return std::sqrt(dot(a, a)); }
// a / |a|; the zero vector stays zero (degenerate normals of zero-area faces).
inline Vec3 normalized(const Vec3& a) {
  const double n = norm(a);
  return n > 0 ? (1.0 / n) * a : Vec3{};
}

// Row-major 3×3 matrix: m[3 * row + col].
struct Mat3 {
  std::array<double, 9> m{1, 0, 0, 0, 1, 0, 0, 0, 1};  // identity by default

  double operator()(int r, int c) const { return m[3 * r + c]; }
  double& operator()(int r, int c) { return m[3 * r + c]; }
  Vec3 row(int r) const { return {m[3 * r], m[3 * r + 1], m[3 * r + 2]}; }
  static Mat3 from_rows(const Vec3& r0, const Vec3& r1, const Vec3& r2) {
    return Mat3{{r0.x, r0.y, r0.z, r1.x, r1.y, r1.z, r2.x, r2.y, r2.z}};
  }
};

inline Vec3 operator*(const Mat3& a, const Vec3& v) {
  return {dot(a.row(0), v), dot(a.row(1), v), dot(a.row(2), v)};
}
inline Mat3 operator*(const Mat3& a, const Mat3& b) {
  Mat3 c;
  for (int r = 0; r < 3; ++r)
    for (int k = 0; k < 3; ++k) c(r, k) = a(r, 0) * b(0, k) + a(r, 1) * b(1, k) + a(r, 2) * b(2, k);
  return c;
}
inline Mat3 transpose(const Mat3& a) {
  Mat3 t;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) t(r, c) = a(c, r);
  return t;
}

}  // namespace dc
