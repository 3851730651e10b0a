// Matrix products on CUDA go through cuBLAS (gemm_kernel of ops/linalg.h, registered for f32, f16
// and bf16; half types accumulate in f32).
#pragma once

namespace dc {

// Lets f32 GEMMs use TF32 tensor cores (10-bit mantissa inputs, f32 accumulation): faster, less
// exact. Off by default, as PyTorch's torch.backends.cuda.matmul.allow_tf32.
void set_cuda_allow_tf32(bool allow);
bool cuda_allow_tf32();

}  // namespace dc
