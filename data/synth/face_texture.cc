#include "data/synth/face_texture.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "data/synth/face_shapes.h"

namespace dc {
namespace {

using namespace face_shapes;

constexpr int kW = kFaceTextureWidth, kH = kFaceTextureHeight, kN = kW * kH;
constexpr double kPi = 3.14159265358979323846;

// Soft inside-ness of a signed region function (metres): 0.5 on the edge, `soft` metres wide.
float soft(double inside, double width) {
  return static_cast<float>(ramp(inside, -0.5 * width, 0.5 * width));
}

// Where each feature lies in the atlas, per texel (weights in [0, 1]); the same for every face.
struct Layout {
  std::vector<float> hair, brow, eye, iris, pupil, lid, socket, lip_u, lip_l, mouth_line,
      mouth_band, nostril, beard, cheek, fold;
  // 1 where every feature weight but hair is below 1e-4: plain skin (those weights are set to 0).
  std::vector<uint8_t> plain;
  // Per texel row j, the texels that are not plain lie in [span_begin[j], span_end[j]).
  std::vector<int> span_begin, span_end;
};

const Layout& layout() {
  static const Layout L = [] {
    Layout L;
    for (auto* v :
         {&L.hair, &L.brow, &L.eye, &L.iris, &L.pupil, &L.lid, &L.socket, &L.lip_u, &L.lip_l,
          &L.mouth_line, &L.mouth_band, &L.nostril, &L.beard, &L.cheek, &L.fold}) {
      v->assign(kN, 0.0f);
    }
    for (int j = 0; j < kH; ++j) {
      for (int i = 0; i < kW; ++i) {
        const int p = j * kW + i;
        const AtlasPoint a = atlas_point((i + 0.5) / kW, (j + 0.5) / kH);
        const double abs_theta = std::abs(a.theta);
        // Hair: the scalp above the hairline at the front, down to the ears at the sides and
        // lower at the back; none on the face chart except over the ears.
        const double hairline = a.y - (0.072 - 0.075 * ramp(abs_theta, 0.9, 1.7));
        L.hair[p] = static_cast<float>(ramp(hairline, -0.004, 0.004));
        // Beard area: below the nose, around the mouth and along the jaw, not on the neck's
        // underside far back.
        L.beard[p] = static_cast<float>(ramp(a.y, -0.035, -0.05) * ramp(abs_theta, 1.45, 1.2) *
                                        ramp(a.y, -0.15, -0.12));
        if (!a.chart) continue;
        const double ax = std::abs(a.x), y = a.y;
        L.brow[p] = soft(brow_inside(ax, y), 0.0016);
        const double eye = eye_inside(ax, y);
        L.eye[p] = soft(eye, 0.0008);
        const double r = std::hypot(ax - kEyeX, y - (kEyeY + 0.0006));
        L.iris[p] = soft(0.006 - r, 0.001) * L.eye[p];
        L.pupil[p] = soft(0.0024 - r, 0.0008) * L.eye[p];
        L.lid[p] = static_cast<float>(gauss(y - eye_upper(ax) - 0.0003, 0.0009) *
                                      ramp(std::abs(eye_q(ax)), 1.15, 0.9));
        L.socket[p] = static_cast<float>(gauss(ax - kEyeX, 0.013) * gauss(y - 0.004, 0.008));
        L.lip_u[p] = soft(upper_lip_inside(ax, y), 0.0012);
        L.lip_l[p] = soft(lower_lip_inside(ax, y), 0.0012);
        L.mouth_line[p] = static_cast<float>(gauss(y - mouth_line(ax), 0.0006) *
                                             ramp(ax, kMouthHalfWidth + 0.002, kMouthHalfWidth));
        L.mouth_band[p] = static_cast<float>(
            ramp(y, kMouthY + kMouthOpenTop, kMouthY + 0.3 * kMouthOpenTop) *
            ramp(y, kMouthY - kMouthOpenBottom, kMouthY - 0.3 * kMouthOpenBottom) *
            ramp(ax, kMouthHalfWidth - 0.001, kMouthHalfWidth - 0.005));
        const double nx = ax - 0.0068, ny = y - (nose_bottom(0.0068) + 0.0017);
        L.nostril[p] = static_cast<float>(
            std::exp(-(nx * nx) / (2 * 0.0024 * 0.0024) - (ny * ny) / (2 * 0.0012 * 0.0012)));
        L.cheek[p] = static_cast<float>(gauss(ax - 0.045, 0.012) * gauss(y + 0.025, 0.012));
        // The fold from the nose wing to the mouth corner.
        const double fx0 = 0.019, fy0 = -0.040, fx1 = 0.031, fy1 = -0.066;
        const double dx = fx1 - fx0, dy = fy1 - fy0;
        const double tt =
            std::min(std::max(((ax - fx0) * dx + (y - fy0) * dy) / (dx * dx + dy * dy), 0.0), 1.0);
        const double dist = std::hypot(ax - (fx0 + tt * dx), y - (fy0 + tt * dy));
        L.fold[p] = static_cast<float>(gauss(dist, 0.0015) * std::sin(kPi * tt));
        // No stubble on the lips.
        L.beard[p] *= 1.0f - std::max(L.lip_u[p], L.lip_l[p]);
      }
    }
    L.plain.assign(kN, 0);
    for (int p = 0; p < kN; ++p) {
      float most = 0;
      for (const auto* v : {&L.brow, &L.eye, &L.lid, &L.socket, &L.lip_u, &L.lip_l, &L.mouth_line,
                            &L.mouth_band, &L.nostril, &L.beard, &L.cheek, &L.fold}) {
        most = std::max(most, (*v)[p]);
      }
      L.plain[p] = most < 1e-4f;
      // Plain skin ignores its feature weights (all below 1e-4): they are set to 0, so that the
      // one formula of face_texture() gives plain texels exactly the skin-and-hair colour.
      if (L.plain[p]) {
        for (auto* v : {&L.brow, &L.eye, &L.iris, &L.pupil, &L.lid, &L.socket, &L.lip_u, &L.lip_l,
                        &L.mouth_line, &L.mouth_band, &L.nostril, &L.beard, &L.cheek, &L.fold}) {
          (*v)[p] = 0.0f;
        }
      }
    }
    L.span_begin.assign(kH, 0);
    L.span_end.assign(kH, 0);
    for (int j = 0; j < kH; ++j) {
      int b = kW, e = 0;
      for (int i = 0; i < kW; ++i) {
        if (!L.plain[j * kW + i]) b = std::min(b, i), e = i + 1;
      }
      L.span_begin[j] = std::min(b, e);
      L.span_end[j] = e;
    }
    return L;
  }();
  return L;
}

// Hash of (seed, index) to [0, 1).
float hash01(uint64_t seed, uint64_t index) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (index + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return (z >> 40) * (1.0f / 16777216.0f);
}

// hash01(seed, first + i) − 0.5 into out[i] for i < n (n a multiple of 4), four 64-bit lanes per
// AVX2 vector: z advances by the odd constant per index, and each 64-bit multiply is built from
// 32-bit ones (AVX2 has no 64-bit multiply). The integer steps are exact and z >> 40 < 2^24
// converts to float exactly, so the values are hash01()'s (minus 0.5) bit for bit.
static_assert(kW % 4 == 0, "hash_row_minus_half() fills rows four texels at a time");
void hash_row_minus_half(uint64_t seed, uint64_t first, int n, float* out) {
  constexpr uint64_t kStep = 0x9E3779B97F4A7C15ull;
  auto mul = [](__m256i z, uint64_t c) {  // z · c mod 2^64 per lane
    const __m256i lo = _mm256_set1_epi64x(static_cast<int64_t>(c & 0xffffffffu));
    const __m256i hi = _mm256_set1_epi64x(static_cast<int64_t>(c >> 32));
    const __m256i cross =
        _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(z, 32), lo), _mm256_mul_epu32(z, hi));
    return _mm256_add_epi64(_mm256_mul_epu32(z, lo), _mm256_slli_epi64(cross, 32));
  };
  auto mix = [](__m256i z, int shift) { return _mm256_xor_si256(z, _mm256_srli_epi64(z, shift)); };
  const uint64_t z0 = seed + kStep * (first + 1);
  __m256i z = _mm256_setr_epi64x(static_cast<int64_t>(z0), static_cast<int64_t>(z0 + kStep),
                                 static_cast<int64_t>(z0 + 2 * kStep),
                                 static_cast<int64_t>(z0 + 3 * kStep));
  const __m256i step = _mm256_set1_epi64x(static_cast<int64_t>(4 * kStep));
  const __m256i pack = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
  const __m128 scale = _mm_set1_ps(1.0f / 16777216.0f), half = _mm_set1_ps(0.5f);
  for (int i = 0; i < n; i += 4, z = _mm256_add_epi64(z, step)) {
    __m256i h = mul(mix(z, 30), 0xBF58476D1CE4E5B9ull);
    h = mix(mul(mix(h, 27), 0x94D049BB133111EBull), 31);
    // The four values z >> 40 (< 2^24) as int32, then as floats.
    const __m128i v =
        _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(_mm256_srli_epi64(h, 40), pack));
    _mm_storeu_ps(out + i, _mm_sub_ps(_mm_mul_ps(_mm_cvtepi32_ps(v), scale), half));
  }
}

// Value noise on a cells_x × cells_y lattice, bilinear with smoothstep weights, at texel (i, j).
// The lattice cell and weight of each texel column and row are tabulated once per texture, and
// so is each lattice row interpolated at every texel column (`rows`): a texel row is then one
// interpolation between two of those (vectorized), the same arithmetic, in the same order, as
// interpolating the four lattice values of each texel.
struct ValueNoise {
  int cx, cy;
  std::vector<float> lattice;
  int col0[kW], row0[kH];
  float col_w[kW], row_w[kH];
  std::vector<float> rows;  // (cy + 1) × kW
  ValueNoise(uint64_t seed, int cells_x, int cells_y) : cx(cells_x), cy(cells_y) {
    lattice.resize(static_cast<size_t>(cx + 1) * (cy + 1));
    for (size_t k = 0; k < lattice.size(); ++k) lattice[k] = hash01(seed, k);
    for (int i = 0; i < kW; ++i) {
      const float x = (i + 0.5f) * cx / kW;
      col0[i] = std::min(static_cast<int>(x), cx - 1);
      const float f = x - col0[i];
      col_w[i] = f * f * (3 - 2 * f);
    }
    for (int j = 0; j < kH; ++j) {
      const float y = (j + 0.5f) * cy / kH;
      row0[j] = std::min(static_cast<int>(y), cy - 1);
      const float f = y - row0[j];
      row_w[j] = f * f * (3 - 2 * f);
    }
    rows.resize(static_cast<size_t>(cy + 1) * kW);
    for (int r = 0; r <= cy; ++r) {
      for (int i = 0; i < kW; ++i) {
        const float* l = &lattice[static_cast<size_t>(r) * (cx + 1) + col0[i]];
        rows[static_cast<size_t>(r) * kW + i] = l[0] + col_w[i] * (l[1] - l[0]);
      }
    }
  }
  // The noise at texel (i, j) minus `offset`, into out[i] for every column i of row j.
  void row(int j, float offset, float* __restrict out) const {
    const float* __restrict top = &rows[static_cast<size_t>(row0[j]) * kW];
    const float* __restrict bottom = top + kW;
    const float fy = row_w[j];
    for (int i = 0; i < kW; ++i) {
      const float v = top[i] + fy * (bottom[i] - top[i]);
      out[i] = v - offset;
    }
  }
};

std::array<float, 3> mix(const std::array<float, 3>& a, const std::array<float, 3>& b, float w) {
  return {a[0] + w * (b[0] - a[0]), a[1] + w * (b[1] - a[1]), a[2] + w * (b[2] - a[2])};
}
std::array<float, 3> scale(const std::array<float, 3>& a, float k) {
  return {a[0] * k, a[1] * k, a[2] * k};
}

}  // namespace

std::array<float, 2> face_texture_coords(float u, float v) {
  return {0.1f + 0.8f * u, 0.2f + 0.65f * v};
}

FaceTextureParams FaceTextureParams::sample(Generator& rng) {
  Draws draw(rng);
  FaceTextureParams p;
  // Skin: between a pale and a dark brown tone, with a little hue jitter.
  const std::array<float, 3> pale{0.93f, 0.76f, 0.66f}, dark{0.36f, 0.23f, 0.16f};
  p.skin = mix(pale, dark, std::pow(draw.uniform(0, 1), 1.3f));
  p.skin = {p.skin[0] * draw.uniform(0.95, 1.05), p.skin[1] * draw.uniform(0.95, 1.05),
            p.skin[2] * draw.uniform(0.93, 1.07)};
  // Hair: black to brown to blond, sometimes grey.
  const float h = draw.uniform(0, 1);
  p.hair = h < 0.4    ? std::array<float, 3>{0.06f, 0.05f, 0.045f}
           : h < 0.75 ? std::array<float, 3>{0.25f, 0.15f, 0.08f}
           : h < 0.92 ? std::array<float, 3>{0.62f, 0.48f, 0.28f}
                      : std::array<float, 3>{0.6f, 0.6f, 0.58f};
  p.hair = scale(p.hair, draw.uniform(0.8, 1.2));
  p.lips = mix(scale(p.skin, 0.85f), {0.72f, 0.25f, 0.28f}, draw.uniform(0.25, 0.7));
  const float e = draw.uniform(0, 1);
  p.iris = e < 0.6   ? std::array<float, 3>{0.25f, 0.15f, 0.08f}
           : e < 0.8 ? std::array<float, 3>{0.25f, 0.4f, 0.55f}
                     : std::array<float, 3>{0.3f, 0.38f, 0.22f};
  p.brow_darkness = draw.uniform(0.5, 1.0);
  p.blush = draw.uniform(0, 0.6);
  p.stubble = draw.chance(0.35) ? draw.uniform(0.2, 1.0) : 0.0f;
  p.noise = draw.uniform(0.2, 1.0);
  p.noise_seed = draw.seed();
  return p;
}

Texture face_texture(const FaceTextureParams& params) {
  const Layout& L = layout();
  const ValueNoise blotch(params.noise_seed, 12, 12);
  const ValueNoise strands(params.noise_seed ^ 0x5bd1e995ull, 96, 6);
  Texture tex;
  tex.width = kW;
  tex.height = kH;
  tex.rgb.resize(3 * static_cast<size_t>(kN));
  const std::array<float, 3> sclera{0.88f, 0.86f, 0.82f}, blood{0.75f, 0.28f, 0.26f};
  const std::array<float, 3> mouth{0.22f, 0.06f, 0.06f}, black{0.03f, 0.02f, 0.02f};
  const std::array<float, 3> brow_colour = mix(params.skin, params.hair, params.brow_darkness);
  // Per row: the noises (vectorized hashes, interpolated lattice rows), then one branch-free
  // formula per channel over the row, which the compiler vectorizes, then the channels
  // interleaved. A feature whose weight is 0 leaves the colour exactly as it is
  // (c + 0 · (x − c) = c), so plain texels (every feature weight 0, see layout()) get the
  // skin-and-hair colour, computed directly outside the row's span of features.
  float pore[kW], lo[kW], strand[kW], base[kW], w_lips[kW], w_beard[kW], beard_k[kW], brow_k[kW],
      w_brow[kW], hair_k[kW], w_cheek[kW], w_lid[kW], w_line[kW], w_band[kW], w_nostril[kW],
      plane[3][kW];
  const float noise = params.noise, stubble = params.stubble, blush = params.blush;
  const float mouth_open = params.mouth_open;
  const std::array<float, 3> blood_skin = scale(blood, params.skin[0]);
  const std::array<float, 3> lips_dark = scale(params.lips, 0.45f);
  const std::array<float, 3> nostril_colour = scale(params.skin, 0.25f);
  for (int j = 0; j < kH; ++j) {
    hash_row_minus_half(params.noise_seed, static_cast<uint64_t>(j) * kW, kW, pore);
    blotch.row(j, 0.5f, lo);
    strands.row(j, 0.0f, strand);
    const int o = j * kW;
    const float* __restrict hair = &L.hair[o];
    const float* __restrict iris = &L.iris[o];
    const float* __restrict pupil = &L.pupil[o];
    const float* __restrict eye_w = &L.eye[o];
    // Feature weights only over the row's span of non-plain texels; outside it they are all 0.
    const int sb = L.span_begin[j], se = L.span_end[j];
    for (int i = 0; i < kW; ++i) {
      base[i] = 1 + noise * (0.16f * lo[i] + 0.06f * pore[i]) - 0.3f * L.socket[o + i] -
                0.25f * L.fold[o + i];
      hair_k[i] = 0.6f + 0.8f * strand[i];
    }
    for (int i = sb; i < se; ++i) {
      w_lips[i] = 0.85f * L.lip_u[o + i] + L.lip_l[o + i] * (1 - 0.85f * L.lip_u[o + i]);
      w_beard[i] = stubble * L.beard[o + i] * (0.45f + 0.5f * (pore[i] + 0.5f));
      beard_k[i] = 0.8f + 0.5f * (pore[i] + 0.5f);
      brow_k[i] = 0.8f + 0.4f * strand[i];
      w_brow[i] = L.brow[o + i] * (0.75f + 0.25f * strand[i]);
      w_cheek[i] = blush * L.cheek[o + i];
      w_lid[i] = 0.75f * L.lid[o + i];
      w_line[i] = 0.6f * L.mouth_line[o + i];
      w_band[i] = mouth_open * L.mouth_band[o + i];
      w_nostril[i] = 0.9f * L.nostril[o + i];
    }
    for (int k = 0; k < 3; ++k) {
      const float skin = params.skin[k], blood_k = blood_skin[k], lips = params.lips[k];
      const float hair_c = params.hair[k], brow_c = brow_colour[k], sclera_c = sclera[k];
      const float iris_c = params.iris[k], black_c = black[k], line_c = lips_dark[k];
      const float mouth_c = mouth[k], nostril_c = nostril_colour[k];
      float* __restrict out = plane[k];
      auto mixk = [](float a, float b, float w) { return a + w * (b - a); };
      // Plain texels: every feature mix has weight 0 and leaves c exactly as it is
      // (c + 0 · (x − c) = c), so only the skin and the hair remain. The product skin · base goes
      // through memory: in one expression with the hair mix the compiler would fuse it into that
      // mix's multiply-adds, which the full formula does not.
      auto plain = [&](int i0, int i1) {
        for (int i = i0; i < i1; ++i) out[i] = skin * base[i];
        for (int i = i0; i < i1; ++i) {
          const float c = mixk(out[i], hair_c * hair_k[i], hair[i]);
          out[i] = std::min(1.0f, std::max(0.0f, c));
        }
      };
      plain(0, sb);
      for (int i = sb; i < se; ++i) {
        float c = skin * base[i];
        c = mixk(c, blood_k, w_cheek[i]);
        c = mixk(c, lips, w_lips[i]);
        c = mixk(c, hair_c * beard_k[i], w_beard[i]);
        c = mixk(c, brow_c * brow_k[i], w_brow[i]);
        float e = mixk(sclera_c, iris_c, iris[i]);
        e = mixk(e, black_c, pupil[i]);
        c = mixk(c, e, eye_w[i]);
        c = mixk(c, black_c, w_lid[i]);
        c = mixk(c, line_c, w_line[i]);
        c = mixk(c, mouth_c, w_band[i]);
        c = mixk(c, nostril_c, w_nostril[i]);
        c = mixk(c, hair_c * hair_k[i], hair[i]);
        out[i] = std::min(1.0f, std::max(0.0f, c));
      }
      plain(se, kW);
    }
    float* row = tex.rgb.data() + 3 * static_cast<size_t>(o);
    for (int i = 0; i < kW; ++i) {
      row[3 * i] = plane[0][i];
      row[3 * i + 1] = plane[1][i];
      row[3 * i + 2] = plane[2][i];
    }
  }
  return tex;
}

}  // namespace dc
