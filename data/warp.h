// Warping a whole sample by one affine map: the geometry shared by the transforms of
// data/transforms.h, also usable directly (a dataset cropping a person box, ...).
//
// The map M works in continuous image coordinates: the image spans [0, W]×[0, H], pixel (x, y) is
// the square [x, x + 1]×[y, y + 1], so the pixel-centre coordinate p of data/sample.h is the
// continuous coordinate p + ½. It applies to every field by its FieldKind:
//   kImage       (C×H×W or H×W, f32/f64) each output pixel centre q reads the source at M⁻¹(q)
//                bilinearly, as F.interpolate(mode="bilinear", align_corners=False): inside the
//                source area [0, W)×[0, H) the neighbours are clamped to the edge pixels;
//                outside it the output is 0.
//   kDenseLabel  (C×H×W or H×W, any dtype) nearest neighbour: the source pixel containing
//                M⁻¹(q) (PyTorch's "nearest-exact"), or 0 outside [0, W)×[0, H). Values are copied,
//                never blended: labels, U,V, depth and masks keep exact values.
//   kPoints      (K×2 (x, y) pixel-centre coordinates, f32/f64) mapped exactly: p' = M(p + ½) − ½.
//                A point whose result lies outside the output area [−½, W' − ½]×[−½, H' − ½]
//                gets visibility 0 in the point field's visibility field, if the sample has one:
//                "<name>_visible", else "visible" (K entries, any dtype). Coordinates are kept.
//   kBoxes       (N×4 (x1, y1, x2, y2) continuous coordinates, f32/f64) the bounding box of the
//                four mapped corners, clipped to [0, W']×[0, H']. N never changes: a box that
//                leaves the image becomes empty (x1 == x2 or y1 == y2); filter by area if needed.
//   kOther       untouched.
// The image size H×W is that of the kImage and kDenseLabel fields, which must all agree.
// Sample positions are exact in double precision for axis-aligned maps (scales, crops, flips);
// for rotations they are computed in single precision (within 1e-3 pixel up to 8192 wide), which
// still keeps quarter turns exact.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "data/sample.h"

namespace dc {

// (x, y) -> (a·x + b·y + c, d·x + e·y + f), in continuous image coordinates.
struct Affine {
  double a = 1, b = 0, c = 0;
  double d = 0, e = 1, f = 0;

  std::array<double, 2> apply(double x, double y) const {
    return {a * x + b * y + c, d * x + e * y + f};
  }
  // The inverse map; a dc::Error when the map is singular.
  Affine inverse() const;
  // The map that applies *this, then `next`.
  Affine then(const Affine& next) const;

  static Affine translation(double tx, double ty) { return {1, 0, tx, 0, 1, ty}; }
  static Affine scaling(double sx, double sy) { return {sx, 0, 0, 0, sy, 0}; }
  // Rotation by `degrees` counter-clockwise as seen on screen (y points down), about (cx, cy), as
  // torchvision's rotate. Multiples of 90° use exact cosines and sines (0, ±1).
  static Affine rotation(double degrees, double cx, double cy);
  // x -> width − x.
  static Affine horizontal_flip(double width) { return {-1, 0, width, 0, 1, 0}; }
};

// Rewrites every field of `sample` by `map` (source -> output) into an out_h × out_w image, as
// described at the top of this file. `where` names the caller in error messages.
void warp_sample(Sample& sample, const SampleLayout& layout, const Affine& map, int64_t out_h,
                 int64_t out_w, const std::string& where);

// The H×W shared by the sample's kImage and kDenseLabel fields; a dc::Error naming `where` and
// the fields when they disagree or when there is none.
std::array<int64_t, 2> sample_image_size(const Sample& sample, const SampleLayout& layout,
                                         const std::string& where);

// A dc::Error naming `where` and the field when `sample` holds a field that `layout` does not
// name (a dataset must give every field a kind, kOther for those that do not move), or a field
// that is not a defined CPU tensor.
void check_sample_layout(const Sample& sample, const SampleLayout& layout,
                         const std::string& where);

}  // namespace dc
