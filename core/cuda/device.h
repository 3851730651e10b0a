// CUDA devices: how many there are, which one is current, and why there are none.
//
// Everything here works on a machine with the CUDA toolkit but no GPU or no driver: the count is
// then 0 and cuda_unavailable_reason() says why (the GPU tests print it when they skip).
#pragma once

#include <string>
#include <vector>

#include "core/device.h"

namespace dc {

// Number of usable CUDA devices; 0 when there is no driver or no device (never throws).
int cuda_device_count();
bool cuda_is_available();
// Why cuda_device_count() is 0 ("" when it is not), e.g. "cudaGetDeviceCount failed:
// cudaErrorNoDevice (no CUDA-capable device is detected)".
std::string cuda_unavailable_reason();
// Throws a dc::Error naming `device` and the reason unless it is a usable CUDA device.
void check_cuda_device(Device device);

// The calling thread's current device (cudaSetDevice / cudaGetDevice).
void cuda_set_device(int index);
int cuda_current_device();
// Waits for all work on a device (index -1: the current one).
void cuda_synchronize(int index = -1);

struct CudaDeviceProperties {
  std::string name;
  int major = 0, minor = 0;  // compute capability
  int multiprocessors = 0;
  size_t total_memory = 0;
};
CudaDeviceProperties cuda_device_properties(int index);
// The device's multiprocessor count, cached (kernels size their grids by it).
int cuda_multiprocessor_count(int index);
// cudaMemGetInfo for the device: {free, total} bytes.
std::pair<size_t, size_t> cuda_memory_info(int index);

// The architectures the .cu files of this build were compiled for (from nvcc's
// __CUDA_ARCH_LIST__), e.g. {800, 900}. Defined in a .cu file, so calling it also proves that the
// nvcc objects were linked in. Needs no GPU.
std::vector<int> cuda_compiled_architectures();

// Sets the current device for a scope and restores the previous one.
class CudaDeviceGuard {
 public:
  explicit CudaDeviceGuard(int index);
  ~CudaDeviceGuard();
  CudaDeviceGuard(const CudaDeviceGuard&) = delete;
  CudaDeviceGuard& operator=(const CudaDeviceGuard&) = delete;

 private:
  int previous_;
  bool changed_;
};

}  // namespace dc
