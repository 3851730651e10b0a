// Index arithmetic of the indexing ops (ops/index.h), shared by the CPU kernels
// (ops/cpu/index_cpu.cc) and the CUDA kernels (ops/cuda/index_cuda.cu): one definition of the
// range check, of the [outer, n, inner] addressing of index_select/index_add and of the
// out-of-range error, so the CPU tests exercise the arithmetic the GPU runs and both devices
// report the same message.
//
// Conventions: index values are int64 and address a dim of `size` entries as [0, size); negative
// values do not wrap around (an error, as in PyTorch's gather/scatter_add/index_select/index_add).
// index_select and index_add see their contiguous tensors as [outer, n, inner] around the indexed
// dim: outer = product of the sizes before it, n = its size, inner = product of those after it.
#pragma once

#include <cstdint>
#include <vector>

#include "core/error.h"
#include "core/host_device.h"

namespace dc {

// True when index value k addresses a dim of `size` entries.
DC_HOST_DEVICE_INLINE bool index_in_range(int64_t k, int64_t size) { return k >= 0 && k < size; }

// A contiguous tensor of sizes `s` seen as [outer, n, inner] around `dim` (host only).
struct IndexAround {
  int64_t outer = 1, n = 1, inner = 1;
};
inline IndexAround index_around(const std::vector<int64_t>& s, int64_t dim) {
  IndexAround g;
  for (int64_t d = 0; d < dim; ++d) g.outer *= s[d];
  g.n = s[dim];
  for (size_t d = dim + 1; d < s.size(); ++d) g.inner *= s[d];
  return g;
}

// The element offset of row k (of n) of outer slice o in an [outer, n, inner] tensor: where
// index_select reads row index[j] and index_add adds into it.
DC_HOST_DEVICE_INLINE int64_t index_row_offset(int64_t o, int64_t k, int64_t n, int64_t inner) {
  return (o * n + k) * inner;
}

// Raises the error of an index value out of range (host only), e.g. "gather: index 7 is out of
// range for dim 1 of size 7 (valid range [0, 7))".
[[noreturn]] inline void index_out_of_range(const char* op, int64_t value, int64_t dim,
                                            int64_t size) {
  DC_FAIL(op, ": index ", value, " is out of range for dim ", dim, " of size ", size,
          " (valid range [0, ", size, "))");
}

}  // namespace dc
