// The bilinear corners of a UV-splat point (ops/uv_splat.h), shared by the CPU kernel
// (ops/cpu/uv_splat_cpu.cc) and the CUDA kernel (ops/cuda/uv_splat_cuda.cu): one definition, so
// the CPU tests exercise the exact arithmetic the GPU runs, in the element type T (float or
// double).
//
// Coordinates: (u, v) in [0, 1] span the H x W grid corner to corner (align_corners=True style):
// the point lands at pixel coordinates x = u (W - 1), y = v (H - 1), and cell (y, x) of the grid
// is at integer (y, x). A point outside [0, 1] keeps the corners that fall inside the grid.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/host_device.h"

namespace dc {

// The four corners of a point, in the order (x0, y0), (x0 + 1, y0), (x0, y0 + 1), (x0 + 1, y0 + 1)
// with x0 = floor(x), y0 = floor(y): cell index y * W + x (or -1 when the corner is outside the
// grid), bilinear weight w, and the weight's derivatives w.r.t. the pixel coordinates x and y
// (floor taken to have zero derivative).
template <typename T>
struct UvSplatCorners {
  int64_t cell[4];
  T w[4], dwdx[4], dwdy[4];
};

template <typename T>
DC_HOST_DEVICE_INLINE void uv_splat_corners(T u, T v, int64_t H, int64_t W, UvSplatCorners<T>& c) {
  const T x = u * static_cast<T>(W - 1), y = v * static_cast<T>(H - 1);
  const T x0 = std::floor(x), y0 = std::floor(y);
  const T fx = x - x0, fy = y - y0;
  const T xs[4] = {x0, x0 + 1, x0, x0 + 1}, ys[4] = {y0, y0, y0 + 1, y0 + 1};
  c.w[0] = (1 - fx) * (1 - fy);
  c.w[1] = fx * (1 - fy);
  c.w[2] = (1 - fx) * fy;
  c.w[3] = fx * fy;
  c.dwdx[0] = -(1 - fy);
  c.dwdx[1] = 1 - fy;
  c.dwdx[2] = -fy;
  c.dwdx[3] = fy;
  c.dwdy[0] = -(1 - fx);
  c.dwdy[1] = -fx;
  c.dwdy[2] = 1 - fx;
  c.dwdy[3] = fx;
  DC_UNROLL
  for (int q = 0; q < 4; ++q) {
    // Bounds tested in floating point, so NaN or huge coordinates never reach the integer cast.
    const bool inside = xs[q] >= 0 && xs[q] <= static_cast<T>(W - 1) && ys[q] >= 0 &&
                        ys[q] <= static_cast<T>(H - 1);
    c.cell[q] = inside ? static_cast<int64_t>(ys[q]) * W + static_cast<int64_t>(xs[q]) : -1;
  }
}

}  // namespace dc
