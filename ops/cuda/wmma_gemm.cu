// The f16 / bf16 half of our hand-written GEMM (CudaImpl::kOurs; ops/cuda/tiled_gemm.cu dispatches
// here): tensor cores through WMMA with f32 accumulation, rounded to the output type once at the
// end, as cuBLAS does with CUBLAS_COMPUTE_32F. 128 x 128 output tiles, K in steps of 32, 8 warps
// each owning a 64 x 32 block (4 x 2 fragments of 16 x 16). Operands are read through their
// strides: rows with a unit-stride K (A) or N (B) dim and 16-byte alignment move 8 elements per
// load, anything else (a transposed view) element by element. Simpler than the f32 kernel (one
// shared buffer, no register prefetch): it is here to measure, not to win.
#include <mma.h>

#include <algorithm>

#include "core/cuda/launch.cuh"
#include "ops/cuda/tile_gemm.cuh"

namespace dc {
namespace tile_gemm {
namespace {

constexpr int kWBM = 128, kWBN = 128, kWBK = 32;
constexpr int kAPitch = kWBK + 8;  // halves; +8 keeps rows 16-byte aligned and staggers banks
constexpr int kBPitch = kWBN + 8;

struct Operand {
  const void* p;
  int64_t rs, cs, bs;  // element strides of (row, col) and batch
  bool vec;            // cs == 1, and p, rs, bs allow 16-byte (8-element) loads
};

// Loads rows [r0, r0 + R) x cols [c0, c0 + C) of a (rows x cols) operand into shared s (pitch P),
// zero outside; thread t takes row t / (C / 16), 16 consecutive columns.
template <typename T, int R, int C, int P>
__device__ __forceinline__ void load_tile(const Operand& o, int64_t batch, int64_t rows,
                                          int64_t cols, int64_t r0, int64_t c0, T* s) {
  static_assert(R * C == kThreads * 16, "one 16-element segment per thread");
  const int tid = threadIdx.x;
  const int r = tid / (C / 16), c = (tid % (C / 16)) * 16;
  const int64_t gr = r0 + r, gc = c0 + c;
  const T* src = static_cast<const T*>(o.p) + batch * o.bs + gr * o.rs;
  T* dst = s + r * P + c;
  if (gr < rows && o.vec && gc + 15 < cols) {
    const uint4* v = reinterpret_cast<const uint4*>(src + gc);
    reinterpret_cast<uint4*>(dst)[0] = __ldg(v);
    reinterpret_cast<uint4*>(dst)[1] = __ldg(v + 1);
    return;
  }
#pragma unroll
  for (int j = 0; j < 16; ++j) {
    dst[j] = (gr < rows && gc + j < cols) ? src[(gc + j) * o.cs] : cuda_detail::cast<T>(0.0f);
  }
}

template <typename T>
__global__ void __launch_bounds__(kThreads)
    wmma_gemm_kernel(Operand a, Operand b, T* c, int64_t M, int64_t N, int64_t K, int64_t tiles_n,
                     int64_t batch0) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  using namespace nvcuda;
  __shared__ __align__(32) T As[kWBM * kAPitch];
  __shared__ __align__(32) T Bs[kWBK * kBPitch];
  __shared__ __align__(32) float scratch[8][16 * 16];
  const int64_t m0 = static_cast<int64_t>(blockIdx.x / tiles_n) * kWBM;
  const int64_t n0 = static_cast<int64_t>(blockIdx.x % tiles_n) * kWBN;
  const int64_t batch = batch0 + blockIdx.z;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int wm = (warp / 4) * 64, wn = (warp % 4) * 32;  // this warp's block inside the tile

  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[4][2];
#pragma unroll
  for (int i = 0; i < 4; ++i) {
#pragma unroll
    for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.0f);
  }
  for (int64_t k0 = 0; k0 < K; k0 += kWBK) {
    load_tile<T, kWBM, kWBK, kAPitch>(a, batch, M, K, m0, k0, As);
    load_tile<T, kWBK, kWBN, kBPitch>(b, batch, K, N, k0, n0, Bs);
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kWBK; kk += 16) {
      wmma::fragment<wmma::matrix_a, 16, 16, 16, T, wmma::row_major> fa[4];
      wmma::fragment<wmma::matrix_b, 16, 16, 16, T, wmma::row_major> fb[2];
#pragma unroll
      for (int i = 0; i < 4; ++i)
        wmma::load_matrix_sync(fa[i], As + (wm + i * 16) * kAPitch + kk, kAPitch);
#pragma unroll
      for (int j = 0; j < 2; ++j)
        wmma::load_matrix_sync(fb[j], Bs + kk * kBPitch + wn + j * 16, kBPitch);
#pragma unroll
      for (int i = 0; i < 4; ++i) {
#pragma unroll
        for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
      }
    }
    __syncthreads();  // the next step overwrites the tiles
  }
  // Each fragment goes through this warp's scratch to be rounded and bounds-checked.
  float* sc = scratch[warp];
#pragma unroll
  for (int i = 0; i < 4; ++i) {
#pragma unroll
    for (int j = 0; j < 2; ++j) {
      wmma::store_matrix_sync(sc, acc[i][j], 16, wmma::mem_row_major);
      __syncwarp();
      for (int e = lane; e < 256; e += 32) {
        const int64_t m = m0 + wm + i * 16 + e / 16, n = n0 + wn + j * 16 + e % 16;
        if (m < M && n < N) c[(batch * M + m) * N + n] = cuda_detail::cast<T>(sc[e]);
      }
      __syncwarp();
    }
  }
#else
  __trap();  // tensor-core bf16/f16 WMMA needs sm_80 or newer; the host checks before launching
#endif
}

Operand operand(const Tensor& t, int64_t batch) {
  Operand o;
  o.p = t.raw_data();
  o.rs = t.stride(1);
  o.cs = t.stride(2);
  o.bs = batch == 1 ? 0 : t.stride(0);
  o.vec = (o.cs == 1 || t.size(2) == 1) && reinterpret_cast<uintptr_t>(o.p) % 16 == 0 &&
          (o.rs % 8 == 0 || t.size(1) == 1) && o.bs % 8 == 0;
  if (t.size(2) == 1) o.cs = 1;  // a single column: its stride is never used for stepping
  return o;
}

template <typename T>
void launch(const Tensor& out, const Tensor& a, const Tensor& b) {
  const int64_t batch = out.size(0), M = out.size(1), N = out.size(2), K = a.size(2);
  const int64_t tiles_n = (N + kWBN - 1) / kWBN, tiles = ((M + kWBM - 1) / kWBM) * tiles_n;
  DC_CHECK(tiles <= INT32_MAX, "matmul (hand-written CUDA GEMM): too many output tiles for ",
           out.str());
  const Operand oa = operand(a, batch), ob = operand(b, batch);
  for (int64_t b0 = 0; b0 < batch; b0 += 65535) {
    const dim3 grid(static_cast<unsigned>(tiles), 1,
                    static_cast<unsigned>(std::min<int64_t>(65535, batch - b0)));
    wmma_gemm_kernel<T><<<grid, kThreads, 0, cuda_detail::stream_of(out)>>>(
        oa, ob, static_cast<T*>(out.raw_data()), M, N, K, tiles_n, b0);
    cuda_detail::check_launch("wmma_gemm");
  }
}

}  // namespace

void wmma_gemm(const Tensor& out, const Tensor& a, const Tensor& b) {
  const CudaDeviceProperties props = cuda_device_properties(out.device().index);
  DC_CHECK(props.major >= 8, "matmul: the hand-written ", dtype_name(out.dtype()),
           " CUDA GEMM uses sm_80 tensor cores; ", out.device(), " is sm_", props.major,
           props.minor);
  if (out.dtype() == DType::f16) return launch<__half>(out, a, b);
  launch<__nv_bfloat16>(out, a, b);
}

}  // namespace tile_gemm
}  // namespace dc
