// Our hand-written conv2d forward (f32, NCHW, groups = 1), kept to benchmark against cuDNN: an
// implicit GEMM. With P = N * Ho * Wo output pixels and K = Cin * kh * kw,
//   y[n, co, oh, ow] = sum_k w[co, k] * X[k, p] (+ bias[co]),   p = (n, oh, ow), k = (ci, r, s),
//   X[k, p] = x[n, ci, oh * sh - ph + r * dh, ow * sw - pw + s * dw]   (0 outside the image),
// so the weights are a plain row-major [Cout, K] operand and X (the im2col matrix) is never
// materialised: each thread decodes its 4 output pixels once and gathers their input values per
// K-step inside the tile loop of ops/cuda/tile_gemm.cuh. The cuDNN conv kernel calls this when
// cuda_conv_impl() is CudaImpl::kOurs; backward has no hand-written version.
#include "core/cuda/launch.cuh"
#include "ops/conv.h"
#include "ops/cuda/impl_select.h"
#include "ops/cuda/tile_gemm.cuh"

namespace dc {
namespace {

using namespace tile_gemm;

struct ConvGeom {
  int64_t cin, h, w, ho, wo, p;  // p = N * Ho * Wo
  int kh, kw, sh, sw, ph, pw, dh, dw;
};

// B operand: the implicit im2col matrix X [K, P]. Thread t gathers k = k0 + t / 32 for the pixels
// p = n0 + (t % 32) * 4 + 0..3, whose decoding is done once in init().
struct Im2colLoader {
  const float* x;
  ConvGeom g;
  int64_t K;
  int64_t base[4];   // offset of x[n, 0, 0, 0] of each pixel, or -1 past the last pixel
  int hb[4], wb[4];  // oh * sh - ph, ow * sw - pw

  __device__ void init(const Ctx& c) {
    const int64_t hw = g.ho * g.wo;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int64_t p = c.n0 + (c.tid % 32) * 4 + j;
      if (p >= g.p) {
        base[j] = -1;
        hb[j] = wb[j] = 0;
        continue;
      }
      const int64_t n = p / hw, q = p % hw;
      base[j] = n * g.cin * g.h * g.w;
      hb[j] = static_cast<int>(q / g.wo) * g.sh - g.ph;
      wb[j] = static_cast<int>(q % g.wo) * g.sw - g.pw;
    }
  }
  __device__ __forceinline__ void load(const Ctx& c, int64_t, int64_t k0, float (&r)[4]) const {
    const int64_t k = k0 + c.tid / 32;
    if (k >= K) {
      r[0] = r[1] = r[2] = r[3] = 0.0f;
      return;
    }
    const int taps = g.kh * g.kw;
    const int64_t ci = k / taps;
    const int rs = static_cast<int>(k % taps);
    const int dy = (rs / g.kw) * g.dh, dx = (rs % g.kw) * g.dw;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int ih = hb[j] + dy, iw = wb[j] + dx;
      const bool in = base[j] >= 0 && ih >= 0 && ih < g.h && iw >= 0 && iw < g.w;
      r[j] = in ? __ldg(x + base[j] + (ci * g.h + ih) * g.w + iw) : 0.0f;
    }
  }
  __device__ __forceinline__ static void store(int tid, float (*s)[kPitch], const float (&r)[4]) {
    IMajor::store(tid, s, r);  // same thread-to-element map: k = t / 32, 4 consecutive columns
  }
};

struct ConvStore {
  float* y;
  const float* bias;  // null when the conv has none
  int64_t cout, hw;
  __device__ __forceinline__ void store(const Ctx&, int64_t co, int64_t p, float v) const {
    const int64_t n = p / hw, q = p % hw;
    y[(n * cout + co) * hw + q] = bias != nullptr ? v + __ldg(bias + co) : v;
  }
};

void implicit_gemm_conv2d(const Tensor& y, const Tensor& x, const Tensor& w, const Tensor& bias,
                          const Conv2dParams& p) {
  DC_CHECK(x.dtype() == DType::f32,
           "conv2d: the hand-written implicit-GEMM CUDA kernel "
           "(CudaImpl::kOurs) is f32 only, got ",
           dtype_name(x.dtype()));
  DC_CHECK(p.groups == 1,
           "conv2d: the hand-written implicit-GEMM CUDA kernel (CudaImpl::kOurs) "
           "supports groups = 1 only, got groups = ",
           p.groups, "; use the vendor implementation");
  DC_CHECK(x.is_contiguous() && w.is_contiguous() && y.is_contiguous() &&
               (!bias.defined() || bias.is_contiguous()),
           "conv2d (implicit GEMM): tensors must be contiguous");
  const int64_t n = x.size(0), cout = w.size(0);
  ConvGeom g;
  g.cin = x.size(1), g.h = x.size(2), g.w = x.size(3), g.ho = y.size(2), g.wo = y.size(3);
  g.p = n * g.ho * g.wo;
  g.kh = static_cast<int>(w.size(2)), g.kw = static_cast<int>(w.size(3));
  g.sh = static_cast<int>(p.stride[0]), g.sw = static_cast<int>(p.stride[1]);
  g.ph = static_cast<int>(p.padding[0]), g.pw = static_cast<int>(p.padding[1]);
  g.dh = static_cast<int>(p.dilation[0]), g.dw = static_cast<int>(p.dilation[1]);
  const int64_t K = g.cin * g.kh * g.kw;
  if (y.numel() == 0) return;
  DC_CHECK(g.h < INT32_MAX / 2 && g.w < INT32_MAX / 2 && g.ho * int64_t(g.sh) < INT32_MAX / 2 &&
               g.wo * int64_t(g.sw) < INT32_MAX / 2,
           "conv2d (implicit GEMM): spatial sizes too large for 32-bit pixel coordinates: x ",
           x.str(), ", y ", y.str());
  // K = 0 (Cin = 0) needs no special case: the tile loop then writes bias (or 0) everywhere.
  CudaDeviceGuard guard(y.device().index);
  const float* pw = w.data<float>();
  const KMajor la{pw, K, 0, cout, K, reinterpret_cast<uintptr_t>(pw) % 16 == 0 && K % 4 == 0};
  Im2colLoader lb;
  lb.x = x.data<float>();
  lb.g = g;
  lb.K = K;
  const ConvStore st{y.data<float>(), bias.defined() ? bias.data<float>() : nullptr, cout,
                     g.ho * g.wo};
  const int64_t tiles_n = (g.p + kBN - 1) / kBN, tiles = ((cout + kBM - 1) / kBM) * tiles_n;
  DC_CHECK(tiles <= INT32_MAX, "conv2d (implicit GEMM): too many output tiles for ", y.str());
  tile_gemm_kernel<KMajor, Im2colLoader, ConvStore>
      <<<dim3(static_cast<unsigned>(tiles)), kThreads, 0, cuda_detail::stream_of(y)>>>(
          la, lb, st, cout, g.p, K, tiles_n, 0);
  cuda_detail::check_launch("implicit_gemm_conv2d");
}

const bool registered = (register_ours_conv2d_forward(&implicit_gemm_conv2d), true);

}  // namespace
}  // namespace dc
