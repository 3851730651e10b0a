#include "data/synth/render_tensors.h"

#include <cmath>
#include <cstdint>

#include "core/error.h"
#include "data/synth/rgb_planes.h"

namespace dc {

Tensor planar_tensor(const std::vector<float>& hwc, int height, int width, int channels) {
  const int64_t N = static_cast<int64_t>(height) * width;
  DC_CHECK(height >= 0 && width >= 0 && channels >= 1 &&
               static_cast<int64_t>(hwc.size()) == N * channels,
           "planar_tensor: buffer of ", hwc.size(), " floats, expected ", height, " × ", width,
           " × ", channels);
  Tensor t = empty({channels, height, width}, DType::f32);
  float* dst = t.data<float>();
  // One pass over the interleaved buffer (the common RGB case), eight pixels at a time.
  if (channels == 3) {
    float* r = dst;
    float* g = dst + N;
    float* b = dst + 2 * N;
    const float* src = hwc.data();
    int64_t p = 0;
    for (; p + 8 <= N; p += 8) {
      const float* s = src + 3 * p;
      store_rgb_planes8(_mm256_loadu_ps(s), _mm256_loadu_ps(s + 8), _mm256_loadu_ps(s + 16), r + p,
                        g + p, b + p);
    }
    for (; p < N; ++p) {
      r[p] = src[3 * p];
      g[p] = src[3 * p + 1];
      b[p] = src[3 * p + 2];
    }
    return t;
  }
  for (int c = 0; c < channels; ++c) {
    for (int64_t p = 0; p < N; ++p) dst[c * N + p] = hwc[p * channels + c];
  }
  return t;
}

Tensor label_tensor(const std::vector<float>& labels, int height, int width) {
  const int64_t N = static_cast<int64_t>(height) * width;
  DC_CHECK(static_cast<int64_t>(labels.size()) == N, "label_tensor: buffer of ", labels.size(),
           " values, expected ", height, " × ", width);
  Tensor t = empty({height, width}, DType::i64);
  int64_t* dst = t.data<int64_t>();
  for (int64_t p = 0; p < N; ++p) {
    DC_CHECK(
        labels[p] == std::floor(labels[p]), "label_tensor: pixel ", p, " holds ", labels[p],
        ", expected an integer label (blended? use Interp::kNearestVertex or a face attribute)");
    dst[p] = static_cast<int64_t>(labels[p]);
  }
  return t;
}

Tensor mask_tensor(const Fragments& frags) {
  Tensor t = empty({frags.height, frags.width}, DType::u8);
  uint8_t* dst = t.data<uint8_t>();
  for (int64_t p = 0; p < frags.num_pixels(); ++p) dst[p] = frags.face[p] >= 0 ? 1 : 0;
  return t;
}

Tensor depth_tensor(const Fragments& frags) {
  Tensor t = empty({frags.height, frags.width}, DType::f32);
  std::copy(frags.depth.begin(), frags.depth.end(), t.data<float>());
  return t;
}

}  // namespace dc
