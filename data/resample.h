// Resampling of dense fields (images and dense labels) under an affine map: the kernels behind
// warp_sample (data/warp.h), which documents the rules. Where each output pixel reads the source
// is computed once per warp (a ResampleTable) and shared by every field of the sample.
//
// Single-threaded on purpose: loader threads call these, and must not queue on the shared pool.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/tensor.h"
#include "data/warp.h"

namespace dc {

class ResampleTable {
 public:
  // `inv` maps output continuous coordinates to the source's; the source is h×w.
  ResampleTable(const Affine& inv, int64_t h, int64_t w, int64_t out_h, int64_t out_w);

  // kImage: C×H×W or H×W f32/f64 -> C×out_h×out_w (or out_h×out_w), bilinear.
  Tensor image(const Tensor& src) const;
  // kDenseLabel: C×H×W or H×W of any dtype, nearest.
  Tensor label(const Tensor& src) const;

  // Sources per output column and row when the map is axis-aligned (no rotation or shear).
  struct Axis {
    std::vector<int64_t> lo, hi;   // bilinear neighbours, clamped to the source
    std::vector<double> frac;      // weight of hi
    std::vector<int64_t> nearest;  // the pixel containing the sample, -1 outside the source
  };

 private:
  template <typename T>
  Tensor bilinear(const Tensor& src) const;
  template <typename Word>
  Tensor nearest(const Tensor& src) const;

  int64_t out_h_, out_w_;
  bool separable_;
  // Every sample inside the source falls on a pixel centre (shifts, flips, quarter turns): the
  // bilinear blend reduces to a copy, done as one.
  bool on_centres_ = true;
  Axis xs_, ys_;
  // Otherwise, per output pixel: the source pixel y·w + x containing the sample (-1 outside
  // the source), and the floor (x0, y0) of the sample's pixel-centre coordinates with the
  // weights (fx, fy) of (x0 + 1, y0 + 1); neighbours are clamped to the source when read.
  std::unique_ptr<int32_t[]> near_, x0_, y0_;
  std::unique_ptr<float[]> fx_, fy_;
  int64_t src_h_ = 0, src_w_ = 0;
};

}  // namespace dc
