// Scalar draws from a dc::Generator for the synthetic world's samplers (scene layout, shape, pose,
// appearance). Each draw consumes one Philox counter, so a sampler's choices depend only on the
// generator's seed and how many draws came before.
#pragma once

#include <cstdint>

#include "core/philox.h"

namespace dc {

// Uniform in [lo, hi).
inline double uniform(Generator& gen, double lo, double hi) {
  const auto b = gen.block(gen.advance(1));
  return lo + (hi - lo) * uints_to_unit_double(b[0], b[1]);
}

// Uniform integer in [lo, hi] (inclusive).
inline int uniform_int(Generator& gen, int lo, int hi) {
  const auto b = gen.block(gen.advance(1));
  const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
  return lo + static_cast<int>(((static_cast<uint64_t>(b[0]) << 32) | b[1]) % span);
}

// True with probability p.
inline bool coin(Generator& gen, double p) { return uniform(gen, 0, 1) < p; }

// A 32-bit seed for hashing (texture noise).
inline uint32_t random_u32(Generator& gen) { return gen.block(gen.advance(1))[0]; }

}  // namespace dc
