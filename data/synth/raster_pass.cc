#include "data/synth/raster_pass.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "core/error.h"
#include "core/thread_pool.h"

namespace dc {
namespace raster {
namespace {

// Sub-pixel precision of the snapped vertex positions: 1/256 sample.
constexpr int kSubBits = 8;
constexpr int64_t kSub = int64_t{1} << kSubBits;
// Guard band (samples beyond the image edges): with it, snapped coordinates stay below 2^29 units
// for images up to 2^19 samples wide, so edge functions (products of two differences < 2^30) fit
// in int64 exactly, and the snapped corners themselves in int32.
constexpr double kGuard = double(1 << 18);

// A vertex of the clipped polygon: camera-space position and barycentric weights of the original
// face's three corners.
struct ClipVertex {
  Vec3 p;
  std::array<double, 3> w;
};

// A plane in camera space, inside where dot(n, p) + d >= 0.
struct Plane {
  Vec3 n;
  double d;
  // dot(n, p) + d with its fused multiply-adds spelled out (what the compiler contracted it to),
  // so that project_vertices() repeats it exactly four vertices at a time.
  double eval(const Vec3& p) const { return std::fma(n.z, p.z, std::fma(n.x, p.x, n.y * p.y)) + d; }
};

// The point where segment (a, b) crosses `plane`. The endpoints are put in a canonical order
// first (lexicographic on position), so the two faces sharing an edge compute bit-identical
// points and stay watertight after clipping.
ClipVertex intersect(const Plane& plane, ClipVertex a, ClipVertex b) {
  if (std::tie(b.p.x, b.p.y, b.p.z) < std::tie(a.p.x, a.p.y, a.p.z)) std::swap(a, b);
  const double da = plane.eval(a.p), db = plane.eval(b.p);
  const double s = da / (da - db);
  ClipVertex r;
  r.p = a.p + s * (b.p - a.p);
  for (int k = 0; k < 3; ++k) r.w[k] = a.w[k] + s * (b.w[k] - a.w[k]);
  return r;
}

// Sutherland–Hodgman clipping of a convex polygon against one plane.
void clip_polygon(const Plane& plane, const std::vector<ClipVertex>& in,
                  std::vector<ClipVertex>& out) {
  out.clear();
  const size_t n = in.size();
  for (size_t i = 0; i < n; ++i) {
    const ClipVertex& cur = in[i];
    const ClipVertex& nxt = in[(i + 1) % n];
    const bool cur_in = plane.eval(cur.p) >= 0, nxt_in = plane.eval(nxt.p) >= 0;
    if (cur_in) out.push_back(cur);
    if (cur_in != nxt_in) out.push_back(intersect(plane, cur, nxt));
  }
}

// std::llround (half away from zero) without the library call: v − trunc(v) is exact.
inline int64_t round_half_away(double v) {
  const double t = std::trunc(v);
  const double d = v - t;
  return static_cast<int64_t>(t) + (d >= 0.5) - (d <= -0.5);
}

// The screen position of camera-space point p (in front of the near plane). The fused
// multiply-adds are spelled out (what the compiler contracted them to) so that
// project_vertices() repeats them exactly.
ScreenVertex to_screen(const Camera& cam, const Vec3& p) {
  ScreenVertex s;
  s.inv_z = 1.0 / p.z;
  s.x = std::fma(cam.fx * p.x, s.inv_z, cam.cx);
  s.y = std::fma(cam.fy * p.y, s.inv_z, cam.cy);
  // Points reaching here are inside the guard band, so the rounding cannot overflow.
  s.X = round_half_away(s.x * kSub);
  s.Y = round_half_away(s.y * kSub);
  return s;
}

// round_half_away() of four doubles whose rounded values fit in int32 (lanes that do not give
// unspecified values).
inline __m256i round_half_away4(__m256d v) {
  const __m256d t = _mm256_round_pd(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m256d d = _mm256_sub_pd(v, t);  // exact
  const __m256i up = _mm256_castpd_si256(_mm256_cmp_pd(d, _mm256_set1_pd(0.5), _CMP_GE_OQ));
  const __m256i down = _mm256_castpd_si256(_mm256_cmp_pd(d, _mm256_set1_pd(-0.5), _CMP_LE_OQ));
  const __m256i ti = _mm256_cvtepi32_epi64(_mm256_cvttpd_epi32(t));
  return _mm256_add_epi64(_mm256_sub_epi64(ti, up), down);  // masks are −1 where set
}

// Outcodes (bit p set when outside planes[p]) of the first V vertices of `camv`, and the screen
// positions of those inside all five planes, four vertices at a time: the operations of
// Plane::eval() and to_screen() in the same order, so the same bits as one vertex at a time.
void project_vertices(const std::vector<Vec3>& camv, int64_t V, const Camera& cam,
                      const Plane planes[5], uint8_t* outcode, ScreenVertex* screen) {
  int64_t i = 0;
  for (; i + 4 <= V; i += 4) {
    const Vec3* p = &camv[i];
    const __m256d px = _mm256_setr_pd(p[0].x, p[1].x, p[2].x, p[3].x);
    const __m256d py = _mm256_setr_pd(p[0].y, p[1].y, p[2].y, p[3].y);
    const __m256d pz = _mm256_setr_pd(p[0].z, p[1].z, p[2].z, p[3].z);
    __m256i codes = _mm256_setzero_si256();  // per lane (int64): bit k set when outside plane k
    for (int k = 0; k < 5; ++k) {
      const Plane& pl = planes[k];
      const __m256d e =
          _mm256_add_pd(_mm256_fmadd_pd(_mm256_set1_pd(pl.n.z), pz,
                                        _mm256_fmadd_pd(_mm256_set1_pd(pl.n.x), px,
                                                        _mm256_mul_pd(_mm256_set1_pd(pl.n.y), py))),
                        _mm256_set1_pd(pl.d));
      const __m256i out = _mm256_castpd_si256(_mm256_cmp_pd(e, _mm256_setzero_pd(), _CMP_LT_OQ));
      codes = _mm256_or_si256(codes, _mm256_and_si256(out, _mm256_set1_epi64x(int64_t{1} << k)));
    }
    alignas(32) int64_t code[4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(code), codes);
    const __m256d inv_z = _mm256_div_pd(_mm256_set1_pd(1.0), pz);
    const __m256d x =
        _mm256_fmadd_pd(_mm256_mul_pd(_mm256_set1_pd(cam.fx), px), inv_z, _mm256_set1_pd(cam.cx));
    const __m256d y =
        _mm256_fmadd_pd(_mm256_mul_pd(_mm256_set1_pd(cam.fy), py), inv_z, _mm256_set1_pd(cam.cy));
    const __m256d sub = _mm256_set1_pd(static_cast<double>(kSub));
    alignas(32) double xs[4], ys[4], iz[4];
    alignas(32) int64_t X[4], Y[4];
    _mm256_store_pd(xs, x);
    _mm256_store_pd(ys, y);
    _mm256_store_pd(iz, inv_z);
    _mm256_store_si256(reinterpret_cast<__m256i*>(X), round_half_away4(_mm256_mul_pd(x, sub)));
    _mm256_store_si256(reinterpret_cast<__m256i*>(Y), round_half_away4(_mm256_mul_pd(y, sub)));
    for (int l = 0; l < 4; ++l) {
      outcode[i + l] = static_cast<uint8_t>(code[l]);
      if (code[l] == 0) screen[i + l] = {xs[l], ys[l], iz[l], X[l], Y[l]};
    }
  }
  for (; i < V; ++i) {
    unsigned code = 0;
    for (int k = 0; k < 5; ++k) code |= unsigned(planes[k].eval(camv[i]) < 0) << k;
    outcode[i] = static_cast<uint8_t>(code);
    if (code == 0) screen[i] = to_screen(cam, camv[i]);
  }
}

int64_t snapped_area(const ScreenVertex* const v[3]) {
  return (v[1]->X - v[0]->X) * (v[2]->Y - v[0]->Y) - (v[1]->Y - v[0]->Y) * (v[2]->X - v[0]->X);
}

// The positions the interpolation planes are built from, and twice their signed area: the
// unsnapped positions (exact projective interpolation), or for a sliver whose unsnapped area
// vanishes or flips sign, the snapped ones.
inline double plane_positions(const ScreenVertex* const v[3], int64_t area, double px[3],
                              double py[3]) {
  // (The fused multiply-add is what the compiler contracted the plain expression to.)
  auto twice_area = [&] {
    return std::fma(px[1] - px[0], py[2] - py[0], -((py[1] - py[0]) * (px[2] - px[0])));
  };
  for (int k = 0; k < 3; ++k) {
    px[k] = v[k]->x;
    py[k] = v[k]->y;
  }
  double A = twice_area();
  if (A == 0 || (A > 0) != (area > 0)) {
    for (int k = 0; k < 3; ++k) {
      px[k] = double(v[k]->X) / kSub;
      py[k] = double(v[k]->Y) / kSub;
    }
    A = twice_area();
  }
  return A;
}

// Edge functions of a triangle at sample (x, y): edge k runs from corner k+1 to corner k+2
// (opposite corner k), e_k >= 0 inside. A sample on the edge is inside for top edges (dy == 0,
// dx > 0) and left edges (dy < 0): the bias turns E > 0 into E >= 0 for them.
struct Edges {
  int64_t e[3], step_x[3], step_y[3];
  Edges(const DrawTri& t, int x, int y) {
    const int64_t px = int64_t{x} * kSub, py = int64_t{y} * kSub;
    auto edge = [&](int k, int i, int j) {
      const int64_t dx = int64_t{t.X[j]} - t.X[i], dy = int64_t{t.Y[j]} - t.Y[i];
      const int64_t bias = (dy < 0 || (dy == 0 && dx > 0)) ? 1 : 0;
      e[k] = dx * (py - t.Y[i]) - dy * (px - t.X[i]) + bias - 1;
      step_x[k] = -dy * kSub;
      step_y[k] = dx * kSub;
    };
    edge(0, 1, 2);
    edge(1, 2, 0);
    edge(2, 0, 1);
  }
  // Whether every value over the nx × ny samples from `dx` samples right of (x, y) fits in int32.
  bool fit_int32(int dx, int nx, int ny) const {
    for (int k = 0; k < 3; ++k) {
      const int64_t bound = std::abs(e[k] + step_x[k] * dx) + std::abs(step_x[k]) * (nx - 1) +
                            std::abs(step_y[k]) * (ny - 1);
      if (bound > INT32_MAX) return false;
    }
    return true;
  }
};

// 1/Z of triangle t at sample (x, y). The same float expression in the vector and scalar loops, so
// the z-buffer does not depend on which loop drew a triangle (the choice depends on the row band).
inline float row_depth(const DrawTri& t, int y) {
  return std::fma(t.zgy, static_cast<float>(y - t.y0), t.z0);
}

// Draws triangle q into rows [y0, y1] eight samples at a time, with exact int32 edge functions
// (`ed` at sample (xa, y0), xa = x0 rounded down to a multiple of 8). Vectors sit on aligned
// blocks of 8 samples, so a load that follows the store of a neighbouring triangle to the same
// block is forwarded from it instead of stalling on a partial overlap.
// Only columns [bx0, bx1] (inside the bounding box) are drawn; depth is always evaluated from the
// triangle's own origin (x0, y0), so a clipped draw writes bit-identical values.
void draw_avx2(const DrawTri& t, int32_t q, int bx0, int bx1, int y0, int y1, const Edges& ed,
               int stride, float* inv_depth, int32_t* ids) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i minus_one = _mm256_set1_epi32(-1);
  const int xa = bx0 & ~7;
  __m256i e_row[3], step8[3], step_y[3];
  for (int k = 0; k < 3; ++k) {
    // Lanes outside the bounding box may wrap around; they are masked out, and inside it the
    // true values fit in int32, so modular arithmetic gives them exactly.
    e_row[k] = _mm256_add_epi32(
        _mm256_set1_epi32(static_cast<int32_t>(ed.e[k])),
        _mm256_mullo_epi32(lane, _mm256_set1_epi32(static_cast<int32_t>(ed.step_x[k]))));
    step8[k] = _mm256_set1_epi32(static_cast<int32_t>(static_cast<uint32_t>(ed.step_x[k] * 8)));
    step_y[k] = _mm256_set1_epi32(static_cast<int32_t>(ed.step_y[k]));
  }
  const __m256 zgx = _mm256_set1_ps(t.zgx);
  const __m256i qv = _mm256_set1_epi32(q);
  // Lanes of the box: bx0 − xa <= lane + (x − xa) <= bx1 − xa.
  const __m256i lo = _mm256_set1_epi32(bx0 - xa - 1);
  const __m256i hi = _mm256_set1_epi32(bx1 - xa + 1);
  for (int y = y0; y <= y1; ++y) {
    const __m256 zr = _mm256_set1_ps(row_depth(t, y));
    float* zrow = inv_depth + static_cast<int64_t>(y) * stride;
    int32_t* irow = ids + static_cast<int64_t>(y) * stride;
    __m256i e0 = e_row[0], e1 = e_row[1], e2 = e_row[2];
    for (int x = xa; x <= bx1; x += 8) {
      const __m256i in = _mm256_or_si256(e0, _mm256_or_si256(e1, e2));
      const __m256i pos = _mm256_add_epi32(lane, _mm256_set1_epi32(x - xa));
      const __m256i box =
          _mm256_and_si256(_mm256_cmpgt_epi32(pos, lo), _mm256_cmpgt_epi32(hi, pos));
      const __m256i m = _mm256_and_si256(_mm256_cmpgt_epi32(in, minus_one), box);
      if (!_mm256_testz_si256(m, m)) {
        const __m256 xs = _mm256_cvtepi32_ps(_mm256_add_epi32(_mm256_set1_epi32(x - t.x0), lane));
        const __m256 z = _mm256_fmadd_ps(zgx, xs, zr);
        const __m256 zb = _mm256_load_ps(zrow + x);
        const __m256i w =
            _mm256_and_si256(m, _mm256_castps_si256(_mm256_cmp_ps(z, zb, _CMP_GT_OQ)));
        if (!_mm256_testz_si256(w, w)) {
          _mm256_store_ps(zrow + x, _mm256_blendv_ps(zb, z, _mm256_castsi256_ps(w)));
          __m256i* ip = reinterpret_cast<__m256i*>(irow + x);
          _mm256_store_si256(ip, _mm256_blendv_epi8(_mm256_load_si256(ip), qv, w));
        }
      }
      e0 = _mm256_add_epi32(e0, step8[0]);
      e1 = _mm256_add_epi32(e1, step8[1]);
      e2 = _mm256_add_epi32(e2, step8[2]);
    }
    for (int k = 0; k < 3; ++k) e_row[k] = _mm256_add_epi32(e_row[k], step_y[k]);
  }
}

// The same with int64 edge functions, one sample at a time (large triangles).
void draw_scalar(const DrawTri& t, int32_t q, int bx0, int bx1, int y0, int y1, const Edges& ed,
                 int stride, float* inv_depth, int32_t* ids) {
  int64_t e_row[3] = {ed.e[0], ed.e[1], ed.e[2]};
  for (int y = y0; y <= y1; ++y) {
    const float zr = row_depth(t, y);
    float* zrow = inv_depth + static_cast<int64_t>(y) * stride;
    int32_t* irow = ids + static_cast<int64_t>(y) * stride;
    int64_t e0 = e_row[0], e1 = e_row[1], e2 = e_row[2];
    for (int x = bx0; x <= bx1; ++x) {
      if ((e0 | e1 | e2) >= 0) {
        const float z = std::fma(t.zgx, static_cast<float>(x - t.x0), zr);
        if (z > zrow[x]) {
          zrow[x] = z;
          irow[x] = q;
        }
      }
      e0 += ed.step_x[0];
      e1 += ed.step_x[1];
      e2 += ed.step_x[2];
    }
    for (int k = 0; k < 3; ++k) e_row[k] += ed.step_y[k];
  }
}

// draw_avx2() for a box within kBlocks (1 or 2) aligned blocks of eight, the common case of the
// small triangles of a detailed mesh: the same edge values and 1/Z, but no branch inside the row
// loop (those on coverage and on the depth test mispredict often on triangles this small). Every
// block is read, blended and written back whole, so a block the triangle does not win is
// rewritten with its own values; the blocks lie in this box's rows, which belong to the caller.
template <int kBlocks>
void draw_narrow(const DrawTri& t, int32_t q, int bx0, int bx1, int y0, int y1, const Edges& ed,
                 int stride, float* inv_depth, int32_t* ids) {
  // One aligned block of eight samples: its edge values on the current row, the lanes inside
  // the box, the lanes' x offsets from the triangle's origin. Named members, not arrays, so
  // that they stay in registers across the row loop.
  struct Block {
    __m256i e0, e1, e2, box;
    __m256 xs;
  };
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i minus_one = _mm256_set1_epi32(-1);
  const int xa = bx0 & ~7;
  const __m256i lo = _mm256_set1_epi32(bx0 - xa - 1);
  const __m256i hi = _mm256_set1_epi32(bx1 - xa + 1);
  // As in draw_avx2(): exact in the box, lanes outside it masked.
  auto edge = [&](int k) {
    return _mm256_add_epi32(
        _mm256_set1_epi32(static_cast<int32_t>(ed.e[k])),
        _mm256_mullo_epi32(lane, _mm256_set1_epi32(static_cast<int32_t>(ed.step_x[k]))));
  };
  auto step8 = [&](int k) {
    return _mm256_set1_epi32(static_cast<int32_t>(static_cast<uint32_t>(ed.step_x[k] * 8)));
  };
  auto lanes = [&](Block& b, int first) {
    const __m256i pos = _mm256_add_epi32(lane, _mm256_set1_epi32(first));
    b.box = _mm256_and_si256(_mm256_cmpgt_epi32(pos, lo), _mm256_cmpgt_epi32(hi, pos));
    b.xs = _mm256_cvtepi32_ps(_mm256_add_epi32(_mm256_set1_epi32(xa + first - t.x0), lane));
  };
  Block b0, b1;
  b0.e0 = edge(0);
  b0.e1 = edge(1);
  b0.e2 = edge(2);
  lanes(b0, 0);
  if (kBlocks == 2) {
    b1.e0 = _mm256_add_epi32(b0.e0, step8(0));
    b1.e1 = _mm256_add_epi32(b0.e1, step8(1));
    b1.e2 = _mm256_add_epi32(b0.e2, step8(2));
    lanes(b1, 8);
  }
  const __m256i sy0 = _mm256_set1_epi32(static_cast<int32_t>(ed.step_y[0]));
  const __m256i sy1 = _mm256_set1_epi32(static_cast<int32_t>(ed.step_y[1]));
  const __m256i sy2 = _mm256_set1_epi32(static_cast<int32_t>(ed.step_y[2]));
  const __m256 zgx = _mm256_set1_ps(t.zgx);
  const __m256i qv = _mm256_set1_epi32(q);
  auto draw = [&](Block& b, const __m256 zr, float* zp, int32_t* ip) {
    const __m256i in = _mm256_or_si256(b.e0, _mm256_or_si256(b.e1, b.e2));
    const __m256i m = _mm256_and_si256(_mm256_cmpgt_epi32(in, minus_one), b.box);
    const __m256 z = _mm256_fmadd_ps(zgx, b.xs, zr);
    const __m256 zb = _mm256_load_ps(zp);
    const __m256i w = _mm256_and_si256(m, _mm256_castps_si256(_mm256_cmp_ps(z, zb, _CMP_GT_OQ)));
    _mm256_store_ps(zp, _mm256_blendv_ps(zb, z, _mm256_castsi256_ps(w)));
    __m256i* iv = reinterpret_cast<__m256i*>(ip);
    _mm256_store_si256(iv, _mm256_blendv_epi8(_mm256_load_si256(iv), qv, w));
    b.e0 = _mm256_add_epi32(b.e0, sy0);
    b.e1 = _mm256_add_epi32(b.e1, sy1);
    b.e2 = _mm256_add_epi32(b.e2, sy2);
  };
  for (int y = y0; y <= y1; ++y) {
    const __m256 zr = _mm256_set1_ps(row_depth(t, y));
    float* zrow = inv_depth + static_cast<int64_t>(y) * stride + xa;
    int32_t* irow = ids + static_cast<int64_t>(y) * stride + xa;
    draw(b0, zr, zrow, irow);
    if (kBlocks == 2) draw(b1, zr, zrow + 8, irow + 8);
  }
}

// Draws triangle q over columns [bx0, bx1] and rows [y0, y1] of its bounding box: the vector loop
// (from the aligned block holding bx0) when the edge functions fit in int32 over the box, else
// the int64 loop. Both give the same coverage and 1/Z.
void draw_box(const DrawTri& t, int32_t q, int bx0, int bx1, int y0, int y1, int stride,
              float* zbuf, int32_t* ids) {
  const int xa = bx0 & ~7;
  const Edges ed(t, xa, y0);
  if (t.small || ed.fit_int32(bx0 - xa, bx1 - bx0 + 1, y1 - y0 + 1)) {
    if (bx1 - xa < 8) {
      draw_narrow<1>(t, q, bx0, bx1, y0, y1, ed, stride, zbuf, ids);
    } else if (bx1 - xa < 16) {
      draw_narrow<2>(t, q, bx0, bx1, y0, y1, ed, stride, zbuf, ids);
    } else {
      draw_avx2(t, q, bx0, bx1, y0, y1, ed, stride, zbuf, ids);
    }
  } else {
    draw_scalar(t, q, bx0, bx1, y0, y1, Edges(t, bx0, y0), stride, zbuf, ids);
  }
}

}  // namespace

void validate_inputs(const Mesh& mesh, const Camera& cam, const RasterOptions& options) {
  mesh.validate("rasterize: mesh");
  cam.validate();
  DC_CHECK(std::isfinite(options.near) && options.near > 0,
           "rasterize: options.near = ", options.near, ", expected a finite value > 0");
  DC_CHECK(cam.width <= (1 << 19) && cam.height <= (1 << 19), "rasterize: image ", cam.width, "×",
           cam.height, " is larger than 2^19 pixels on a side");
}

Scratch& thread_scratch() {
  thread_local Scratch scratch;
  return scratch;
}

void camera_vertices(const Mesh& mesh, const Camera& cam, std::vector<Vec3>& out) {
  const int64_t V = mesh.num_vertices();
  out.resize(V);
  for (int64_t i = 0; i < V; ++i) out[i] = cam.to_camera(mesh.vertex(i));
}

void RasterPass::add_prim(int32_t face, int32_t a, int32_t b, int32_t c) {
  const ScreenVertex* v[3] = {&screen_[a], &screen_[b], &screen_[c]};
  // The cheap rejections first (most triangles of a tiled pass fail the tile test): the sample
  // bounding box, with floor and ceiling divisions by kSub as arithmetic shifts.
  const int64_t minX = std::min({v[0]->X, v[1]->X, v[2]->X});
  const int64_t maxX = std::max({v[0]->X, v[1]->X, v[2]->X});
  const int64_t minY = std::min({v[0]->Y, v[1]->Y, v[2]->Y});
  const int64_t maxY = std::max({v[0]->Y, v[1]->Y, v[2]->Y});
  const int32_t x0 = static_cast<int32_t>(std::max<int64_t>(0, (minX + kSub - 1) >> kSubBits));
  const int32_t x1 = static_cast<int32_t>(std::min<int64_t>(width_ - 1, maxX >> kSubBits));
  const int32_t y0 = static_cast<int32_t>(std::max<int64_t>(0, (minY + kSub - 1) >> kSubBits));
  const int32_t y1 = static_cast<int32_t>(std::min<int64_t>(height_ - 1, maxY >> kSubBits));
  if (x0 > x1 || y0 > y1) return;
  if (tiles_ != nullptr && !touches_tiles(x0, x1, y0, y1)) return;
  const int64_t area = snapped_area(v);
  if (area == 0) return;
  const int32_t p = static_cast<int32_t>(prims_.size());
  prims_.push_back({face, {a, b, c}});
  // Written in place: a DrawTri built on the stack and copied costs a store-forwarding stall.
  DrawTri& t = tris_.emplace_back();
  t.x0 = x0;
  t.x1 = x1;
  t.y0 = y0;
  t.y1 = y1;
  // At a sample of the box, |edge function| <= 2 · (maxX − minX) · (maxY − minY) + 1 <= 2^29 + 1.
  t.small = maxX - minX <= (int64_t{64} << kSubBits) && maxY - minY <= (int64_t{64} << kSubBits);
  int order[3] = {0, 1, 2};
  if (area < 0) std::swap(order[1], order[2]);
  for (int k = 0; k < 3; ++k) {
    t.X[k] = static_cast<int32_t>(v[order[k]]->X);
    t.Y[k] = static_cast<int32_t>(v[order[k]]->Y);
  }
  // The 1/Z plane for the depth test: Σ_k λ_k / Z_k, with λ_k the edge function of the opposite
  // edge over the area.
  double px[3], py[3];
  const double rA = 1.0 / plane_positions(v, area, px, py);
  // (The fused multiply-adds are what the compiler contracted the plain expressions to.)
  double gx = 0, gy = 0;
  auto term = [&](int k, int i, int j) {
    gx = std::fma(-(py[j] - py[i]), v[k]->inv_z, gx);
    gy = std::fma(px[j] - px[i], v[k]->inv_z, gy);
  };
  term(0, 1, 2);
  term(1, 2, 0);
  term(2, 0, 1);
  gx *= rA;
  gy *= rA;
  t.z0 = static_cast<float>(std::fma(gy, y0 - py[0], std::fma(gx, x0 - px[0], v[0]->inv_z)));
  t.zgx = static_cast<float>(gx);
  t.zgy = static_cast<float>(gy);
  t.prim = p;
}

void RasterPass::compute_planes(int32_t tri) {
  const Prim& pr = prims_[tris_[tri].prim];
  const ScreenVertex* v[3] = {&screen_[pr.v[0]], &screen_[pr.v[1]], &screen_[pr.v[2]]};
  double px[3], py[3];
  const double A = plane_positions(v, snapped_area(v), px, py);
  // The three planes side by side in lanes k = 0, 1, 2 (edge k from corner i = k+1 to corner
  // j = k+2, mod 3), so that the six divisions are two vector divisions. Per lane:
  //   c = (dx (py0 − py_i) − dy (px0 − px_i)) · scale, gx = −dy · scale, gy = dx · scale,
  //   scale = 1/Z_k / A, z = 1 / (1/Z_k),
  // with the first product fused, as the compiler contracted the scalar expression (so the
  // records are bit-identical to the scalar ones).
  const __m256d pxi = _mm256_setr_pd(px[1], px[2], px[0], 0);
  const __m256d pyi = _mm256_setr_pd(py[1], py[2], py[0], 0);
  const __m256d dx = _mm256_sub_pd(_mm256_setr_pd(px[2], px[0], px[1], 0), pxi);
  const __m256d dy = _mm256_sub_pd(_mm256_setr_pd(py[2], py[0], py[1], 0), pyi);
  const __m256d inv_z = _mm256_setr_pd(v[0]->inv_z, v[1]->inv_z, v[2]->inv_z, 1.0);
  const __m256d scale = _mm256_div_pd(inv_z, _mm256_set1_pd(A));
  const __m256d z = _mm256_div_pd(_mm256_set1_pd(1.0), inv_z);
  const __m256d t = _mm256_mul_pd(_mm256_sub_pd(_mm256_set1_pd(px[0]), pxi), dy);
  const __m256d c =
      _mm256_mul_pd(_mm256_fmsub_pd(_mm256_sub_pd(_mm256_set1_pd(py[0]), pyi), dx, t), scale);
  const __m256d gx = _mm256_mul_pd(_mm256_xor_pd(dy, _mm256_set1_pd(-0.0)), scale);
  const __m256d gy = _mm256_mul_pd(dx, scale);
  // Σ c from 0, in order.
  const __m128d c01 = _mm256_castpd256_pd128(c);
  const double ci = ((0.0 + _mm_cvtsd_f64(c01)) + _mm_cvtsd_f64(_mm_unpackhi_pd(c01, c01))) +
                    _mm_cvtsd_f64(_mm256_extractf128_pd(c, 1));
  // Each store's fourth lane spills into the next field, which the next store overwrites: c, gx,
  // gy with ci in its fourth lane, z; face and clipped last.
  Planes& s = planes_[tri];
  double* d = reinterpret_cast<double*>(&s);  // the record as 16 doubles (raster_pass.h)
  s.ox = px[0];
  s.oy = py[0];
  _mm256_storeu_pd(d + 2, c);
  _mm256_storeu_pd(d + 5, gx);
  _mm256_storeu_pd(d + 8, _mm256_blend_pd(gy, _mm256_set1_pd(ci), 0x8));
  _mm256_storeu_pd(d + 12, z);
  s.face = pr.face;
  s.clipped = pr.v[0] >= num_vertices_ || pr.v[1] >= num_vertices_ || pr.v[2] >= num_vertices_;
  ready_[tri] = 1;
}

void RasterPass::shading_planes(int32_t tri, double ox, double oy, double c[3], double gx[3],
                                double gy[3]) const {
  const Prim& pr = prims_[tris_[tri].prim];
  const ScreenVertex* v[3] = {&screen_[pr.v[0]], &screen_[pr.v[1]], &screen_[pr.v[2]]};
  double px[3], py[3];
  const double rA = 1.0 / plane_positions(v, snapped_area(v), px, py);
  auto plane = [&](int k, int i, int j) {
    const double dx = px[j] - px[i], dy = py[j] - py[i];
    const double scale = v[k]->inv_z * rA;
    c[k] = (dx * (oy - py[i]) - dy * (ox - px[i])) * scale;
    gx[k] = -dy * scale;
    gy[k] = dx * scale;
  };
  plane(0, 1, 2);
  plane(1, 2, 0);
  plane(2, 0, 1);
}

void RasterPass::prepare_all_planes(bool parallel) {
  const int64_t n = static_cast<int64_t>(tris_.size());
  auto range = [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      if (!ready_[t]) compute_planes(static_cast<int32_t>(t));
    }
  };
  if (parallel) {
    parallel_for(0, n, 512, range);
  } else {
    range(0, n);
  }
}

// fragment(), inlined into the scalar per-pixel loop of resolve(). The fused multiply-adds are
// spelled out so that resolve_block4() can repeat the same operations in the same order (and
// so the same doubles) four pixels at a time, whatever the compiler contracts.
__attribute__((always_inline)) inline void RasterPass::fragment_inline(int32_t tri, int x, int y,
                                                                       int32_t* face, float* bary,
                                                                       float* depth) const {
  const Planes& s = planes_[tri];
  const double dx = x - s.ox, dy = y - s.oy;
  double u[3], sum = 0;
  for (int k = 0; k < 3; ++k) {
    // Samples covered by the snapped triangle may sit a hair outside the unsnapped one.
    u[k] = std::max(0.0, std::fma(s.gy[k], dy, std::fma(s.gx[k], dx, s.c[k])));
    sum += u[k];
  }
  if (!(sum > 0)) {  // only a vanishing sliver can get here; its centroid stands for it
    u[0] = u[1] = u[2] = s.ci / 3;
    sum = s.ci;
  }
  const double inv = 1.0 / sum;
  double b[3] = {u[0] * inv, u[1] * inv, u[2] * inv};
  // Depth as the barycentric blend of the corners' depths (1/Σu unless a clamp acted), so depth
  // and every interpolated attribute describe the same surface point.
  *depth = static_cast<float>(std::fma(b[2], s.z[2], std::fma(b[0], s.z[0], b[1] * s.z[1])));
  if (s.clipped) {
    // A piece of a clipped face: map to the face's own corners.
    const Prim& pr = prims_[tris_[tri].prim];
    double w[3] = {0, 0, 0};
    for (int k = 0; k < 3; ++k) {
      const auto& cw = clip_weights(pr.v[k]);  // every corner of a clipped piece is a clip vertex
      for (int j = 0; j < 3; ++j) w[j] = std::fma(b[k], cw[j], w[j]);
    }
    std::copy(w, w + 3, b);
  }
  *face = s.face;
  for (int k = 0; k < 3; ++k) bary[k] = static_cast<float>(b[k]);
}

void RasterPass::fragment(int32_t tri, int x, int y, int32_t* face, float* bary,
                          float* depth) const {
  fragment_inline(tri, x, y, face, bary, depth);
}

namespace {

// Transposes rows r0..r3 (four doubles each) into columns: c_k[j] = r_j[k].
__attribute__((always_inline)) inline void transpose4(__m256d r0, __m256d r1, __m256d r2,
                                                      __m256d r3, __m256d& c0, __m256d& c1,
                                                      __m256d& c2, __m256d& c3) {
  const __m256d t0 = _mm256_unpacklo_pd(r0, r1);  // r00 r10 r02 r12
  const __m256d t1 = _mm256_unpackhi_pd(r0, r1);  // r01 r11 r03 r13
  const __m256d t2 = _mm256_unpacklo_pd(r2, r3);  // r20 r30 r22 r32
  const __m256d t3 = _mm256_unpackhi_pd(r2, r3);  // r21 r31 r23 r33
  c0 = _mm256_permute2f128_pd(t0, t2, 0x20);
  c1 = _mm256_permute2f128_pd(t1, t3, 0x20);
  c2 = _mm256_permute2f128_pd(t0, t2, 0x31);
  c3 = _mm256_permute2f128_pd(t1, t3, 0x31);
}

// Interleaves three vectors of four floats (b0, b1, b2 of four pixels) into twelve floats,
// pixel by pixel.
inline void store_interleaved3(float* out, __m128 b0, __m128 b1, __m128 b2) {
  const __m128 t0 = _mm_unpacklo_ps(b0, b1);  // b0a b1a b0b b1b
  const __m128 t1 = _mm_unpackhi_ps(b0, b1);  // b0c b1c b0d b1d
  const __m128 y0 = _mm_shuffle_ps(b2, t0, _MM_SHUFFLE(2, 2, 0, 0));
  _mm_storeu_ps(out, _mm_shuffle_ps(t0, y0, _MM_SHUFFLE(2, 0, 1, 0)));  // b0a b1a b2a b0b
  const __m128 y1 = _mm_shuffle_ps(t0, b2, _MM_SHUFFLE(1, 1, 3, 3));
  _mm_storeu_ps(out + 4, _mm_shuffle_ps(y1, t1, _MM_SHUFFLE(1, 0, 2, 0)));  // b1b b2b b0c b1c
  const __m128 y2 = _mm_shuffle_ps(b2, t1, _MM_SHUFFLE(2, 2, 2, 2));
  const __m128 z2 = _mm_shuffle_ps(t1, b2, _MM_SHUFFLE(3, 3, 3, 3));
  _mm_storeu_ps(out + 8, _mm_shuffle_ps(y2, z2, _MM_SHUFFLE(2, 0, 2, 0)));  // b2c b0d b1d b2d
}

}  // namespace

bool RasterPass::resolve_block4(int x, int y, const int32_t* ids, int32_t* face, float* bary,
                                float* depth) const {
  const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(ids));
  const __m128i covered = _mm_cmpgt_epi32(q, _mm_set1_epi32(-1));
  if (_mm_testz_si128(covered, covered)) {  // all background
    _mm_storeu_si128(reinterpret_cast<__m128i*>(face), _mm_set1_epi32(-1));
    const __m128 zero = _mm_setzero_ps();
    _mm_storeu_ps(bary, zero);
    _mm_storeu_ps(bary + 4, zero);
    _mm_storeu_ps(bary + 8, zero);
    _mm_storeu_ps(depth, zero);
    return true;
  }
  // The records of the four winners (background lanes read a covered lane's record and are
  // masked at the end), one row of four doubles at a time, transposed into one vector per field
  // and consumed before the next row is loaded, all in named registers.
  const int32_t t0 = _mm_extract_epi32(q, 0), t1 = _mm_extract_epi32(q, 1),
                t2 = _mm_extract_epi32(q, 2), t3 = _mm_extract_epi32(q, 3);
  const int32_t any = std::max(std::max(t0, t1), std::max(t2, t3));  // >= 0: a covered lane's
  const Planes* base = planes_.data();
  const double* r0 = reinterpret_cast<const double*>(&base[t0 >= 0 ? t0 : any]);
  const double* r1 = reinterpret_cast<const double*>(&base[t1 >= 0 ? t1 : any]);
  const double* r2 = reinterpret_cast<const double*>(&base[t2 >= 0 ? t2 : any]);
  const double* r3 = reinterpret_cast<const double*>(&base[t3 >= 0 ? t3 : any]);
  __m256d f0, f1, f2, f3;
  auto row = [&](int j) {
    transpose4(_mm256_load_pd(r0 + 4 * j), _mm256_load_pd(r1 + 4 * j), _mm256_load_pd(r2 + 4 * j),
               _mm256_load_pd(r3 + 4 * j), f0, f1, f2, f3);
  };
  row(3);                                        // z0 z1 z2, (face, clipped)
  const __m256i tail = _mm256_castpd_si256(f3);  // per lane: face (low), clipped (high)
  const __m256i covered64 = _mm256_cvtepi32_epi64(covered);
  if (!_mm256_testz_si256(_mm256_srli_epi64(tail, 32), covered64)) {
    return false;  // a clipped piece: scalar
  }
  const __m256d z0 = f0, z1 = f1, z2 = f2;
  row(0);  // ox oy c0 c1
  const __m256d xs = _mm256_add_pd(_mm256_set1_pd(x), _mm256_setr_pd(0, 1, 2, 3));
  const __m256d dx = _mm256_sub_pd(xs, f0);
  const __m256d dy = _mm256_sub_pd(_mm256_set1_pd(y), f1);
  __m256d u0 = f2, u1 = f3;
  row(1);  // c2 gx0 gx1 gx2
  __m256d u2 = f0;
  u0 = _mm256_fmadd_pd(f1, dx, u0);
  u1 = _mm256_fmadd_pd(f2, dx, u1);
  u2 = _mm256_fmadd_pd(f3, dx, u2);
  row(2);  // gy0 gy1 gy2 ci
  // max_pd(v, 0) is (v > 0 ? v : 0), std::max(0.0, v) of fragment_inline (NaN included).
  const __m256d zero = _mm256_setzero_pd();
  u0 = _mm256_max_pd(_mm256_fmadd_pd(f0, dy, u0), zero);
  u1 = _mm256_max_pd(_mm256_fmadd_pd(f1, dy, u1), zero);
  u2 = _mm256_max_pd(_mm256_fmadd_pd(f2, dy, u2), zero);
  const __m256d sum = _mm256_add_pd(_mm256_add_pd(u0, u1), u2);
  const __m256d positive = _mm256_cmp_pd(sum, zero, _CMP_GT_OQ);
  if (_mm256_testc_pd(positive, _mm256_castsi256_pd(covered64)) == 0) {
    return false;  // a vanishing sliver (centroid rule): scalar
  }
  const __m256d inv = _mm256_div_pd(_mm256_set1_pd(1.0), sum);
  const __m256d b0 = _mm256_mul_pd(u0, inv), b1 = _mm256_mul_pd(u1, inv),
                b2 = _mm256_mul_pd(u2, inv);
  const __m256d d = _mm256_fmadd_pd(b2, z2, _mm256_fmadd_pd(b0, z0, _mm256_mul_pd(b1, z1)));
  // Background lanes: face −1, barycentrics and depth 0.
  const __m128 keep = _mm_castsi128_ps(covered);
  _mm_storeu_ps(depth, _mm_and_ps(_mm256_cvtpd_ps(d), keep));
  store_interleaved3(bary, _mm_and_ps(_mm256_cvtpd_ps(b0), keep),
                     _mm_and_ps(_mm256_cvtpd_ps(b1), keep), _mm_and_ps(_mm256_cvtpd_ps(b2), keep));
  // The faces: the low halves of the tail lanes.
  const __m256i faces64 =
      _mm256_permutevar8x32_epi32(tail, _mm256_setr_epi32(0, 2, 4, 6, 0, 0, 0, 0));
  const __m128i faces = _mm256_castsi256_si128(faces64);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(face),
                   _mm_blendv_epi8(_mm_set1_epi32(-1), faces, covered));
  return true;
}

void RasterPass::resolve(Fragments& out, bool parallel) {
  const int W = width_, H = height_;
  const int64_t N = static_cast<int64_t>(W) * H;
  out.width = W;
  out.height = H;
  out.face.resize(N);
  out.bary.resize(3 * N);
  out.depth.resize(N);
  int32_t* face = out.face.data();
  float* bary = out.bary.data();
  float* depth = out.depth.data();
  auto one = [&](int x, int y, int32_t q, int64_t p) {
    if (q >= 0) {
      fragment_inline(q, x, y, &face[p], &bary[3 * p], &depth[p]);
    } else {
      face[p] = -1;
      bary[3 * p] = bary[3 * p + 1] = bary[3 * p + 2] = 0.0f;
      depth[p] = 0.0f;
    }
  };
  auto rows = [&](int64_t r0, int64_t r1) {
    for (int64_t y = r0; y < r1; ++y) {
      const int32_t* ids = id_row(static_cast<int>(y));
      const int yi = static_cast<int>(y);
      int x = 0;
      // Four pixels at a time; a block holding a clipped piece or a sliver is redone one by one.
      for (; x + 4 <= W; x += 4) {
        const int64_t p = y * W + x;
        if (!resolve_block4(x, yi, ids + x, &face[p], &bary[3 * p], &depth[p])) {
          for (int l = 0; l < 4; ++l) one(x + l, yi, ids[x + l], p + l);
        }
      }
      for (; x < W; ++x) one(x, yi, ids[x], y * W + x);
    }
  };
  // Every plane up front: then planes() only reads (parallel), and serially one sweep over the
  // triangles costs less than computing them on first use in pixel order.
  prepare_all_planes(parallel);
  if (parallel) {
    parallel_for(0, H, 8, rows);
  } else {
    rows(0, H);
  }
}

void RasterPass::draw_rows(int row0, int row1) {
  float* zbuf = inv_depth_.data();
  int32_t* ids = ids_.data();
  for (size_t q = 0; q < tris_.size(); ++q) {
    const DrawTri& t = tris_[q];
    const int y0 = std::max<int>(t.y0, row0), y1 = std::min<int>(t.y1, row1 - 1);
    if (y0 > y1) continue;
    draw_box(t, static_cast<int32_t>(q), t.x0, t.x1, y0, y1, stride_, zbuf, ids);
  }
}

bool RasterPass::touches_tiles(int x0, int x1, int y0, int y1) const {
  const uint8_t* tiles = tiles_->data();
  const int32_t* tile_of = tile_of_.data();
  for (int ty = tile_of[y0]; ty <= tile_of[y1]; ++ty) {
    for (int tx = tile_of[x0]; tx <= tile_of[x1]; ++tx) {
      if (tiles[ty * tiles_x_ + tx]) return true;
    }
  }
  return false;
}

void RasterPass::draw_tiles(int row0, int row1) {
  float* zbuf = inv_depth_.data();
  int32_t* ids = ids_.data();
  const uint8_t* tiles = tiles_->data();
  const int32_t* tile_of = tile_of_.data();
  for (size_t q = 0; q < tris_.size(); ++q) {
    const DrawTri& t = tris_[q];
    const int y0 = std::max<int>(t.y0, row0), y1 = std::min<int>(t.y1, row1 - 1);
    if (y0 > y1) continue;
    const int tx0 = tile_of[t.x0], tx1 = tile_of[t.x1], ty0 = tile_of[y0], ty1 = tile_of[y1];
    // Most triangles lie in marked tiles only (marked tiles cluster along the edges): one box,
    // one setup.
    bool all = true;
    for (int ty = ty0; ty <= ty1 && all; ++ty) {
      for (int tx = tx0; tx <= tx1 && all; ++tx) all = tiles[ty * tiles_x_ + tx] != 0;
    }
    if (all) {
      draw_box(t, static_cast<int32_t>(q), t.x0, t.x1, y0, y1, stride_, zbuf, ids);
      continue;
    }
    for (int ty = ty0; ty <= ty1; ++ty) {
      const int by0 = std::max(y0, ty * tile_), by1 = std::min(y1, ty * tile_ + tile_ - 1);
      // Runs of consecutive marked tiles are drawn as one box.
      for (int tx = tx0; tx <= tx1; ++tx) {
        if (!tiles[ty * tiles_x_ + tx]) continue;
        int end = tx;
        while (end + 1 <= tx1 && tiles[ty * tiles_x_ + end + 1]) ++end;
        const int bx0 = std::max<int>(t.x0, tx * tile_);
        const int bx1 = std::min<int>(t.x1, end * tile_ + tile_ - 1);
        draw_box(t, static_cast<int32_t>(q), bx0, bx1, by0, by1, stride_, zbuf, ids);
        tx = end;
      }
    }
  }
}

void RasterPass::run(const Mesh& mesh, const std::vector<Vec3>& camv, const Camera& cam,
                     const RasterOptions& options, const std::vector<uint8_t>* tiles, int tile,
                     const std::vector<int32_t>* faces) {
  const int W = cam.width, H = cam.height;
  tiles_ = tiles;
  tile_ = tile;
  if (tiles != nullptr) {
    DC_CHECK(tile >= 8 && tile % 8 == 0, "rasterize: tile size ", tile,
             ", expected a multiple of 8");
    tiles_x_ = (W + tile - 1) / tile;
    tiles_y_ = (H + tile - 1) / tile;
    // Sample coordinate → tile index, looked up per triangle instead of divided.
    tile_of_.resize(std::max(W, H));
    for (int i = 0; i < std::max(W, H); ++i) tile_of_[i] = i / tile;
    DC_CHECK(tiles->size() == static_cast<size_t>(tiles_x_) * tiles_y_, "rasterize: tile mask of ",
             tiles->size(), " entries, expected ", tiles_x_, " × ", tiles_y_);
  }
  const int64_t V = mesh.num_vertices(), F = mesh.num_faces();
  width_ = W;
  height_ = H;
  // Rows of whole aligned blocks of 8 samples (the vector loop reads and writes whole blocks).
  stride_ = ((W + 7) / 8) * 8;
  num_vertices_ = V;
  clip_weights_.clear();
  prims_.clear();
  tris_.clear();

  // Clip planes: near, then the guard band around the image (x_pix >= −G, x_pix <= W−1+G, ...),
  // written as planes through the camera centre, valid in front of the near plane.
  const Plane planes[5] = {
      {{0, 0, 1}, -options.near},
      {{cam.fx, 0, cam.cx + kGuard}, 0},
      {{-cam.fx, 0, W - 1 + kGuard - cam.cx}, 0},
      {{0, cam.fy, cam.cy + kGuard}, 0},
      {{0, -cam.fy, H - 1 + kGuard - cam.cy}, 0},
  };
  // Per vertex: bit p of the outcode is set when it is outside plane p; the screen position of
  // those inside all planes (those of faces that need no clipping).
  outcode_.resize(V);
  screen_.resize(V);
  project_vertices(camv, V, cam, planes, outcode_.data(), screen_.data());

  prims_.reserve(F);
  tris_.reserve(F);
  kept_.clear();
  std::vector<ClipVertex> poly, tmp;
  const int64_t n_faces = faces ? static_cast<int64_t>(faces->size()) : F;
  for (int64_t n = 0; n < n_faces; ++n) {
    const int64_t f = faces ? (*faces)[n] : n;
    const int32_t* fv = &mesh.faces[3 * f];
    const unsigned oa = outcode_[fv[0]], ob = outcode_[fv[1]], oc = outcode_[fv[2]];
    if (oa & ob & oc) continue;  // all three corners outside one plane
    const Vec3 &a = camv[fv[0]], &b = camv[fv[1]], &c = camv[fv[2]];
    if (options.cull_back_faces && faces == nullptr) {
      // Front faces have their outward normal towards the camera (at the origin).
      if (dot(cross(b - a, c - a), a) >= 0) continue;
    }
    kept_.push_back(static_cast<int32_t>(f));
    const unsigned outside_some = oa | ob | oc;
    if (outside_some == 0) {
      add_prim(static_cast<int32_t>(f), fv[0], fv[1], fv[2]);
      continue;
    }
    poly = {{a, {1, 0, 0}}, {b, {0, 1, 0}}, {c, {0, 0, 1}}};
    for (int p = 0; p < 5 && poly.size() >= 3; ++p) {
      if (!(outside_some & (1u << p))) continue;
      clip_polygon(planes[p], poly, tmp);
      poly.swap(tmp);
    }
    if (poly.size() < 3) continue;
    const int32_t first = static_cast<int32_t>(screen_.size());
    for (const ClipVertex& cv : poly) {
      screen_.push_back(to_screen(cam, cv.p));
      clip_weights_.push_back(cv.w);
    }
    // A fan keeps the polygon's orientation and shares its diagonals exactly.
    for (size_t k = 1; k + 1 < poly.size(); ++k) {
      add_prim(static_cast<int32_t>(f), first, first + static_cast<int32_t>(k),
               first + static_cast<int32_t>(k + 1));
    }
  }

  const int64_t N = static_cast<int64_t>(stride_) * H;
  if (tiles == nullptr) {
    inv_depth_.assign(N, 0.0f);
    ids_.assign(N, -1);
  } else {
    // Only the marked tiles are cleared (and read afterwards).
    if (inv_depth_.size() < static_cast<size_t>(N)) {
      inv_depth_.resize(N);
      ids_.resize(N);
    }
    for (int ty = 0; ty < tiles_y_; ++ty) {
      for (int tx = 0; tx < tiles_x_; ++tx) {
        if (!(*tiles)[ty * tiles_x_ + tx]) continue;
        const int x0 = tx * tile, n = std::min(stride_, x0 + tile) - x0;
        for (int y = ty * tile; y < std::min(H, ty * tile + tile); ++y) {
          const int64_t o = static_cast<int64_t>(y) * stride_ + x0;
          std::fill_n(inv_depth_.data() + o, n, 0.0f);
          std::fill_n(ids_.data() + o, n, -1);
        }
      }
    }
  }
  auto draw = [&](int r0, int r1) { tiles ? draw_tiles(r0, r1) : draw_rows(r0, r1); };
  if (options.parallel) {
    parallel_for(0, H, 8,
                 [&](int64_t r0, int64_t r1) { draw(static_cast<int>(r0), static_cast<int>(r1)); });
  } else {
    draw(0, H);
  }
  if (planes_.size() < tris_.size()) planes_.resize(tris_.size());
  ready_.assign(tris_.size(), 0);
}

}  // namespace raster
}  // namespace dc
