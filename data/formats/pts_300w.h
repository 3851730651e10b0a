// 300-W style face landmarks (ibug.doc.ic.ac.uk/resources/300-W): one image per face with a `.pts`
// file of the same stem beside it:
//
//   version: 1
//   n_points:  68
//   {
//   x1 y1
//   ...
//   x68 y68
//   }
//
// Coordinates in .pts files are 1-BASED pixel coordinates (the Matlab convention of the 300-W
// tools: the centre of the top-left pixel is (1, 1)), so a point at our pixel-centre coordinates
// (x, y) (data/sample.h: top-left centre at (0, 0)) is written as (x + 1, y + 1). Points are
// iBUG's 68 in their order (0-based index k is iBUG's k + 1).
//
// Numbers are written in the shortest decimal form that reads back to the same double; with the
// shift computed in double a float coordinate survives write → read bit for bit.
#pragma once

#include <string>

#include "core/tensor.h"

namespace dc {

// The text of a .pts file for `points` (K×2 f32, our pixel-centre coordinates, written 1-based).
std::string pts_to_string(const Tensor& points);
// Parses .pts text into a K×2 f32 tensor in our pixel-centre coordinates (0-based). `where` (the
// file) is named in errors: a missing or malformed header line, n_points not matching the point
// lines, a line that is not two finite numbers, a missing '{' or '}'.
Tensor pts_from_string(const std::string& text, const std::string& where);

Tensor read_pts(const std::string& path);
void write_pts(const std::string& path, const Tensor& points);

}  // namespace dc
