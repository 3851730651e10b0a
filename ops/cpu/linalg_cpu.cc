// GEMM through OpenBLAS. Transposed views go to BLAS as Trans with their leading dimension, so
// x.t() or a column-major weight costs no copy.
#include <cblas.h>

#include <algorithm>

#include "core/copy.h"
#include "core/thread_pool.h"
#include "ops/cpu_gemm.h"
#include "ops/linalg.h"

namespace dc {
namespace {

// How BLAS can read a row-major (rows x cols) matrix with strides (rs, cs), if it can: NoTrans
// needs unit column stride, Trans unit row stride, and ld at least the contiguous extent.
bool blas_layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs, CBLAS_TRANSPOSE* tr,
                 blasint* ld) {
  if (cols == 1 || cs == 1) {
    const int64_t l = rows == 1 ? std::max<int64_t>(1, cols) : rs;
    if (l >= std::max<int64_t>(1, cols)) {
      *tr = CblasNoTrans;
      *ld = static_cast<blasint>(l);
      return true;
    }
  }
  if (rows == 1 || rs == 1) {
    const int64_t l = cols == 1 ? std::max<int64_t>(1, rows) : cs;
    if (l >= std::max<int64_t>(1, rows)) {
      *tr = CblasTrans;
      *ld = static_cast<blasint>(l);
      return true;
    }
  }
  return false;
}

// A [B, R, C] operand BLAS can read per batch: the view itself, or a contiguous copy.
Tensor blas_operand(const Tensor& t, CBLAS_TRANSPOSE* tr, blasint* ld) {
  if (blas_layout(t.size(1), t.size(2), t.stride(1), t.stride(2), tr, ld)) return t;
  Tensor c = empty(t.sizes(), t.dtype(), t.device());
  copy_into(c, t);
  blas_layout(c.size(1), c.size(2), c.stride(1), c.stride(2), tr, ld);
  return c;
}

template <typename T>
void gemm_cpu(const Tensor& out, const Tensor& a, const Tensor& b) {
  const int64_t batch = out.size(0), m = out.size(1), n = out.size(2), k = a.size(2);
  if (out.numel() == 0) return;
  if (k == 0) {
    fill_(out, 0);
    return;
  }
  CBLAS_TRANSPOSE ta, tb;
  blasint lda, ldb;
  const Tensor ac = blas_operand(a, &ta, &lda);
  const Tensor bc = blas_operand(b, &tb, &ldb);
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
