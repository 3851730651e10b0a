// DeepFashion-style pose-transfer data in the layout of AliaksandrSiarohin/pose-gan:
//
//   DIR/images/NAME.png              256×256 RGB images (the real set is JPEG, 256×176)
//   DIR/fasion-pairs-SPLIT.csv       header "from,to", then one "NAME_A,NAME_B" line per pair
//   DIR/fasion-annotation-SPLIT.csv  header "name:keypoints_y:keypoints_x", then one line per
//                                    image "NAME: [y0, ..., y17]: [x0, ..., x17]"
//
// Keypoints are the 18 OpenPose (COCO-18) points: nose, neck, r-shoulder, r-elbow, r-wrist,
// l-shoulder, l-elbow, l-wrist, r-hip, r-knee, r-ankle, l-hip, l-knee, l-ankle, r-eye, l-eye,
// r-ear, l-ear; integer pixel indices (pixel centres at integers), −1 for a point that is missing
// (both coordinates). SPLIT is "train" or "test".
#pragma once

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace dc {

constexpr int kOpenPoseKeypoints = 18;

using PosePair = std::pair<std::string, std::string>;  // from, to

struct PoseKeypoints {
  std::string name;
  std::array<int64_t, kOpenPoseKeypoints> y{}, x{};  // −1: missing
  bool operator==(const PoseKeypoints& o) const { return name == o.name && y == o.y && x == o.x; }
};

std::string pairs_csv_to_string(const std::vector<PosePair>& pairs);
// Parses a pairs list; a dc::Error names `where` and the line for a wrong header, a line without
// exactly two non-empty comma-separated names, or a duplicate pair.
std::vector<PosePair> pairs_csv_from_string(const std::string& text, const std::string& where);

std::string pose_annotation_to_string(const std::vector<PoseKeypoints>& rows);
// Parses an annotation file; errors name `where`, the line and the field (name, keypoints_y,
// keypoints_x): a wrong header, not 18 integers, a value below −1, only one of x, y missing.
std::vector<PoseKeypoints> pose_annotation_from_string(const std::string& text,
                                                       const std::string& where);

// The 18 OpenPose points from our 17 COCO keypoints (K×2 f32 pixel-centre coordinates and COCO
// visibility): labelled points (v > 0) inside a width×height image are rounded to the nearest
// pixel; the neck is the midpoint of the shoulders when both are labelled.
PoseKeypoints openpose_from_coco(const std::string& name, const Tensor& keypoints,
                                 const Tensor& visible, int64_t width, int64_t height);

// OpenPose-18 limbs (pairs of indices above) for drawing.
const std::vector<std::pair<int, int>>& openpose_limbs();

}  // namespace dc
