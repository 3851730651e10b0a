// Procedural skin textures of the synthetic faces, laid out on the face template (face_template.h)
// so that every feature (eye whites, irises, eyelid lines, brows, lips, mouth line, nostrils,
// cheeks, stubble, hair) sits at a fixed template (U, V): appearance predicts correspondence.
// What varies per face is colour and amount: skin tone, hair and brow colour and darkness, lip and
// iris colour, blush, stubble, skin noise.
//
// The texture is an atlas over the whole head, sampled at the mesh attribute "tex" (s, t) of
// face_mesh() with the conventions of shading.h (s grows with the column, t with the row, t = 0 at
// the top row). The face chart occupies s = 0.1 + 0.8 U, t = 0.2 + 0.65 V
// (face_texture_coords()); s < 0.1 and s > 0.9 are the back of the head on the image-left and
// image-right sides (the seam at s = 0 and 1 is the back of the head), t < 0.2 the scalp from the
// crown down to the hairline, t > 0.85 the underside of the chin and the neck.
#pragma once

#include <array>
#include <cstdint>

#include "core/philox.h"
#include "data/synth/shading.h"

namespace dc {

// Atlas size in texels: 128 texels across the face chart's U, 104 along its V.
constexpr int kFaceTextureWidth = 160;
constexpr int kFaceTextureHeight = 160;

// Texture coordinates (s, t) of template point (u, v) of the face chart.
std::array<float, 2> face_texture_coords(float u, float v);

struct FaceTextureParams {
  std::array<float, 3> skin{0.85f, 0.66f, 0.55f};  // base albedo of the skin
  std::array<float, 3> hair{0.18f, 0.12f, 0.08f};  // scalp hair, brows and stubble
  std::array<float, 3> lips{0.70f, 0.38f, 0.36f};
  std::array<float, 3> iris{0.30f, 0.20f, 0.12f};
  float brow_darkness = 0.8f;  // 0: brows the skin colour, 1: brows the hair colour
  float blush = 0.3f;          // redness of the cheeks, 0 to 1
  float stubble = 0.0f;        // beard shadow, 0 to 1
  float noise = 0.5f;          // amplitude of the skin blotches and pores, 0 to 1
  float mouth_open = 0.0f;     // darkness of the mouth interior band (the shape's mouth_open)
  uint64_t noise_seed = 0;     // pattern of the blotches, pores and hair strands

  // Random colours and amounts from `rng`: skin tones from pale to dark brown, dark to blond
  // hair, a third of the faces with stubble. mouth_open stays 0 (the caller copies the shape's).
  static FaceTextureParams sample(Generator& rng);
};

// The atlas (kFaceTextureHeight × kFaceTextureWidth × 3, albedo in [0, 1]). The feature layout is
// computed once and shared; each call only mixes colours and noise over it.
Texture face_texture(const FaceTextureParams& params);

}  // namespace dc
