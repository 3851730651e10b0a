// GEMM through OpenBLAS. Transposed views go to BLAS as Trans with their leading dimension, so
// x.t() or a column-major weight costs no copy.
#include <cblas.h>

#include <algorithm>

#include "core/copy.h"
#include "core/thread_pool.h"
#include "ops/cpu_gemm.h"
#include "ops/gemm_layout.h"
#include "ops/linalg.h"

namespace dc {
namespace {

template <typename T>
void gemm_cpu(const Tensor& out, const Tensor& a, const Tensor& b) {
  const int64_t batch = out.size(0), m = out.size(1), n = out.size(2), k = a.size(2);
  if (out.numel() == 0) return;
  if (k == 0) {
    fill_(out, 0);
    return;
  }
  GemmOperandLayout la, lb;
  const Tensor ac = gemm_operand(a, &la);
  const Tensor bc = gemm_operand(b, &lb);
  const CBLAS_TRANSPOSE ta = la.transposed ? CblasTrans : CblasNoTrans;
  const CBLAS_TRANSPOSE tb = lb.transposed ? CblasTrans : CblasNoTrans;
  const blasint lda = static_cast<blasint>(la.ld), ldb = static_cast<blasint>(lb.ld);
  const T* pa = ac.data<T>();
  const T* pb = bc.data<T>();
  T* pc = out.data<T>();
  for (int64_t i = 0; i < batch; ++i) {
    blas_gemm(ta, tb, m, n, k, pa + i * ac.stride(0), lda, pb + i * bc.stride(0), ldb, T(0),
              pc + i * m * n, n);
  }
}

// OpenBLAS keeps its own pool; sizing it to ours keeps GEMM from oversubscribing the cores.
void set_blas_threads(int n) { openblas_set_num_threads(n); }

[[maybe_unused]] const bool registered_listener =
    (add_thread_count_listener(&set_blas_threads), true);

DC_REGISTER_KERNEL(gemm_kernel, CPU, f32, &gemm_cpu<float>);
DC_REGISTER_KERNEL(gemm_kernel, CPU, f64, &gemm_cpu<double>);

}  // namespace
}  // namespace dc
