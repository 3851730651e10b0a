#include "data/synth/face_blur.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace dc {

// dst[j] = Σ_i w[i] · src[i][j] for j < n over `taps` source rows: the first product, then one
// fused multiply-add per further tap, in tap order, accumulated in registers eight values at a
// time (AVX2) with a scalar tail that the compiler fuses the same way. 32 values per sweep over
// the taps (four independent accumulators): one broadcast and one row pointer load serve four
// vectors, and the four dependency chains of multiply-adds overlap.
void convolve_rows(const float* const* src, const float* w, int taps, int n, float* dst) {
  int j = 0;
  for (; j + 32 <= n; j += 32) {
    const __m256 w0 = _mm256_set1_ps(w[0]);
    const float* s0 = src[0] + j;
    __m256 a0 = _mm256_mul_ps(w0, _mm256_loadu_ps(s0));
    __m256 a1 = _mm256_mul_ps(w0, _mm256_loadu_ps(s0 + 8));
    __m256 a2 = _mm256_mul_ps(w0, _mm256_loadu_ps(s0 + 16));
    __m256 a3 = _mm256_mul_ps(w0, _mm256_loadu_ps(s0 + 24));
    for (int i = 1; i < taps; ++i) {
      const __m256 wi = _mm256_set1_ps(w[i]);
      const float* si = src[i] + j;
      a0 = _mm256_fmadd_ps(wi, _mm256_loadu_ps(si), a0);
      a1 = _mm256_fmadd_ps(wi, _mm256_loadu_ps(si + 8), a1);
      a2 = _mm256_fmadd_ps(wi, _mm256_loadu_ps(si + 16), a2);
      a3 = _mm256_fmadd_ps(wi, _mm256_loadu_ps(si + 24), a3);
    }
    _mm256_storeu_ps(dst + j, a0);
    _mm256_storeu_ps(dst + j + 8, a1);
    _mm256_storeu_ps(dst + j + 16, a2);
    _mm256_storeu_ps(dst + j + 24, a3);
  }
  for (; j + 8 <= n; j += 8) {
    __m256 acc = _mm256_mul_ps(_mm256_set1_ps(w[0]), _mm256_loadu_ps(src[0] + j));
    for (int i = 1; i < taps; ++i) {
      acc = _mm256_fmadd_ps(_mm256_set1_ps(w[i]), _mm256_loadu_ps(src[i] + j), acc);
    }
    _mm256_storeu_ps(dst + j, acc);
  }
  for (; j < n; ++j) {
    float acc = w[0] * src[0][j];
    for (int i = 1; i < taps; ++i) acc += w[i] * src[i][j];
    dst[j] = acc;
  }
}

// Separable Gaussian blur of an S×S×3 image, clamping at the border. Both passes run over whole
// rows (padded once per row), so the inner loops are contiguous; each output value is
// accumulated over its taps in registers, and the scratch rows are reused per thread.
void blur_rgb(std::vector<float>& img, int S, double sigma) {
  const int r = std::max(1, static_cast<int>(std::ceil(2.5 * sigma)));
  const int taps = 2 * r + 1;
  std::vector<float> k(taps);
  float sum = 0;
  for (int i = -r; i <= r; ++i) {
    sum += k[i + r] = static_cast<float>(std::exp(-i * i / (2 * sigma * sigma)));
  }
  for (float& w : k) w /= sum;
  const int row = 3 * S;
  thread_local std::vector<float> tmp, padded;
  tmp.resize(img.size());
  padded.resize(3 * static_cast<size_t>(S + 2 * r));
  std::vector<const float*> src(taps);
  for (int i = 0; i < taps; ++i) src[i] = &padded[3 * i];
  for (int y = 0; y < S; ++y) {  // horizontal
    const float* in = &img[static_cast<size_t>(y) * row];
    for (int x = -r; x < S + r; ++x) {
      const float* p = in + 3 * std::min(S - 1, std::max(0, x));
      float* q = &padded[3 * (x + r)];
      q[0] = p[0], q[1] = p[1], q[2] = p[2];  // (std::copy called memmove for 12 bytes)
    }
    convolve_rows(src.data(), k.data(), taps, row, &tmp[static_cast<size_t>(y) * row]);
  }
  for (int y = 0; y < S; ++y) {  // vertical
    for (int i = 0; i < taps; ++i) {
      src[i] = &tmp[static_cast<size_t>(std::min(S - 1, std::max(0, y - r + i))) * row];
    }
    convolve_rows(src.data(), k.data(), taps, row, &img[static_cast<size_t>(y) * row]);
  }
}

}  // namespace dc
