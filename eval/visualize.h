// Pictures of a dense (U, V) prediction, as `densecorr infer` writes them. Every function takes
// and returns 3×H×W f32 RGB images in [0, 1] (a sample's `image` layout; write_png of
// data/image_io.h stores them), leaving its inputs untouched. uv is 2×H×W floating (U then V),
// mask H×W of any dtype (nonzero = foreground), points K×2 (x, y) pixels (data/sample.h).
#pragma once

#include <array>

#include "core/tensor.h"

namespace dc {

// The colour of t ∈ [0, 1] on the viridis scale (dark blue 0 → green → yellow 1), piecewise
// linear between 9 samples of matplotlib's viridis; t is clamped to [0, 1].
std::array<float, 3> viridis(float t);

// One channel of a (U, V) field as a colour map: viridis(uv[channel]) on the foreground,
// `background` elsewhere. channel 0 is U, 1 is V.
Tensor uv_color_map(const Tensor& uv, const Tensor& mask, int channel,
                    std::array<float, 3> background = {0.1f, 0.1f, 0.1f});

struct IsolineOptions {
  // Lines at U = i/levels and V = i/levels, 0 < i < levels.
  int levels = 10;
  std::array<float, 3> u_colour{1.0f, 0.25f, 0.2f};
  std::array<float, 3> v_colour{0.25f, 0.6f, 1.0f};
};

// U and V isolines drawn over `image`: a foreground pixel p is on a U line when floor(U·levels)
// differs between p and its right or lower foreground neighbour (same for V), so every level
// crossing leaves a line one to two pixels wide. Where a pixel is on both, V is drawn.
Tensor draw_uv_isolines(const Tensor& image, const Tensor& uv, const Tensor& mask,
                        const IsolineOptions& options = {});

struct LandmarkStyle {
  std::array<float, 3> colour{0.1f, 1.0f, 0.2f};
  double radius = 2.0;  // pixels; a 1-pixel dark rim is drawn around each disc
};

// Landmarks as discs centred on their points over `image`. Points that are not finite, or whose
// `found` (K values of any dtype, optional) is 0, are skipped; points outside the image clip.
Tensor draw_landmarks(const Tensor& image, const Tensor& points, const Tensor& found = Tensor(),
                      const LandmarkStyle& style = {});

// A part label map (H×W integer, 0..8 of data/synth/face_template.h) in the fixed palette of the
// synthetic-face contact sheet (background black).
Tensor face_part_color_map(const Tensor& parts);

// Texture transfer: paints `texture`, given on the template chart (Ht×Wt×3 floating RGB, row 0 at
// V = 0, column 0 at U = 0, the layout of data/synth/shading.h's Texture), onto `image` through
// the predicted correspondence: on the foreground the pixel becomes
//   (1 − opacity)·image + opacity·texture(U, V)
// with texture(U, V) the bilinear lookup of sample_bilinear() (texel (i, j) centred at
// ((i + ½)/Wt, (j + ½)/Ht), clamped to the border texels); elsewhere the image is unchanged.
// opacity in [0, 1]; a non-finite (U, V) under the mask is an error.
Tensor texture_transfer(const Tensor& image, const Tensor& texture, const Tensor& uv,
                        const Tensor& mask, float opacity = 1.0f);

}  // namespace dc
