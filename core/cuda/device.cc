#include "core/cuda/device.h"

#include <mutex>

#include "core/cuda/cuda_check.h"

namespace dc {
namespace {

struct DeviceCount {
  int count = 0;
  std::string reason;
};

// Queried once: cudaGetDeviceCount initialises the driver, and its answer does not change.
const DeviceCount& device_count_once() {
  static const DeviceCount info = [] {
    DeviceCount d;
    const cudaError_t err = cudaGetDeviceCount(&d.count);
    if (err != cudaSuccess) {
      (void)cudaGetLastError();
      d.count = 0;
      d.reason = std::string("cudaGetDeviceCount failed: ") + cudaGetErrorName(err) + " (" +
                 cudaGetErrorString(err) + ")";
    } else if (d.count == 0) {
      d.reason = "the CUDA driver reports no device";
    }
    return d;
  }();
  return info;
}

}  // namespace

int cuda_device_count() { return device_count_once().count; }
bool cuda_is_available() { return cuda_device_count() > 0; }
std::string cuda_unavailable_reason() { return device_count_once().reason; }

void check_cuda_device(Device device) {
  DC_CHECK(device.type == DeviceType::CUDA, "expected a CUDA device, got ", device);
  const int n = cuda_device_count();
  DC_CHECK(n > 0, "device ", device,
           " requested but no CUDA device is usable: ", cuda_unavailable_reason());
  DC_CHECK(device.index >= 0 && device.index < n, "device ", device, " requested but only ", n,
           " CUDA device", n == 1 ? " is" : "s are", " present (cuda:0 to cuda:", n - 1, ")");
}

void cuda_set_device(int index) {
  check_cuda_device(Device{DeviceType::CUDA, index});
  DC_CUDA_CHECK(cudaSetDevice(index), "cuda_set_device(", index, ")");
}

int cuda_current_device() {
  int d = 0;
  DC_CUDA_CHECK(cudaGetDevice(&d), "cuda_current_device");
  return d;
}

void cuda_synchronize(int index) {
  CudaDeviceGuard guard(index < 0 ? cuda_current_device() : index);
  DC_CUDA_CHECK(cudaDeviceSynchronize(), "cuda_synchronize(", index, ")");
}

CudaDeviceProperties cuda_device_properties(int index) {
  check_cuda_device(Device{DeviceType::CUDA, index});
  cudaDeviceProp p;
  DC_CUDA_CHECK(cudaGetDeviceProperties(&p, index), "cuda_device_properties(", index, ")");
  CudaDeviceProperties out;
  out.name = p.name;
  out.major = p.major;
  out.minor = p.minor;
  out.multiprocessors = p.multiProcessorCount;
  out.total_memory = p.totalGlobalMem;
  return out;
}

int cuda_multiprocessor_count(int index) {
  static std::vector<int>* counts = [] {
    auto* v = new std::vector<int>();
    for (int d = 0; d < cuda_device_count(); ++d) {
      int n = 0;
      DC_CUDA_CHECK(cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, d),
                    "cuda_multiprocessor_count(", d, ")");
      v->push_back(n);
    }
    return v;
  }();
  check_cuda_device(Device{DeviceType::CUDA, index});
  return (*counts)[index];
}

std::pair<size_t, size_t> cuda_memory_info(int index) {
  CudaDeviceGuard guard(index);
  size_t free = 0, total = 0;
  DC_CUDA_CHECK(cudaMemGetInfo(&free, &total), "cuda_memory_info(", index, ")");
  return {free, total};
}

CudaDeviceGuard::CudaDeviceGuard(int index) : previous_(0), changed_(false) {
  check_cuda_device(Device{DeviceType::CUDA, index});
  DC_CUDA_CHECK(cudaGetDevice(&previous_), "CudaDeviceGuard");
  if (previous_ != index) {
    DC_CUDA_CHECK(cudaSetDevice(index), "CudaDeviceGuard(", index, ")");
    changed_ = true;
  }
}

CudaDeviceGuard::~CudaDeviceGuard() {
  if (changed_) (void)cudaSetDevice(previous_);
}

}  // namespace dc
