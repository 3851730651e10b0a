// The pictures of one DenseReg prediction, as `densecorr infer` and the gallery of
// `densecorr eval` draw them: the U and V colour maps, the U,V isolines over the image, the 68
// landmarks found from U,V over the image and the template parts transferred through U,V.
// Layouts as eval/visualize.h: image 3×H×W f32 in [0, 1], uv 2×H×W (U then V), mask H×W
// (nonzero = the predicted face), pictures 3×H×W f32.
#pragma once

#include <string>

#include "core/tensor.h"
#include "eval/uv_landmarks.h"

namespace dc {

// How landmarks are found from U,V (eval/uv_landmarks.h).
enum class LandmarkRule {
  kComponents,  // landmarks_from_uv_components with its default options (the thesis's rule)
  kArgmin,      // landmarks_from_uv: the best-matching pixel
};

// "component" or "argmin"; anything else is a dc::Error naming `what` (e.g. "--landmarks") and
// the accepted values.
LandmarkRule parse_landmark_rule(const std::string& name, const std::string& what);

// The 68 template landmarks (face_landmarks_uv_tensor()) found in (uv, mask) by `rule`.
UVLandmarks face_landmarks_from_uv(const Tensor& uv, const Tensor& mask, LandmarkRule rule);

struct UVPictures {
  Tensor u;           // uv_color_map(uv, mask, 0)
  Tensor v;           // uv_color_map(uv, mask, 1)
  Tensor isolines;    // draw_uv_isolines(image, uv, mask)
  Tensor landmarks;   // the found landmarks (green) over the image, over the ground truth (white)
  Tensor parts;       // face_part_color_map(face_parts_from_uv(uv, mask))
  UVLandmarks found;  // the landmarks drawn
};

// All the pictures above. gt_landmarks (K×2) and gt_visible (K, any dtype), when given, are drawn
// first as white discs (only the visible ones), so that each green disc sits on its white one
// when the prediction is right.
UVPictures uv_pictures(const Tensor& image, const Tensor& uv, const Tensor& mask, LandmarkRule rule,
                       const Tensor& gt_landmarks = Tensor(), const Tensor& gt_visible = Tensor());

}  // namespace dc
