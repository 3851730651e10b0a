// Checks that need no GPU: the nvcc objects were compiled and linked in (a function defined in a
// .cu file answers), the CUDA kernels registered themselves in the dispatch tables, ops without a
// CUDA kernel say so, and asking for a device on a machine without one fails with the reason.
#include <gtest/gtest.h>

#include <iostream>

#include "core/tensor.h"
#include "ops/dispatch.h"
#include "ops/elementwise.h"
#include "ops/linalg.h"
#include "ops/reduce.h"
#include "ops/softmax.h"
#include "tests/testing/expect_error.h"

#ifdef DC_WITH_CUDA
#include "core/cuda/device.h"
#endif

namespace dc {
namespace {

const Device kCuda0{DeviceType::CUDA, 0};

#ifdef DC_WITH_CUDA

TEST(CudaBuild, DeviceCodeWasCompiledForTheConfiguredArchitectures) {
  // Defined in core/cuda/arch.cu from nvcc's __CUDA_ARCH_LIST__: linking it proves the .cu
  // objects are in the binary. The default build targets sm_80 and sm_90 (800, 900); `--define
  // cuda_archs=...` changes the list, so the test checks its form: ascending real architectures.
  const std::vector<int> archs = cuda_compiled_architectures();
  ASSERT_FALSE(archs.empty());
  for (size_t i = 0; i < archs.size(); ++i) {
    EXPECT_GE(archs[i], 500);
    EXPECT_EQ(archs[i] % 10, 0) << archs[i];
    if (i > 0) {
      EXPECT_GT(archs[i], archs[i - 1]);
    }
  }
  std::cout << "compiled for:";
  for (int a : archs) std::cout << " sm_" << a / 10;
  std::cout << "\n";
}

TEST(CudaBuild, KernelsAreRegisteredForCuda) {
  for (DType t : {DType::f32, DType::f16, DType::bf16}) {
    EXPECT_NE(unary_kernel().get(kCuda0, t), nullptr);
    EXPECT_NE(binary_kernel().get(kCuda0, t), nullptr);
    EXPECT_NE(where_kernel().get(kCuda0, t), nullptr);
    EXPECT_NE(reduce_kernel().get(kCuda0, t), nullptr);
    EXPECT_NE(gemm_kernel().get(kCuda0, t), nullptr);
  }
  // Registering CUDA kernels leaves the CPU ones in place.
  EXPECT_NE(unary_kernel().get(kCPU, DType::f32), nullptr);
}

// The "every op has a CUDA implementation", checked without a GPU: every kernel table
// that has a CPU f32 kernel has a CUDA f32 kernel too (f64 is CPU only by design).
TEST(CudaBuild, EveryOpWithACpuKernelHasACudaKernel) {
  const std::vector<const KernelTableInfo*> tables = all_kernel_tables();
  // The binary links every op family (cuda_ops brings //ops), so the list is far from empty.
  ASSERT_GT(tables.size(), 50u);
  std::vector<std::string> missing;
  int with_cpu = 0;
  for (const KernelTableInfo* t : tables) {
    if (!t->has(DeviceType::CPU, DType::f32)) continue;
    ++with_cpu;
    if (!t->has(DeviceType::CUDA, DType::f32)) missing.push_back(t->op());
  }
  std::string list;
  for (const std::string& op : missing) list += " " + op;
  EXPECT_TRUE(missing.empty()) << missing.size() << " of " << with_cpu
                               << " ops with a CPU f32 kernel have no CUDA f32 kernel:" << list;
  std::cout << with_cpu << " kernel tables with a CPU f32 kernel, all with a CUDA one\n";
}

TEST(CudaBuild, OpsWithoutACudaKernelFailLoudly) {
  expect_error([] { softmax_kernel().get(kCuda0, DType::f64); },
               {"softmax_kernel", "no kernel for device cuda:0", "dtype f64", "cpu/f64"});
  expect_error([] { unary_kernel().get(kCuda0, DType::f64); },
               {"unary_kernel", "no kernel for device cuda:0 and dtype f64"});
}

TEST(CudaBuild, NoDeviceMeansAClearError) {
  if (cuda_is_available()) GTEST_SKIP() << "a GPU is present; the no-device message is not shown";
  EXPECT_EQ(cuda_device_count(), 0);
  EXPECT_FALSE(cuda_unavailable_reason().empty());
  expect_error([] { empty({2}, DType::f32, kCuda0); },
               {"cuda:0", "no CUDA device is usable", cuda_unavailable_reason()});
  expect_error([] { tensor_from({1, 2}, {2}).to(kCuda0); }, {"cuda:0", "no CUDA device"});
}

#else

TEST(CudaBuild, CpuOnlyBuild) {
  // No toolkit: the CUDA targets are empty and CUDA devices fail naming the missing backend.
  expect_error([] { empty({2}, DType::f32, kCuda0); }, {"cuda:0", "no CUDA backend"});
  GTEST_SKIP() << "built without CUDA (no toolkit found by @local_cuda)";
}

#endif

}  // namespace
}  // namespace dc
