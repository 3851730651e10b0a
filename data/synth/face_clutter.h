// Internal to the face world (face_world.cc): the background clutter behind the head.
#pragma once

#include <cstdint>
#include <vector>

namespace dc {

// An S×S×3 (row-major, RGB interleaved) background in [0, 1]: a two-colour linear gradient at a
// random angle with 3–9 random shapes over it (ellipses, boxes and striped boxes, anti-aliased
// over about one pixel, partly transparent), all drawn from `seed`. The same seed gives the same
// image, bit for bit.
std::vector<float> clutter_background(int S, uint64_t seed);

// The same written into `out` (resized to S·S·3; every value overwritten, so what it held before
// does not matter): a stream of backgrounds into one reused vector neither allocates nor copies.
void clutter_background(int S, uint64_t seed, std::vector<float>& out);

}  // namespace dc
