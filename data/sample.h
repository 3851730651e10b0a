// Samples: what a Dataset returns and transforms rewrite. A sample is a map from field names to
// tensors (CPU). Field names and layouts the project uses (datasets may add their own):
//
//   image      3×H×W f32 in [0, 1], RGB
//   mask       H×W u8 (1 foreground, 0 background)
//   part       H×W i64 labels (0 background)
//   uv         2×H×W f32 (U then V, in [0, 1]; meaningless where part == 0)
//   depth      H×W f32
//   landmarks  K×2 f32 pixel coordinates (x, y), pixel centres at integers: pixel (0, 0) covers
//              [-0.5, 0.5]²; a horizontal flip maps x to W − 1 − x
//   visible    K u8 (1: the point is visible and annotated)
//   boxes      N×4 f32 (x1, y1, x2, y2) in continuous coordinates: the image spans [0, W]×[0, H];
//              a horizontal flip maps (x1, x2) to (W − x2, W − x1). Variable N: a list field.
//   label      0-d i64 class of the whole image
//
// The SampleLayout tells geometric transforms how each field moves with the image.
#pragma once

#include <map>
#include <string>

#include "core/tensor.h"

namespace dc {

using Sample = std::map<std::string, Tensor>;

// How a field moves when the image is scaled, cropped, rotated or flipped.
enum class FieldKind {
  kImage,       // C×H×W, resampled bilinearly, filled with 0 outside the source
  kDenseLabel,  // H×W or C×H×W, resampled by nearest neighbour (labels, U,V, depth, masks stay
                // exact values), filled with 0 outside the source
  kPoints,      // K×2 (x, y) pixel coordinates, transformed as points
  kBoxes,       // N×4 (x1, y1, x2, y2), transformed as boxes (the box of the transformed corners)
  kOther,       // untouched by geometric transforms (labels, visibility, 3D joints)
};

using SampleLayout = std::map<std::string, FieldKind>;

// The field `name` of `sample`; a dc::Error naming the field, `where` (a dataset or transform
// name) and the fields present when it is missing.
const Tensor& field(const Sample& sample, const std::string& name, const std::string& where);

}  // namespace dc
