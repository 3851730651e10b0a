// CUDA convolutions through cuDNN 9: conv2d and conv_transpose2d forward and backward (kernels of
// ops/conv.h and ops/conv_transpose.h, registered for f32, f16 and bf16).
//
// Each convolution pass (forward, backward data, backward filter) picks its cuDNN algorithm once
// per (pass, device, dtype, math mode, input and weight shapes, stride, padding, dilation, groups)
// and caches it for the life of the process, as torch.backends.cudnn does:
//   - by default from cuDNN's heuristics (cudnnGet*Algorithm_v7: no timing, no extra memory), the
//     choice PyTorch makes with torch.backends.cudnn.benchmark = False;
//   - with set_cudnn_benchmark(true), by timing the candidates on the real tensors
//     (cudnnFind*AlgorithmEx) the first time a shape is seen, as benchmark = True: the first call
//     of each shape is slow, later ones may be faster.
// f32 uses TF32 tensor cores only with set_cuda_allow_tf32(true) (ops/cuda/cublas_gemm.h; off by
// default, unlike PyTorch's torch.backends.cudnn.allow_tf32); f16 and bf16 use tensor-op math with
// f32 accumulation. Workspaces come from the caching allocator.
#pragma once

#include <cstdint>

namespace dc {

// The cuDNN library loaded at run time (cudnnGetVersion(), e.g. 91900 for 9.19.0); needs no GPU.
int64_t cudnn_version();

void set_cudnn_benchmark(bool benchmark);
bool cudnn_benchmark();

// Algorithm cache: how many (pass, problem) entries it holds, how many algorithm searches
// (heuristic queries or timed finds) ran since start, and emptying it (the next call of every
// shape searches again).
int64_t cudnn_conv_algo_cache_size();
int64_t cudnn_conv_algo_searches();
void cudnn_conv_clear_algo_cache();

}  // namespace dc
