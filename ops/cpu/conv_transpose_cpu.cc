// conv_transpose2d kernels: GEMM + col2im, for f32 and f64.
//
// Per image and group, the forward is one GEMM, col[Cout/g*kh*kw, H*W] = w_g^T x_g, whose rows are
// then scattered (col2im) into the output; the backward gathers the output gradient into the same
// layout once (im2col) and feeds two GEMMs, gx_g = w_g col and gw_g += x_g col^T. The GEMMs run on
// OpenBLAS's threads (set to the pool size); the scatter and gather run parallel over channels,
// each channel's rows being disjoint.
//
// f32 uses this path too: oneDNN's deconvolution primitive (jit:avx2, reached through reorders to
// its blocked layouts) took about 1.3x the time of GEMM + col2im on the DensePose head shape
// (8x512x28x28 -> 25 channels, 4x4, stride 2), its 25 output channels padded to the block size.
#include <cblas.h>

#include <algorithm>

#include "core/thread_pool.h"
#include "ops/conv_transpose.h"
#include "ops/cpu_gemm.h"

namespace dc {
namespace {

struct Geometry {
  int64_t n, cin, h, w, cout, kh, kw, ho, wo, groups;
  int64_t cg, og, kk, hw, ohw;  // per-group channels in and out, col rows per group, plane sizes
  Geometry(const Tensor& x, const Tensor& wt, const Tensor& y, int64_t g)
      : n(x.size(0)),
        cin(x.size(1)),
        h(x.size(2)),
        w(x.size(3)),
        cout(y.size(1)),
        kh(wt.size(2)),
        kw(wt.size(3)),
        ho(y.size(2)),
        wo(y.size(3)),
        groups(g),
        cg(cin / g),
        og(cout / g),
        kk(og * kh * kw),
        hw(h * w),
        ohw(ho * wo) {}
};

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// The input positions [lo, hi) whose tap at offset `tap` (= i*dilation - padding) lands inside
// an output of `size`: 0 <= in*stride + tap < size.
void valid_range(int64_t tap, int64_t stride, int64_t in_size, int64_t size, int64_t* lo,
                 int64_t* hi) {
  *lo = std::max<int64_t>(0, floor_div(-tap + stride - 1, stride));
  *hi = std::min<int64_t>(in_size, floor_div(size - 1 - tap, stride) + 1);
  if (*hi < *lo) *hi = *lo;
}

// One output channel `plane` [Ho, Wo] and its kh*kw col rows [kh*kw, H*W]. With scatter, col is
// added into the plane (col2im); without, the plane is gathered into col, zero where a tap falls
// outside the output (im2col).
template <typename T, bool scatter>
void fold_channel(T* plane, T* col, const Geometry& g, const ConvTranspose2dParams& p) {
  for (int64_t i = 0; i < g.kh; ++i) {
    const int64_t tap_h = i * p.dilation[0] - p.padding[0];
    int64_t h_lo, h_hi;
    valid_range(tap_h, p.stride[0], g.h, g.ho, &h_lo, &h_hi);
    for (int64_t j = 0; j < g.kw; ++j) {
      const int64_t tap_w = j * p.dilation[1] - p.padding[1];
      int64_t w_lo, w_hi;
      valid_range(tap_w, p.stride[1], g.w, g.wo, &w_lo, &w_hi);
      T* row = col + (i * g.kw + j) * g.hw;
      if (!scatter) {
        // Rows outside [h_lo, h_hi) and the column margins read no output pixel.
        std::fill(row, row + h_lo * g.w, T(0));
        std::fill(row + h_hi * g.w, row + g.hw, T(0));
      }
      for (int64_t ih = h_lo; ih < h_hi; ++ih) {
        T* c = row + ih * g.w;
        T* out = plane + (ih * p.stride[0] + tap_h) * g.wo;
        const int64_t s = p.stride[1];
        if (scatter) {
          for (int64_t iw = w_lo; iw < w_hi; ++iw) out[iw * s + tap_w] += c[iw];
        } else {
          std::fill(c, c + w_lo, T(0));
          for (int64_t iw = w_lo; iw < w_hi; ++iw) c[iw] = out[iw * s + tap_w];
          std::fill(c + w_hi, c + g.w, T(0));
        }
      }
    }
  }
}

template <typename T>
void conv_transpose2d_forward_gemm(const Tensor& y, const Tensor& x, const Tensor& w,
                                   const Tensor& bias, const ConvTranspose2dParams& p) {
  const Geometry g(x, w, y, p.groups);
  const int64_t taps = g.kh * g.kw;
  // Scratch from the aligned allocator, uninitialised: the GEMM overwrites it (beta 0).
  const Tensor col = empty({g.groups * g.kk * g.hw}, x.dtype());
  T* pcol = col.data<T>();
  const T* px = x.data<T>();
  const T* pw = w.data<T>();
  const T* pb = bias.defined() ? bias.data<T>() : nullptr;
  T* py = y.data<T>();
  for (int64_t n = 0; n < g.n; ++n) {
    for (int64_t gr = 0; gr < g.groups; ++gr) {
      // col_g [kk, HW] = w_g^T [kk, cg] x_g [cg, HW]; w_g is [cg, kk] row-major.
      blas_gemm(CblasTrans, CblasNoTrans, g.kk, g.hw, g.cg, pw + gr * g.cg * g.kk, g.kk,
                px + (n * g.cin + gr * g.cg) * g.hw, g.hw, T(0), pcol + gr * g.kk * g.hw, g.hw);
    }
    parallel_for(0, g.cout, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        T* plane = py + (n * g.cout + c) * g.ohw;
        std::fill(plane, plane + g.ohw, pb ? pb[c] : T(0));
        fold_channel<T, true>(plane, pcol + c * taps * g.hw, g, p);
      }
    });
  }
}

template <typename T>
void conv_transpose2d_backward_gemm(const Tensor& gx, const Tensor& gw, const Tensor& gb,
                                    const Tensor& gy, const Tensor& x, const Tensor& w,
                                    const ConvTranspose2dParams& p) {
  const Geometry g(x, w, gy, p.groups);
  const int64_t taps = g.kh * g.kw;
  const bool unfold = gx.defined() || gw.defined();
  // Scratch, fully written by the gather before the GEMMs read it.
  const Tensor col = empty({unfold ? g.groups * g.kk * g.hw : 0}, x.dtype());
  T* pcol = col.data<T>();
  const T* px = x.data<T>();
  const T* pw = w.data<T>();
  T* pgy = gy.data<T>();
  T* pgx = gx.defined() ? gx.data<T>() : nullptr;
  T* pgw = gw.defined() ? gw.data<T>() : nullptr;
  T* pgb = gb.defined() ? gb.data<T>() : nullptr;
  if (pgb) std::fill(pgb, pgb + g.cout, T(0));
  for (int64_t n = 0; n < g.n; ++n) {
    parallel_for(0, g.cout, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        T* plane = pgy + (n * g.cout + c) * g.ohw;
        if (unfold) fold_channel<T, false>(plane, pcol + c * taps * g.hw, g, p);
        if (pgb) {
          T s = 0;
          for (int64_t k = 0; k < g.ohw; ++k) s += plane[k];
          pgb[c] += s;
        }
      }
    });
    for (int64_t gr = 0; gr < g.groups; ++gr) {
      const T* colg = pcol + gr * g.kk * g.hw;
      if (pgx) {
        // gx_g [cg, HW] = w_g [cg, kk] col_g [kk, HW]: conv2d of gy with w.
        blas_gemm(CblasNoTrans, CblasNoTrans, g.cg, g.hw, g.kk, pw + gr * g.cg * g.kk, g.kk, colg,
                  g.hw, T(0), pgx + (n * g.cin + gr * g.cg) * g.hw, g.hw);
      }
      if (pgw) {
        // gw_g [cg, kk] (+)= x_g [cg, HW] col_g^T [HW, kk], summed over the batch.
        blas_gemm(CblasNoTrans, CblasTrans, g.cg, g.kk, g.hw, px + (n * g.cin + gr * g.cg) * g.hw,
                  g.hw, colg, g.hw, n == 0 ? T(0) : T(1), pgw + gr * g.cg * g.kk, g.kk);
      }
    }
  }
}

DC_REGISTER_KERNEL(conv_transpose2d_forward_kernel, CPU, f32,
                   &conv_transpose2d_forward_gemm<float>);
DC_REGISTER_KERNEL(conv_transpose2d_backward_kernel, CPU, f32,
                   &conv_transpose2d_backward_gemm<float>);
DC_REGISTER_KERNEL(conv_transpose2d_forward_kernel, CPU, f64,
                   &conv_transpose2d_forward_gemm<double>);
DC_REGISTER_KERNEL(conv_transpose2d_backward_kernel, CPU, f64,
                   &conv_transpose2d_backward_gemm<double>);

}  // namespace
}  // namespace dc
