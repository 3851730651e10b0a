// Shading at pixel centres from a label pass's fragments (shade_centres() of shade_pass.h):
// eight pixels per AVX2 vector, with the very float operations of the one-pixel path.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "data/synth/shade_pass.h"

namespace dc {
namespace shading {
namespace {

// Eight interleaved triples p[0..24) (pixel l's at p[3l..3l+3)) into one vector per component.
inline void load3x8(const float* p, __m256* c0, __m256* c1, __m256* c2) {
  // Pixels 0-3 in the low 128-bit halves, 4-7 in the high ones; then in-lane shuffles.
  const __m256 m03 = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(p)),
                                          _mm_loadu_ps(p + 12), 1);  // a0 b0 c0 a1 | a4 b4 c4 a5
  const __m256 m14 = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(p + 4)),
                                          _mm_loadu_ps(p + 16), 1);  // b1 c1 a2 b2 | b5 c5 a6 b6
  const __m256 m25 = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(p + 8)),
                                          _mm_loadu_ps(p + 20), 1);  // c2 a3 b3 c3 | c6 a7 b7 c7
  const __m256 xy = _mm256_shuffle_ps(m14, m25, _MM_SHUFFLE(2, 1, 3, 2));  // a2 b2 a3 b3
  const __m256 yz = _mm256_shuffle_ps(m03, m14, _MM_SHUFFLE(1, 0, 2, 1));  // b0 c0 b1 c1
  *c0 = _mm256_shuffle_ps(m03, xy, _MM_SHUFFLE(2, 0, 3, 0));
  *c1 = _mm256_shuffle_ps(yz, xy, _MM_SHUFFLE(3, 1, 2, 0));
  *c2 = _mm256_shuffle_ps(yz, m25, _MM_SHUFFLE(3, 0, 3, 1));
}

// The inverse of load3x8(): three component vectors into 24 interleaved floats (as vectors).
inline void interleave3x8(__m256 c0, __m256 c1, __m256 c2, __m256 out[3]) {
  const __m256 xy = _mm256_shuffle_ps(c0, c1, _MM_SHUFFLE(2, 0, 2, 0));   // a0 a2 b0 b2
  const __m256 yz = _mm256_shuffle_ps(c1, c2, _MM_SHUFFLE(3, 1, 3, 1));   // b1 b3 c1 c3
  const __m256 zx = _mm256_shuffle_ps(c2, c0, _MM_SHUFFLE(3, 1, 2, 0));   // c0 c2 a1 a3
  const __m256 r03 = _mm256_shuffle_ps(xy, zx, _MM_SHUFFLE(2, 0, 2, 0));  // a0 b0 c0 a1
  const __m256 r14 = _mm256_shuffle_ps(yz, xy, _MM_SHUFFLE(3, 1, 2, 0));  // b1 c1 a2 b2
  const __m256 r25 = _mm256_shuffle_ps(zx, yz, _MM_SHUFFLE(3, 1, 3, 1));  // c2 a3 b3 c3
  out[0] = _mm256_permute2f128_ps(r03, r14, 0x20);
  out[1] = _mm256_permute2f128_ps(r25, r03, 0x30);
  out[2] = _mm256_permute2f128_ps(r14, r25, 0x31);
}

// Rows r and q of a width-2 or width-3 float table, each in one 128-bit half (zeros after it).
// A masked load reads three floats, never one past the table's end.
inline __m256 rows2(const float* data, int width, int32_t r, int32_t q) {
  const float* pr = data + width * static_cast<int64_t>(r);
  const float* pq = data + width * static_cast<int64_t>(q);
  if (width == 2) {
    const __m128 lo = _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(pr)));
    const __m128 hi = _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(pq)));
    return _mm256_insertf128_ps(_mm256_castps128_ps256(lo), hi, 1);
  }
  const __m128i mask = _mm_setr_epi32(-1, -1, -1, 0);
  return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_maskload_ps(pr, mask)),
                              _mm_maskload_ps(pq, mask), 1);
}

// Four vectors holding (c0, c1, c2, ·) of lanes j | j + 4 (j = 0..3) into three vectors, one per
// component, lanes 0..7 in order.
inline void transpose4x2(const __m256 row[4], __m256 out[3]) {
  const __m256 lo01 = _mm256_unpacklo_ps(row[0], row[1]);  // a0 a1 b0 b1
  const __m256 lo23 = _mm256_unpacklo_ps(row[2], row[3]);  // a2 a3 b2 b3
  const __m256 hi01 = _mm256_unpackhi_ps(row[0], row[1]);  // c0 c1 · ·
  const __m256 hi23 = _mm256_unpackhi_ps(row[2], row[3]);  // c2 c3 · ·
  out[0] = _mm256_shuffle_ps(lo01, lo23, _MM_SHUFFLE(1, 0, 1, 0));
  out[1] = _mm256_shuffle_ps(lo01, lo23, _MM_SHUFFLE(3, 2, 3, 2));
  out[2] = _mm256_shuffle_ps(hi01, hi23, _MM_SHUFFLE(1, 0, 1, 0));
}

// The colour at pixel centres. The float operations and their order (fused multiply-adds
// included) are fixed here rather than left to the compiler's contraction, so that the vector
// path and the one-pixel path give the same bits, and the same bits as the scalar code they
// replaced (GCC had contracted it into these fused multiply-adds).
class CentreShader {
 public:
  CentreShader(const Shader& shader, const Fragments& fragments) : sh_(shader), fr_(fragments) {
    auto linear_vertex = [](const AttrRef& r) {
      return !r.per_face && r.attr->interp == Interp::kLinear;
    };
    fast_ = linear_vertex(shader.normal) && linear_vertex(shader.albedo);
    const ShadingOptions& o = shader.opt;
    tex_ = o.texture;
    faces_ = shader.mesh.faces.data();
    normals_ = shader.normal.attr->data.data();
    albedo_ = shader.albedo.attr->data.data();
    bg_image_ = o.background_image.empty() ? nullptr : o.background_image.data();
    // Gathers take int32 element offsets.
    constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
    vector_ = fast_ && 3 * static_cast<int64_t>(shader.mesh.num_faces()) < kMax &&
              3 * static_cast<int64_t>(shader.mesh.num_vertices()) < kMax &&
              (tex_ == nullptr || 3 * static_cast<int64_t>(tex_->width) * tex_->height < kMax);
    interleave3x8(_mm256_set1_ps(o.background[0]), _mm256_set1_ps(o.background[1]),
                  _mm256_set1_ps(o.background[2]), bg8_);
  }

  // Row y of the image: the pixels whose `skip` entry is 0 (skip null: every pixel), and
  // possibly others, which the caller overwrites.
  void row(int y, const uint8_t* skip, float* rgb) const {
    const int W = fr_.width;
    const int64_t p0 = static_cast<int64_t>(y) * W;
    int x = 0;
    if (vector_) {
      // Two phases per chunk of blocks: the first computes each block's lighting and texel
      // addresses (and prefetches the texels), the second looks the texels up. One block after
      // the other, the chain from fragment to texel to colour kept the core waiting on loads.
      Staged staged[kChunk];
      int xs[kChunk];
      while (x + 8 <= W) {
        int n = 0;
        for (; n < kChunk && x + 8 <= W; x += 8) {
          uint64_t skip8 = 0;
          if (skip != nullptr)
            std::copy(skip + x, skip + x + 8, reinterpret_cast<uint8_t*>(&skip8));
          if (skip8 == 0x0101010101010101ull) continue;  // all eight marked
          if (stage8(p0 + x, rgb + 3 * (p0 + x), &staged[n])) xs[n++] = x;
        }
        for (int i = 0; i < n; ++i) finish8(p0 + xs[i], staged[i], rgb + 3 * (p0 + xs[i]));
      }
    }
    for (; x < W; ++x) {
      if (skip == nullptr || !skip[x]) pixel(p0 + x, rgb + 3 * (p0 + x));
    }
  }

 private:
  const float* background(int64_t p) const {
    return bg_image_ != nullptr ? bg_image_ + 3 * p : sh_.opt.background.data();
  }

  // Pixel p, one at a time.
  void pixel(int64_t p, float* out) const {
    const int32_t f = fr_.face[p];
    if (f < 0) {
      const float* bg = background(p);
      out[0] = bg[0];  // three stores, not a call to memmove
      out[1] = bg[1];
      out[2] = bg[2];
      return;
    }
    const float* b = &fr_.bary[3 * p];
    if (!fast_) {
      sh_(f, b, out);
      return;
    }
    // The perspective-correct blend of a linear vertex attribute of width w, channel ch.
    const int32_t* fv = faces_ + 3 * static_cast<int64_t>(f);
    auto blend = [&](const float* data, int w, int ch) {
      const float a = data[w * static_cast<int64_t>(fv[0]) + ch];
      const float bb = data[w * static_cast<int64_t>(fv[1]) + ch];
      const float c = data[w * static_cast<int64_t>(fv[2]) + ch];
      return std::fma(b[2], c, std::fma(b[0], a, b[1] * bb));
    };
    float n[3], a[3];
    for (int i = 0; i < 3; ++i) n[i] = blend(normals_, 3, i);
    if (tex_ != nullptr) {
      texel(blend(albedo_, 2, 0), blend(albedo_, 2, 1), a);
    } else {
      for (int i = 0; i < 3; ++i) a[i] = blend(albedo_, 3, i);
    }
    const float len2 = std::fma(n[2], n[2], std::fma(n[0], n[0], n[1] * n[1]));
    const float dot =
        std::fma(n[2], sh_.light[2], std::fma(n[1], sh_.light[1], n[0] * sh_.light[0]));
    const float cosine = len2 > 0 ? dot / std::sqrt(len2) : 0;
    const float k = std::fma(sh_.opt.light.diffuse, std::max(0.0f, cosine), sh_.opt.light.ambient);
    for (int c = 0; c < 3; ++c) out[c] = std::min(1.0f, std::max(0.0f, a[c] * k));
  }

  // sample_bilinear() (shading.h) with its products fused as in block8().
  void texel(float u, float v, float* out) const {
    const Texture& t = *tex_;
    const float x =
        std::min(std::max(std::fma(u, float(t.width), -0.5f), 0.0f), float(t.width - 1));
    const float y =
        std::min(std::max(std::fma(v, float(t.height), -0.5f), 0.0f), float(t.height - 1));
    const int x0 = static_cast<int>(x), y0 = static_cast<int>(y);
    const int x1 = std::min(x0 + 1, t.width - 1), y1 = std::min(y0 + 1, t.height - 1);
    const float fx = x - x0, fy = y - y0;
    const float* p00 = &t.rgb[(static_cast<size_t>(y0) * t.width + x0) * 3];
    const float* p01 = &t.rgb[(static_cast<size_t>(y0) * t.width + x1) * 3];
    const float* p10 = &t.rgb[(static_cast<size_t>(y1) * t.width + x0) * 3];
    const float* p11 = &t.rgb[(static_cast<size_t>(y1) * t.width + x1) * 3];
    for (int c = 0; c < 3; ++c) {
      const float top = std::fma(p01[c] - p00[c], fx, p00[c]);
      const float bottom = std::fma(p11[c] - p10[c], fx, p10[c]);
      out[c] = std::fma(bottom - top, fy, top);
    }
  }

  // What the first phase leaves for the second, per block of eight pixels.
  struct Staged {
    __m256i covered;
    int cmask;
    __m256 k;          // ambient + diffuse · max(0, cosine)
    __m256 albedo[3];  // without a texture
    __m256 fx, fy;     // with one: the bilinear weights and the texel offsets
    alignas(32) int32_t o[8], ox[8], oy[8];
  };
  static constexpr int kChunk = 8;

  // Pixels p .. p + 8, first phase. A block with no covered pixel is its background, written
  // here (returns false: nothing staged).
  bool stage8(int64_t p, float* out, Staged* st) const {
    const __m256i f = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(&fr_.face[p]));
    st->covered = _mm256_cmpgt_epi32(f, _mm256_set1_epi32(-1));
    st->cmask = _mm256_movemask_ps(_mm256_castsi256_ps(st->covered));
    if (st->cmask == 0) {
      __m256 bg[3];
      background8(p, bg);
      for (int i = 0; i < 3; ++i) _mm256_storeu_ps(out + 8 * i, bg[i]);
      return false;
    }
    __m256 b0, b1, b2;
    load3x8(&fr_.bary[3 * p], &b0, &b1, &b2);
    // Lanes j and j + 4 side by side: each half blends one pixel's corner rows (loads of three
    // or two consecutive floats, cheaper than a gather per channel and corner), then the four
    // pairs are transposed into one vector per channel. Lanes not covered read face 0 (their
    // barycentrics are 0) and are replaced by the background in finish8().
    alignas(32) int32_t face[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(face),
                       _mm256_max_epi32(f, _mm256_setzero_si256()));
    __m256 npair[4], apair[4];
    for (int j = 0; j < 4; ++j) {
      const int32_t* fj = faces_ + 3 * static_cast<int64_t>(face[j]);
      const int32_t* fk = faces_ + 3 * static_cast<int64_t>(face[j + 4]);
      const __m256i sel = _mm256_setr_epi32(j, j, j, j, j + 4, j + 4, j + 4, j + 4);
      const __m256 w0 = _mm256_permutevar8x32_ps(b0, sel), w1 = _mm256_permutevar8x32_ps(b1, sel),
                   w2 = _mm256_permutevar8x32_ps(b2, sel);
      auto blend = [&](const float* data, int width) {
        __m256 c[3];
        for (int k = 0; k < 3; ++k) c[k] = rows2(data, width, fj[k], fk[k]);
        return _mm256_fmadd_ps(w2, c[2], _mm256_fmadd_ps(w0, c[0], _mm256_mul_ps(w1, c[1])));
      };
      npair[j] = blend(normals_, 3);
      apair[j] = blend(albedo_, tex_ != nullptr ? 2 : 3);
    }
    __m256 n[3];
    transpose4x2(npair, n);
    if (tex_ != nullptr) {
      __m256 uv[3];
      transpose4x2(apair, uv);
      texel_offsets8(uv[0], uv[1], st);
    } else {
      transpose4x2(apair, st->albedo);
    }
    const __m256 zero = _mm256_setzero_ps();
    const __m256 len2 =
        _mm256_fmadd_ps(n[2], n[2], _mm256_fmadd_ps(n[0], n[0], _mm256_mul_ps(n[1], n[1])));
    const __m256 dot =
        _mm256_fmadd_ps(n[2], _mm256_set1_ps(sh_.light[2]),
                        _mm256_fmadd_ps(n[1], _mm256_set1_ps(sh_.light[1]),
                                        _mm256_mul_ps(n[0], _mm256_set1_ps(sh_.light[0]))));
    // len2 > 0 ? dot / √len2 : 0 (the masked lanes may divide by zero: discarded).
    const __m256 cosine = _mm256_and_ps(_mm256_cmp_ps(len2, zero, _CMP_GT_OQ),
                                        _mm256_div_ps(dot, _mm256_sqrt_ps(len2)));
    // max_ps(a, b) is a > b ? a : b and min_ps(a, b) a < b ? a : b: the operand order here and
    // in finish8() gives std::max(0, c) and std::min(1, ·) exactly.
    st->k = _mm256_fmadd_ps(_mm256_set1_ps(sh_.opt.light.diffuse), _mm256_max_ps(cosine, zero),
                            _mm256_set1_ps(sh_.opt.light.ambient));
    return true;
  }

  // Pixels p .. p + 8, second phase: all of them (the background where not covered).
  void finish8(int64_t p, const Staged& st, float* out) const {
    __m256 a[3];
    if (tex_ != nullptr) {
      texel_lookup8(st, a);
    } else {
      for (int c = 0; c < 3; ++c) a[c] = st.albedo[c];
    }
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
    __m256 rgb[3], col[3];
    for (int c = 0; c < 3; ++c) {
      col[c] = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(a[c], st.k), zero), one);
    }
    interleave3x8(col[0], col[1], col[2], rgb);
    if (st.cmask != 0xff) {
      __m256 bg[3], mask[3];
      background8(p, bg);
      const __m256 m = _mm256_castsi256_ps(st.covered);
      interleave3x8(m, m, m, mask);
      for (int i = 0; i < 3; ++i) rgb[i] = _mm256_blendv_ps(bg[i], rgb[i], mask[i]);
    }
    for (int i = 0; i < 3; ++i) _mm256_storeu_ps(out + 8 * i, rgb[i]);
  }

  // The background of pixels p .. p + 8, interleaved.
  void background8(int64_t p, __m256 bg[3]) const {
    for (int i = 0; i < 3; ++i) {
      bg[i] = bg_image_ != nullptr ? _mm256_loadu_ps(bg_image_ + 3 * p + 8 * i) : bg8_[i];
    }
  }

  // texel() at eight (u, v), first half: weights and offsets, and a prefetch of the texels.
  void texel_offsets8(__m256 u, __m256 v, Staged* st) const {
    const int tw = tex_->width, th = tex_->height;
    const __m256 zero = _mm256_setzero_ps(), half = _mm256_set1_ps(-0.5f);
    // max_ps(0, x) is x < 0 ? 0 : x and min_ps(W − 1, x) is W − 1 < x ? W − 1 : x: std::max(x,
    // 0) and std::min(x, W − 1).
    const __m256 xf =
        _mm256_min_ps(_mm256_set1_ps(float(tw - 1)),
                      _mm256_max_ps(zero, _mm256_fmadd_ps(u, _mm256_set1_ps(float(tw)), half)));
    const __m256 yf =
        _mm256_min_ps(_mm256_set1_ps(float(th - 1)),
                      _mm256_max_ps(zero, _mm256_fmadd_ps(v, _mm256_set1_ps(float(th)), half)));
    const __m256i x0 = _mm256_cvttps_epi32(xf), y0 = _mm256_cvttps_epi32(yf);
    const __m256i one = _mm256_set1_epi32(1);
    const __m256i x1 = _mm256_min_epi32(_mm256_add_epi32(x0, one), _mm256_set1_epi32(tw - 1));
    const __m256i y1 = _mm256_min_epi32(_mm256_add_epi32(y0, one), _mm256_set1_epi32(th - 1));
    st->fx = _mm256_sub_ps(xf, _mm256_cvtepi32_ps(x0));
    st->fy = _mm256_sub_ps(yf, _mm256_cvtepi32_ps(y0));
    // Float offsets of texel (x0, y0) and the steps to (x1, y0) and (x0, y1).
    auto times3 = [](__m256i i) { return _mm256_add_epi32(_mm256_add_epi32(i, i), i); };
    const __m256i w = _mm256_set1_epi32(tw);
    _mm256_store_si256(reinterpret_cast<__m256i*>(st->o),
                       times3(_mm256_add_epi32(_mm256_mullo_epi32(y0, w), x0)));
    _mm256_store_si256(reinterpret_cast<__m256i*>(st->ox), times3(_mm256_sub_epi32(x1, x0)));
    _mm256_store_si256(reinterpret_cast<__m256i*>(st->oy),
                       times3(_mm256_mullo_epi32(_mm256_sub_epi32(y1, y0), w)));
    const float* t = tex_->rgb.data();
    for (int l = 0; l < 8; ++l) {
      _mm_prefetch(reinterpret_cast<const char*>(t + st->o[l]), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(t + st->o[l] + st->oy[l]), _MM_HINT_T0);
    }
  }

  // Second half: the lookups, one vector per channel.
  void texel_lookup8(const Staged& st, __m256 out[3]) const {
    // Lanes j and j + 4 side by side, a texel's (r, g, b) in each 128-bit half: cheaper than
    // twelve gathers. A masked load reads the three floats, never one past the texture's end.
    const float* t = tex_->rgb.data();
    const int32_t *o = st.o, *ox = st.ox, *oy = st.oy;
    const __m128i rgb_mask = _mm_setr_epi32(-1, -1, -1, 0);
    __m256 texel[4];
    for (int j = 0; j < 4; ++j) {
      const int k = j + 4;
      auto load2 = [&](int off_j, int off_k) {
        return _mm256_insertf128_ps(
            _mm256_castps128_ps256(_mm_maskload_ps(t + o[j] + off_j, rgb_mask)),
            _mm_maskload_ps(t + o[k] + off_k, rgb_mask), 1);
      };
      const __m256 p00 = load2(0, 0);
      const __m256 p01 = load2(ox[j], ox[k]);
      const __m256 p10 = load2(oy[j], oy[k]);
      const __m256 p11 = load2(oy[j] + ox[j], oy[k] + ox[k]);
      const __m256i sel = _mm256_setr_epi32(j, j, j, j, k, k, k, k);
      const __m256 fxj = _mm256_permutevar8x32_ps(st.fx, sel);
      const __m256 fyj = _mm256_permutevar8x32_ps(st.fy, sel);
      const __m256 top = _mm256_fmadd_ps(_mm256_sub_ps(p01, p00), fxj, p00);
      const __m256 bottom = _mm256_fmadd_ps(_mm256_sub_ps(p11, p10), fxj, p10);
      texel[j] = _mm256_fmadd_ps(_mm256_sub_ps(bottom, top), fyj, top);
    }
    transpose4x2(texel, out);
  }

  const Shader& sh_;
  const Fragments& fr_;
  bool fast_ = false, vector_ = false;
  const Texture* tex_ = nullptr;
  const int32_t* faces_ = nullptr;
  const float *normals_ = nullptr, *albedo_ = nullptr, *bg_image_ = nullptr;
  __m256 bg8_[3];  // the constant background of eight pixels, interleaved
};

}  // namespace

void shade_centres(const Shader& shader, const Fragments& fragments, const uint8_t* skip,
                   int64_t y0, int64_t y1, float* rgb) {
  const CentreShader centres(shader, fragments);
  const int64_t W = fragments.width;
  for (int64_t y = y0; y < y1; ++y) {
    centres.row(static_cast<int>(y), skip != nullptr ? skip + y * W : nullptr, rgb);
  }
}

}  // namespace shading
}  // namespace dc
