// The process runs OpenBLAS's OpenMP build (third_party/BUILD): its GEMM threads are libgomp's
// team, the one oneDNN and parallel_for use, not a second pool competing for the same cores. A
// link that falls back to the pthread build (the system alternative) fails here rather than
// showing up only as slower conv_transpose2d and matmul benchmarks.
#include <cblas.h>
#include <gtest/gtest.h>

#include <string>

#include "core/thread_pool.h"
#include "ops/creation.h"
#include "ops/linalg.h"

namespace dc {
namespace {

TEST(BlasThreading, OpenBlasIsTheOpenMpBuild) {
  // 0: sequential, 1: pthreads, 2: OpenMP.
  EXPECT_EQ(openblas_get_parallel(), 2) << "OpenBLAS config: " << openblas_get_config();
}

TEST(BlasThreading, FollowsTheThreadCount) {
  // parallel_for's thread count is handed to OpenBLAS (ops/cpu/linalg_cpu.cc), and a GEMM run
  // on those threads still gives exact small-integer products.
  set_num_threads(2);
  EXPECT_EQ(openblas_get_num_threads(), 2);
  const Tensor a = full({64, 64}, 1.0), b = full({64, 64}, 2.0);
  const Tensor c = matmul(a, b);
  EXPECT_EQ(c.to_vector()[0], 128.0);
  EXPECT_EQ(c.to_vector()[64 * 64 - 1], 128.0);
  set_num_threads(1);
  EXPECT_EQ(openblas_get_num_threads(), 1);
}

}  // namespace
}  // namespace dc
