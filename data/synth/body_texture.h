// Clothing and skin textures of the synthetic bodies, in the DensePose texture-atlas layout
// (body_template.h): 24 tiles of T×T in 6 rows × 4 columns, chart c's tile at row (c − 1) % 6,
// column (c − 1) / 6; (U, V) of chart c falls on tile texel row (1 − V)(T − 1), column U (T − 1).
// The same appearance rendered at T = 200 is an atlas DensePose's texture-transfer code reads.
//
// Appearance is procedural: a top (torso and as much of the arms as the sleeves cover) with a
// pattern, a bottom (the hips and as much of the legs as the trousers cover), shoes, skin, and a
// head with hair, eyes, brows and a mouth at the template positions of the COCO face keypoints
// (coco_keypoint_surface()), so that appearance predicts correspondence.
#pragma once

#include <array>
#include <cstdint>

#include "core/philox.h"
#include "data/synth/shading.h"

namespace dc {

struct BodyAppearance {
  std::array<float, 3> skin{0.8f, 0.6f, 0.5f}, hair{0.2f, 0.15f, 0.1f};
  std::array<float, 3> top{0.2f, 0.3f, 0.7f}, top2{0.9f, 0.9f, 0.9f};
  std::array<float, 3> bottom{0.15f, 0.15f, 0.25f}, bottom2{0.3f, 0.3f, 0.4f};
  std::array<float, 3> shoes{0.1f, 0.1f, 0.1f};
  int top_pattern = 0;       // 0 plain, 1 horizontal stripes, 2 vertical stripes, 3 checks
  int bottom_pattern = 0;    // 0 plain, 1 a side stripe
  double stripes = 8;        // stripes per unit of V (and per chart across U)
  double sleeves = 0.5;      // fraction of the arm (shoulder → wrist) the top covers: 0 .. 1
  double trousers = 1.0;     // fraction of the leg (hip → ankle) the bottom covers: 0.3 .. 1
  double hair_length = 0.5;  // 0 short .. 1 to the neck
  uint32_t seed = 0;         // fabric noise
  // The appearance of the mirror image (X ↦ −X): the atlas of chart c is the original atlas of
  // chart_flip(c) with U ↦ flip_u(c, U), texel for texel.
  bool mirrored = false;
};

BodyAppearance sample_body_appearance(Generator& gen);

// The albedo of chart `chart` (1..24) at (u, v) of the unmirrored appearance, without noise.
std::array<float, 3> body_albedo(const BodyAppearance& a, int chart, double u, double v);

// The atlas at tile size `tile` (≥ 2): 6·tile rows × 4·tile columns, written into `dst` (rows of
// 4·tile·3 floats, `row_stride` floats apart) — several people's atlases stack in one Texture.
void body_atlas_into(const BodyAppearance& a, int tile, float* dst, int64_t row_stride);
Texture body_atlas(const BodyAppearance& a, int tile);

// The texture coordinates, in a texture of `atlases` atlases stacked vertically (atlas k at rows
// [6·tile·k, 6·tile·(k + 1))), of chart `chart` at (u, v) of atlas `index`: (column, row) / size
// as ShadingOptions::texture expects.
void atlas_coordinates(int chart, float u, float v, int tile, int index, int atlases, float* au,
                       float* av);

}  // namespace dc
