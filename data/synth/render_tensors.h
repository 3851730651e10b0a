// Render outputs (plain vectors) → the Tensor fields of data/sample.h.
#pragma once

#include <vector>

#include "core/tensor.h"
#include "data/synth/rasterizer.h"

namespace dc {

// An H·W·C interleaved buffer (render().rgb, interpolate() of a width-C attribute) as a C×H×W f32
// tensor: "image" (C = 3) or "uv" (C = 2).
Tensor planar_tensor(const std::vector<float>& hwc, int height, int width, int channels);

// An H·W buffer of integer labels stored as floats (interpolate() of a kNearestVertex or face
// attribute) as an H×W i64 tensor, e.g. "part". A dc::Error if a value is not an integer.
Tensor label_tensor(const std::vector<float>& labels, int height, int width);

// "mask": H×W u8, 1 where a face covers the pixel centre.
Tensor mask_tensor(const Fragments& fragments);

// "depth": H×W f32 camera Z (0 at background).
Tensor depth_tensor(const Fragments& fragments);

}  // namespace dc
