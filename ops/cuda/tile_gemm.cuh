// The shared main loop of our hand-written f32 GEMM (ops/cuda/tiled_gemm.cu) and implicit-GEMM
// convolution (ops/cuda/implicit_gemm_conv.cu): C[M, N] = A[M, K] B[K, N] in 128x128 output tiles,
// K in steps of 8, 256 threads each accumulating an 8x8 block in registers (two 4x4 quadrants 64
// rows/columns apart, so that shared-memory reads are float4 and conflict-free). Shared memory is
// double-buffered: the next K-step is loaded from global memory into registers while the current
// one is multiplied, then stored to the other buffer, with one __syncthreads per step.
//
// What varies between the users is where the operands come from and where C goes, so the loop is
// a template over three policies:
//   loader (A or B): init(ctx) once per thread; load(ctx, k0, r) puts this thread's 4 elements of
//     the 8 x 128 tile starting at k0 into r (zeros outside the matrix); store(tid, s, r) writes
//     them into the shared tile s[k][i] (i = row of A or column of B);
//   store: store(ctx, m, n, v) writes one element of C (m < M, n < N checked by the caller).
// Include only from .cu files.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "core/tensor.h"

namespace dc {
namespace tile_gemm {

constexpr int kBM = 128, kBN = 128, kBK = 8, kThreads = 256;
// Row pitch of the shared tiles: 4 floats of padding spread the transposed stores of the K-major
// loaders over all banks while keeping rows 16-byte aligned for the float4 reads.
constexpr int kPitch = kBM + 4;

struct Ctx {
  int tid;
  int64_t m0, n0;  // first row and column of this block's C tile
  int64_t batch;
};

// An operand stored K-contiguous: element (i, k) at p[batch * bs + i * ld + k] (row-major A, or a
// transposed B). Thread t loads row i = t / 2, columns k = (t % 2) * 4 + 0..3.
struct KMajor {
  const float* p;
  int64_t ld, bs, rows, K;
  bool vec;  // p, ld and bs allow 16-byte loads

  __device__ void init(const Ctx&) {}
  __device__ __forceinline__ void load(const Ctx& c, int64_t i0, int64_t k0, float (&r)[4]) const {
    const int64_t i = i0 + c.tid / 2, k = k0 + (c.tid % 2) * 4;
    if (i < rows && vec && k + 3 < K) {
      const float4 v = __ldg(reinterpret_cast<const float4*>(p + c.batch * bs + i * ld + k));
      r[0] = v.x, r[1] = v.y, r[2] = v.z, r[3] = v.w;
      return;
    }
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      r[j] = (i < rows && k + j < K) ? __ldg(p + c.batch * bs + i * ld + k + j) : 0.0f;
    }
  }
  __device__ __forceinline__ static void store(int tid, float (*s)[kPitch], const float (&r)[4]) {
    const int i = tid / 2, k = (tid % 2) * 4;
#pragma unroll
    for (int j = 0; j < 4; ++j) s[k + j][i] = r[j];
  }
};

// An operand stored row/column-contiguous: element (i, k) at p[batch * bs + k * ld + i]
// (row-major B, or a transposed A). Thread t loads k = t / 32, i = (t % 32) * 4 + 0..3.
struct IMajor {
  const float* p;
  int64_t ld, bs, rows, K;
  bool vec;

  __device__ void init(const Ctx&) {}
  __device__ __forceinline__ void load(const Ctx& c, int64_t i0, int64_t k0, float (&r)[4]) const {
    const int64_t k = k0 + c.tid / 32, i = i0 + (c.tid % 32) * 4;
    if (k < K && vec && i + 3 < rows) {
      const float4 v = __ldg(reinterpret_cast<const float4*>(p + c.batch * bs + k * ld + i));
      r[0] = v.x, r[1] = v.y, r[2] = v.z, r[3] = v.w;
      return;
    }
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      r[j] = (k < K && i + j < rows) ? __ldg(p + c.batch * bs + k * ld + i + j) : 0.0f;
    }
  }
  __device__ __forceinline__ static void store(int tid, float (*s)[kPitch], const float (&r)[4]) {
    *reinterpret_cast<float4*>(&s[tid / 32][(tid % 32) * 4]) = make_float4(r[0], r[1], r[2], r[3]);
  }
};

// Blocks: x = tile index (row-major over ceil(M/128) x ceil(N/128) tiles, so no grid.y limit),
// z = batch (offset by batch0; the host splits batches above 65535).
template <class LA, class LB, class St>
__global__ void __launch_bounds__(kThreads, 2)
    tile_gemm_kernel(LA la, LB lb, St st, int64_t M, int64_t N, int64_t K, int64_t tiles_n,
                     int64_t batch0) {
  __shared__ __align__(16) float As[2][kBK][kPitch];
  __shared__ __align__(16) float Bs[2][kBK][kPitch];
  Ctx c;
  c.tid = threadIdx.x;
  c.m0 = static_cast<int64_t>(blockIdx.x / tiles_n) * kBM;
  c.n0 = static_cast<int64_t>(blockIdx.x % tiles_n) * kBN;
  c.batch = batch0 + blockIdx.z;
  la.init(c);
  lb.init(c);

  float ra[4], rb[4];
  la.load(c, c.m0, 0, ra);
  lb.load(c, c.n0, 0, rb);
  LA::store(c.tid, As[0], ra);
  LB::store(c.tid, Bs[0], rb);
  __syncthreads();

  const int tx = c.tid % 16, ty = c.tid / 16;
  float acc[8][8];
#pragma unroll
  for (int i = 0; i < 8; ++i) {
#pragma unroll
    for (int j = 0; j < 8; ++j) acc[i][j] = 0.0f;
  }
  int buf = 0;
  for (int64_t k0 = 0; k0 < K; k0 += kBK) {
    const bool more = k0 + kBK < K;
    if (more) {  // in flight while this step's FMAs run
      la.load(c, c.m0, k0 + kBK, ra);
      lb.load(c, c.n0, k0 + kBK, rb);
    }
#pragma unroll
    for (int kk = 0; kk < kBK; ++kk) {
      const float4 a0 = *reinterpret_cast<const float4*>(&As[buf][kk][ty * 4]);
      const float4 a1 = *reinterpret_cast<const float4*>(&As[buf][kk][64 + ty * 4]);
      const float4 b0 = *reinterpret_cast<const float4*>(&Bs[buf][kk][tx * 4]);
      const float4 b1 = *reinterpret_cast<const float4*>(&Bs[buf][kk][64 + tx * 4]);
      const float a[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
      const float b[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
      for (int i = 0; i < 8; ++i) {
#pragma unroll
        for (int j = 0; j < 8; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
      }
    }
    if (more) {
      // Buffer buf ^ 1 was last read in the previous step, before the barrier that ended it.
      LA::store(c.tid, As[buf ^ 1], ra);
      LB::store(c.tid, Bs[buf ^ 1], rb);
      __syncthreads();
      buf ^= 1;
    }
  }

#pragma unroll
  for (int i = 0; i < 8; ++i) {
    const int64_t m = c.m0 + (i < 4 ? ty * 4 + i : 64 + ty * 4 + i - 4);
    if (m >= M) continue;
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      const int64_t n = c.n0 + (j < 4 ? tx * 4 + j : 64 + tx * 4 + j - 4);
      if (n < N) st.store(c, m, n, acc[i][j]);
    }
  }
}

// The f16/bf16 GEMM on tensor cores (ops/cuda/wmma_gemm.cu), same contract as gemm_kernel.
void wmma_gemm(const Tensor& out, const Tensor& a, const Tensor& b);

}  // namespace tile_gemm
}  // namespace dc
