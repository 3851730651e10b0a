// CPU reduction kernel over the rows of a contiguous [outer, r] matrix; rows are split across the
// pool, and a single long row (a full reduction) is split into per-thread partial sums.
#include <cmath>
#include <limits>
#include <vector>

#include "core/thread_pool.h"
#include "ops/reduce.h"

namespace dc {
namespace {

template <typename T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

// sum(x) or sum(x^2) in double with eight independent accumulators: a single accumulator is one
// long dependent chain of adds (latency-bound, ~8x slower); eight lanes vectorize without
// reassociating anything the compiler may not (no -ffast-math).
template <typename T, bool kSquares>
double lane_sum(const T* x, int64_t n) {
  constexpr int kLanes = 8;
  double a[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) {
      const double v = x[i + j];
      a[j] += kSquares ? v * v : v;
    }
  }
  for (; i < n; ++i) {
    const double v = x[i];
    a[0] += kSquares ? v * v : v;
  }
  double s = 0;
  for (int j = 0; j < kLanes; ++j) s += a[j];
  return s;
}

template <typename T>
double reduce_row_sum(ReduceOp op, const T* x, int64_t n, double p) {
  if constexpr (std::is_floating_point_v<T>) {
    if (op == ReduceOp::kSum) return lane_sum<T, false>(x, n);
    if (op == ReduceOp::kSumSquares) return lane_sum<T, true>(x, n);
  }
  // Accumulate f32 in double: sums of millions of elements stay exact to f32 precision.
  Acc<T> s = 0;
  switch (op) {
    case ReduceOp::kSum:
      for (int64_t i = 0; i < n; ++i) s += x[i];
      break;
    case ReduceOp::kSumSquares:
      for (int64_t i = 0; i < n; ++i) s += static_cast<Acc<T>>(x[i]) * x[i];
      break;
    case ReduceOp::kSumAbsPow: {
      double d = 0;
      for (int64_t i = 0; i < n; ++i) d += std::pow(std::abs(static_cast<double>(x[i])), p);
      return d;
    }
    default:
      break;
  }
  return static_cast<double>(s);
}

template <typename T>
void reduce_cpu(ReduceOp op, const Tensor& out, const Tensor& in, double p) {
  const int64_t outer = in.size(0), r = in.size(1);
  const T* x = static_cast<const T*>(in.raw_data());
  const bool is_arg = op == ReduceOp::kArgMax || op == ReduceOp::kArgMin;
  const bool is_sum =
      op == ReduceOp::kSum || op == ReduceOp::kSumSquares || op == ReduceOp::kSumAbsPow;
  if (is_sum && outer < num_threads() && r >= (1 << 16)) {
    // Few long rows: split each row into chunks and add the partial sums.
    for (int64_t o = 0; o < outer; ++o) {
      const int chunks = num_threads();
      std::vector<double> partial(chunks, 0.0);
      const int64_t step = (r + chunks - 1) / chunks;
      parallel_for(0, chunks, 1, [&](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c) {
          const int64_t lo = c * step, hi = std::min(r, lo + step);
          if (lo < hi) partial[c] = reduce_row_sum<T>(op, x + o * r + lo, hi - lo, p);
        }
      });
      double s = 0;
      for (double v : partial) s += v;
      static_cast<T*>(out.raw_data())[o] = static_cast<T>(s);
    }
    return;
  }
  parallel_for(
      0, outer, std::max<int64_t>(1, 16384 / std::max<int64_t>(r, 1)), [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; ++o) {
          const T* row = x + o * r;
          if (is_sum) {
            static_cast<T*>(out.raw_data())[o] = static_cast<T>(reduce_row_sum<T>(op, row, r, p));
            continue;
          }
          // max/min and their indices; NaN wins, as in PyTorch; first index on ties.
          const bool want_max = op == ReduceOp::kMax || op == ReduceOp::kArgMax;
          int64_t best = 0;
          for (int64_t i = 1; i < r; ++i) {
            const T v = row[i], cur = row[best];
            if (cur != cur) break;
            if (v != v || (want_max ? v > cur : v < cur)) best = i;
          }
          if (is_arg) {
            static_cast<int64_t*>(out.raw_data())[o] = best;
          } else {
            static_cast<T*>(out.raw_data())[o] = row[best];
          }
        }
      });
}

DC_REGISTER_KERNEL(reduce_kernel, CPU, f32, &reduce_cpu<float>);
DC_REGISTER_KERNEL(reduce_kernel, CPU, f64, &reduce_cpu<double>);
DC_REGISTER_KERNEL(reduce_kernel, CPU, i32, &reduce_cpu<int32_t>);
DC_REGISTER_KERNEL(reduce_kernel, CPU, i64, &reduce_cpu<int64_t>);
DC_REGISTER_KERNEL(reduce_kernel, CPU, u8, &reduce_cpu<uint8_t>);

}  // namespace
}  // namespace dc
