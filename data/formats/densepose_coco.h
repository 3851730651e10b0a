// COCO-DensePose annotation files (facebookresearch/DensePose, challenge/2019_COCO_DensePose/
// data_format.md): COCO's person annotations plus the DensePose fields, read with validation and
// written canonically.
//
// Coordinates (data/sample.h conventions on our side):
//   bbox [x, y, w, h]  continuous image coordinates, the image spanning [0, W]×[0, H] (our boxes'
//                      (x1, y1, x2, y2) are [x1, y1, x2 − x1, y2 − y1]).
//   keypoints          17×(x, y, v) flattened: pixel indices (pixel centres at integers, as our
//                      samples; detectron2 adds 0.5 when it loads them), v = 0 not labelled (then
//                      x = y = 0), 1 labelled but occluded, 2 visible.
//   dp_x, dp_y         the box frame scaled to 256×256: a point at continuous image coordinates
//                      (X, Y) has dp_x = (X − x)·256/w, dp_y = (Y − y)·256/h. DensePose's training
//                      code maps back with X = dp_x/256·w + x (densepose_point_pixels() below, then
//                      − 0.5 to reach pixel-centre coordinates); its evaluation code uses
//                      dp_x·w/255 + x — reproduce that one only where evaluation needs it.
//   dp_I               chart index 1..24 (data/synth/body_template.h), dp_U, dp_V in [0, 1].
//   dp_masks           14 COCO compressed RLE masks of 256×256 in the same box frame, one per
//   coarse
//                      label 1..14 (torso, right hand, left hand, left foot, right foot, upper leg
//                      right, upper leg left, lower leg right, lower leg left, upper arm left,
//                      upper arm right, lower arm left, lower arm right, head); an absent part is
//                      []. decode_dp_masks() writes label i where mask i is set, later masks on
//                      top.
//
// Files are written compactly with keys in alphabetical order, integers as integers and floats in
// the shortest form that reads back to the same double, so write(read(f)) == f byte for byte for
// every file this writer produced.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "data/formats/coco_rle.h"

namespace dc {

constexpr int kDensePoseMaskSize = 256;  // dp_masks are 256×256, dp_x, dp_y in [0, 256]
constexpr int kDensePoseMasks = 14;      // coarse labels 1..14
constexpr int kCocoKeypointCount = 17;

struct CocoImage {
  int64_t id = 0;
  std::string file_name;
  int64_t width = 0, height = 0;
  bool operator==(const CocoImage& o) const {
    return id == o.id && file_name == o.file_name && width == o.width && height == o.height;
  }
};

struct CocoCategory {
  int64_t id = 1;
  std::string name = "person", supercategory = "person";
  std::vector<std::string> keypoints;            // the 17 COCO keypoint names
  std::vector<std::array<int64_t, 2>> skeleton;  // 1-based keypoint pairs, as COCO
  bool operator==(const CocoCategory& o) const {
    return id == o.id && name == o.name && supercategory == o.supercategory &&
           keypoints == o.keypoints && skeleton == o.skeleton;
  }
};

// A COCO `segmentation`: polygons ([[x1, y1, x2, y2, ...], ...], continuous image coordinates), a
// compressed RLE ({"size": [h, w], "counts": "..."}) or an uncompressed one ("counts": [...], as
// crowd annotations).
struct CocoSegmentation {
  enum class Kind { kPolygons, kRle, kUncompressedRle };
  Kind kind = Kind::kPolygons;
  std::vector<std::vector<double>> polygons;
  RleMask rle;
  bool operator==(const CocoSegmentation& o) const {
    return kind == o.kind && polygons == o.polygons && rle == o.rle;
  }
};

struct DensePoseAnnotation {
  int64_t id = 0, image_id = 0, category_id = 1;
  int64_t iscrowd = 0;
  double area = 0;
  std::array<double, 4> bbox{};   // x, y, w, h
  std::vector<double> keypoints;  // 51 values, or empty when the record has none
  int64_t num_keypoints = 0;
  CocoSegmentation segmentation;
  // DensePose fields, present on annotated people only (has_densepose); all five lists have the
  // same length.
  bool has_densepose = false;
  std::vector<double> dp_I, dp_U, dp_V, dp_x, dp_y;
  std::vector<std::optional<RleMask>> dp_masks;  // 14 entries, nullopt for []

  bool operator==(const DensePoseAnnotation& o) const;
};

struct DensePoseCoco {
  std::vector<CocoImage> images;
  std::vector<DensePoseAnnotation> annotations;
  std::vector<CocoCategory> categories;
  bool operator==(const DensePoseCoco& o) const {
    return images == o.images && annotations == o.annotations && categories == o.categories;
  }
};

// The person category with COCO's 17 keypoint names and skeleton.
CocoCategory coco_person_category();

// Reads and validates `path`. Every problem is a dc::Error naming the file, the record
// ("annotation id 12", "image id 3", "categories[0]") and the field, with what was expected:
// ids unique, image_id and category_id referring to existing records, bbox 4 finite numbers with
// w, h >= 0, keypoints 51 numbers with v in {0, 1, 2}, segmentation well-formed (polygons of an
// even count >= 6 of coordinates, RLE counts summing to h·w), and on DensePose records: dp_I,
// dp_U, dp_V, dp_x, dp_y of equal length, dp_I integers in 1..24, dp_U and dp_V in [0, 1], dp_x
// and dp_y in [0, 256], dp_masks exactly 14 entries each [] or a 256×256 RLE.
DensePoseCoco read_densepose_coco(const std::string& path);
// Validates what read_densepose_coco() checks (`where` names the file in messages).
void validate_densepose_coco(const DensePoseCoco& data, const std::string& where);
// The canonical JSON text of `data` (see the top of this file).
std::string densepose_coco_to_json(const DensePoseCoco& data);
// Validates and writes `data` to `path` (through a temporary file renamed over it).
void write_densepose_coco(const std::string& path, const DensePoseCoco& data);

// The 256×256 i64 coarse label map of an annotation's dp_masks (0 background, 1..14), later
// masks overwriting earlier ones as DensePose decodes them.
Tensor decode_dp_masks(const DensePoseAnnotation& ann);
// The annotated points in pixel-centre image coordinates (data/sample.h), K×2 f32, by the training
// convention X = dp_x/256·w + x, minus ½ to move from continuous to pixel-centre coordinates.
Tensor densepose_point_pixels(const DensePoseAnnotation& ann);

}  // namespace dc
