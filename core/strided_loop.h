// Iteration over the elements of several equally shaped strided operands (output and inputs of an
// elementwise kernel, a copy between layouts). Dims that are contiguous in every operand are merged
// first, so the innermost loop is as long as possible; the range of linear element indices can be
// split across threads.
#pragma once

#include <array>
#include <cstdint>

#include "core/shape.h"

namespace dc {

template <int N>
class StridedLoop {
 public:
  // strides[k] are the element strides of operand k for `shape` (broadcast dims have stride 0).
  StridedLoop(const Shape& shape, const std::array<Shape, N>& strides) {
    for (size_t d = 0; d < shape.size(); ++d) {
      if (shape[d] == 1) continue;  // size-1 dims never move the pointer
      bool merge = !sizes_.empty();
      for (int k = 0; k < N && merge; ++k) {
        merge = strides_[k].back() == strides[k][d] * shape[d];
      }
      if (merge) {
        sizes_.back() *= shape[d];
        for (int k = 0; k < N; ++k) strides_[k].back() = strides[k][d];
      } else {
        sizes_.push_back(shape[d]);
        for (int k = 0; k < N; ++k) strides_[k].push_back(strides[k][d]);
      }
    }
    numel_ = shape_numel(shape);
    if (sizes_.empty()) {  // 0-d or all size-1: one element
      sizes_.push_back(1);
      for (int k = 0; k < N; ++k) strides_[k].push_back(0);
    }
  }

  int64_t numel() const { return numel_; }
  // Stride of operand k along the innermost (merged) dim.
  int64_t inner_stride(int k) const { return strides_[k].back(); }

  // Calls fn(offsets, n) for runs of n consecutive inner elements covering linear indices
  // [begin, end); offsets[k] is the element offset of operand k at the start of the run.
  template <typename F>
  void run(int64_t begin, int64_t end, F&& fn) const {
    const int nd = static_cast<int>(sizes_.size());
    const int64_t inner = sizes_.back();
    int64_t idx[16];
    int64_t rem = begin;
    for (int d = nd - 1; d >= 0; --d) {
      idx[d] = rem % sizes_[d];
      rem /= sizes_[d];
    }
    std::array<int64_t, N> off{};
    for (int k = 0; k < N; ++k) {
      for (int d = 0; d < nd; ++d) off[k] += idx[d] * strides_[k][d];
    }
    int64_t pos = begin;
    while (pos < end) {
      const int64_t n = std::min(inner - idx[nd - 1], end - pos);
      fn(off, n);
      pos += n;
      // Advance the multi-index by n along the innermost dim, carrying outward.
      idx[nd - 1] += n;
      for (int k = 0; k < N; ++k) off[k] += n * strides_[k][nd - 1];
      for (int d = nd - 1; d > 0 && idx[d] == sizes_[d]; --d) {
        idx[d] = 0;
        ++idx[d - 1];
        for (int k = 0; k < N; ++k) off[k] += strides_[k][d - 1] - sizes_[d] * strides_[k][d];
      }
    }
  }

 private:
  Shape sizes_;
  std::array<Shape, N> strides_;
  int64_t numel_ = 0;
};

}  // namespace dc
