// Our hand-written GEMM, kept to benchmark custom kernels against cuBLAS (f16 and bf16 go to the
// tensor-core kernel of ops/cuda/wmma_gemm.cu; this file is the f32 one): the gemm_kernel
// contract of ops/linalg.h (out [B, M, N] contiguous = a [B, M, K] x b [B, K, N], any strides,
// batch stride 0 for broadcasting), run through the 128x128x8 register-blocked tile loop of
// ops/cuda/tile_gemm.cuh. Each operand is read in place when one of its two dims is unit-stride
// (a transposed view costs no copy, as with cuBLAS) and copied to contiguous otherwise; 16-byte
// loads are used where the pointer and leading dimension allow them. The cuBLAS gemm kernel
// (ops/cuda/cublas_gemm.cc) calls this when cuda_gemm_impl() is CudaImpl::kOurs.
#include <algorithm>

#include "core/copy.h"
#include "core/cuda/launch.cuh"
#include "ops/cuda/impl_select.h"
#include "ops/cuda/tile_gemm.cuh"
#include "ops/linalg.h"

namespace dc {
namespace {

using namespace tile_gemm;

struct GemmStore {
  float* c;
  int64_t M, N;
  __device__ __forceinline__ void store(const Ctx& ctx, int64_t m, int64_t n, float v) const {
    c[(ctx.batch * M + m) * N + n] = v;
  }
};

bool aligned16(const void* p, int64_t ld, int64_t bs) {
  return reinterpret_cast<uintptr_t>(p) % 16 == 0 && ld % 4 == 0 && bs % 4 == 0;
}

// How to read operand t ([B, rows, cols], rows = the M or N side when k_last, else K) in place:
// returns false when neither inner dim is unit-stride (the caller copies it to contiguous).
// For A, rows = M and cols = K; for B, rows = K and cols = N.
struct Layout {
  bool k_major;  // the K dim is the unit-stride one
  int64_t ld;
};

bool operand_layout(const Tensor& t, bool is_a, Layout* out) {
  const int64_t rows = t.size(1), cols = t.size(2), rs = t.stride(1), cs = t.stride(2);
  // A: (m, k) at m * rs + k * cs. B: (k, n) at k * rs + n * cs.
  if (cols == 1 || cs == 1) {  // inner (cols) dim unit-stride
    out->k_major = is_a;       // A's cols are K; B's cols are N
    out->ld = rows == 1 ? 0 : rs;
    return true;
  }
  if (rows == 1 || rs == 1) {
    out->k_major = !is_a;
    out->ld = cols == 1 ? 0 : cs;
    return true;
  }
  return false;
}

template <class LA, class LB>
void launch(const LA& la, const LB& lb, const Tensor& out, int64_t M, int64_t N, int64_t K,
            int64_t batch) {
  const int64_t tiles_n = (N + kBN - 1) / kBN, tiles = ((M + kBM - 1) / kBM) * tiles_n;
  DC_CHECK(tiles <= INT32_MAX, "matmul (hand-written CUDA GEMM): too many output tiles for ",
           out.str());
  GemmStore st{out.data<float>(), M, N};
  for (int64_t b0 = 0; b0 < batch; b0 += 65535) {
    const dim3 grid(static_cast<unsigned>(tiles), 1,
                    static_cast<unsigned>(std::min<int64_t>(65535, batch - b0)));
    tile_gemm_kernel<LA, LB, GemmStore>
        <<<grid, kThreads, 0, cuda_detail::stream_of(out)>>>(la, lb, st, M, N, K, tiles_n, b0);
    cuda_detail::check_launch("tiled_gemm");
  }
}

template <class LA>
void launch_b(const LA& la, const Tensor& b, const Layout& lb, const Tensor& out, int64_t M,
              int64_t N, int64_t K, int64_t batch) {
  const int64_t bs = batch == 1 ? 0 : b.stride(0);
  const float* p = b.data<float>();
  const bool vec = aligned16(p, lb.ld, bs);
  if (lb.k_major) {
    launch(la, KMajor{p, lb.ld, bs, N, K, vec}, out, M, N, K, batch);
  } else {
    launch(la, IMajor{p, lb.ld, bs, N, K, vec}, out, M, N, K, batch);
  }
}

void tiled_gemm_f32(const Tensor& out, const Tensor& a_in, const Tensor& b_in) {
  const int64_t batch = out.size(0), M = out.size(1), N = out.size(2), K = a_in.size(2);
  if (out.numel() == 0) return;
  if (K == 0) {
    fill_(out, 0.0);
    return;
  }
  CudaDeviceGuard guard(out.device().index);
  Layout la, lb;
  Tensor a = a_in, b = b_in;
  if (!operand_layout(a, true, &la)) {
    a = a.contiguous().detach();
    operand_layout(a, true, &la);
  }
  if (!operand_layout(b, false, &lb)) {
    b = b.contiguous().detach();
    operand_layout(b, false, &lb);
  }
  const int64_t as = batch == 1 ? 0 : a.stride(0);
  const float* pa = a.data<float>();
  const bool vec = aligned16(pa, la.ld, as);
  if (la.k_major) {
    launch_b(KMajor{pa, la.ld, as, M, K, vec}, b, lb, out, M, N, K, batch);
  } else {
    launch_b(IMajor{pa, la.ld, as, M, K, vec}, b, lb, out, M, N, K, batch);
  }
}

void tiled_gemm(const Tensor& out, const Tensor& a, const Tensor& b) {
  const DType t = out.dtype();
  DC_CHECK(t == DType::f32 || t == DType::f16 || t == DType::bf16,
           "matmul: the hand-written CUDA GEMM (CudaImpl::kOurs) takes f32, f16 and bf16, got ",
           dtype_name(t), "; use the vendor implementation");
  if (t != DType::f32) {
    if (out.numel() == 0) return;
    if (a.size(2) == 0) return fill_(out, 0.0);
    CudaDeviceGuard guard(out.device().index);
    return wmma_gemm(out, a, b);
  }
  tiled_gemm_f32(out, a, b);
}

const bool registered = (register_ours_gemm(&tiled_gemm), true);

}  // namespace
}  // namespace dc
