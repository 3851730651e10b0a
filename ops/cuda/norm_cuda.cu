// CUDA kernels of batch norm (ops/norm.h) and group norm (ops/instance_group_norm.h; instance norm
// is group norm with one channel per group), f32 (the ops accept f32 and f64; f64 stays
// CPU-only).
//
// Statistics and backward sums are double sums of x and x^2 (or g and g * x) per segment, as the
// CPU kernels accumulate them: a segment (a batch-norm channel over N and S, a group-norm (n,
// group) slice, or an (n, c) plane) is cut into chunks so that even a few channels fill the GPU
// (nn_common.cuh's segment_sums); a small kernel, one thread per channel or group, combines the
// chunks and folds the formulas into per-channel coefficients; the elementwise passes (apply,
// grad_x) are then one fma-like expression per element, y = a * x + b or gx = k * g + px * x + q.
#include <cmath>

#include "ops/cuda/nn_common.cuh"
#include "ops/instance_group_norm.h"
#include "ops/norm.h"

namespace dc {
namespace {

using namespace cuda_detail;
using namespace cuda_nn;

const float* cptr(const Tensor& t) {
  return t.defined() ? static_cast<const float*>(t.raw_data()) : nullptr;
}
float* mptr(const Tensor& t) { return t.defined() ? static_cast<float*>(t.raw_data()) : nullptr; }
const double* dptr(const Tensor& t) {
  return t.defined() ? static_cast<const double*>(t.raw_data()) : nullptr;
}

// Sums of segment r over its `splits` chunks (0 chunks: an empty segment, sums 0).
__device__ __forceinline__ void combine(const double* partial, int64_t r, int64_t splits, double& s,
                                        double& p) {
  s = 0;
  p = 0;
  for (int64_t k = 0; k < splits; ++k) {
    s += partial[(r * splits + k) * 2];
    p += partial[(r * splits + k) * 2 + 1];
  }
}

// --- batch norm ---

__global__ void bn_stats_finalize_kernel(const double* __restrict__ partial, int64_t splits,
                                         int64_t C, double cnt, float* __restrict__ mean,
                                         float* __restrict__ var) {
  const int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (c >= C) return;
  double s, ss;
  combine(partial, c, splits, s, ss);
  const double mu = s / cnt;
  mean[c] = static_cast<float>(mu);
  var[c] = static_cast<float>(fmax(ss / cnt - mu * mu, 0.0));
}

void bn_stats_cuda(const Tensor& x, const Tensor& mean, const Tensor& var) {
  const int64_t N = x.size(0), C = x.size(1), S = x.size(2);
  if (C == 0) return;
  CudaDeviceGuard guard(x.device().index);
  cudaStream_t stream = stream_of(x);
  int64_t splits = 0;
  const Tensor partial =
      segment_sums(static_cast<const float*>(x.raw_data()), static_cast<const float*>(nullptr),
                   SegmentGeometry{C, N, S, S, C * S}, x.device(), stream, splits);
  bn_stats_finalize_kernel<<<static_cast<unsigned>((C + kThreads - 1) / kThreads), kThreads, 0,
                             stream>>>(dptr(partial), splits, C, static_cast<double>(N * S),
                                       mptr(mean), mptr(var));
  check_launch("batch_norm stats");
}

template <typename I>
__global__ void bn_apply_kernel(const float* __restrict__ x, const float* __restrict__ mean,
                                const float* __restrict__ invstd, const float* __restrict__ w,
                                const float* __restrict__ b, float* __restrict__ y, I total, I C,
                                I S, bool relu) {
  for (I i = blockIdx.x * I(blockDim.x) + threadIdx.x; i < total; i += I(gridDim.x) * blockDim.x) {
    const I c = (i / S) % C;
    const float scale = invstd[c] * (w ? w[c] : 1.0f);
    const float shift = (b ? b[c] : 0.0f) - mean[c] * scale;
    const float v = x[i] * scale + shift;
    y[i] = relu ? fmaxf(v, 0.0f) : v;
  }
}

void bn_apply_cuda(const Tensor& x, const Tensor& mean, const Tensor& invstd, const Tensor& weight,
                   const Tensor& bias, const Tensor& y, bool relu) {
  const int64_t total = x.numel();
  if (total == 0) return;
  const int device = x.device().index;
  CudaDeviceGuard guard(device);
  with_index_type(total, [&](auto idx) {
    using I = decltype(idx);
    bn_apply_kernel<I><<<grid_for(total, device), kThreads, 0, stream_of(x)>>>(
        cptr(x), cptr(mean), cptr(invstd), cptr(weight), cptr(bias), mptr(y), I(total),
        I(x.size(1)), I(x.size(2)), relu);
  });
  check_launch("batch_norm apply");
}

// Per channel: grad_weight = sum(g * xhat), grad_bias = sum(g), and the grad_x coefficients
// gx = k * g + px * x + q (k = w * invstd; training adds the terms of the batch statistics).
__global__ void bn_backward_finalize_kernel(const double* __restrict__ partial, int64_t splits,
                                            int64_t C, double cnt, const float* __restrict__ mean,
                                            const float* __restrict__ invstd,
                                            const float* __restrict__ w, bool training,
                                            float* __restrict__ gw, float* __restrict__ gb,
                                            float* __restrict__ coef) {
  const int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (c >= C) return;
  double sg = 0, sgx = 0;
  if (partial) combine(partial, c, splits, sg, sgx);
  const double mu = mean[c], inv = invstd[c], wc = w ? static_cast<double>(w[c]) : 1.0;
  const double sgxhat = inv * (sgx - mu * sg);
  if (gw) gw[c] = static_cast<float>(sgxhat);
  if (gb) gb[c] = static_cast<float>(sg);
  if (!coef) return;
  const double k = wc * inv;
  const double a = training ? sg / cnt : 0.0;
  const double d = training ? sgxhat / cnt : 0.0;
  coef[c * 3] = static_cast<float>(k);
  coef[c * 3 + 1] = static_cast<float>(-k * d * inv);
  coef[c * 3 + 2] = static_cast<float>(-k * a + k * d * inv * mu);
}

// gx = k * g + px * x + q with per-row coefficients, row = i / S, coefficient set = row % C
// (batch norm: the channel) or row (group norm: the (n, c) plane, C = rows).
template <typename I>
__global__ void norm_grad_x_kernel(const float* __restrict__ g, const float* __restrict__ x,
                                   const float* __restrict__ coef, float* __restrict__ gx, I total,
                                   I C, I S) {
  for (I i = blockIdx.x * I(blockDim.x) + threadIdx.x; i < total; i += I(gridDim.x) * blockDim.x) {
    const I c = (i / S) % C;
    gx[i] = coef[c * 3] * g[i] + coef[c * 3 + 1] * x[i] + coef[c * 3 + 2];
  }
}

void launch_grad_x(const Tensor& g, const Tensor& x, const Tensor& coef, const Tensor& gx,
                   int64_t coef_rows, int64_t S, cudaStream_t stream, const char* what) {
  const int64_t total = gx.numel();
  if (total == 0) return;
  with_index_type(total, [&](auto idx) {
    using I = decltype(idx);
    norm_grad_x_kernel<I><<<grid_for(total, gx.device().index), kThreads, 0, stream>>>(
        cptr(g), cptr(x), cptr(coef), mptr(gx), I(total), I(coef_rows), I(S));
  });
  check_launch(what);
}

void bn_backward_cuda(const Tensor& gy, const Tensor& x, const Tensor& mean, const Tensor& invstd,
                      const Tensor& weight, bool training, const Tensor& gx, const Tensor& gw,
                      const Tensor& gb) {
  const int64_t N = x.size(0), C = x.size(1), S = x.size(2);
  if (C == 0) return;
  CudaDeviceGuard guard(x.device().index);
  cudaStream_t stream = stream_of(x);
  const bool need_sums = gw.defined() || gb.defined() || (gx.defined() && training);
  Tensor partial;
  int64_t splits = 0;
  if (need_sums && N * S > 0) {
    partial = segment_sums(cptr(gy), cptr(x), SegmentGeometry{C, N, S, S, C * S}, x.device(),
                           stream, splits);
  }
  Tensor coef = gx.defined() ? empty({C * 3}, DType::f32, x.device()) : Tensor();
  bn_backward_finalize_kernel<<<static_cast<unsigned>((C + kThreads - 1) / kThreads), kThreads, 0,
                                stream>>>(dptr(partial), splits, C, static_cast<double>(N * S),
                                          cptr(mean), cptr(invstd), cptr(weight), training,
                                          mptr(gw), mptr(gb), mptr(coef));
  check_launch("batch_norm backward (per channel)");
  if (gx.defined()) launch_grad_x(gy, x, coef, gx, C, S, stream, "batch_norm backward (grad_x)");
}

// --- group norm ---

__global__ void gn_stats_finalize_kernel(const double* __restrict__ partial, int64_t splits,
                                         int64_t rows, double D, double eps,
                                         float* __restrict__ mean, float* __restrict__ rstd,
                                         float* __restrict__ var) {
  const int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (r >= rows) return;
  double s, ss;
  combine(partial, r, splits, s, ss);
  const double mu = s / D;
  const double vr = fmax(ss / D - mu * mu, 0.0);
  mean[r] = static_cast<float>(mu);
  rstd[r] = static_cast<float>(1.0 / sqrt(vr + eps));
  if (var) var[r] = static_cast<float>(vr);
}

void gn_stats_cuda(const Tensor& x, int64_t G, double eps, const Tensor& mean, const Tensor& rstd,
                   const Tensor& var) {
  const int64_t N = x.size(0), C = x.size(1), S = x.size(2);
  const int64_t rows = N * G, D = C / G * S;
  if (rows == 0) return;
  CudaDeviceGuard guard(x.device().index);
  cudaStream_t stream = stream_of(x);
  int64_t splits = 0;
  const Tensor partial =
      segment_sums(cptr(x), static_cast<const float*>(nullptr), SegmentGeometry{rows, 1, D, D, 0},
                   x.device(), stream, splits);
  gn_stats_finalize_kernel<<<static_cast<unsigned>((rows + kThreads - 1) / kThreads), kThreads, 0,
                             stream>>>(dptr(partial), splits, rows, static_cast<double>(D), eps,
                                       mptr(mean), mptr(rstd), mptr(var));
  check_launch("group_norm stats");
}

template <typename I>
__global__ void gn_apply_kernel(const float* __restrict__ x, const float* __restrict__ mean,
                                const float* __restrict__ rstd, const float* __restrict__ w,
                                const float* __restrict__ b, float* __restrict__ y, I total, I C,
                                I S, I G) {
  const I cpg = C / G;
  for (I i = blockIdx.x * I(blockDim.x) + threadIdx.x; i < total; i += I(gridDim.x) * blockDim.x) {
    const I p = i / S, n = p / C, c = p - n * C, r = n * G + c / cpg;
    const float scale = rstd[r] * (w ? w[c] : 1.0f);
    const float shift = (b ? b[c] : 0.0f) - mean[r] * scale;
    y[i] = x[i] * scale + shift;
  }
}

void gn_apply_cuda(const Tensor& x, int64_t G, const Tensor& mean, const Tensor& rstd,
                   const Tensor& weight, const Tensor& bias, const Tensor& y) {
  const int64_t total = x.numel();
  if (total == 0) return;
  const int device = x.device().index;
  CudaDeviceGuard guard(device);
  with_index_type(total, [&](auto idx) {
    using I = decltype(idx);
    gn_apply_kernel<I><<<grid_for(total, device), kThreads, 0, stream_of(x)>>>(
        cptr(x), cptr(mean), cptr(rstd), cptr(weight), cptr(bias), mptr(y), I(total), I(x.size(1)),
        I(x.size(2)), I(G));
  });
  check_launch("group_norm apply");
}

// One thread per (n, group): combines the (n, c) plane sums of its channels, keeps them (sums,
// for grad_weight / grad_bias) and writes the grad_x coefficients of each of its planes.
__global__ void gn_backward_rows_kernel(const double* __restrict__ partial, int64_t splits,
                                        int64_t N, int64_t C, int64_t G, double D,
                                        const float* __restrict__ mean,
                                        const float* __restrict__ rstd, const float* __restrict__ w,
                                        double* __restrict__ sums, float* __restrict__ coef) {
  const int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (r >= N * G) return;
  const int64_t cpg = C / G, n = r / G, c0 = (r % G) * cpg;
  const double mu = mean[r], inv = rstd[r];
  // a = mean(dxhat), d = mean(dxhat * xhat) over the group, with dxhat = g * weight[c].
  double a = 0, d = 0;
  for (int64_t c = c0; c < c0 + cpg; ++c) {
    const int64_t p = n * C + c;
    double sg = 0, sgx = 0;
    if (partial) combine(partial, p, splits, sg, sgx);
    sums[p * 2] = sg;
    sums[p * 2 + 1] = sgx;
    const double wc = w ? static_cast<double>(w[c]) : 1.0;
    a += wc * sg;
    d += wc * inv * (sgx - mu * sg);
  }
  if (!coef) return;
  a /= D;
  d /= D;
  const float px = static_cast<float>(-inv * inv * d);
  const float q = static_cast<float>(-inv * a + inv * inv * d * mu);
  for (int64_t c = c0; c < c0 + cpg; ++c) {
    const int64_t p = n * C + c;
    const double wc = w ? static_cast<double>(w[c]) : 1.0;
    coef[p * 3] = static_cast<float>(inv * wc);
    coef[p * 3 + 1] = px;
    coef[p * 3 + 2] = q;
  }
}

// One thread per channel: grad_weight = sum_n rstd * (sum(g * x) - mean * sum(g)),
// grad_bias = sum_n sum(g).
__global__ void gn_backward_channels_kernel(const double* __restrict__ sums, int64_t N, int64_t C,
                                            int64_t G, const float* __restrict__ mean,
                                            const float* __restrict__ rstd, float* __restrict__ gw,
                                            float* __restrict__ gb) {
  const int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (c >= C) return;
  const int64_t cpg = C / G;
  double sw = 0, sb = 0;
  for (int64_t n = 0; n < N; ++n) {
    const int64_t p = n * C + c, r = n * G + c / cpg;
    sw += static_cast<double>(rstd[r]) *
          (sums[p * 2 + 1] - static_cast<double>(mean[r]) * sums[p * 2]);
    sb += sums[p * 2];
  }
  if (gw) gw[c] = static_cast<float>(sw);
  if (gb) gb[c] = static_cast<float>(sb);
}

void gn_backward_cuda(const Tensor& gy, const Tensor& x, int64_t G, const Tensor& mean,
                      const Tensor& rstd, const Tensor& weight, const Tensor& gx, const Tensor& gw,
                      const Tensor& gb) {
  const int64_t N = x.size(0), C = x.size(1), S = x.size(2);
  if (C == 0) return;
  CudaDeviceGuard guard(x.device().index);
  cudaStream_t stream = stream_of(x);
  const int64_t planes = N * C;
  Tensor sums = empty({std::max<int64_t>(planes, 1) * 2}, DType::f64, x.device());
  Tensor coef = gx.defined() && planes > 0 ? empty({planes * 3}, DType::f32, x.device()) : Tensor();
  if (planes > 0) {
    Tensor partial;
    int64_t splits = 0;
    if (S > 0) {
      partial = segment_sums(cptr(gy), cptr(x), SegmentGeometry{planes, 1, S, S, 0}, x.device(),
                             stream, splits);
    }
    gn_backward_rows_kernel<<<static_cast<unsigned>((N * G + kThreads - 1) / kThreads), kThreads, 0,
                              stream>>>(
        dptr(partial), splits, N, C, G, static_cast<double>(C / G * S), cptr(mean), cptr(rstd),
        cptr(weight), static_cast<double*>(sums.raw_data()), mptr(coef));
    check_launch("group_norm backward (per group)");
  } else {
    DC_CUDA_CHECK(cudaMemsetAsync(sums.raw_data(), 0, sums.numel() * sizeof(double), stream),
                  "group_norm backward");
  }
  if (gw.defined() || gb.defined()) {
    gn_backward_channels_kernel<<<static_cast<unsigned>((C + kThreads - 1) / kThreads), kThreads, 0,
                                  stream>>>(dptr(sums), N, C, G, cptr(mean), cptr(rstd), mptr(gw),
                                            mptr(gb));
    check_launch("group_norm backward (per channel)");
  }
  if (gx.defined() && planes > 0) {
    launch_grad_x(gy, x, coef, gx, planes, S, stream, "group_norm backward (grad_x)");
  }
}

DC_REGISTER_KERNEL(batch_norm_stats_kernel, CUDA, f32, &bn_stats_cuda);
DC_REGISTER_KERNEL(batch_norm_apply_kernel, CUDA, f32, &bn_apply_cuda);
DC_REGISTER_KERNEL(batch_norm_backward_kernel, CUDA, f32, &bn_backward_cuda);
DC_REGISTER_KERNEL(group_norm_stats_kernel, CUDA, f32, &gn_stats_cuda);
DC_REGISTER_KERNEL(group_norm_apply_kernel, CUDA, f32, &gn_apply_cuda);
DC_REGISTER_KERNEL(group_norm_backward_kernel, CUDA, f32, &gn_backward_cuda);

}  // namespace
}  // namespace dc
