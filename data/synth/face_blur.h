// Internal to the face world (face_world.cc, exported for tests): the Gaussian blur of images.
#pragma once

#include <vector>

namespace dc {

// dst[j] = Σ_i w[i] · src[i][j] for j < n over `taps` >= 1 source rows, computed as
// w[0] · src[0][j] and then one fused multiply-add per further tap in tap order (so the result is
// the same bit for bit whichever of its vector or scalar paths computes a value). dst must not
// overlap a source row.
void convolve_rows(const float* const* src, const float* w, int taps, int n, float* dst);

// Separable Gaussian blur (standard deviation `sigma` > 0 pixels, radius max(1, ceil(2.5 σ)),
// weights normalized to sum 1) of an S×S×3 interleaved image in place, clamping at the border:
// horizontal pass, then vertical, each through convolve_rows().
void blur_rgb(std::vector<float>& img, int S, double sigma);

}  // namespace dc
