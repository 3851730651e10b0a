#include "data/synth/face_world.h"

#include <immintrin.h>
#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/cpu_time.h"
#include "core/error.h"
#include "data/synth/face_blur.h"
#include "data/synth/face_clutter.h"
#include "data/synth/face_labels.h"
#include "data/synth/face_shapes.h"
#include "data/synth/render_tensors.h"
#include "data/synth/rgb_planes.h"
#include "data/synth/shading.h"

namespace dc {
namespace {

using face_shapes::Draws;
using face_shapes::random_colour;

constexpr double kPi = 3.14159265358979323846;
constexpr double kDeg = kPi / 180;
// The face centre (head frame): the point the camera is aimed at, and the face height (hairline
// to chin) that sets the distance for a given face size in pixels.
const Vec3 kFaceCentre{0, -0.02, 0.07};
constexpr double kFaceHeight = 0.185;

using Stopwatch = StageStopwatch<FaceRenderTimes>;

// Superellipse occluder: g < 1 inside; `inside_px` approximates the distance to the edge.
struct OccluderEval {
  const FaceOccluder& o;
  double ca = std::cos(o.angle), sa = std::sin(o.angle);
  // Returns g and sets the local x' / rx for shading.
  double g(double x, double y, double* xr = nullptr) const {
    const double u = (x - o.cx) * ca + (y - o.cy) * sa, v = -(x - o.cx) * sa + (y - o.cy) * ca;
    if (xr) *xr = u / o.rx;
    return std::pow(
        std::pow(std::abs(u / o.rx), o.exponent) + std::pow(std::abs(v / o.ry), o.exponent),
        1.0 / o.exponent);
  }
};

// A fixed table of standard normal values (Box–Muller from a fixed seed), longer than an image
// at the default size (3·256² < 2^18); larger images read it round more than once.
const std::vector<float>& normal_table() {
  static const std::vector<float> table = [] {
    std::vector<float> t(1 << 18);
    Generator g(0x6e6f697365ull);
    Draws d(g);
    for (size_t i = 0; i < t.size(); i += 2) {
      const double u1 = 1.0 - d.uniform(0, 1), u2 = d.uniform(0, 1);
      const double rad = std::sqrt(-2 * std::log(u1));
      t[i] = static_cast<float>(rad * std::cos(2 * kPi * u2));
      t[i + 1] = static_cast<float>(rad * std::sin(2 * kPi * u2));
    }
    return t;
  }();
  return table;
}

// The image with Gaussian noise of standard deviation `sigma` added to each value, clamped to
// [0, 1], as a 3×S×S planar tensor (the noise and the conversion in one pass). The noise is the
// normal table read on from a per-sample random start (sequentially, wrapping round:
// cache-friendly), value i of the interleaved image taking table value start + i.
Tensor noisy_planar_image(const std::vector<float>& img, int S, double sigma, uint64_t seed) {
  const std::vector<float>& table = normal_table();
  const size_t n = table.size(), N = static_cast<size_t>(S) * S;
  const size_t at = seed % n;
  const float s = static_cast<float>(sigma);
  Tensor out = empty({3, S, S}, DType::f32);
  float* r = out.data<float>();
  float* g = r + N;
  float* b = g + N;
  // Value i takes table[(at + i) mod n]; `pos` follows (at + 3p) mod n along the pixels (the
  // table wraps round more than once for images larger than 295 × 295).
  const float* t = table.data();
  const __m256 vs = _mm256_set1_ps(s), zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
  auto noisy8 = [&](size_t i, size_t pos) {  // values i .. i + 8, table values pos .. pos + 8
    const __m256 v = _mm256_fmadd_ps(vs, _mm256_loadu_ps(t + pos), _mm256_loadu_ps(&img[i]));
    // std::min(1, std::max(0, v)): max_ps(v, 0) and min_ps(v, 1) keep v exactly when they do.
    return _mm256_min_ps(_mm256_max_ps(v, zero), one);
  };
  auto noisy = [&](size_t i, size_t pos) {  // value i, as noisy8() computes it
    return std::min(1.0f, std::max(0.0f, img[i] + s * t[pos % n]));
  };
  size_t pos = at;
  for (size_t p = 0; p < N;) {
    const size_t i = 3 * p;
    if (p + 8 <= N && pos + 24 <= n) {
      store_rgb_planes8(noisy8(i, pos), noisy8(i + 8, pos + 8), noisy8(i + 16, pos + 16), r + p,
                        g + p, b + p);
      p += 8;
      pos += 24;
    } else {  // the last pixels, and the 8 whose values straddle the table's end
      r[p] = noisy(i, pos);
      g[p] = noisy(i + 1, pos + 1);
      b[p] = noisy(i + 2, pos + 2);
      ++p;
      pos += 3;
    }
    if (pos >= n) pos -= n;
  }
  return out;
}

// The landmarks' surface points, computed once from the template table.
const std::array<FaceSurfacePoint, kFaceNumLandmarks>& landmark_points() {
  static const std::array<FaceSurfacePoint, kFaceNumLandmarks> points = [] {
    std::array<FaceSurfacePoint, kFaceNumLandmarks> p;
    for (int k = 0; k < kFaceNumLandmarks; ++k) {
      p[k] = face_surface_point(face_landmarks_uv()[k][0], face_landmarks_uv()[k][1]);
    }
    return p;
  }();
  return points;
}

// The landmark visibility test bins the queries into squares of kCellPixels: at 4 (a face triangle
// spans about 3 pixels) a triangle meets few queries that lie outside it.
constexpr int kCellPixels = 4;

// The cells (squares of kCellPixels, as occluded_points() bins them) that each vertex of `mesh` may
// project into, from a single-precision projection widened by a bound on its rounding error:
// the exact (double) projection's cell lies in [x0, x1] × [y0, y1]. Vertices near or behind the
// camera plane get every cell. Stored as {x0, −x1, y0, −y1} (int16), so that the range of a
// triangle is one elementwise minimum of its corners'. Eight vertices per AVX2 step.
using CellRange = std::array<int16_t, 4>;
std::vector<CellRange> vertex_cell_ranges(const Mesh& mesh, const Camera& cam, int cells) {
  auto splat = [](double v) { return _mm256_set1_ps(static_cast<float>(v)); };
  const __m256 r00 = splat(cam.R(0, 0)), r01 = splat(cam.R(0, 1)), r02 = splat(cam.R(0, 2));
  const __m256 r10 = splat(cam.R(1, 0)), r11 = splat(cam.R(1, 1)), r12 = splat(cam.R(1, 2));
  const __m256 r20 = splat(cam.R(2, 0)), r21 = splat(cam.R(2, 1)), r22 = splat(cam.R(2, 2));
  const __m256 tx = splat(cam.t.x), ty = splat(cam.t.y), tz = splat(cam.t.z);
  const __m256 t_abs =
      splat(std::abs(static_cast<float>(cam.t.x)) + std::abs(static_cast<float>(cam.t.y)) +
            std::abs(static_cast<float>(cam.t.z)));
  const __m256 fx = splat(cam.fx), fy = splat(cam.fy), ccx = splat(cam.cx), ccy = splat(cam.cy);
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 one = _mm256_set1_ps(1.0f), tiny = _mm256_set1_ps(1e-6f);
  const __m256 last = _mm256_set1_ps(static_cast<float>(cells - 1));
  auto abs = [&](__m256 v) { return _mm256_and_ps(v, abs_mask); };
  // The cell of pixel coordinate v, int((v + 0.5) / kCellPixels) clamped to [0, cells − 1];
  // clamped in float first so that the conversion never overflows.
  auto cell = [&](__m256 v) {
    const __m256 c =
        _mm256_mul_ps(_mm256_add_ps(v, _mm256_set1_ps(0.5f)), _mm256_set1_ps(1.0f / kCellPixels));
    return _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(c, _mm256_setzero_ps()), last));
  };
  // Pixel coordinate and its error margin along one axis (f, c: focal length and centre).
  auto axis = [&](__m256 P, __m256 f, __m256 c, __m256 iz, __m256 e, __m256i* lo, __m256i* hi) {
    const __m256 x = _mm256_fmadd_ps(_mm256_mul_ps(f, P), iz, c);
    // |error| of X, Y, Z: a few roundings of terms bounded by |p|₁ + |t|₁ (|R_ij| <= 1), and of
    // the pixel coordinate: that error through f X / Z, plus a few roundings of the result;
    // taken ten times over, and at least 0.01 pixels.
    const __m256 through =
        _mm256_mul_ps(_mm256_mul_ps(_mm256_mul_ps(f, iz), e), _mm256_fmadd_ps(abs(P), iz, one));
    const __m256 m = _mm256_fmadd_ps(_mm256_set1_ps(10.0f),
                                     _mm256_fmadd_ps(tiny, _mm256_add_ps(abs(x), abs(c)), through),
                                     _mm256_set1_ps(0.01f));
    *lo = cell(_mm256_sub_ps(x, m));
    *hi = cell(_mm256_add_ps(x, m));
  };
  const int64_t V = mesh.num_vertices();
  std::vector<CellRange> out(V);
  const float* pos = mesh.positions.data();
  const __m256i full_lo = _mm256_setzero_si256(), full_hi = _mm256_set1_epi32(cells - 1);
  // Vertices p[0 .. 8) (24 floats) into dst[0 .. 8).
  auto block = [&](const float* p, CellRange* dst8) {
    __m256 px, py, pz;
    split_rgb8(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8), _mm256_loadu_ps(p + 16), &px, &py, &pz);
    auto row = [&](__m256 a, __m256 b, __m256 c, __m256 t) {
      return _mm256_fmadd_ps(a, px, _mm256_fmadd_ps(b, py, _mm256_fmadd_ps(c, pz, t)));
    };
    const __m256 X = row(r00, r01, r02, tx), Y = row(r10, r11, r12, ty), Z = row(r20, r21, r22, tz);
    const __m256i near = _mm256_castps_si256(_mm256_cmp_ps(Z, _mm256_set1_ps(1e-2f), _CMP_GT_OQ));
    const __m256 e = _mm256_mul_ps(
        tiny, _mm256_add_ps(_mm256_add_ps(abs(px), abs(py)), _mm256_add_ps(abs(pz), t_abs)));
    const __m256 iz = _mm256_div_ps(one, Z);
    __m256i x0, x1, y0, y1;
    axis(X, fx, ccx, iz, e, &x0, &x1);
    axis(Y, fy, ccy, iz, e, &y0, &y1);
    // Every cell where Z <= 0.01 (the projection is meaningless there).
    x0 = _mm256_blendv_epi8(full_lo, x0, near);
    y0 = _mm256_blendv_epi8(full_lo, y0, near);
    x1 = _mm256_blendv_epi8(full_hi, x1, near);
    y1 = _mm256_blendv_epi8(full_hi, y1, near);
    // Interleave {x0, −x1, y0, −y1} per vertex (int16; cells fit).
    const __m256i zero = _mm256_setzero_si256();
    const __m256i a = _mm256_packs_epi32(x0, y0);  // per 128-bit lane: x0 ×4, y0 ×4
    const __m256i b = _mm256_packs_epi32(_mm256_sub_epi32(zero, x1), _mm256_sub_epi32(zero, y1));
    const __m256i lo = _mm256_unpacklo_epi16(a, b), hi = _mm256_unpackhi_epi16(a, b);
    const __m256i v01 = _mm256_unpacklo_epi32(lo, hi), v23 = _mm256_unpackhi_epi32(lo, hi);
    __m256i* dst = reinterpret_cast<__m256i*>(dst8->data());
    _mm256_storeu_si256(dst, _mm256_permute2x128_si256(v01, v23, 0x20));
    _mm256_storeu_si256(dst + 1, _mm256_permute2x128_si256(v01, v23, 0x31));
  };
  int64_t v = 0;
  for (; v + 8 <= V; v += 8) block(pos + 3 * v, &out[v]);
  if (v < V) {  // the last vertices, padded with zeros
    float buf[24] = {};
    std::copy(pos + 3 * v, pos + 3 * V, buf);
    CellRange tail[8];
    block(buf, tail);
    std::copy(tail, tail + (V - v), &out[v]);
  }
  return out;
}

// For each query point (x, y, z) in pixels and camera depth, whether some triangle of `mesh` lies
// nearer than z − tolerance at the exact position (x, y): screen-space barycentrics and
// perspective-correct depth. The queries (the 68 landmarks) are binned into cells of kCellPixels,
// and each triangle is tested against the queries in the cells its bounding box meets. Most
// triangles meet no query's cell: a conservative single-precision cell range per vertex and a
// table of query counts (summed over rectangles of cells) drop them before their vertices are
// projected exactly (in double, each vertex once).
// Whether n / area < 0 (n and area of strictly opposite signs, and the quotient a negative number
// rather than an underflow to −0).
inline bool outside(double n, double area) {
  return n * area < 0 && std::abs(n) > std::abs(area) * 1e-300;
}

std::vector<uint8_t> occluded_points(const Mesh& mesh, const Camera& cam,
                                     const std::vector<std::array<double, 3>>& points,
                                     double tolerance) {
  std::vector<uint8_t> occluded(points.size(), 0);
  if (points.empty()) return occluded;
  const int S = cam.width, cells = (S + kCellPixels - 1) / kCellPixels;
  auto cell = [&](double v) {
    return std::min(cells - 1, std::max(0, static_cast<int>((v + 0.5) / kCellPixels)));
  };
  // The queries of cell c are order[start[c] .. start[c + 1]).
  const size_t n_cells = static_cast<size_t>(cells) * cells;
  std::vector<int> start(n_cells + 1, 0), order(points.size());
  int cx0 = cells, cx1 = -1, cy0 = cells, cy1 = -1;
  for (const auto& q : points) {
    const int cx = cell(q[0]), cy = cell(q[1]);
    ++start[static_cast<size_t>(cy) * cells + cx + 1];
    cx0 = std::min(cx0, cx), cx1 = std::max(cx1, cx), cy0 = std::min(cy0, cy),
    cy1 = std::max(cy1, cy);
  }
  // sum[(y + 1) (cells + 1) + x + 1]: the queries in the cells [0, x] × [0, y].
  std::vector<int> sum(static_cast<size_t>(cells + 1) * (cells + 1), 0);
  for (int y = 0; y < cells; ++y) {
    for (int x = 0; x < cells; ++x) {
      const size_t c = static_cast<size_t>(y) * cells + x;
      sum[(y + 1) * (cells + 1) + x + 1] = start[c + 1] + sum[y * (cells + 1) + x + 1] +
                                           sum[(y + 1) * (cells + 1) + x] -
                                           sum[y * (cells + 1) + x];
    }
  }
  auto any_query = [&](int x0, int x1, int y0, int y1) {  // in the cells [x0, x1] × [y0, y1]
    const int w = cells + 1;
    return sum[(y1 + 1) * w + x1 + 1] - sum[y0 * w + x1 + 1] - sum[(y1 + 1) * w + x0] +
               sum[y0 * w + x0] >
           0;
  };
  for (size_t c = 0; c < n_cells; ++c) start[c + 1] += start[c];
  {
    std::vector<int> fill(start.begin(), start.end() - 1);
    for (size_t k = 0; k < points.size(); ++k) {
      order[fill[static_cast<size_t>(cell(points[k][1])) * cells + cell(points[k][0])]++] =
          static_cast<int>(k);
    }
  }
  const int64_t V = mesh.num_vertices(), F = mesh.num_faces();
  const std::vector<CellRange> range = vertex_cell_ranges(mesh, cam, cells);
  const __m128i query_range =
      _mm_setr_epi16(static_cast<int16_t>(cx0), static_cast<int16_t>(-cx1),
                     static_cast<int16_t>(cy0), static_cast<int16_t>(-cy1), 0, 0, 0, 0);
  std::vector<Projection> proj(V);
  std::vector<uint8_t> projected(V, 0);
  auto exact = [&](int32_t v) -> const Projection& {
    if (!projected[v]) {
      proj[v] = cam.project(mesh.vertex(v));
      projected[v] = 1;
    }
    return proj[v];
  };
  for (int64_t f = 0; f < F; ++f) {
    const int32_t* fv = &mesh.faces[3 * f];
    {
      // The corners' ranges united, then cut to the queries' cell range.
      auto corner = [&](int k) {
        return _mm_loadl_epi64(reinterpret_cast<const __m128i*>(range[fv[k]].data()));
      };
      const __m128i m =
          _mm_max_epi16(_mm_min_epi16(_mm_min_epi16(corner(0), corner(1)), corner(2)), query_range);
      alignas(16) int16_t r[8];
      _mm_store_si128(reinterpret_cast<__m128i*>(r), m);
      const int x0 = r[0], x1 = -r[1], y0 = r[2], y1 = -r[3];
      if (x0 > x1 || y0 > y1 || !any_query(x0, x1, y0, y1)) continue;
    }
    const Projection &a = exact(fv[0]), &b = exact(fv[1]), &q = exact(fv[2]);
    if (!(a.z > 0 && b.z > 0 && q.z > 0)) continue;  // never for a face in front of the camera
    const double x0 = std::min({a.x, b.x, q.x}), x1 = std::max({a.x, b.x, q.x});
    const double y0 = std::min({a.y, b.y, q.y}), y1 = std::max({a.y, b.y, q.y});
    if (x1 < -0.5 || y1 < -0.5 || x0 > S - 0.5 || y0 > S - 0.5) continue;
    const int fx0 = std::max(cell(x0), cx0), fx1 = std::min(cell(x1), cx1);
    const int fy0 = std::max(cell(y0), cy0), fy1 = std::min(cell(y1), cy1);
    if (fx0 > fx1 || fy0 > fy1) continue;  // no query in the cells it meets
    const double area = (b.x - a.x) * (q.y - a.y) - (b.y - a.y) * (q.x - a.x);
    if (area == 0) continue;
    for (int cy = fy0; cy <= fy1; ++cy) {
      for (int cx = fx0; cx <= fx1; ++cx) {
        const size_t c = static_cast<size_t>(cy) * cells + cx;
        for (int i = start[c]; i < start[c + 1]; ++i) {
          const int k = order[i];
          if (occluded[k]) continue;
          const double x = points[k][0], y = points[k][1], z = points[k][2];
          const double n0 = (b.x - x) * (q.y - y) - (b.y - y) * (q.x - x);
          const double n1 = (q.x - x) * (a.y - y) - (q.y - y) * (a.x - x);
          // Most queries lie outside the triangle: a numerator of the sign opposite to the
          // area's, and far from underflow, makes its barycentric negative without dividing.
          if (outside(n0, area) || outside(n1, area)) continue;
          const double l0 = n0 / area;
          const double l1 = n1 / area;
          const double l2 = 1 - l0 - l1;
          if (l0 < 0 || l1 < 0 || l2 < 0) continue;
          const double depth = 1.0 / (l0 / a.z + l1 / b.z + l2 / q.z);
          if (depth < z - tolerance) occluded[k] = 1;
        }
      }
    }
  }
  return occluded;
}

}  // namespace

void FaceWorldOptions::validate() const {
  DC_CHECK(size >= 16 && size <= 4096, "face world: size = ", size, ", expected 16 to 4096");
  DC_CHECK(supersample >= 1 && supersample <= 8, "face world: supersample = ", supersample,
           ", expected 1 to 8");
  DC_CHECK(max_yaw >= 0 && max_yaw <= 90, "face world: max_yaw = ", max_yaw,
           " degrees, expected 0 to 90");
  DC_CHECK(max_pitch >= 0 && max_pitch <= 45, "face world: max_pitch = ", max_pitch,
           " degrees, expected 0 to 45");
  DC_CHECK(max_roll >= 0 && max_roll <= 180, "face world: max_roll = ", max_roll,
           " degrees, expected 0 to 180");
  DC_CHECK(min_face > 0 && min_face <= max_face && max_face <= 2,
           "face world: min_face = ", min_face, ", max_face = ", max_face,
           ", expected 0 < min_face <= max_face <= 2");
  DC_CHECK(max_shift >= 0 && max_shift <= 0.5, "face world: max_shift = ", max_shift,
           ", expected 0 to 0.5");
  DC_CHECK(occluder_probability >= 0 && occluder_probability <= 1,
           "face world: occluder_probability = ", occluder_probability, ", expected 0 to 1");
  DC_CHECK(blur_probability >= 0 && blur_probability <= 1,
           "face world: blur_probability = ", blur_probability, ", expected 0 to 1");
  DC_CHECK(max_blur >= 0 && max_blur <= 10, "face world: max_blur = ", max_blur,
           ", expected 0 to 10 pixels");
  DC_CHECK(max_noise >= 0 && max_noise <= 1, "face world: max_noise = ", max_noise,
           ", expected 0 to 1");
}

FaceScene FaceScene::mirrored(int size) const {
  // The principal point is mirrored with everything else, so the image of the mirror scene is the
  // flip x ↦ size − 1 − x of this scene's image.
  FaceScene m = *this;
  m.shape = shape.mirrored();
  m.yaw = -yaw;
  m.roll = -roll;
  m.offset_x = -offset_x;
  m.principal_dx = -principal_dx;
  m.light_direction.x = -light_direction.x;
  for (FaceOccluder& o : m.occluders) {
    o.cx = (size - 1) - o.cx;
    o.angle = -o.angle;
    o.shade = -o.shade;
  }
  return m;
}

FaceScene FaceScene::sample(Generator& rng, const FaceWorldOptions& options) {
  options.validate();
  FaceScene s;
  s.shape = FaceShape::sample(rng);
  s.texture = FaceTextureParams::sample(rng);
  s.texture.mouth_open = s.shape.mouth_open;
  Draws d(rng);
  const int S = options.size;
  s.yaw = d.uniform(-options.max_yaw, options.max_yaw) * kDeg;
  s.pitch = d.uniform(-options.max_pitch, options.max_pitch) * kDeg;
  s.roll = d.uniform(-options.max_roll, options.max_roll) * kDeg;
  const double face_px = d.uniform(options.min_face, options.max_face) * S;
  s.distance = focal_from_fov(S, s.fov) * kFaceHeight / face_px;
  s.offset_x = d.uniform(-options.max_shift, options.max_shift) * S;
  s.offset_y = d.uniform(-options.max_shift, options.max_shift) * S;
  // Light from the camera's side of the head, up to 70° off the optical axis.
  const double az = d.uniform(0, 2 * kPi), el = d.uniform(0, 70) * kDeg;
  s.light_direction = {std::sin(el) * std::cos(az), std::sin(el) * std::sin(az), -std::cos(el)};
  s.ambient = d.uniform(0.25, 0.6);
  s.diffuse = d.uniform(0.35, 0.8);
  s.clutter = options.clutter;
  s.background_seed = d.seed();
  if (d.chance(options.occluder_probability)) {
    const int n = 1 + static_cast<int>(d.uniform(0, 3));
    for (int i = 0; i < n; ++i) {
      FaceOccluder o;
      o.cx = 0.5 * (S - 1) + s.offset_x + d.uniform(-0.35, 0.35) * face_px;
      o.cy = 0.5 * (S - 1) + s.offset_y + d.uniform(-0.35, 0.35) * face_px;
      o.rx = d.uniform(0.06, 0.25) * face_px;
      o.ry = d.uniform(0.06, 0.25) * face_px;
      o.angle = d.uniform(0, kPi);
      o.exponent = d.uniform(2, 6);
      o.colour = random_colour(d);
      o.shade = d.uniform(-0.3, 0.3);
      s.occluders.push_back(o);
    }
  }
  s.blur = d.chance(options.blur_probability) ? d.uniform(0.3, std::max(0.3, options.max_blur)) : 0;
  if (options.max_blur == 0) s.blur = 0;
  s.noise = d.uniform(0, options.max_noise);
  s.noise_seed = d.seed();
  return s;
}

Camera face_camera(const FaceScene& scene, int size) {
  Camera cam = make_camera(size, size, focal_from_fov(size, scene.fov));
  cam.cx += scene.principal_dx;
  cam.cy += scene.principal_dy;
  // Head frame (x right, y up, z towards the viewer) to camera (x right, y down, z forward):
  // the pose, then a half turn about x.
  const Mat3 pose = rotation_ypr(scene.yaw, scene.pitch, scene.roll);
  Mat3 flip;
  flip(1, 1) = -1;
  flip(2, 2) = -1;
  cam.R = flip * pose;
  const Vec3 target{scene.offset_x * scene.distance / cam.fx,
                    scene.offset_y * scene.distance / cam.fy, scene.distance};
  cam.t = target - cam.R * kFaceCentre;
  return cam;
}

Sample render_face_scene(const FaceScene& scene, const FaceWorldOptions& options,
                         FaceRenderTimes* times) {
  options.validate();
  const int S = options.size;
  const int64_t N = static_cast<int64_t>(S) * S;
  Stopwatch watch{times};

  // Deformed into a per-thread mesh: the topology and attributes are the same for every face, and
  // reusing their vectors saves allocating (and page-faulting) about 0.3 MB per face.
  thread_local Mesh mesh_buffer;
  face_mesh(scene.shape, mesh_buffer);
  const Mesh& mesh = mesh_buffer;
  watch.lap(&FaceRenderTimes::mesh);
  ShadingOptions shading;
  // The background is drawn into a per-thread vector lent to `shading` for the render and taken
  // back after it: a stream of faces reuses its 12 bytes per pixel (no allocation, no page faults).
  thread_local std::vector<float> background;
  if (scene.clutter) {
    clutter_background(S, scene.background_seed, background);
    shading.background_image = std::move(background);
  } else {
    shading.background = {0.5f, 0.5f, 0.5f};
  }
  watch.lap(&FaceRenderTimes::background);
  // The texture last, so that it is still in cache when the renderer samples it.
  const Texture texture = face_texture(scene.texture);
  watch.lap(&FaceRenderTimes::texture);

  const Camera cam = face_camera(scene, S);
  shading.texture = &texture;
  shading.uv = "tex";
  // Normals are in the head frame: the light direction too.
  shading.light.direction = transpose(cam.R) * scene.light_direction;
  shading.light.ambient = scene.ambient;
  shading.light.diffuse = scene.diffuse;
  shading.supersample = options.supersample;
  shading.antialias = options.antialias;
  RasterOptions raster;
  raster.parallel = options.parallel;
  // The head is one closed surface seen from outside, so a back face is never the nearest:
  // culling them halves the triangles drawn and changes no pixel (checked on the tests' scenes).
  raster.cull_back_faces = true;
  // Rendered into per-thread buffers: a data-loader worker renders a stream of same-size faces,
  // and a fresh Render would allocate and zero-fill 20 bytes per pixel every time.
  thread_local Render r;
  render(mesh, cam, shading, raster, r);
  background = std::move(shading.background_image);
  watch.lap(&FaceRenderTimes::render);

  // Labels from the label pass: the face chart only; part is a function of (U, V). They are
  // written straight into the sample's tensors (U and V planes, part, mask, depth).
  const Fragments& fr = r.fragments;
  Tensor uv_t = empty({2, S, S}, DType::f32), depth_t = empty({S, S}, DType::f32);
  Tensor part_t = empty({S, S}, DType::i64), mask_t = empty({S, S}, DType::u8);
  float* u_plane = uv_t.data<float>();
  float* v_plane = u_plane + N;
  float* depth = depth_t.data<float>();
  int64_t* part = part_t.data<int64_t>();
  uint8_t* mask = mask_t.data<uint8_t>();
  // Two passes: (U, V), mask and depth from the fragments, then the parts from (U, V).
  face_label_planes(mesh, fr, u_plane, v_plane, depth, mask);
  face_parts(u_plane, v_plane, mask, N, part);
  // Occluders: drawn over the image, anti-aliased; they clear the labels at the pixel centres
  // they cover.
  for (const FaceOccluder& o : scene.occluders) {
    const OccluderEval ev{o};
    const double rad = std::max(o.rx, o.ry) + 2;
    const int x0 = std::max(0, static_cast<int>(o.cx - rad)),
              x1 = std::min(S - 1, static_cast<int>(o.cx + rad));
    const int y0 = std::max(0, static_cast<int>(o.cy - rad)),
              y1 = std::min(S - 1, static_cast<int>(o.cy + rad));
    // g lies between m = max(|u/rx|, |v/ry|) and 2^(1/exponent) m: pixels where m alone decides
    // the cover (0 outside, 1 well inside) skip the powers. The margins are far above their
    // rounding error, so the outcome is the one the powers give.
    const double rmin = std::min(o.rx, o.ry);
    const double outside_at = (1 + 0.5 / rmin) * (1 + 1e-9);
    const double inside_at = (1 - 0.5 / rmin) * (1 - 1e-9) / std::pow(2.0, 1 / o.exponent);
    for (int y = y0; y <= y1; ++y) {
      for (int x = x0; x <= x1; ++x) {
        const double u = (x - o.cx) * ev.ca + (y - o.cy) * ev.sa;
        const double v = -(x - o.cx) * ev.sa + (y - o.cy) * ev.ca;
        const double m = std::max(std::abs(u / o.rx), std::abs(v / o.ry));
        if (m >= outside_at) continue;  // g >= m: cover 0
        double xr = u / o.rx, g = 0;    // g = 0 stands for "inside" (g < 1)
        float cover = 1.0f;
        if (!(m < inside_at)) {
          g = ev.g(x, y, &xr);
          const double inside_px = (1 - g) * rmin;
          cover = static_cast<float>(std::min(1.0, std::max(0.0, inside_px + 0.5)));
          if (cover <= 0) continue;
        }
        const int64_t p = static_cast<int64_t>(y) * S + x;
        const float k = static_cast<float>(1 + o.shade * std::max(-1.0, std::min(1.0, xr)));
        for (int c = 0; c < 3; ++c) {
          const float col = std::min(1.0f, std::max(0.0f, o.colour[c] * k));
          r.rgb[3 * p + c] += cover * (col - r.rgb[3 * p + c]);
        }
        if (g < 1) {
          mask[p] = 0;
          part[p] = 0;
          u_plane[p] = v_plane[p] = 0;
          depth[p] = 0;
        }
      }
    }
  }
  watch.lap(&FaceRenderTimes::labels);

  // Landmarks: exact projections of their surface points; visible when front-most, in the image
  // on a face pixel, and not behind an occluder.
  Tensor landmarks = empty({kFaceNumLandmarks, 2}, DType::f32);
  Tensor visible = empty({kFaceNumLandmarks}, DType::u8);
  {
    float* lm = landmarks.data<float>();
    uint8_t* vis = visible.data<uint8_t>();
    std::vector<Projection> proj(kFaceNumLandmarks);
    std::vector<std::array<double, 3>> queries;
    std::vector<int> query_of(kFaceNumLandmarks, -1);
    for (int k = 0; k < kFaceNumLandmarks; ++k) {
      const Projection pr = cam.project(surface_position(mesh, landmark_points()[k]));
      proj[k] = pr;
      lm[2 * k] = static_cast<float>(pr.x);
      lm[2 * k + 1] = static_cast<float>(pr.y);
      const int px = static_cast<int>(std::lround(pr.x)), py = static_cast<int>(std::lround(pr.y));
      bool v = pr.z > 0 && px >= 0 && px < S && py >= 0 && py < S &&
               mask[static_cast<int64_t>(py) * S + px] == 1;
      for (const FaceOccluder& o : scene.occluders) v = v && OccluderEval{o}.g(pr.x, pr.y) >= 1;
      if (v) {  // still to test against the head's triangles
        query_of[k] = static_cast<int>(queries.size());
        queries.push_back({pr.x, pr.y, pr.z});
      }
    }
    const std::vector<uint8_t> hidden = occluded_points(mesh, cam, queries, 1e-4);
    for (int k = 0; k < kFaceNumLandmarks; ++k) {
      vis[k] = query_of[k] >= 0 && !hidden[query_of[k]] ? 1 : 0;
    }
  }
  watch.lap(&FaceRenderTimes::landmarks);

  if (scene.blur > 0) blur_rgb(r.rgb, S, scene.blur);
  // The noise is added while converting to planes (a pass over the image saved): counted as
  // tensors.
  watch.lap(&FaceRenderTimes::post);
  Sample out;
  out["image"] = scene.noise > 0 ? noisy_planar_image(r.rgb, S, scene.noise, scene.noise_seed)
                                 : planar_tensor(r.rgb, S, S, 3);
  out["uv"] = uv_t;
  out["part"] = part_t;
  out["mask"] = mask_t;
  out["depth"] = depth_t;
  out["landmarks"] = landmarks;
  out["visible"] = visible;
  watch.lap(&FaceRenderTimes::tensors);
  return out;
}

Sample render_face(Generator& rng, const FaceWorldOptions& options) {
  return render_face_scene(FaceScene::sample(rng, options), options);
}

SampleLayout face_sample_layout() {
  return {{"image", FieldKind::kImage},      {"uv", FieldKind::kDenseLabel},
          {"part", FieldKind::kDenseLabel},  {"mask", FieldKind::kDenseLabel},
          {"depth", FieldKind::kDenseLabel}, {"landmarks", FieldKind::kPoints},
          {"visible", FieldKind::kOther}};
}

SynthFacesDataset::SynthFacesDataset(int64_t size, FaceWorldOptions options, std::string split)
    : size_(size), options_(std::move(options)), split_(std::move(split)) {
  DC_CHECK(size_ >= 1, "synthetic faces: size = ", size_, ", expected >= 1");
  options_.validate();
}

Sample SynthFacesDataset::get(int64_t index, Generator& rng) const {
  DC_CHECK(index >= 0 && index < size_, "synthetic faces: index ", index, " out of range [0, ",
           size_, ")");
  return render_face(rng, options_);
}

}  // namespace dc
