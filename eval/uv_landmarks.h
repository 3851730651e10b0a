// Landmarks from a dense (U, V) correspondence field (DenseReg, thesis chapter 2): a landmark
// defined once on the template by its (U, V) is found in an image as the place whose predicted
// (U, V) is that landmark's. Two rules:
//
//   landmarks_from_uv             plain argmin (ralpguler/DenseReg's demo, REFERENCE.md): the
//                                 foreground pixel with the smallest ‖(U, V) − landmark‖².
//   landmarks_from_uv_components  the thesis's variant: the foreground pixels whose (U, V) is
//                                 within `threshold` of the best match (the "near set"), split
//                                 into 8-connected components; the landmark is the centroid of
//                                 one component, chosen by UVComponentRule.
//
// Conventions (data/sample.h): uv is a 2×H×W floating field (U then V), mask an H×W mask
// (nonzero = foreground; any dtype), points are (x, y) pixel coordinates with pixel centres at
// integers. template_uv is K×2 (U, V) per landmark; face_landmarks_uv_tensor() gives the 68
// landmarks of the synthetic face template (iBUG order).
#pragma once

#include "core/tensor.h"

namespace dc {

struct UVLandmarks {
  Tensor points;  // K×2 f32 (x, y) pixels; NaN for a landmark that was not found
  Tensor found;   // K u8: 1 found, 0 not found
};

// (a) Plain argmin: for each landmark k, the foreground pixel p minimizing
// (U(p) − u_k)² + (V(p) − v_k)² (distances in double; ties go to the first pixel in row-major
// order). Every landmark is found unless the mask has no foreground pixel (then all are NaN,
// found 0).
UVLandmarks landmarks_from_uv(const Tensor& uv, const Tensor& mask, const Tensor& template_uv);

// Which connected component of a landmark's near set gives its position.
enum class UVComponentRule {
  // The component holding the near set's closest pixel (the argmin pixel of rule (a)): robust to
  // a large spurious region where the prediction is merely close, and equal to (a) up to the
  // sub-pixel averaging of the centroid. The default.
  kNearest,
  // The component with the most pixels (ties: the one holding the closer pixel): votes against an
  // isolated wrong pixel that happens to be closest.
  kLargest,
};

struct UVComponentOptions {
  // Width of the near set in (U, V) units: the pixels p with
  //   ‖(U, V)(p) − landmark‖ <= d_min + threshold,
  // d_min the distance of the best-matching foreground pixel. Measured from the best match
  // rather than from the landmark, so that the set is never empty where the field is sparse in
  // (U, V) (near a silhouette a pixel step can exceed any fixed radius) or offset (a biased
  // prediction). The default was chosen on synthetic faces (docs/EVAL.md).
  double threshold = 0.02;
  UVComponentRule rule = UVComponentRule::kNearest;
};

// (b) The thesis's variant: the near set of landmark k (above), its 8-connected components, and
// the unweighted centroid (mean x, mean y of the pixel centres) of the component chosen by
// options.rule; the centroid is sub-pixel. A landmark is not found (NaN, found 0) only when the
// mask has no foreground pixel. threshold must be >= 0 (0 keeps the pixels tied with the best).
UVLandmarks landmarks_from_uv_components(const Tensor& uv, const Tensor& mask,
                                         const Tensor& template_uv,
                                         const UVComponentOptions& options = {});

// The 68 landmarks of the synthetic face template (data/synth/face_template.h,
// face_landmarks_uv()) as a 68×2 f32 tensor of (U, V).
Tensor face_landmarks_uv_tensor();

}  // namespace dc
