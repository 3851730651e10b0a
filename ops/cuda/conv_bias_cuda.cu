// The bias of the cuDNN convolutions: y[n, k, h, w] += bias[k], in place, for f32, f16 and bf16
// (half types add in float). Its own kernel rather than an aliased elementwise call (out == a), and
// cheaper than cudnnAddTensor's generality; a grid-stride loop over the elements of y.
#include "core/cuda/launch.cuh"
#include "ops/cuda/cudnn_util.h"

namespace dc {
namespace {

using namespace cuda_detail;

template <typename T>
__global__ void add_bias_kernel(T* __restrict__ y, const T* __restrict__ bias, int64_t channels,
                                int64_t plane, int64_t n) {
  using M = opmath_t<T>;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    y[i] = cast<T>(cast<M>(y[i]) + cast<M>(bias[(i / plane) % channels]));
  }
}

template <typename T>
void launch(const Tensor& y, const Tensor& bias) {
  const int64_t n = y.numel(), plane = y.size(2) * y.size(3);
  if (n == 0) return;
  const int device = y.device().index;
  CudaDeviceGuard guard(device);
  add_bias_kernel<T><<<grid_for(n, device), kThreads, 0, stream_of(y)>>>(
      static_cast<T*>(y.raw_data()), static_cast<const T*>(bias.raw_data()), y.size(1), plane, n);
  check_launch("convolution bias");
}

}  // namespace

void conv_add_bias(const Tensor& y, const Tensor& bias) {
  DC_CHECK(y.dim() == 4 && y.is_contiguous() && bias.is_contiguous() && bias.dim() == 1 &&
               bias.size(0) == y.size(1) && bias.dtype() == y.dtype(),
           "convolution bias: expected a contiguous [N, K, H, W] output and a [K] bias of its "
           "dtype, got ",
           y.str(), " and ", bias.str());
  switch (y.dtype()) {
    case DType::f32:
      return launch<float>(y, bias);
    case DType::f16:
      return launch<__half>(y, bias);
    case DType::bf16:
      return launch<__nv_bfloat16>(y, bias);
    default:
      DC_FAIL("convolution bias: no CUDA kernel for ", y.str());
  }
}

}  // namespace dc
