// A 300-W style face folder with our dense ground truth beside each image:
//
//   DIR/NAME.png     the RGB image (PNG, 8 bits: written as round(255·v))
//   DIR/NAME.pts     the 68 landmarks (pts_300w.h: 1-based pixel coordinates)
//   DIR/NAME_uv.h5   optional, our dense labels (core/h5_tensor_file.h): `uv` 2×H×W f32 (U, V of
//                    the face template, 0 off the face), `part` H×W i64 (face parts 0..8),
//                    `mask` H×W u8, `visible` 68 u8 (1: landmark visible)
//
// Real 300-W folders (images + .pts, also .jpg) read the same way, without the _uv.h5 fields.
#pragma once

#include <string>
#include <vector>

#include "data/sample.h"

namespace dc {

// Writes a face sample (image, landmarks, uv, part, mask, visible) as NAME.png/.pts/_uv.h5.
void write_300w_sample(const std::string& dir, const std::string& name, const Sample& face);
// The stems of DIR's .pts files, sorted.
std::vector<std::string> list_300w(const std::string& dir);
// Reads NAME: `image` (from NAME.png or NAME.jpg), `landmarks` 68×2 f32 (0-based), and when
// NAME_uv.h5 exists `uv`, `part`, `mask`, `visible`. Errors name the file and field: not 68
// points, a missing image, dense fields whose size differs from the image's, U or V outside
// [0, 1], part labels outside 0..8, visible not 68 values of 0/1.
Sample read_300w_sample(const std::string& dir, const std::string& name);

}  // namespace dc
