// gemm_kernel for CUDA through cuBLAS. cuBLAS is column-major: a row-major C = A B is computed as
// the column-major C^T = B^T A^T, which reads the same memory. A transposed view (unit row stride)
// is passed as op T with its leading dimension, so x.t() costs no copy; any other layout is made
// contiguous first.
#include "ops/cuda/cublas_gemm.h"

#include <cublas_v2.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "core/copy.h"
#include "core/cuda/cuda_check.h"
#include "core/cuda/device.h"
#include "core/cuda/stream.h"
#include "ops/cuda/impl_select.h"
#include "ops/gemm_layout.h"
#include "ops/linalg.h"

namespace dc {
namespace {

std::atomic<bool> g_allow_tf32{false};

const char* cublas_status(cublasStatus_t s) {
  switch (s) {
    case CUBLAS_STATUS_SUCCESS:
      return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED:
      return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED:
      return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE:
      return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH:
      return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_EXECUTION_FAILED:
      return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_NOT_SUPPORTED:
      return "CUBLAS_STATUS_NOT_SUPPORTED";
    default:
      return "cuBLAS error";
  }
}

#define DC_CUBLAS_CHECK(call, ...)                                          \
  do {                                                                      \
    const cublasStatus_t dc_st = (call);                                    \
    if (dc_st != CUBLAS_STATUS_SUCCESS)                                     \
      DC_FAIL(__VA_ARGS__, ": ", #call, " failed: ", cublas_status(dc_st)); \
  } while (0)

// One handle per device, created on first use and kept for the process (handles are costly to
// create and hold their own workspace).
cublasHandle_t handle_for(int device) {
  static std::mutex mu;
  static std::vector<cublasHandle_t>* handles = new std::vector<cublasHandle_t>();
  std::lock_guard<std::mutex> lock(mu);
  if (handles->empty()) handles->assign(cuda_device_count(), nullptr);
  cublasHandle_t& h = (*handles)[device];
  if (h == nullptr) {
    CudaDeviceGuard guard(device);
    DC_CUBLAS_CHECK(cublasCreate(&h), "matmul on cuda:", device);
  }
  return h;
}

template <cudaDataType_t kType>
void gemm_cuda(const Tensor& out, const Tensor& a, const Tensor& b) {
  // Benchmarking our own kernel (ScopedCudaImpl): it takes the same contract, so hand it over.
  if (cuda_gemm_impl() == CudaImpl::kOurs) return ours_gemm()(out, a, b);
  const int64_t batch = out.size(0), m = out.size(1), n = out.size(2), k = a.size(2);
  if (out.numel() == 0) return;
  if (k == 0) {
    fill_(out, 0.0);
    return;
  }
  const int device = out.device().index;
  CudaDeviceGuard guard(device);
  // A row-major operand read untransposed is, to column-major cuBLAS, op N of its transpose.
  GemmOperandLayout la, lb;
  const Tensor ac = gemm_operand(a, &la);
  const Tensor bc = gemm_operand(b, &lb);
  const cublasOperation_t ta = la.transposed ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t tb = lb.transposed ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int64_t lda = la.ld, ldb = lb.ld;
  DC_CHECK(m <= INT32_MAX && n <= INT32_MAX && k <= INT32_MAX && lda <= INT32_MAX &&
               ldb <= INT32_MAX && batch <= INT32_MAX,
           "matmul: CUDA GEMM dims must fit in 32 bits, got out ", out.str(), " and k = ", k);
  cublasHandle_t h = handle_for(device);
  DC_CUBLAS_CHECK(cublasSetStream(h, current_cuda_stream(device).handle()), "matmul");
  const bool tf32 = kType == CUDA_R_32F && g_allow_tf32.load();
  const cublasComputeType_t compute = tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  const float alpha = 1.0f, beta = 0.0f;
  // Column-major C^T (n x m) = B^T (n x k) * A^T (k x m).
  const int64_t sa = batch == 1 ? 0 : ac.stride(0), sb = batch == 1 ? 0 : bc.stride(0);
  DC_CUBLAS_CHECK(cublasGemmStridedBatchedEx(
                      h, tb, ta, static_cast<int>(n), static_cast<int>(m), static_cast<int>(k),
                      &alpha, bc.raw_data(), kType, static_cast<int>(ldb), sb, ac.raw_data(), kType,
                      static_cast<int>(lda), sa, &beta, out.raw_data(), kType, static_cast<int>(n),
                      m * n, static_cast<int>(batch), compute, CUBLAS_GEMM_DEFAULT),
                  "matmul ", a.str(), " x ", b.str(), " on ", out.device());
}

DC_REGISTER_KERNEL(gemm_kernel, CUDA, f32, &gemm_cuda<CUDA_R_32F>);
DC_REGISTER_KERNEL(gemm_kernel, CUDA, f16, &gemm_cuda<CUDA_R_16F>);
DC_REGISTER_KERNEL(gemm_kernel, CUDA, bf16, &gemm_cuda<CUDA_R_16BF>);

}  // namespace

void set_cuda_allow_tf32(bool allow) { g_allow_tf32.store(allow); }
bool cuda_allow_tf32() { return g_allow_tf32.load(); }

}  // namespace dc
