// Internal to the face world (face_world.cc, exported for tests): the dense labels of a face
// sample from the label pass's fragments.
#pragma once

#include <cstdint>

#include "data/synth/mesh.h"
#include "data/synth/rasterizer.h"

namespace dc {

// For each pixel p of `fr`: where its centre sees a triangle whose face attribute "face" is
// non-zero (the face chart), u[p], v[p] = the "uv" vertex attribute interpolated with the
// pixel's barycentrics, each clamped to [0, 1], depth[p] = its fragment depth and mask[p] = 1;
// everywhere else (background, the back of the head) all four are 0. The interpolation is
// b1·a1 + b0·a0 + b2·a2 with the last two terms fused multiply-adds, in that order (what GCC
// makes of the plain formula, written out with std::fma so that it does not depend on the flags).
// The outputs hold fr.num_pixels() values each.
void face_label_planes(const Mesh& mesh, const Fragments& fr, float* u, float* v, float* depth,
                       uint8_t* mask);

}  // namespace dc
