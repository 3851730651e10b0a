#include "data/synth/shade_pass.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/thread_pool.h"

namespace dc {
namespace shading {

AttrRef find_attr(const Mesh& mesh, const std::string& name, int width, const char* role) {
  AttrRef r;
  auto fv = mesh.vertex_attributes.find(name);
  auto ff = mesh.face_attributes.find(name);
  if (fv != mesh.vertex_attributes.end()) {
    r.attr = &fv->second;
  } else if (ff != mesh.face_attributes.end()) {
    r.attr = &ff->second;
    r.per_face = true;
  } else {
    try {
      mesh.vertex_attribute(name);  // throws with the closest name
    } catch (const Error& e) {
      DC_FAIL("shade: ", role, " attribute '", name, "' not found: ", e.what());
    }
  }
  DC_CHECK(r.attr->width == width, "shade: ", role, " attribute '", name, "' has width ",
           r.attr->width, ", expected ", width);
  const size_t count = r.per_face ? mesh.num_faces() : mesh.num_vertices();
  DC_CHECK(r.attr->data.size() == count * width, "shade: ", role, " attribute '", name, "' holds ",
           r.attr->data.size(), " values, expected ", count * width);
  return r;
}

Shader::Shader(const Mesh& m, const ShadingOptions& o) : mesh(m), opt(o) {
  normal = find_attr(m, o.normal, 3, "normal");
  if (o.texture != nullptr) {
    o.texture->validate("shade: texture");
    albedo = find_attr(m, o.uv, 2, "uv");
  } else {
    albedo = find_attr(m, o.colour, 3, "colour");
  }
  const Vec3 l = normalized(o.light.direction);
  DC_CHECK(norm(l) > 0, "shade: light.direction must be non-zero");
  light[0] = static_cast<float>(l.x);
  light[1] = static_cast<float>(l.y);
  light[2] = static_cast<float>(l.z);
}

void Shader::operator()(int32_t face, const float* bary, float* rgb) const {
  float n[3], a[3];
  interpolate_fragment(mesh, *normal.attr, normal.per_face, face, bary, n);
  if (opt.texture != nullptr) {
    float uv[2];
    interpolate_fragment(mesh, *albedo.attr, albedo.per_face, face, bary, uv);
    const std::array<float, 3> t = sample_bilinear(*opt.texture, uv[0], uv[1]);
    std::copy(t.begin(), t.end(), a);
  } else {
    interpolate_fragment(mesh, *albedo.attr, albedo.per_face, face, bary, a);
  }
  const float len2 = n[0] * n[0] + n[1] * n[1] + n[2] * n[2];
  const float dot = n[0] * light[0] + n[1] * light[1] + n[2] * light[2];
  const float cosine = len2 > 0 ? dot / std::sqrt(len2) : 0;
  const float k = opt.light.ambient + opt.light.diffuse * std::max(0.0f, cosine);
  for (int c = 0; c < 3; ++c) rgb[c] = std::min(1.0f, std::max(0.0f, a[c] * k));
}

void check_background(const ShadingOptions& opt, int width, int height) {
  if (opt.background_image.empty()) return;
  DC_CHECK(opt.background_image.size() == static_cast<size_t>(width) * height * 3,
           "shade: background_image holds ", opt.background_image.size(), " floats, expected ",
           height, " × ", width, " × 3 = ", static_cast<size_t>(width) * height * 3);
}

namespace {

// A triangle's shading record: 24 floats, each affine function f(x, y) = f0 + fx (x − ox) +
// fy (y − oy) of the sample position stored as three consecutive coefficients. D is 1/Z; A holds
// the albedo attribute's numerators (uv: 2 channels, colour: 3), N the normal's; the blended
// value of a channel is A / D (the normal needs no division: it is normalized).
enum : int {
  kOx = 0,
  kOy = 1,
  kD = 2,
  kA = 5,
  kN = 14,
  kRecFloats = 24,  // 23 used
};
struct alignas(32) Rec {
  float f[kRecFloats];
};

// Records per triangle of the pass, reused across calls on a thread.
struct RecCache {
  std::vector<Rec> recs;
  std::vector<uint8_t> ready;
};

// The records of the pass shaded by shade_pass() or of the sub-sample pass of shade_pass_edges().
RecCache& thread_recs() {
  thread_local RecCache cache;
  return cache;
}

// Colours of four samples, one per lane.
struct Quad {
  __m128 r, g, b;
  __m128 d_positive;  // lanes where 1/Z > 0 (else the sample needs the exact fallback)
};

inline float hsum(__m128 v) {
  const __m128 t = _mm_add_ps(v, _mm_movehl_ps(v, v));  // (l0 + l2, l1 + l3, ...)
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}

// Record coefficients for shade4(): one record broadcast to all lanes (the common case: one
// triangle under all four samples), or a record per lane.
struct Broadcast {
  const float* f;
  __m128 operator()(int j) const { return _mm_broadcast_ss(f + j); }
};
struct Lanes {
  __m128 v[kRecFloats];
  Lanes(const float* const p[4]) {
    for (int j = 0; j < kRecFloats; j += 4) {
      v[j] = _mm_load_ps(p[0] + j);
      v[j + 1] = _mm_load_ps(p[1] + j);
      v[j + 2] = _mm_load_ps(p[2] + j);
      v[j + 3] = _mm_load_ps(p[3] + j);
      _MM_TRANSPOSE4_PS(v[j], v[j + 1], v[j + 2], v[j + 3]);
    }
  }
  __m128 operator()(int j) const { return v[j]; }
};

class PassShader {
 public:
  PassShader(const Shader& shader, raster::RasterPass& pass, int S, int W, RecCache& cache)
      : sh_(shader), pass_(pass), S_(S), W_(W), cache_(cache) {
    affine_ = shader.normal.affine() && shader.albedo.affine();
    const size_t n = pass.tris().size();
    if (cache.recs.size() < n) cache.recs.resize(n);
    cache.ready.assign(n, 0);
    std::fill(std::begin(dummy_.f), std::end(dummy_.f), 0.0f);
    dummy_.f[kD] = 1.0f;  // background lanes: finite values, masked out later
    const Texture* tex = shader.opt.texture;
    if (tex != nullptr) {
      tex_ = tex->rgb.data();
      tw_ = tex->width;
      th_ = tex->height;
    }
    // Sub-sample i of a pixel is lane i % 4 of group i / 4, at offset (i % S, i / S).
    groups_ = (S * S + 3) / 4;
    for (int i = 0; i < 4 * groups_; ++i) {
      lane_dx_[i] = i < S * S ? i % S : 0;
      lane_dy_[i] = i < S * S ? i / S : 0;
    }
  }

  // Builds every record (on dc::parallel_for when `parallel`), after which rows() only reads.
  // Also faster serially than building records on first use: one sequential sweep over the
  // triangles instead of cache misses in pixel order.
  void prepare_all(bool parallel) {
    // The exact fragments (generic path, slivers): serially the affine path computes the few it
    // needs on demand.
    if (parallel || !affine_) pass_.prepare_all_planes(parallel);
    if (!affine_) return;
    const int64_t n = static_cast<int64_t>(pass_.tris().size());
    auto range = [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        if (t + kPrefetchAhead < t1) prefetch_attributes(static_cast<int32_t>(t + kPrefetchAhead));
        build(static_cast<int32_t>(t));
      }
    };
    if (parallel) {
      parallel_for(0, n, 256, range);
    } else {
      range(0, n);
    }
  }

  void rows(int64_t y0, int64_t y1, float* rgb) {
    for (int64_t y = y0; y < y1; ++y) {
      if (affine_ && S_ == 2) {
        row_2x2(static_cast<int>(y), rgb);
        continue;
      }
      for (int x = 0; x < W_; ++x) {
        float* out = rgb + 3 * (y * W_ + x);
        if (affine_) {
          pixel_groups(x, static_cast<int>(y), out);
        } else {
          pixel_generic(x, static_cast<int>(y), out);
        }
      }
    }
  }

 private:
  const float* background(int x, int y) const {
    const ShadingOptions& o = sh_.opt;
    return o.background_image.empty() ? o.background.data()
                                      : &o.background_image[3 * (static_cast<int64_t>(y) * W_ + x)];
  }

  const float* rec(int32_t t) {
    if (!cache_.ready[t]) build(t);
    return cache_.recs[t].f;
  }

  // Corner values of an attribute for the prim of triangle t: val[k][ch] at the prim's corner k
  // (a clip vertex's value blends the face's corners by its clip weights).
  void corner_values(const AttrRef& ref, const raster::Prim& pr, bool clipped,
                     double val[3][3]) const {
    const int w = ref.attr->width;
    const float* d = ref.attr->data.data();
    const int32_t* fv = &sh_.mesh.faces[3 * static_cast<int64_t>(pr.face)];
    double fc[3][3];
    for (int j = 0; j < 3; ++j) {
      const int64_t row = ref.per_face ? pr.face : fv[j];
      for (int ch = 0; ch < w; ++ch) fc[j][ch] = d[row * w + ch];
    }
    for (int k = 0; k < 3; ++k) {
      for (int ch = 0; ch < w; ++ch) {
        if (!clipped) {
          val[k][ch] = fc[k][ch];  // an unclipped prim's corners are the face's, in order
          continue;
        }
        const auto& cw = pass_.clip_weights(pr.v[k]);
        val[k][ch] = cw[0] * fc[0][ch] + cw[1] * fc[1][ch] + cw[2] * fc[2][ch];
      }
    }
  }

  // The sweep of prepare_all() asks for the attribute rows of the triangle kPrefetchAhead ahead:
  // the triangles' vertices are spread over the mesh, and build() otherwise waits on each load.
  static constexpr int kPrefetchAhead = 8;
  void prefetch_attributes(int32_t t) const {
    const raster::Prim& pr = pass_.prim(t);
    const int32_t* fv = &sh_.mesh.faces[3 * static_cast<int64_t>(pr.face)];
    for (const AttrRef* ref : {&sh_.normal, &sh_.albedo}) {
      const int w = ref->attr->width;
      const float* d = ref->attr->data.data();
      for (int j = 0; j < 3; ++j) {
        const int64_t row = ref->per_face ? pr.face : fv[j];
        _mm_prefetch(reinterpret_cast<const char*>(d + row * w), _MM_HINT_T0);
      }
    }
  }

  void build(int32_t t) {
    const raster::DrawTri& dt = pass_.tris()[t];
    const raster::Prim& pr = pass_.prim(t);
    const bool clipped = pass_.clipped(t);
    Rec& r = cache_.recs[t];
    // The planes re-based at the triangle's first sample, so that the float evaluation works
    // with small offsets.
    double c[3], gx[3], gy[3];
    pass_.shading_planes(t, dt.x0, dt.y0, c, gx, gy);
    auto plane = [&](int off, double a0, double a1, double a2) {
      r.f[off] = static_cast<float>(a0 * c[0] + a1 * c[1] + a2 * c[2]);
      r.f[off + 1] = static_cast<float>(a0 * gx[0] + a1 * gx[1] + a2 * gx[2]);
      r.f[off + 2] = static_cast<float>(a0 * gy[0] + a1 * gy[1] + a2 * gy[2]);
    };
    r.f[kOx] = static_cast<float>(dt.x0);
    r.f[kOy] = static_cast<float>(dt.y0);
    plane(kD, 1, 1, 1);
    double val[3][3];
    corner_values(sh_.albedo, pr, clipped, val);
    const int wa = sh_.albedo.attr->width;
    for (int ch = 0; ch < 3; ++ch) {
      if (ch < wa) {
        plane(kA + 3 * ch, val[0][ch], val[1][ch], val[2][ch]);
      } else {
        plane(kA + 3 * ch, 0, 0, 0);
      }
    }
    corner_values(sh_.normal, pr, clipped, val);
    for (int ch = 0; ch < 3; ++ch) plane(kN + 3 * ch, val[0][ch], val[1][ch], val[2][ch]);
    r.f[kRecFloats - 1] = 0.0f;
    cache_.ready[t] = 1;
  }

  // Bilinear texture lookups at four (u, v): the rules of sample_bilinear() in SSE.
  void texture4(__m128 u, __m128 v, __m128* r, __m128* g, __m128* b) const {
    const __m128 zero = _mm_setzero_ps(), half = _mm_set1_ps(0.5f);
    const __m128i one = _mm_set1_epi32(1);
    // max(value, 0) returns 0 for NaN: no index can leave the texture.
    const __m128 xf =
        _mm_min_ps(_mm_max_ps(_mm_sub_ps(_mm_mul_ps(u, _mm_set1_ps(float(tw_))), half), zero),
                   _mm_set1_ps(float(tw_ - 1)));
    const __m128 yf =
        _mm_min_ps(_mm_max_ps(_mm_sub_ps(_mm_mul_ps(v, _mm_set1_ps(float(th_))), half), zero),
                   _mm_set1_ps(float(th_ - 1)));
    const __m128i x0 = _mm_cvttps_epi32(xf), y0 = _mm_cvttps_epi32(yf);
    // Float offsets of the four texels: 3 (y W + x).
    const __m128i w3 = _mm_set1_epi32(3 * tw_);
    const __m128i o00 =
        _mm_add_epi32(_mm_mullo_epi32(y0, w3), _mm_add_epi32(_mm_add_epi32(x0, x0), x0));
    const __m128i dx = _mm_mullo_epi32(_mm_cmpgt_epi32(_mm_set1_epi32(tw_ - 1), x0),
                                       _mm_set1_epi32(-3));  // 3 unless x0 is the last column
    const __m128i dy = _mm_and_si128(_mm_cmpgt_epi32(_mm_set1_epi32(th_ - 1), y0), w3);
    alignas(16) int32_t o[4], ox[4], oy[4];
    alignas(16) float fx[4], fy[4];
    _mm_store_si128(reinterpret_cast<__m128i*>(o), o00);
    _mm_store_si128(reinterpret_cast<__m128i*>(ox), dx);
    _mm_store_si128(reinterpret_cast<__m128i*>(oy), dy);
    _mm_store_ps(fx, _mm_sub_ps(xf, _mm_cvtepi32_ps(x0)));
    _mm_store_ps(fy, _mm_sub_ps(yf, _mm_cvtepi32_ps(y0)));
    (void)one;
    // A masked load reads the texel's three floats and never the one past the texture's end.
    const __m128i rgb_mask = _mm_setr_epi32(-1, -1, -1, 0);
    __m128 texel[4];
    for (int l = 0; l < 4; ++l) {
      const float* p = tex_ + o[l];
      const __m128 p00 = _mm_maskload_ps(p, rgb_mask);
      const __m128 p01 = _mm_maskload_ps(p + ox[l], rgb_mask);
      const __m128 p10 = _mm_maskload_ps(p + oy[l], rgb_mask);
      const __m128 p11 = _mm_maskload_ps(p + oy[l] + ox[l], rgb_mask);
      const __m128 fxl = _mm_broadcast_ss(fx + l), fyl = _mm_broadcast_ss(fy + l);
      const __m128 top = _mm_add_ps(p00, _mm_mul_ps(fxl, _mm_sub_ps(p01, p00)));
      const __m128 bottom = _mm_add_ps(p10, _mm_mul_ps(fxl, _mm_sub_ps(p11, p10)));
      texel[l] = _mm_add_ps(top, _mm_mul_ps(fyl, _mm_sub_ps(bottom, top)));
    }
    _MM_TRANSPOSE4_PS(texel[0], texel[1], texel[2], texel[3]);
    *r = texel[0];
    *g = texel[1];
    *b = texel[2];
  }

  // Shades four samples at (X, Y) with record coefficients c(j).
  template <typename Coef>
  Quad shade4(const Coef& c, __m128 X, __m128 Y) const {
    const __m128 dx = _mm_sub_ps(X, c(kOx)), dy = _mm_sub_ps(Y, c(kOy));
    auto eval = [&](int off) {
      return _mm_fmadd_ps(c(off + 2), dy, _mm_fmadd_ps(c(off + 1), dx, c(off)));
    };
    Quad q;
    const __m128 D = eval(kD);
    const __m128 zero = _mm_setzero_ps(), one = _mm_set1_ps(1.0f);
    q.d_positive = _mm_cmpgt_ps(D, zero);
    const __m128 rD = _mm_div_ps(one, D);
    const __m128 n0 = eval(kN), n1 = eval(kN + 3), n2 = eval(kN + 6);
    const __m128 len2 =
        _mm_add_ps(_mm_add_ps(_mm_mul_ps(n0, n0), _mm_mul_ps(n1, n1)), _mm_mul_ps(n2, n2));
    const __m128 dot = _mm_add_ps(_mm_add_ps(_mm_mul_ps(n0, _mm_set1_ps(sh_.light[0])),
                                             _mm_mul_ps(n1, _mm_set1_ps(sh_.light[1]))),
                                  _mm_mul_ps(n2, _mm_set1_ps(sh_.light[2])));
    const __m128 cosine = _mm_and_ps(_mm_cmpgt_ps(len2, zero), _mm_div_ps(dot, _mm_sqrt_ps(len2)));
    const __m128 k =
        _mm_add_ps(_mm_set1_ps(sh_.opt.light.ambient),
                   _mm_mul_ps(_mm_set1_ps(sh_.opt.light.diffuse), _mm_max_ps(cosine, zero)));
    __m128 ar, ag, ab;
    if (tex_ != nullptr) {
      texture4(_mm_mul_ps(eval(kA), rD), _mm_mul_ps(eval(kA + 3), rD), &ar, &ag, &ab);
    } else {
      ar = _mm_mul_ps(eval(kA), rD);
      ag = _mm_mul_ps(eval(kA + 3), rD);
      ab = _mm_mul_ps(eval(kA + 6), rD);
    }
    auto clamp01 = [&](__m128 v) { return _mm_min_ps(one, _mm_max_ps(v, zero)); };
    q.r = clamp01(_mm_mul_ps(ar, k));
    q.g = clamp01(_mm_mul_ps(ag, k));
    q.b = clamp01(_mm_mul_ps(ab, k));
    return q;
  }

  // Shades the four samples `ids` at (X, Y): one record broadcast when they share a triangle,
  // else a record per lane (a dummy for misses). Misses are left to the caller.
  Quad shade_ids(const int32_t ids[4], __m128 X, __m128 Y) {
    Quad q;
    if (ids[0] >= 0 && ids[1] == ids[0] && ids[2] == ids[0] && ids[3] == ids[0]) {
      q = shade4(Broadcast{rec(ids[0])}, X, Y);
    } else {
      const float* p[4];
      for (int l = 0; l < 4; ++l) p[l] = ids[l] >= 0 ? rec(ids[l]) : dummy_.f;
      q = shade4(Lanes(p), X, Y);
    }
    const __m128i idv = _mm_load_si128(reinterpret_cast<const __m128i*>(ids));
    const __m128 hit = _mm_castsi128_ps(_mm_cmpgt_epi32(idv, _mm_set1_epi32(-1)));
    if (_mm_movemask_ps(_mm_andnot_ps(q.d_positive, hit)) != 0) fix_slivers(ids, X, Y, &q);
    return q;
  }

  // One row of pixels with 2×2 sub-samples: the four sub-samples of a pixel are one vector.
  void row_2x2(int y, float* rgb) {
    for (int x = 0; x < W_; ++x) pixel_2x2(x, y, rgb + 3 * (static_cast<int64_t>(y) * W_ + x));
  }

  void pixel_2x2(int x, int y, float* out) {
    const int32_t* r0 = pass_.id_row(2 * y);
    const int32_t* r1 = pass_.id_row(2 * y + 1);
    const __m128 Y = _mm_add_ps(_mm_set1_ps(float(2 * y)), _mm_setr_ps(0, 0, 1, 1));
    const __m128 lane_x = _mm_setr_ps(0, 1, 0, 1);
    const float* bg = background(x, y);
    alignas(16) int32_t ids[4] = {r0[2 * x], r0[2 * x + 1], r1[2 * x], r1[2 * x + 1]};
    const __m128i idv = _mm_load_si128(reinterpret_cast<const __m128i*>(ids));
    const __m128 hit = _mm_castsi128_ps(_mm_cmpgt_epi32(idv, _mm_set1_epi32(-1)));
    if (_mm_movemask_ps(hit) == 0) {  // no triangle touches the pixel: exactly its background
      out[0] = bg[0];
      out[1] = bg[1];
      out[2] = bg[2];
      return;
    }
    const Quad q = shade_ids(ids, _mm_add_ps(_mm_set1_ps(float(2 * x)), lane_x), Y);
    out[0] = hsum(_mm_blendv_ps(_mm_set1_ps(bg[0]), q.r, hit)) * 0.25f;
    out[1] = hsum(_mm_blendv_ps(_mm_set1_ps(bg[1]), q.g, hit)) * 0.25f;
    out[2] = hsum(_mm_blendv_ps(_mm_set1_ps(bg[2]), q.b, hit)) * 0.25f;
  }

 public:
  // The anti-aliased colour of pixel (x, y) from its S×S sub-samples (what rows() writes there).
  void pixel(int x, int y, float* out) {
    if (!affine_) {
      pixel_generic(x, y, out);
    } else if (S_ == 2) {
      pixel_2x2(x, y, out);
    } else {
      pixel_groups(x, y, out);
    }
  }

 private:
  // Any S: the S² sub-samples of a pixel in groups of four lanes.
  void pixel_groups(int x, int y, float* out) {
    const float* bg = background(x, y);
    if (all_background(x, y)) {
      std::copy(bg, bg + 3, out);
      return;
    }
    __m128 acc_r = _mm_setzero_ps(), acc_g = _mm_setzero_ps(), acc_b = _mm_setzero_ps();
    for (int g = 0; g < groups_; ++g) {
      alignas(16) int32_t ids[4];
      alignas(16) float X[4], Y[4];
      for (int l = 0; l < 4; ++l) {
        const int i = 4 * g + l;
        const int sx = S_ * x + lane_dx_[i], sy = S_ * y + lane_dy_[i];
        ids[l] = i < S_ * S_ ? pass_.id(sx, sy) : -1;
        X[l] = static_cast<float>(sx);
        Y[l] = static_cast<float>(sy);
      }
      const Quad q = shade_ids(ids, _mm_load_ps(X), _mm_load_ps(Y));
      const __m128i idv = _mm_load_si128(reinterpret_cast<const __m128i*>(ids));
      const __m128 hit = _mm_castsi128_ps(_mm_cmpgt_epi32(idv, _mm_set1_epi32(-1)));
      const int valid = S_ * S_ - 4 * g;  // lanes [0, valid) are sub-samples of the pixel
      const __m128 in_pixel =
          _mm_castsi128_ps(_mm_cmpgt_epi32(_mm_set1_epi32(valid), _mm_setr_epi32(0, 1, 2, 3)));
      auto add = [&](__m128 acc, __m128 col, float b) {
        const __m128 v = _mm_blendv_ps(_mm_set1_ps(b), col, hit);
        return _mm_add_ps(acc, _mm_and_ps(in_pixel, v));
      };
      acc_r = add(acc_r, q.r, bg[0]);
      acc_g = add(acc_g, q.g, bg[1]);
      acc_b = add(acc_b, q.b, bg[2]);
    }
    const float inv = 1.0f / (S_ * S_);
    out[0] = hsum(acc_r) * inv;
    out[1] = hsum(acc_g) * inv;
    out[2] = hsum(acc_b) * inv;
  }

  bool all_background(int x, int y) const {
    for (int sy = 0; sy < S_; ++sy) {
      const int32_t* row = pass_.id_row(S_ * y + sy) + S_ * x;
      for (int sx = 0; sx < S_; ++sx) {
        if (row[sx] >= 0) return false;
      }
    }
    return true;
  }

  // Samples whose 1/Z plane is not positive (vanishing slivers only) get the exact fragment.
  void fix_slivers(const int32_t ids[4], __m128 Xv, __m128 Yv, Quad* q) const {
    alignas(16) float r[4], g[4], b[4], ok[4], X[4], Y[4];
    _mm_store_ps(r, q->r);
    _mm_store_ps(g, q->g);
    _mm_store_ps(b, q->b);
    _mm_store_ps(ok, q->d_positive);
    _mm_store_ps(X, Xv);
    _mm_store_ps(Y, Yv);
    for (int l = 0; l < 4; ++l) {
      if (ids[l] < 0 || ok[l] != 0.0f) continue;
      int32_t face;
      float bary[3], depth, rgb[3];
      pass_.planes(ids[l]);  // computed on demand (prepared up front when parallel)
      pass_.fragment(ids[l], static_cast<int>(X[l]), static_cast<int>(Y[l]), &face, bary, &depth);
      sh_(face, bary, rgb);
      r[l] = rgb[0];
      g[l] = rgb[1];
      b[l] = rgb[2];
    }
    q->r = _mm_load_ps(r);
    q->g = _mm_load_ps(g);
    q->b = _mm_load_ps(b);
  }

  // Sample by sample through the fragments (shading attributes that are not affine).
  void pixel_generic(int x, int y, float* out) {
    const float* bg = background(x, y);
    if (all_background(x, y)) {
      std::copy(bg, bg + 3, out);
      return;
    }
    float acc[3] = {0, 0, 0};
    for (int sy = 0; sy < S_; ++sy) {
      for (int sx = 0; sx < S_; ++sx) {
        const int X = S_ * x + sx, Y = S_ * y + sy;
        const int32_t q = pass_.id(X, Y);
        float rgb[3];
        const float* c = bg;
        if (q >= 0) {
          int32_t face;
          float bary[3], depth;
          pass_.planes(q);
          pass_.fragment(q, X, Y, &face, bary, &depth);
          sh_(face, bary, rgb);
          c = rgb;
        }
        for (int k = 0; k < 3; ++k) acc[k] += c[k];
      }
    }
    const float inv = 1.0f / (S_ * S_);
    for (int k = 0; k < 3; ++k) out[k] = acc[k] * inv;
  }

  const Shader& sh_;
  raster::RasterPass& pass_;
  const int S_, W_;
  RecCache& cache_;
  bool affine_ = true;
  Rec dummy_;
  const float* tex_ = nullptr;
  int tw_ = 0, th_ = 0;
  int groups_ = 1;
  int lane_dx_[64], lane_dy_[64];
};

// Prefetches the cache lines of the sub-sample ids of the marked pixels of row y, eight pixels
// (S × 8 ids per sub-sample row) at a time.
void prefetch_sub_ids(const raster::RasterPass& sub, int S, const uint8_t* edges, int W, int y) {
  const uint8_t* e = edges + static_cast<size_t>(y) * W;
  for (int x = 0; x < W; x += 8) {
    bool any = false;
    for (int i = x; i < std::min(x + 8, W); ++i) any |= e[i] != 0;
    if (!any) continue;
    for (int sy = 0; sy < S; ++sy) {
      const int32_t* ids = sub.id_row(S * y + sy) + S * x;
      const int last = S * (std::min(x + 8, W) - x) - 1;
      for (int k = 0; k <= last; k += 16)
        _mm_prefetch(reinterpret_cast<const char*>(ids + k), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(ids + last), _MM_HINT_T0);
    }
  }
}

}  // namespace

void shade_pass(const Shader& shader, raster::RasterPass& pass, int S, int width, int height,
                bool parallel, std::vector<float>& rgb) {
  rgb.resize(static_cast<size_t>(width) * height * 3);
  PassShader ps(shader, pass, S, width, thread_recs());
  if (parallel) {
    ps.prepare_all(true);  // then rows() only reads the records and planes
    parallel_for(0, height, 8, [&](int64_t r0, int64_t r1) { ps.rows(r0, r1, rgb.data()); });
  } else {
    ps.rows(0, height, rgb.data());
  }
}

void shade_pass_edges(const Shader& shader, const Fragments& label, raster::RasterPass& sub, int S,
                      const std::vector<uint8_t>& edges, bool parallel, std::vector<float>& rgb) {
  const int W = label.width, H = label.height;
  rgb.resize(static_cast<size_t>(W) * H * 3);
  PassShader subs(shader, sub, S, W, thread_recs());
  auto rows = [&](int64_t y0, int64_t y1) {
    // The centres first (they may write marked pixels too), then the marked pixels.
    shade_centres(shader, label, edges.data(), y0, y1, rgb.data());
    if (y0 < y1) prefetch_sub_ids(sub, S, edges.data(), W, static_cast<int>(y0));
    for (int64_t y = y0; y < y1; ++y) {
      const uint8_t* e = edges.data() + y * W;
      // The sub-sample ids of the next row's marked pixels, a row ahead: the id buffer is S² times
      // the image (1 MB at 256×256, S = 2), and its marked parts are read sparsely.
      if (y + 1 < y1) prefetch_sub_ids(sub, S, edges.data(), W, static_cast<int>(y + 1));
      for (int x = 0; x < W; ++x) {
        if (e[x]) subs.pixel(x, static_cast<int>(y), rgb.data() + 3 * (y * W + x));
      }
    }
  };
  subs.prepare_all(parallel);
  if (parallel) {
    parallel_for(0, H, 8, rows);
  } else {
    rows(0, H);
  }
}

}  // namespace shading
}  // namespace dc
