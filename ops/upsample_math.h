// The source indices and blend weights of upsampling (ops/upsample.h), shared by the CPU kernels
// (ops/cpu/upsample_cpu.cc) and the CUDA kernels (ops/cuda/upsample_cuda.cu): PyTorch's
// area_pixel_compute_scale, area_pixel_compute_source_index, compute_source_index_and_lambda and
// nearest_idx, so the CPU tests against F.interpolate exercise the index arithmetic the GPU runs.
//
// Coordinates, along one dim of `in` input and `out` output elements: align_corners=True maps the
// corner samples onto each other (src = ratio * o, ratio = (in - 1) / (out - 1));
// align_corners=False maps pixel centres (src = ratio * (o + 0.5) - 0.5, clamped at 0, ratio = 1 /
// scale when a scale factor was given, else in / out). in == out copies exactly, whatever the ratio
// says. Bilinear computes in T (float, or double for the CPU's f64; half types compute in float on
// the GPU); nearest always in float, as PyTorch.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "core/host_device.h"

namespace dc {

// area_pixel_compute_scale (host only): the ratio of a bilinear axis.
template <typename T>
inline T upsample_linear_ratio(int64_t in, int64_t out, bool align_corners, double scale) {
  if (align_corners) return out > 1 ? static_cast<T>(in - 1) / static_cast<T>(out - 1) : T(0);
  return scale > 0 ? static_cast<T>(1.0 / scale) : static_cast<T>(in) / static_cast<T>(out);
}

// The ratio of a nearest axis (host only): 1 / scale when given, else in / out, in float.
inline float upsample_nearest_ratio(int64_t in, int64_t out, double scale) {
  return scale > 0 ? static_cast<float>(1.0 / scale)
                   : static_cast<float>(in) / static_cast<float>(out);
}

// Output o of a bilinear axis blends inputs i0 (weight l0) and i1 (weight l1 = 1 - l0); i1 is
// i0 + 1, or i0 at the last input.
template <typename T>
struct UpsampleLerp {
  int64_t i0, i1;
  T l0, l1;
};

template <typename T>
DC_HOST_DEVICE_INLINE UpsampleLerp<T> upsample_lerp(T ratio, int64_t in, int64_t out,
                                                    bool align_corners, int64_t o) {
  if (in == out) return {o, o, T(1), T(0)};  // PyTorch copies exactly in this case
  const T of = static_cast<T>(o);
  // The two devices round the align_corners=False source position differently, and this keeps
  // them as they were: the device rounds each step on its own (__fmul_rn, __fsub_rn: nvcc would
  // otherwise contract them into an FMA), while GCC's default -ffp-contract=fast does contract
  // ratio * (o + 0.5) - 0.5 into one FMA on the x86-64-v3 build (vfmadd in the f32 assembly,
  // checked 2026-11-24). A position within rounding of an integer can therefore floor to
  // different input indices on the CPU and the GPU.
#ifdef __CUDA_ARCH__
  static_assert(std::is_same<T, float>::value, "the device computes bilinear indices in float");
  T src = align_corners ? __fmul_rn(ratio, of)
                        : __fsub_rn(__fmul_rn(ratio, __fadd_rn(of, T(0.5))), T(0.5));
#else
  T src = align_corners ? ratio * of : ratio * (of + T(0.5)) - T(0.5);
#endif
  if (!align_corners && src < 0) src = 0;
  const int64_t s0 = static_cast<int64_t>(src);
  const int64_t i0 = s0 < in - 1 ? s0 : in - 1;
  const T frac = src - static_cast<T>(i0);
  // Clamped to [0, 1] (a no-op unless src is NaN, where the two forms differ: the device's
  // fmaxf/fminf return the number, std::max/std::min their first argument).
#ifdef __CUDA_ARCH__
  const T l1 = fminf(fmaxf(frac, T(0)), T(1));
#else
  const T l1 = std::min(std::max(frac, T(0)), T(1));
#endif
  return {i0, i0 + (i0 < in - 1 ? 1 : 0), T(1) - l1, l1};
}

// nearest_idx: the input index output o reads, with PyTorch's exact special cases first.
DC_HOST_DEVICE_INLINE int64_t upsample_nearest_index(float ratio, int64_t in, int64_t out,
                                                     int64_t o) {
  if (out == in) return o;
  if (out == 2 * in) return o >> 1;
  const int64_t i = static_cast<int64_t>(std::floor(static_cast<float>(o) * ratio));
  return i < in - 1 ? i : in - 1;
}

}  // namespace dc
