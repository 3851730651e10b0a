// cuDNN handles, descriptors, algorithm selection and cache, and the three convolution passes
// (see cudnn_util.h and cudnn_conv.h).
#include "ops/cuda/cudnn_util.h"

#include <algorithm>
#include <atomic>
#include <climits>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "core/copy.h"
#include "core/cuda/device.h"
#include "core/cuda/stream.h"
#include "ops/cuda/cublas_gemm.h"
#include "ops/cuda/cudnn_conv.h"
#include "ops/reduce.h"

namespace dc {
namespace {

std::atomic<bool> g_benchmark{false};

std::string dims_str(const std::array<int64_t, 4>& s) {
  return "[" + std::to_string(s[0]) + ", " + std::to_string(s[1]) + ", " + std::to_string(s[2]) +
         ", " + std::to_string(s[3]) + "]";
}

// "conv2d (x [..], w [..], y [..], stride (..), ...)" for error messages.
std::string describe(const CudnnConvProblem& p) {
  return p.what + " on cuda:" + std::to_string(p.device) + " (" + dtype_name(p.dtype) + ", x " +
         dims_str(p.x) + ", w " + dims_str(p.w) + ", y " + dims_str(p.y) + ", stride (" +
         std::to_string(p.stride[0]) + ", " + std::to_string(p.stride[1]) + "), padding (" +
         std::to_string(p.padding[0]) + ", " + std::to_string(p.padding[1]) + "), dilation (" +
         std::to_string(p.dilation[0]) + ", " + std::to_string(p.dilation[1]) + "), groups " +
         std::to_string(p.groups) + ")";
}

cudnnDataType_t cudnn_type(const CudnnConvProblem& p) {
  switch (p.dtype) {
    case DType::f32:
      return CUDNN_DATA_FLOAT;
    case DType::f16:
      return CUDNN_DATA_HALF;
    case DType::bf16:
      return CUDNN_DATA_BFLOAT16;
    default:
      DC_FAIL(describe(p), ": cuDNN convolutions take f32, f16 or bf16");
  }
}

// f32: FMA only unless TF32 is allowed (CUDNN_DEFAULT_MATH lets cuDNN use TF32 on Ampere and
// later). Half types: tensor cores, f32 accumulation (the convolution's compute type).
cudnnMathType_t math_type(DType t) {
  if (t == DType::f32) return cuda_allow_tf32() ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;
  return CUDNN_TENSOR_OP_MATH;
}

// One handle per device, created on first use and kept; its mutex serialises the (set stream,
// call) pairs of threads sharing it.
struct DeviceHandle {
  std::mutex mu;
  cudnnHandle_t handle = nullptr;
};

DeviceHandle& device_handle(int device) {
  static std::mutex mu;
  static auto* handles = new std::vector<std::unique_ptr<DeviceHandle>>();
  std::lock_guard<std::mutex> lock(mu);
  if (handles->empty()) {
    const int n = cuda_device_count();
    for (int i = 0; i < n; ++i) handles->push_back(std::make_unique<DeviceHandle>());
  }
  DC_CHECK(device >= 0 && device < static_cast<int>(handles->size()),
           "cuDNN: no device cuda:", device, " (", handles->size(), " visible)");
  return *(*handles)[device];
}

// The device's handle, locked and bound to the calling thread's current stream for a scope.
class HandleLease {
 public:
  HandleLease(const CudnnConvProblem& p) : dh_(device_handle(p.device)), lock_(dh_.mu) {
    if (dh_.handle == nullptr) {
      DC_CUDNN_CHECK(cudnnCreate(&dh_.handle), describe(p));
    }
    DC_CUDNN_CHECK(cudnnSetStream(dh_.handle, current_cuda_stream(p.device).handle()), describe(p));
  }
  cudnnHandle_t get() const { return dh_.handle; }

 private:
  DeviceHandle& dh_;
  std::unique_lock<std::mutex> lock_;
};

int to_int(int64_t v, const CudnnConvProblem& p) {
  DC_CHECK(v >= 0 && v <= INT_MAX, describe(p), ": size ", v, " does not fit cuDNN's 32-bit ints");
  return static_cast<int>(v);
}

void check_numel(const std::array<int64_t, 4>& s, const CudnnConvProblem& p) {
  DC_CHECK(s[0] * s[1] * s[2] * s[3] <= INT_MAX, describe(p), ": tensor ", dims_str(s),
           " has more than 2^31 - 1 elements, the limit of cuDNN's legacy convolution API; split "
           "the batch");
}

// RAII descriptors of one problem.
class Descriptors {
 public:
  explicit Descriptors(const CudnnConvProblem& p) : p_(p) {
    const cudnnDataType_t t = cudnn_type(p);
    check_numel(p.x, p);
    check_numel(p.w, p);
    check_numel(p.y, p);
    DC_CUDNN_CHECK(cudnnCreateTensorDescriptor(&x), describe(p));
    DC_CUDNN_CHECK(cudnnCreateTensorDescriptor(&y), describe(p));
    DC_CUDNN_CHECK(cudnnCreateFilterDescriptor(&w), describe(p));
    DC_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&conv), describe(p));
    DC_CUDNN_CHECK(
        cudnnSetTensor4dDescriptor(x, CUDNN_TENSOR_NCHW, t, to_int(p.x[0], p), to_int(p.x[1], p),
                                   to_int(p.x[2], p), to_int(p.x[3], p)),
        describe(p), " (input descriptor)");
    DC_CUDNN_CHECK(
        cudnnSetTensor4dDescriptor(y, CUDNN_TENSOR_NCHW, t, to_int(p.y[0], p), to_int(p.y[1], p),
                                   to_int(p.y[2], p), to_int(p.y[3], p)),
        describe(p), " (output descriptor)");
    DC_CUDNN_CHECK(
        cudnnSetFilter4dDescriptor(w, t, CUDNN_TENSOR_NCHW, to_int(p.w[0], p), to_int(p.w[1], p),
                                   to_int(p.w[2], p), to_int(p.w[3], p)),
        describe(p), " (weight descriptor)");
    DC_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(
                       conv, to_int(p.padding[0], p), to_int(p.padding[1], p),
                       to_int(p.stride[0], p), to_int(p.stride[1], p), to_int(p.dilation[0], p),
                       to_int(p.dilation[1], p), CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
                   describe(p), " (convolution descriptor)");
    DC_CUDNN_CHECK(cudnnSetConvolutionGroupCount(conv, to_int(p.groups, p)), describe(p));
    set_math(math_type(p.dtype));
  }
  ~Descriptors() {
    cudnnDestroyConvolutionDescriptor(conv);
    cudnnDestroyFilterDescriptor(w);
    cudnnDestroyTensorDescriptor(y);
    cudnnDestroyTensorDescriptor(x);
  }
  Descriptors(const Descriptors&) = delete;
  Descriptors& operator=(const Descriptors&) = delete;

  void set_math(cudnnMathType_t m) {
    DC_CUDNN_CHECK(cudnnSetConvolutionMathType(conv, m), describe(p_));
  }

  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;

 private:
  const CudnnConvProblem& p_;
};

// --- the algorithm cache ---

enum Pass { kForward = 0, kBackwardData = 1, kBackwardFilter = 2 };
const char* pass_name(Pass pass) {
  return pass == kForward ? "forward" : pass == kBackwardData ? "backward data" : "backward filter";
}

struct Choice {
  int algo = 0;
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;
  size_t workspace = 0;
};

using Key = std::array<int64_t, 19>;

Key make_key(Pass pass, const CudnnConvProblem& p) {
  return {pass,
          p.device,
          static_cast<int64_t>(p.dtype),
          static_cast<int64_t>(math_type(p.dtype)),
          p.x[0],
          p.x[1],
          p.x[2],
          p.x[3],
          p.w[0],
          p.w[1],
          p.w[2],
          p.w[3],
          p.stride[0],
          p.stride[1],
          p.padding[0],
          p.padding[1],
          p.dilation[0],
          p.dilation[1],
          p.groups};
}

struct AlgoCache {
  std::mutex mu;
  std::map<Key, Choice> map;
  int64_t searches = 0;
};

AlgoCache& algo_cache() {
  static auto* cache = new AlgoCache();
  return *cache;
}

// The math type an algorithm runs with: the one cuDNN reported for it, except that f32 stays on
// FMA unless TF32 is allowed.
cudnnMathType_t effective_math(cudnnMathType_t reported, DType t) {
  if (t == DType::f32 && !cuda_allow_tf32()) return CUDNN_FMA_MATH;
  return reported;
}

// The workspace of `algo` under math type `m`, or false when cuDNN says it cannot run this problem.
bool workspace_of(Pass pass, cudnnHandle_t h, Descriptors& d, int algo, size_t* bytes) {
  cudnnStatus_t st;
  switch (pass) {
    case kForward:
      st = cudnnGetConvolutionForwardWorkspaceSize(
          h, d.x, d.w, d.conv, d.y, static_cast<cudnnConvolutionFwdAlgo_t>(algo), bytes);
      break;
    case kBackwardData:
      st = cudnnGetConvolutionBackwardDataWorkspaceSize(
          h, d.w, d.y, d.conv, d.x, static_cast<cudnnConvolutionBwdDataAlgo_t>(algo), bytes);
      break;
    default:
      st = cudnnGetConvolutionBackwardFilterWorkspaceSize(
          h, d.x, d.y, d.conv, d.w, static_cast<cudnnConvolutionBwdFilterAlgo_t>(algo), bytes);
      break;
  }
  return st == CUDNN_STATUS_SUCCESS;
}

int algo_count(Pass pass) {
  switch (pass) {
    case kForward:
      return CUDNN_CONVOLUTION_FWD_ALGO_COUNT;
    case kBackwardData:
      return CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT;
    default:
      return CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT;
  }
}

// A workspace for timed finds: the largest any algorithm asks for, bounded by half the device's
// free memory and by 1 GiB (an algorithm needing more is left out of the race).
size_t find_workspace(Pass pass, cudnnHandle_t h, Descriptors& d, const CudnnConvProblem& p) {
  size_t best = 0;
  for (int a = 0; a < algo_count(pass); ++a) {
    size_t b = 0;
    if (workspace_of(pass, h, d, a, &b)) best = std::max(best, b);
  }
  const size_t free_half = cuda_memory_info(p.device).first / 2;
  return std::min({best, free_half, size_t(1) << 30});
}

// Perf results of one pass, as (algo, status, math) triples, best first.
struct Candidate {
  int algo;
  cudnnStatus_t status;
  cudnnMathType_t math;
};

template <typename Perf>
std::vector<Candidate> candidates(const Perf* perf, int n) {
  std::vector<Candidate> out;
  for (int i = 0; i < n; ++i) {
    out.push_back({static_cast<int>(perf[i].algo), perf[i].status, perf[i].mathType});
  }
  return out;
}

// Asks cuDNN for the ranked algorithms of one pass (heuristics, or timed on the real buffers).
std::vector<Candidate> rank_algorithms(Pass pass, cudnnHandle_t h, Descriptors& d,
                                       const CudnnConvProblem& p, const Tensor& x, const Tensor& w,
                                       const Tensor& y) {
  constexpr int kMax = 16;
  int n = 0;
  const bool find = g_benchmark.load();
  Tensor ws;
  size_t ws_bytes = 0;
  if (find) {
    ws_bytes = find_workspace(pass, h, d, p);
    if (ws_bytes > 0) {
      ws = empty({static_cast<int64_t>(ws_bytes)}, DType::u8, Device{DeviceType::CUDA, p.device});
    }
  }
  void* wsp = ws.defined() ? ws.raw_data() : nullptr;
  const std::string ctx = describe(p) + ", " + pass_name(pass) + " algorithm search";
  switch (pass) {
    case kForward: {
      cudnnConvolutionFwdAlgoPerf_t perf[kMax];
      if (find) {
        DC_CUDNN_CHECK(cudnnFindConvolutionForwardAlgorithmEx(
                           h, d.x, x.raw_data(), d.w, w.raw_data(), d.conv, d.y, y.raw_data(), kMax,
                           &n, perf, wsp, ws_bytes),
                       ctx);
      } else {
        DC_CUDNN_CHECK(
            cudnnGetConvolutionForwardAlgorithm_v7(h, d.x, d.w, d.conv, d.y, kMax, &n, perf), ctx);
      }
      return candidates(perf, n);
    }
    case kBackwardData: {
      cudnnConvolutionBwdDataAlgoPerf_t perf[kMax];
      if (find) {
        DC_CUDNN_CHECK(cudnnFindConvolutionBackwardDataAlgorithmEx(
                           h, d.w, w.raw_data(), d.y, y.raw_data(), d.conv, d.x, x.raw_data(), kMax,
                           &n, perf, wsp, ws_bytes),
                       ctx);
      } else {
        DC_CUDNN_CHECK(
            cudnnGetConvolutionBackwardDataAlgorithm_v7(h, d.w, d.y, d.conv, d.x, kMax, &n, perf),
            ctx);
      }
      return candidates(perf, n);
    }
    default: {
      cudnnConvolutionBwdFilterAlgoPerf_t perf[kMax];
      if (find) {
        DC_CUDNN_CHECK(cudnnFindConvolutionBackwardFilterAlgorithmEx(
                           h, d.x, x.raw_data(), d.y, y.raw_data(), d.conv, d.w, w.raw_data(), kMax,
                           &n, perf, wsp, ws_bytes),
                       ctx);
      } else {
        DC_CUDNN_CHECK(
            cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, d.x, d.y, d.conv, d.w, kMax, &n, perf),
            ctx);
      }
      return candidates(perf, n);
    }
  }
}

// The cached choice for (pass, problem), searching on a miss. x, w, y are the pass's buffers (a
// timed find runs the convolution on them: it writes the pass's output, which the caller
// overwrites next). Leaves d's math type set to the choice's.
Choice choose(Pass pass, cudnnHandle_t h, Descriptors& d, const CudnnConvProblem& p,
              const Tensor& x, const Tensor& w, const Tensor& y) {
  const Key key = make_key(pass, p);
  AlgoCache& cache = algo_cache();
  {
    std::lock_guard<std::mutex> lock(cache.mu);
    auto it = cache.map.find(key);
    if (it != cache.map.end()) {
      d.set_math(it->second.math);
      return it->second;
    }
  }
  // Searched outside the cache's lock (two threads may both search a new shape; both find the same
  // kind of answer and the second insert is a no-op).
  const std::vector<Candidate> ranked = rank_algorithms(pass, h, d, p, x, w, y);
  std::string tried;
  for (const Candidate& c : ranked) {
    tried += std::string(tried.empty() ? "" : ", ") + std::to_string(c.algo) + ":" +
             cudnnGetErrorString(c.status);
    if (c.status != CUDNN_STATUS_SUCCESS) continue;
    Choice choice;
    choice.algo = c.algo;
    choice.math = effective_math(c.math, p.dtype);
    d.set_math(choice.math);
    if (!workspace_of(pass, h, d, c.algo, &choice.workspace)) continue;
    // Heuristics rank by speed alone; an algorithm whose workspace cannot fit is passed over.
    if (choice.workspace > cuda_memory_info(p.device).first) continue;
    std::lock_guard<std::mutex> lock(cache.mu);
    ++cache.searches;
    cache.map.emplace(key, choice);
    return choice;
  }
  DC_FAIL(describe(p), ": cuDNN has no usable ", pass_name(pass),
          " algorithm (tried: ", tried.empty() ? "none returned" : tried, ")");
}

Tensor workspace_tensor(const Choice& c, const CudnnConvProblem& p) {
  if (c.workspace == 0) return Tensor();
  return empty({static_cast<int64_t>(c.workspace)}, DType::u8, Device{DeviceType::CUDA, p.device});
}

}  // namespace

void cudnn_conv_forward(const CudnnConvProblem& p, const Tensor& y, const Tensor& x,
                        const Tensor& w) {
  CudaDeviceGuard guard(p.device);
  Descriptors d(p);
  HandleLease h(p);
  const Choice c = choose(kForward, h.get(), d, p, x, w, y);
  const Tensor ws = workspace_tensor(c, p);
  const float one = 1.0f, zero = 0.0f;
  DC_CUDNN_CHECK(cudnnConvolutionForward(h.get(), &one, d.x, x.raw_data(), d.w, w.raw_data(),
                                         d.conv, static_cast<cudnnConvolutionFwdAlgo_t>(c.algo),
                                         ws.defined() ? ws.raw_data() : nullptr, c.workspace, &zero,
                                         d.y, y.raw_data()),
                 describe(p), ", forward algorithm ", c.algo);
}

void cudnn_conv_backward_data(const CudnnConvProblem& p, const Tensor& gx, const Tensor& gy,
                              const Tensor& w) {
  CudaDeviceGuard guard(p.device);
  Descriptors d(p);
  HandleLease h(p);
  const Choice c = choose(kBackwardData, h.get(), d, p, gx, w, gy);
  const Tensor ws = workspace_tensor(c, p);
  const float one = 1.0f, zero = 0.0f;
  DC_CUDNN_CHECK(
      cudnnConvolutionBackwardData(h.get(), &one, d.w, w.raw_data(), d.y, gy.raw_data(), d.conv,
                                   static_cast<cudnnConvolutionBwdDataAlgo_t>(c.algo),
                                   ws.defined() ? ws.raw_data() : nullptr, c.workspace, &zero, d.x,
                                   gx.raw_data()),
      describe(p), ", backward data algorithm ", c.algo);
}

void cudnn_conv_backward_filter(const CudnnConvProblem& p, const Tensor& gw, const Tensor& x,
                                const Tensor& gy) {
  CudaDeviceGuard guard(p.device);
  Descriptors d(p);
  HandleLease h(p);
  const Choice c = choose(kBackwardFilter, h.get(), d, p, x, gw, gy);
  const Tensor ws = workspace_tensor(c, p);
  const float one = 1.0f, zero = 0.0f;
  DC_CUDNN_CHECK(
      cudnnConvolutionBackwardFilter(h.get(), &one, d.x, x.raw_data(), d.y, gy.raw_data(), d.conv,
                                     static_cast<cudnnConvolutionBwdFilterAlgo_t>(c.algo),
                                     ws.defined() ? ws.raw_data() : nullptr, c.workspace, &zero,
                                     d.w, gw.raw_data()),
      describe(p), ", backward filter algorithm ", c.algo);
}

void conv_bias_grad(const Tensor& gb, const Tensor& gy) { copy_into(gb, sum(gy, {0, 2, 3})); }

int64_t cudnn_version() { return static_cast<int64_t>(cudnnGetVersion()); }

void set_cudnn_benchmark(bool benchmark) { g_benchmark.store(benchmark); }
bool cudnn_benchmark() { return g_benchmark.load(); }

int64_t cudnn_conv_algo_cache_size() {
  AlgoCache& c = algo_cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return static_cast<int64_t>(c.map.size());
}

int64_t cudnn_conv_algo_searches() {
  AlgoCache& c = algo_cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.searches;
}

void cudnn_conv_clear_algo_cache() {
  AlgoCache& c = algo_cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.map.clear();
}

}  // namespace dc
