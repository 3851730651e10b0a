// Human3.6M-style annotations in the layout of c2f-vol's annot.h5 (Pavlakos et al., "Coarse-to-
// Fine Volumetric Prediction"), plus the 3D joints and the intrinsics, one record per person crop:
//
//   DIR/annot.h5   HDF5 (core/h5_tensor_file.h), N records:
//     part    N×17×2 f64  2D joints, pixels, 0-based with pixel centres at integers (data/sample.h)
//     center  N×2    f64  centre of the person's box, pixels (same convention)
//     scale   N      f64  box side / 200 (c2f-vol crops a square of 200·scale pixels)
//     zind    N×17   i64  depth bin of each joint relative to the root (joint 0), 1..64: 64 bins of
//                         31.03 mm, bin 33 holds the root and [0, 31.03) mm behind it:
//                         zind = clamp(floor(ΔZ / 31.03 mm) + 33, 1, 64)
//     S       N×17×3 f64  3D joints in camera coordinates, MILLIMETRES (+X right, +Y down, +Z
//                         forward, Human3.6M's X_cam = R (P − T))
//     f       N×2    f64  focal lengths fx, fy (pixels)
//     c       N×2    f64  principal point cx, cy (pixels, same convention as part)
//   DIR/images.txt  N lines, the image file of each record (relative to DIR/images/); several
//                   records may share an image.
//
// Joints are Human3.6M's 17 in the c2f-vol / 3d-pose-baseline order with the right leg first
// (data/synth/body_template.h): pelvis, r-hip, r-knee, r-ankle, l-hip, l-knee, l-ankle, spine,
// thorax, neck/nose, head, l-shoulder, l-elbow, l-wrist, r-shoulder, r-elbow, r-wrist.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.h"
#include "data/sample.h"

namespace dc {

constexpr int kH36mJoints = 17;
constexpr int kH36mDepthBins = 64;
constexpr double kH36mBinMm = 31.03;

struct H36mAnnot {
  Tensor part, center, scale, zind, S, f, c;  // shapes and dtypes above
  std::vector<std::string> images;            // N names
  int64_t size() const { return static_cast<int64_t>(images.size()); }
};

// The depth bin of a joint ΔZ millimetres behind the root (see above).
int64_t h36m_depth_bin(double dz_mm);

// Records for the people of a body-scene sample (fields boxes, joints3d, joints2d) seen by a camera
// with intrinsics (fx, fy, cx, cy), all in the image `image_name`, appended to `annot`.
void append_h36m_records(H36mAnnot* annot, const Sample& sample, const std::string& image_name,
                         double fx, double fy, double cx, double cy);

// Validates (shapes agree with N = number of names, zind integers in 1..64, scale > 0, all finite,
// S's Z > 0, f > 0); a dc::Error names the file, the record index and the field.
void validate_h36m(const H36mAnnot& annot, const std::string& where);
// Writes DIR/annot.h5 and DIR/images.txt (validated first).
void write_h36m(const std::string& dir, const H36mAnnot& annot);
// Reads and validates DIR/annot.h5 and DIR/images.txt; datasets of any float dtype are converted
// to f64, zind of any numeric dtype to i64 (it must hold integers).
H36mAnnot read_h36m(const std::string& dir);

}  // namespace dc
