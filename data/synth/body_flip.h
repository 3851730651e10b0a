// HorizontalFlip rules (data/transforms.h) for the samples of the body world (body_world.h): a
// flipped scene sample equals the sample of the mirrored scene, up to the fill rule's ties on label
// edges (tests/data/synth/body_test.cc checks it through the transform).
#pragma once

#include "data/transforms.h"

namespace dc {

// - "part": chart_flip_table() (3 ↔ 4, 5 ↔ 6, 7 ↔ 8, ..., 23 ↔ 24); "coarse": coarse_flip_table();
// - "uv": U ↦ 1 − U on every chart but the head's (flip_u()), V unchanged;
// - "keypoints", "keypoints_visible", "joints2d": each person's block of 17 reordered by
//   coco_keypoint_flip() / body_joint_flip() (left ↔ right);
// - "joints3d": camera X negated and the joints reordered by body_joint_flip().
// With `pairs`, for the pose-transfer samples of sample_body_pair(): "part", "uv", "keypoints"
// and their "target_" twins (the texture atlas is left as it is).
FlipRules body_flip_rules(bool pairs = false);

}  // namespace dc
