// The CUDA side of copy_into: fills, same-device strided copies with dtype conversion and
// broadcasting, host<->device and device<->device transfers. Registered with core/copy.h.
#include "core/copy.h"
#include "core/cuda/cuda_allocator.h"
#include "core/cuda/cuda_copy.h"
#include "core/cuda/launch.cuh"

namespace dc {
namespace {

using namespace cuda_detail;

template <int kBytes>
struct Word;
template <>
struct Word<1> {
  using type = uint8_t;
};
template <>
struct Word<2> {
  using type = uint16_t;
};
template <>
struct Word<4> {
  using type = uint32_t;
};
template <>
struct Word<8> {
  using type = uint64_t;
};

// dst[i] = value over a strided destination (one operand in the offset calculator).
template <typename W>
__global__ void fill_kernel(char* dst, OffsetCalc<1> calc, int64_t n, W value) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    int64_t off[1];
    calc.get(i, off);
    *reinterpret_cast<W*>(dst + off[0]) = value;
  }
}

// Same dtype, any strides: element words moved as raw bits.
template <typename W>
__global__ void strided_copy_kernel(char* dst, const char* src, OffsetCalc<2> calc, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    int64_t off[2];
    calc.get(i, off);
    *reinterpret_cast<W*>(dst + off[0]) = *reinterpret_cast<const W*>(src + off[1]);
  }
}

// Values cross dtypes through int64 when both sides are integers (exact), else through double.
__device__ __forceinline__ double load_double(const char* p, DType t) {
  switch (t) {
    case DType::f32:
      return *reinterpret_cast<const float*>(p);
    case DType::f64:
      return *reinterpret_cast<const double*>(p);
    case DType::f16:
      return __half2float(*reinterpret_cast<const __half*>(p));
    case DType::bf16:
      return __bfloat162float(*reinterpret_cast<const __nv_bfloat16*>(p));
    case DType::i32:
      return *reinterpret_cast<const int32_t*>(p);
    case DType::i64:
      return static_cast<double>(*reinterpret_cast<const int64_t*>(p));
    case DType::u8:
      return *reinterpret_cast<const uint8_t*>(p);
    case DType::b8:
      return *reinterpret_cast<const bool*>(p) ? 1.0 : 0.0;
  }
  return 0;
}

__device__ __forceinline__ int64_t load_int(const char* p, DType t) {
  switch (t) {
    case DType::i32:
      return *reinterpret_cast<const int32_t*>(p);
    case DType::i64:
      return *reinterpret_cast<const int64_t*>(p);
    case DType::u8:
      return *reinterpret_cast<const uint8_t*>(p);
    case DType::b8:
      return *reinterpret_cast<const bool*>(p) ? 1 : 0;
    default:
      return 0;
  }
}

template <typename V>
__device__ __forceinline__ void store(char* p, DType t, V v) {
  switch (t) {
    case DType::f32:
      *reinterpret_cast<float*>(p) = static_cast<float>(v);
      break;
    case DType::f64:
      *reinterpret_cast<double*>(p) = static_cast<double>(v);
      break;
    case DType::f16:
      *reinterpret_cast<__half*>(p) = __float2half_rn(static_cast<float>(v));
      break;
    case DType::bf16:
      *reinterpret_cast<__nv_bfloat16*>(p) = __float2bfloat16_rn(static_cast<float>(v));
      break;
    case DType::i32:
      *reinterpret_cast<int32_t*>(p) = static_cast<int32_t>(v);
      break;
    case DType::i64:
      *reinterpret_cast<int64_t*>(p) = static_cast<int64_t>(v);
      break;
    case DType::u8:
      *reinterpret_cast<uint8_t*>(p) = static_cast<uint8_t>(v);
      break;
    case DType::b8:
      *reinterpret_cast<bool*>(p) = v != V(0);
      break;
  }
}

__global__ void convert_kernel(char* dst, DType dt, const char* src, DType st, OffsetCalc<2> calc,
                               int64_t n, bool integral) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    int64_t off[2];
    calc.get(i, off);
    if (integral) {
      store(dst + off[0], dt, load_int(src + off[1], st));
    } else {
      store(dst + off[0], dt, load_double(src + off[1], st));
    }
  }
}

bool is_integral(DType t) { return !is_floating(t); }

// Both on one device.
void copy_same_device(const Tensor& dst, const Tensor& src) {
  const int device = dst.device().index;
  CudaDeviceGuard guard(device);
  cudaStream_t stream = current_cuda_stream(device).handle();
  const int64_t n = dst.numel();
  char* d = static_cast<char*>(dst.raw_data());
  const char* s = static_cast<const char*>(src.raw_data());
  if (dst.dtype() == src.dtype() && dst.is_contiguous() && src.is_contiguous()) {
    DC_CUDA_CHECK(
        cudaMemcpyAsync(d, s, n * dtype_size(dst.dtype()), cudaMemcpyDeviceToDevice, stream),
        "copy ", src.str(), " -> ", dst.str(), " on ", dst.device());
    return;
  }
  const auto calc = make_offset_calc<2>({&dst, &src}, "copy");
  const unsigned grid = grid_for(n, device);
  if (dst.dtype() == src.dtype()) {
    switch (dtype_size(dst.dtype())) {
      case 1:
        strided_copy_kernel<uint8_t><<<grid, kThreads, 0, stream>>>(d, s, calc, n);
        break;
      case 2:
        strided_copy_kernel<uint16_t><<<grid, kThreads, 0, stream>>>(d, s, calc, n);
        break;
      case 4:
        strided_copy_kernel<uint32_t><<<grid, kThreads, 0, stream>>>(d, s, calc, n);
        break;
      default:
        strided_copy_kernel<uint64_t><<<grid, kThreads, 0, stream>>>(d, s, calc, n);
        break;
    }
  } else {
    convert_kernel<<<grid, kThreads, 0, stream>>>(
        d, dst.dtype(), s, src.dtype(), calc, n,
        is_integral(dst.dtype()) && is_integral(src.dtype()));
  }
  check_launch("copy");
}

// dst on the device, every element set to one host value converted exactly on the CPU.
void fill_device(const Tensor& dst, const Tensor& host_scalar) {
  Tensor v = empty({}, dst.dtype());
  copy_into(v, host_scalar.as_strided({}, {}, host_scalar.offset()));
  const int device = dst.device().index;
  CudaDeviceGuard guard(device);
  cudaStream_t stream = current_cuda_stream(device).handle();
  const int64_t n = dst.numel();
  char* d = static_cast<char*>(dst.raw_data());
  const size_t es = dtype_size(dst.dtype());
  bool all_zero = true;
  for (size_t i = 0; i < es; ++i) all_zero = all_zero && static_cast<char*>(v.raw_data())[i] == 0;
  if (all_zero && dst.is_contiguous()) {
    DC_CUDA_CHECK(cudaMemsetAsync(d, 0, n * es, stream), "fill ", dst.str(), " on ", dst.device());
    return;
  }
  const auto calc = make_offset_calc<1>({&dst}, "fill");
  const unsigned grid = grid_for(n, device);
  switch (es) {
    case 1:
      fill_kernel<<<grid, kThreads, 0, stream>>>(d, calc, n, *static_cast<uint8_t*>(v.raw_data()));
      break;
    case 2:
      fill_kernel<<<grid, kThreads, 0, stream>>>(d, calc, n, *static_cast<uint16_t*>(v.raw_data()));
      break;
    case 4:
      fill_kernel<<<grid, kThreads, 0, stream>>>(d, calc, n, *static_cast<uint32_t*>(v.raw_data()));
      break;
    default:
      fill_kernel<<<grid, kThreads, 0, stream>>>(d, calc, n, *static_cast<uint64_t*>(v.raw_data()));
      break;
  }
  check_launch("fill");
}

bool is_broadcast_scalar(const Tensor& t) {
  for (int64_t i = 0; i < t.dim(); ++i) {
    if (t.size(i) != 1 && t.stride(i) != 0) return false;
  }
  return true;
}

// A contiguous tensor holding src's values as `dtype`, on src's device (src itself if it is one).
Tensor contiguous_as(const Tensor& src, DType dtype) {
  if (src.dtype() == dtype && src.is_contiguous()) return src;
  Tensor c = empty(src.sizes(), dtype, src.device());
  copy_into(c, src);
  return c;
}

void device_copy(const Tensor& dst, const Tensor& src, bool blocking) {
  const Device dd = dst.device(), sd = src.device();
  const size_t nbytes = dst.numel() * dtype_size(dst.dtype());
  if (!dd.is_cpu() && !sd.is_cpu()) {
    if (dd == sd) {
      copy_same_device(dst, src);
      return;
    }
    // Across GPUs: a contiguous copy of dst's dtype on the source device, then a peer copy once
    // the source device's queued work (which produced src) has finished.
    const Tensor s = contiguous_as(src, dst.dtype());
    current_cuda_stream(sd.index).synchronize();
    Tensor target = dst.is_contiguous() ? dst : empty(dst.sizes(), dst.dtype(), dd);
    {
      CudaDeviceGuard guard(dd.index);
      DC_CUDA_CHECK(cudaMemcpyPeerAsync(target.raw_data(), dd.index, s.raw_data(), sd.index, nbytes,
                                        current_cuda_stream(dd.index).handle()),
                    "copy ", src.str(), " from ", sd, " to ", dd);
    }
    if (!target.same(dst)) copy_same_device(dst, target);
    // s may be a temporary freed now: its block is reused only by later work on sd's stream.
    if (!s.same(src)) current_cuda_stream(dd.index).synchronize();
    return;
  }
  if (sd.is_cpu()) {  // host -> device
    if (src.numel() >= 1 && is_broadcast_scalar(src) && dst.numel() > 1) {
      fill_device(dst, src);
      return;
    }
    // Stage on the host as a contiguous block of dst's dtype unless src already is one.
    const Tensor h = contiguous_as(src, dst.dtype());
    Tensor target = dst.is_contiguous() ? dst : empty(dst.sizes(), dst.dtype(), dd);
    CudaDeviceGuard guard(dd.index);
    const CudaStream stream = current_cuda_stream(dd.index);
    DC_CUDA_CHECK(cudaMemcpyAsync(target.raw_data(), h.raw_data(), nbytes, cudaMemcpyHostToDevice,
                                  stream.handle()),
                  "copy ", src.str(), " from cpu to ", dd);
    if (!target.same(dst)) copy_same_device(dst, target);
    // A pageable source was staged by CUDA before the call returned; a pinned one is read by the
    // DMA later, so the caller may only reuse it after the stream passes this point.
    if (blocking && is_pinned(h)) stream.synchronize();
    return;
  }
  // device -> host
  const Tensor s = contiguous_as(src, dst.dtype());
  const bool direct = dst.is_contiguous();
  Tensor target = direct ? dst : empty(dst.sizes(), dst.dtype());
  CudaDeviceGuard guard(sd.index);
  const CudaStream stream = current_cuda_stream(sd.index);
  DC_CUDA_CHECK(cudaMemcpyAsync(target.raw_data(), s.raw_data(), nbytes, cudaMemcpyDeviceToHost,
                                stream.handle()),
                "copy ", src.str(), " from ", sd, " to cpu");
  if (blocking || !direct || !is_pinned(dst)) stream.synchronize();
  if (!direct) copy_into(dst, target);
}

void device_copy_blocking(const Tensor& dst, const Tensor& src) { device_copy(dst, src, true); }

[[maybe_unused]] const bool registered = (register_device_copy(&device_copy_blocking), true);

}  // namespace

void copy_async(const Tensor& dst, const Tensor& src) {
  const Tensor s = broadcast_to_raw(src, dst.sizes(), "copy_async");
  if (dst.numel() == 0) return;
  if (dst.device().is_cpu() && src.device().is_cpu()) {
    copy_into(dst, s);
    return;
  }
  device_copy(dst, s, /*blocking=*/false);
}

Tensor to_device_async(const Tensor& t, Device device) {
  Tensor out = empty(t.sizes(), t.dtype(), device);
  copy_async(out, t.detach());
  return out;
}

}  // namespace dc
