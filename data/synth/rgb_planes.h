// Internal to data/synth: interleaved RGB (or any 3-vectors) → three planes, eight per AVX2 step.
#pragma once

#include <immintrin.h>

namespace dc {

// Splits 8 interleaved RGB pixels (a, b, c: the 24 floats r0 g0 b0 r1 … b7 in order) into
// r[0..8), g[0..8), b[0..8) (unaligned stores). Each output lane is one input lane moved, so the
// values are copied exactly.
// The same split into registers: *r, *g, *bl hold the channels of pixels 0..7 in order.
inline void split_rgb8(__m256 a, __m256 b, __m256 c, __m256* r, __m256* g, __m256* bl) {
  // Blends pick each channel's lanes from a, b and c; a permutation puts them in pixel order.
  const __m256 rr = _mm256_blend_ps(_mm256_blend_ps(a, b, 0x92), c, 0x24);
  const __m256 gg = _mm256_blend_ps(_mm256_blend_ps(a, b, 0x24), c, 0x49);
  const __m256 bb = _mm256_blend_ps(_mm256_blend_ps(a, b, 0x49), c, 0x92);
  *r = _mm256_permutevar8x32_ps(rr, _mm256_setr_epi32(0, 3, 6, 1, 4, 7, 2, 5));
  *g = _mm256_permutevar8x32_ps(gg, _mm256_setr_epi32(1, 4, 7, 2, 5, 0, 3, 6));
  *bl = _mm256_permutevar8x32_ps(bb, _mm256_setr_epi32(2, 5, 0, 3, 6, 1, 4, 7));
}

inline void store_rgb_planes8(__m256 a, __m256 b, __m256 c, float* r, float* g, float* bl) {
  __m256 rr, gg, bb;
  split_rgb8(a, b, c, &rr, &gg, &bb);
  _mm256_storeu_ps(r, rr);
  _mm256_storeu_ps(g, gg);
  _mm256_storeu_ps(bl, bb);
}

}  // namespace dc
