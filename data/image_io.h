// Reading and writing images (JPEG and PNG through stb_image / stb_image_write), as
// torchvision.io.read_image / write_png with the project's sample layout (data/sample.h).
//
// Errors: every failure is a dc::Error that names the file and what was wrong (the file is
// missing or unreadable, is not a JPEG/PNG or is corrupt, the tensor has the wrong shape or
// dtype, the file could not be written).
//
// Not handled: EXIF orientation (pixels come back as stored, as torchvision.io does), colour
// profiles, animated or other formats (GIF, BMP, ... are rejected as "not a JPEG or PNG").
#pragma once

#include <string>

#include "core/tensor.h"

namespace dc {

// The image at `path` as a 3×H×W f32 tensor in [0, 1], RGB (the layout of a sample's `image`).
// Grey images are replicated to the three channels; an alpha channel is dropped (not blended,
// as PIL's convert("RGB")). 8-bit samples are divided by 255, 16-bit PNG samples by 65535.
Tensor read_image(const std::string& path);

// The image at `path` as stored: an H×W×C u8 tensor with C the file's channel count (1 grey,
// 2 grey + alpha, 3 RGB, 4 RGBA). 16-bit PNG samples are reduced to their high byte (v >> 8).
Tensor read_image_u8(const std::string& path);

// Writes `image` to `path` as an 8-bit PNG. Accepted:
//   f32 3×H×W (RGB) or H×W (grey), values in [0, 1]: each value v is stored as
//       round(clamp(v, 0, 1) · 255); a NaN is an error;
//   u8  H×W×C with C = 1 (grey), 3 (RGB) or 4 (RGBA), or H×W (grey): stored as is.
// Any strides. The file is written to a temporary name beside `path` and renamed over it, so a
// reader never sees a half-written file and a failed write leaves `path` untouched.
void write_png(const std::string& path, const Tensor& image);

}  // namespace dc
