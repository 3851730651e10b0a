// DC_CUDA_CHECK(call, what...): turns a failed CUDA runtime call into a dc::Error naming the call,
// the context and CUDA's own message. Internal to the CUDA backend.
#pragma once

#include <cuda_runtime_api.h>

#include "core/error.h"

#define DC_CUDA_CHECK(call, ...)                                                              \
  do {                                                                                        \
    const cudaError_t dc_cuda_err = (call);                                                   \
    if (dc_cuda_err != cudaSuccess) {                                                         \
      (void)cudaGetLastError(); /* clear a sticky-free error so the next call starts clean */ \
      DC_FAIL(__VA_ARGS__, ": ", #call, " failed: ", cudaGetErrorName(dc_cuda_err), " (",     \
              cudaGetErrorString(dc_cuda_err), ")");                                          \
    }                                                                                         \
  } while (0)
