// RandomStream: scalar draws (uniform, integer, normal, Bernoulli) consumed one at a time from a
// Philox Generator, for host code that makes many small random choices (data generation,
// augmentation). Each Philox counter gives four 32-bit words; the stream advances the generator by
// one counter per four words, so the draws depend only on the generator's state.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "core/philox.h"

namespace dc {

class RandomStream {
 public:
  // Draws from (and advances) `gen`, which must outlive the stream.
  explicit RandomStream(Generator& gen) : gen_(gen) {}

  // Uniform in [0, 1) with 24 random bits.
  float uniform() {
    if (used_ == 4) {
      words_ = gen_.block(gen_.advance(1));
      used_ = 0;
    }
    return uint_to_unit_float(words_[used_++]);
  }
  // Uniform in [lo, hi).
  float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [lo, hi], both ends included.
  int64_t uniform_int(int64_t lo, int64_t hi) {
    return std::min(hi, lo + static_cast<int64_t>(uniform() * static_cast<float>(hi - lo + 1)));
  }
  // Standard normal (Box-Muller; 1 - u keeps the log's argument positive).
  float normal() {
    const float u1 = uniform(), u2 = uniform();
    return std::sqrt(-2.0f * std::log(1.0f - u1)) * std::cos(6.2831853f * u2);
  }
  bool bernoulli(float p) { return uniform() < p; }

 private:
  Generator& gen_;
  std::array<uint32_t, 4> words_{};
  int used_ = 4;
};

}  // namespace dc
