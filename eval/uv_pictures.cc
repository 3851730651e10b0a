#include "eval/uv_pictures.h"

#include "core/error.h"
#include "eval/dense_metrics.h"
#include "eval/visualize.h"

namespace dc {

LandmarkRule parse_landmark_rule(const std::string& name, const std::string& what) {
  if (name == "component") return LandmarkRule::kComponents;
  if (name == "argmin") return LandmarkRule::kArgmin;
  DC_FAIL(what, ": expected component or argmin, got '", name, "'");
}

UVLandmarks face_landmarks_from_uv(const Tensor& uv, const Tensor& mask, LandmarkRule rule) {
  static const Tensor template_uv = face_landmarks_uv_tensor();
  return rule == LandmarkRule::kArgmin ? landmarks_from_uv(uv, mask, template_uv)
                                       : landmarks_from_uv_components(uv, mask, template_uv);
}

UVPictures uv_pictures(const Tensor& image, const Tensor& uv, const Tensor& mask, LandmarkRule rule,
                       const Tensor& gt_landmarks, const Tensor& gt_visible) {
  UVPictures p;
  p.u = uv_color_map(uv, mask, 0);
  p.v = uv_color_map(uv, mask, 1);
  p.isolines = draw_uv_isolines(image, uv, mask);
  p.found = face_landmarks_from_uv(uv, mask, rule);
  Tensor base = image;
  if (gt_landmarks.defined()) {
    LandmarkStyle white;
    white.colour = {1, 1, 1};
    white.radius = 1.5;
    base = draw_landmarks(image, gt_landmarks, gt_visible, white);
  }
  LandmarkStyle green;
  green.radius = 1.5;
  p.landmarks = draw_landmarks(base, p.found.points, p.found.found, green);
  p.parts = face_part_color_map(face_parts_from_uv(uv, mask));
  return p;
}

}  // namespace dc
