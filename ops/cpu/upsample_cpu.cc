// CPU upsampling kernels. Source indices and blend weights are computed once per output row and
// column with PyTorch's formulas in the same precision (the kernel's scalar type for bilinear, f32
// for nearest), so the sampled positions agree with F.interpolate bit for bit. The formulas are
// ops/upsample_math.h's, shared with the CUDA kernels.
//
// Bilinear is separable: the forward blends along W into two row buffers (reused while consecutive
// output rows read the same input rows, which is most of them when upsampling) and then blends
// those along H with a contiguous, vectorizable loop. The backward runs the transpose in the other
// order: blend gradient rows along H into an [H, OW] buffer, then scatter along W.
#include <algorithm>
#include <utility>
#include <vector>

#include "core/thread_pool.h"
#include "ops/upsample.h"
#include "ops/upsample_math.h"

namespace dc {
namespace {

// For each output index: the two input indices and their weights.
template <typename T>
struct Linear1d {
  std::vector<int64_t> i0, i1;
  std::vector<T> l0, l1;
};

// Every output index's lerp (ops/upsample_math.h, shared with the CUDA kernels), in T (PyTorch's
// opmath type for f32 and f64 is the type itself).
template <typename T>
Linear1d<T> linear_indices(int64_t in, int64_t out, bool align_corners, double scale) {
  Linear1d<T> r;
  r.i0.resize(out);
  r.i1.resize(out);
  r.l0.resize(out);
  r.l1.resize(out);
  const T ratio = upsample_linear_ratio<T>(in, out, align_corners, scale);
  for (int64_t o = 0; o < out; ++o) {
    const UpsampleLerp<T> l = upsample_lerp(ratio, in, out, align_corners, o);
    r.i0[o] = l.i0;
    r.i1[o] = l.i1;
    r.l0[o] = l.l0;
    r.l1[o] = l.l1;
  }
  return r;
}

// PyTorch's nearest_idx for every output index (ops/upsample_math.h): always in f32.
std::vector<int64_t> nearest_indices(int64_t in, int64_t out, double scale) {
  std::vector<int64_t> idx(out);
  const float ratio = upsample_nearest_ratio(in, out, scale);
  for (int64_t o = 0; o < out; ++o) idx[o] = upsample_nearest_index(ratio, in, out, o);
  return idx;
}

template <typename T>
void upsample_bilinear2d_cpu(const Upsample2dGeometry& g, const Tensor& x, const Tensor& out) {
  const Linear1d<T> rh = linear_indices<T>(g.H, g.OH, g.align_corners, g.scale_h);
  const Linear1d<T> rw = linear_indices<T>(g.W, g.OW, g.align_corners, g.scale_w);
  const T* xp = x.data<T>();
  T* yp = out.data<T>();
  const int64_t OW = g.OW;
  parallel_for(0, g.planes * g.OH, std::max<int64_t>(1, 16384 / OW), [&](int64_t b, int64_t e) {
    std::vector<T> buf0(OW), buf1(OW);
    int64_t key0 = -1, key1 = -1;  // which input row (plane * H + h) each buffer holds
    auto blend_w = [&](int64_t row, T* dst) {
      const T* src = xp + row * g.W;
      for (int64_t ow = 0; ow < OW; ++ow) {
        dst[ow] = rw.l0[ow] * src[rw.i0[ow]] + rw.l1[ow] * src[rw.i1[ow]];
      }
    };
    for (int64_t r = b; r < e; ++r) {
      const int64_t plane = r / g.OH, oh = r % g.OH;
      const int64_t k0 = plane * g.H + rh.i0[oh], k1 = plane * g.H + rh.i1[oh];
      if (k0 != key0) {
        if (k0 == key1) {
          std::swap(buf0, buf1);
          std::swap(key0, key1);
        } else {
          blend_w(k0, buf0.data());
          key0 = k0;
        }
      }
      const T* r0 = buf0.data();
      const T* r1 = r0;
      if (k1 != k0) {
        if (k1 != key1) {
          blend_w(k1, buf1.data());
          key1 = k1;
        }
        r1 = buf1.data();
      }
      const T a = rh.l0[oh], c = rh.l1[oh];
      T* y = yp + r * OW;
      for (int64_t ow = 0; ow < OW; ++ow) y[ow] = a * r0[ow] + c * r1[ow];
    }
  });
}

template <typename T>
void upsample_bilinear2d_backward_cpu(const Upsample2dGeometry& g, const Tensor& grad_out,
                                      const Tensor& grad_in) {
  const Linear1d<T> rh = linear_indices<T>(g.H, g.OH, g.align_corners, g.scale_h);
  const Linear1d<T> rw = linear_indices<T>(g.W, g.OW, g.align_corners, g.scale_w);
  const T* gp = grad_out.data<T>();
  T* gi = grad_in.data<T>();
  const int64_t OW = g.OW;
  // One plane per task: the scatter stays inside the task's own plane (race-free).
  parallel_for(0, g.planes, 1, [&](int64_t b, int64_t e) {
    std::vector<T> rows(g.H * OW);  // gradient blended along H, still at output columns
    for (int64_t p = b; p < e; ++p) {
      std::fill(rows.begin(), rows.end(), T(0));
      const T* src = gp + p * g.OH * OW;
      for (int64_t oh = 0; oh < g.OH; ++oh) {
        const T a = rh.l0[oh], c = rh.l1[oh];
        T* d0 = rows.data() + rh.i0[oh] * OW;
        T* d1 = rows.data() + rh.i1[oh] * OW;
        const T* s = src + oh * OW;
        for (int64_t ow = 0; ow < OW; ++ow) d0[ow] += a * s[ow];
        for (int64_t ow = 0; ow < OW; ++ow) d1[ow] += c * s[ow];
      }
      T* dst = gi + p * g.H * g.W;
      std::fill(dst, dst + g.H * g.W, T(0));
      for (int64_t h = 0; h < g.H; ++h) {
        const T* s = rows.data() + h * OW;
        T* d = dst + h * g.W;
        for (int64_t ow = 0; ow < OW; ++ow) {
          d[rw.i0[ow]] += rw.l0[ow] * s[ow];
          d[rw.i1[ow]] += rw.l1[ow] * s[ow];
        }
      }
    }
  });
}

template <typename T>
void upsample_nearest2d_cpu(const Upsample2dGeometry& g, const Tensor& x, const Tensor& out) {
  const std::vector<int64_t> ih = nearest_indices(g.H, g.OH, g.scale_h);
  const std::vector<int64_t> iw = nearest_indices(g.W, g.OW, g.scale_w);
  const T* xp = x.data<T>();
  T* yp = out.data<T>();
  parallel_for(0, g.planes * g.OH, std::max<int64_t>(1, 16384 / g.OW), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t plane = r / g.OH, oh = r % g.OH;
      const T* src = xp + (plane * g.H + ih[oh]) * g.W;
      T* y = yp + r * g.OW;
      for (int64_t ow = 0; ow < g.OW; ++ow) y[ow] = src[iw[ow]];
    }
  });
}

template <typename T>
void upsample_nearest2d_backward_cpu(const Upsample2dGeometry& g, const Tensor& grad_out,
                                     const Tensor& grad_in) {
  const std::vector<int64_t> ih = nearest_indices(g.H, g.OH, g.scale_h);
  const std::vector<int64_t> iw = nearest_indices(g.W, g.OW, g.scale_w);
  const T* gp = grad_out.data<T>();
  T* gi = grad_in.data<T>();
  parallel_for(0, g.planes, 1, [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      T* dst = gi + p * g.H * g.W;
      std::fill(dst, dst + g.H * g.W, T(0));
      const T* src = gp + p * g.OH * g.OW;
      for (int64_t oh = 0; oh < g.OH; ++oh) {
        T* d = dst + ih[oh] * g.W;
        const T* s = src + oh * g.OW;
        for (int64_t ow = 0; ow < g.OW; ++ow) d[iw[ow]] += s[ow];
      }
    }
  });
}

DC_REGISTER_KERNEL(upsample_bilinear2d_kernel, CPU, f32, &upsample_bilinear2d_cpu<float>);
DC_REGISTER_KERNEL(upsample_bilinear2d_kernel, CPU, f64, &upsample_bilinear2d_cpu<double>);
DC_REGISTER_KERNEL(upsample_bilinear2d_backward_kernel, CPU, f32,
                   &upsample_bilinear2d_backward_cpu<float>);
DC_REGISTER_KERNEL(upsample_bilinear2d_backward_kernel, CPU, f64,
                   &upsample_bilinear2d_backward_cpu<double>);
DC_REGISTER_KERNEL(upsample_nearest2d_kernel, CPU, f32, &upsample_nearest2d_cpu<float>);
DC_REGISTER_KERNEL(upsample_nearest2d_kernel, CPU, f64, &upsample_nearest2d_cpu<double>);
DC_REGISTER_KERNEL(upsample_nearest2d_backward_kernel, CPU, f32,
                   &upsample_nearest2d_backward_cpu<float>);
DC_REGISTER_KERNEL(upsample_nearest2d_backward_kernel, CPU, f64,
                   &upsample_nearest2d_backward_cpu<double>);

}  // namespace
}  // namespace dc
