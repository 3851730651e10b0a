// Internal to eval/: the evaluation functions' tensor arguments read into plain row-major arrays,
// with the shape, dtype and device checks that every public function shares. Each error names
// the function and the argument (`what`, e.g. "landmarks_from_uv: uv") and what was expected.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace dc {

// A 2×H×W floating (U, V) field: the U plane then the V plane (2·H·W values). Sets *height and
// *width.
std::vector<float> eval_read_uv(const Tensor& uv, const std::string& what, int64_t* height,
                                int64_t* width);

// An H×W mask of any dtype (u8, bool, integer or floating): 1 where nonzero. H and W must match.
std::vector<uint8_t> eval_read_mask(const Tensor& mask, const std::string& what, int64_t height,
                                    int64_t width);

// An H×W integer label map (i64, i32 or u8). H and W must match.
std::vector<int64_t> eval_read_labels(const Tensor& labels, const std::string& what, int64_t height,
                                      int64_t width);

// A 3×H×W floating RGB image (a sample's `image`), channel-major. Sets *height and *width.
std::vector<float> eval_read_rgb(const Tensor& image, const std::string& what, int64_t* height,
                                 int64_t* width);

// A K×2 floating point set (landmarks, template (U, V)). Sets *count.
std::vector<double> eval_read_points(const Tensor& points, const std::string& what, int64_t* count);

// A 3×H×W f32 tensor holding `rgb` (channel-major).
Tensor eval_rgb_tensor(const std::vector<float>& rgb, int64_t height, int64_t width);

}  // namespace dc
