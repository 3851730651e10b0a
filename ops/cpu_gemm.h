// Row-major OpenBLAS GEMM overloaded on float and double, so that kernels templated on the dtype
// (conv2d's f64 im2col path, conv_transpose2d, matmul) call one name:
//   c[m, n] = op(a)[m, k] op(b)[k, n] + beta * c,  op = identity or transpose (ta / tb),
// with a, b, c read through their leading dimensions lda, ldb, ldc.
#pragma once

#include <cblas.h>

#include <cstdint>

namespace dc {

inline void blas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int64_t m, int64_t n, int64_t k,
                      const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                      float* c, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
}

inline void blas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int64_t m, int64_t n, int64_t k,
                      const double* a, int64_t lda, const double* b, int64_t ldb, double beta,
                      double* c, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, 1.0, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace dc
