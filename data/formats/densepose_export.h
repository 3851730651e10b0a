// COCO-DensePose annotations from a synthetic body scene (data/synth/body_world.h's Sample), as the
// DensePose-COCO annotators produced them on real images: per visible person its box, 17 COCO
// keypoints, instance segmentation (compressed RLE), sparse (I, U, V) points and the 14 coarse part
// masks in the box frame (conventions in densepose_coco.h).
//
// Points: on each chart the person shows, min(14, pixels) points by farthest-point sampling over
// the chart's pixels (starting from the pixel nearest the chart's centroid), so they spread about
// evenly over the visible part; when the quotas add up to more than `points_per_person` they are
// scaled down in proportion (at least one point per visible chart). Each point sits at a pixel
// centre and carries that pixel's exact I, U, V.
// Masks: cell (a, b) of the 256×256 box grid takes the coarse label of the image pixel under its
// centre (x + (a + ½)·w/256, y + (b + ½)·h/256) when that pixel shows this person.
#pragma once

#include <cstdint>
#include <vector>

#include "data/formats/densepose_coco.h"
#include "data/sample.h"

namespace dc {

struct DensePoseExportOptions {
  int max_points_per_part = 14;
  int points_per_person = 100;
};

// One annotation per person of `sample` (fields part, coarse, uv, instance, boxes, keypoints,
// keypoints_visible), with ids first_id, first_id + 1, ... and the given image id. People whose box
// is empty are skipped.
std::vector<DensePoseAnnotation> densepose_annotations_from_sample(
    const Sample& sample, int64_t image_id, int64_t first_id,
    const DensePoseExportOptions& options = {});

}  // namespace dc
