#include "data/synth/face_labels.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "data/synth/rgb_planes.h"

namespace dc {
namespace {

// The interpolation and clamp of one coordinate, in the documented order.
inline float blend_clamped(float b0, float b1, float b2, float a0, float a1, float a2) {
  const float t = std::fma(b2, a2, std::fma(b0, a0, b1 * a1));
  return std::min(1.0f, std::max(0.0f, t));
}

}  // namespace

void face_label_planes(const Mesh& mesh, const Fragments& fr, float* u_plane, float* v_plane,
                       float* depth, uint8_t* mask) {
  const int64_t N = fr.num_pixels();
  const float* uvd = mesh.vertex_attribute("uv").data.data();
  const float* is_face = mesh.face_attribute("face").data.data();
  const int32_t* faces = mesh.faces.data();
  const int32_t* face_of = fr.face.data();
  const float* bary = fr.bary.data();
  const float* frag_depth = fr.depth.data();
  const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
  int64_t p = 0;
  // Eight pixels per step. Their triangles are scattered over the mesh, so the corner ids and
  // their (U, V) are gathered: the scalar loop's branches on background and chart pixels
  // mispredicted at every silhouette and chart edge, and its loads waited on one another.
  for (; p + 8 <= N; p += 8) {
    const __m256i f8 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(face_of + p));
    if (_mm256_movemask_ps(_mm256_castsi256_ps(f8)) == 0xff) {  // all background (ids < 0)
      _mm256_storeu_ps(u_plane + p, zero);
      _mm256_storeu_ps(v_plane + p, zero);
      _mm256_storeu_ps(depth + p, zero);
      _mm_storel_epi64(reinterpret_cast<__m128i*>(mask + p), _mm_setzero_si128());
      continue;
    }
    // Background lanes read triangle 0 (any valid index) and are cleared by `keep` at the end.
    const __m256i fc = _mm256_max_epi32(f8, _mm256_setzero_si256());
    const __m256 flag = _mm256_i32gather_ps(is_face, fc, 4);
    // Kept where f >= 0 and !(flag == 0), as the scalar test `f < 0 || flag == 0` rejects.
    const __m256 keep =
        _mm256_and_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(f8, _mm256_set1_epi32(-1))),
                      _mm256_cmp_ps(flag, zero, _CMP_NEQ_UQ));
    const __m256i f3 = _mm256_add_epi32(fc, _mm256_add_epi32(fc, fc));
    const __m256i c0 = _mm256_i32gather_epi32(faces, f3, 4);
    const __m256i c1 = _mm256_i32gather_epi32(faces + 1, f3, 4);
    const __m256i c2 = _mm256_i32gather_epi32(faces + 2, f3, 4);
    const __m256i i0 = _mm256_add_epi32(c0, c0), i1 = _mm256_add_epi32(c1, c1),
                  i2 = _mm256_add_epi32(c2, c2);
    __m256 b0, b1, b2;
    const float* b = bary + 3 * p;
    split_rgb8(_mm256_loadu_ps(b), _mm256_loadu_ps(b + 8), _mm256_loadu_ps(b + 16), &b0, &b1, &b2);
    // blend_clamped() eight at a time: max_ps(t, 0) and min_ps(·, 1) keep their first operand
    // exactly when std::max(0, t) and std::min(1, ·) do (NaN included: it becomes 0).
    auto blend = [&](const float* a) {
      const __m256 a0 = _mm256_i32gather_ps(a, i0, 4), a1 = _mm256_i32gather_ps(a, i1, 4),
                   a2 = _mm256_i32gather_ps(a, i2, 4);
      const __m256 t = _mm256_fmadd_ps(b2, a2, _mm256_fmadd_ps(b0, a0, _mm256_mul_ps(b1, a1)));
      return _mm256_and_ps(_mm256_min_ps(_mm256_max_ps(t, zero), one), keep);
    };
    _mm256_storeu_ps(u_plane + p, blend(uvd));
    _mm256_storeu_ps(v_plane + p, blend(uvd + 1));
    _mm256_storeu_ps(depth + p, _mm256_and_ps(_mm256_loadu_ps(frag_depth + p), keep));
    // keep (all ones or zero per lane) → bytes 1 or 0.
    const __m256i m = _mm256_and_si256(_mm256_castps_si256(keep), _mm256_set1_epi32(1));
    const __m128i m16 = _mm_packus_epi32(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(mask + p), _mm_packus_epi16(m16, m16));
  }
  for (; p < N; ++p) {  // the last pixels
    const int32_t f = face_of[p];
    if (f < 0 || is_face[f] == 0) {
      u_plane[p] = v_plane[p] = depth[p] = 0.0f;
      mask[p] = 0;
      continue;
    }
    const int32_t* fv = faces + 3 * static_cast<int64_t>(f);
    const float* b = bary + 3 * p;
    const float* a0 = uvd + 2 * static_cast<int64_t>(fv[0]);
    const float* a1 = uvd + 2 * static_cast<int64_t>(fv[1]);
    const float* a2 = uvd + 2 * static_cast<int64_t>(fv[2]);
    u_plane[p] = blend_clamped(b[0], b[1], b[2], a0[0], a1[0], a2[0]);
    v_plane[p] = blend_clamped(b[0], b[1], b[2], a0[1], a1[1], a2[1]);
    depth[p] = frag_depth[p];
    mask[p] = 1;
  }
}

}  // namespace dc
