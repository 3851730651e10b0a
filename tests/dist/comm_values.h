// Known per-rank inputs for the collective tests and the hand computation of their reductions, so
// that every rank can check a collective's result without trusting another implementation.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "train/dist/comm.h"

namespace dc {

// Element i of rank r's input. Floats are multiples of 1/4 and integers are small, so every sum
// is exact in every dtype and the result does not depend on the order MPI adds in. u8 values
// spread over 0..255 so that sums of two or three ranks wrap around.
inline double rank_value(DType dtype, int rank, int64_t i) {
  const double v = static_cast<double>((i * 7 + rank * 13 + 3) % 23) - 11;  // -11..11
  switch (dtype) {
    case DType::f32:
    case DType::f64:
    case DType::f16:
    case DType::bf16:
      return v * 0.25;
    case DType::i32:
      return v * 100003;
    case DType::i64:
      return v * static_cast<double>(int64_t{1} << 40);
    default:  // u8
      return static_cast<double>((i * 37 + rank * 101 + 5) % 256);
  }
}

inline std::vector<double> rank_values(DType dtype, int rank, int64_t n) {
  std::vector<double> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out[i] = rank_value(dtype, rank, i);
  return out;
}

// The all_reduce result for element i over ranks 0..world-1, computed as comm.h specifies.
inline double expected_reduce(DType dtype, CommReduce op, int world, int64_t i) {
  double sum = 0, mx = -1e300, mn = 1e300;
  for (int r = 0; r < world; ++r) {
    const double v = rank_value(dtype, r, i);
    sum += v;
    mx = std::max(mx, v);
    mn = std::min(mn, v);
  }
  const bool integer = dtype == DType::i32 || dtype == DType::i64 || dtype == DType::u8;
  switch (op) {
    case CommReduce::sum:
      return dtype == DType::u8 ? std::fmod(sum, 256.0) : sum;
    case CommReduce::mean:
      // Integers: the exact sum divided with truncation toward zero (u8 sums do not wrap here).
      // Floats: divided in the tensor's own precision.
      if (integer) return std::trunc(sum / world);
      if (dtype != DType::f64) return static_cast<float>(sum) / static_cast<float>(world);
      return sum / world;
    case CommReduce::max:
      return mx;
    case CommReduce::min:
      return mn;
  }
  return 0;
}

}  // namespace dc
