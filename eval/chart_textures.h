// Textures given on the face template's chart, for texture transfer (texture_transfer() of
// eval/visualize.h, `densecorr infer --task texture-transfer`). Every texture is Ht×Wt×3 f32 RGB
// in [0, 1] with row 0 at V = 0 and column 0 at U = 0: texel (i, j) covers the chart point
// ((i + ½)/Wt, (j + ½)/Ht), the layout of data/synth/shading.h's Texture.
#pragma once

#include "core/tensor.h"

namespace dc {

// A checkerboard of `cells`×`cells` squares over the chart, light and dark, tinted red along U and
// blue along V so that orientation shows: texel (i, j) is base·(0.5 + 0.5 i/size, 0.8,
// 0.5 + 0.5 j/size) with base 0.25 on dark and 0.9 on light cells, the cell parity being
// (⌊i·cells/size⌋ + ⌊j·cells/size⌋) mod 2. size >= 2, 1 <= cells <= size.
Tensor checkerboard_chart_texture(int size = 256, int cells = 16);

// The albedo of the synthetic faces (data/synth/face_texture.h, the default FaceTextureParams:
// skin, brows, eyes, lips) resampled onto the chart: texel (i, j) is the atlas's bilinear lookup
// (sample_bilinear) at face_texture_coords(u, v) of its centre (u, v). Painted through an exact
// correspondence it shows the synthetic face's features where they belong. size >= 2.
Tensor synth_face_chart_texture(int size = 256);

// A picture used as a chart texture: `image` 3×H×W floating (read_image's layout) becomes the
// H×W×3 f32 texture, the picture's top row at V = 0 and left column at U = 0. `what` names the
// source in errors (e.g. the file name); H, W >= 2 and values must be finite.
Tensor chart_texture_from_image(const Tensor& image, const std::string& what);

}  // namespace dc
