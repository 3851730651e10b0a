// The architectures nvcc compiled this build's device code for. nvcc defines __CUDA_ARCH_LIST__
// (e.g. 800,900) in both the host and the device passes.
#include "core/cuda/device.h"

namespace dc {

std::vector<int> cuda_compiled_architectures() {
#ifdef __CUDA_ARCH_LIST__
  return {__CUDA_ARCH_LIST__};
#else
  return {};
#endif
}

}  // namespace dc
