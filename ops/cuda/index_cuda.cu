// CUDA indexing kernels (ops/index.h): gather, scatter_add, index_select, index_add,
// masked_select, masked_scatter and one_hot.
//
// Index values are validated on the device: a thread that meets an out-of-range index skips it
// and raises a flag, which the launcher reads back once (one 4-byte copy and a stream sync); the
// launcher then finds the first bad value on the host and throws the CPU kernels' error. So a bad
// index never reads or writes outside a tensor, and the message is the same on both devices.
// Colliding writes (scatter_add, index_add) use atomicAdd, so their float sums are not in a fixed
// order. masked_select/masked_scatter number the true elements with a device-wide prefix sum
// (cub::DeviceScan); masked_select reads the count back to size its output. The range check, the
// [outer, n, inner] addressing and the error message are ops/index_math.h's, shared with (and
// tested through) the CPU kernels.
#include <cub/device/device_scan.cuh>

#include "ops/cuda/geom_common.cuh"
#include "ops/index.h"
#include "ops/index_math.h"

namespace dc {
namespace {

using namespace cuda_detail;

// After a raised flag: the first out-of-range value of `index` (row-major), as the CPU reports it.
[[noreturn]] void report_bad_index(const Tensor& index, int64_t size, int64_t dim, const char* op) {
  const std::vector<double> v = index.to(kCPU).to_vector();
  for (double k : v) {
    if (k < 0 || k >= static_cast<double>(size)) {
      index_out_of_range(op, static_cast<int64_t>(k), dim, size);
    }
  }
  DC_FAIL(op, ": the device reported an index out of range for dim ", dim, " of size ", size,
          " that the host copy of the index does not hold");
}

// Atomic add for every registered dtype; 64-bit integers through the unsigned overload (two's
// complement addition is the same operation).
__device__ __forceinline__ void atomic_add(float* p, float v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(double* p, double v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(int32_t* p, int32_t v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(int64_t* p, int64_t v) {
  atomicAdd(reinterpret_cast<unsigned long long*>(p), static_cast<unsigned long long>(v));
}

// x viewed with index's sizes and stride 0 along dim: its offset calculator then gives the address
// of position p with the dim coordinate taken from the index instead.
Tensor along_index(const Tensor& t, const Tensor& index, int64_t dim) {
  Shape st = t.strides();
  st[dim] = 0;
  return t.as_strided(index.sizes(), st, t.offset());
}

// --- gather / scatter_add ---

// The grid-stride loop of gather and scatter_add over the n positions of index: fn(off, k) with
// the byte offsets of {a, index, b} at the position (calc) and the index value k there; a k out of
// [0, size) raises *bad and is skipped.
template <typename F>
__device__ __forceinline__ void for_each_index_entry(const char* index, const OffsetCalc<3>& calc,
                                                     int64_t n, int64_t size, int* bad, F&& fn) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    int64_t off[3];
    calc.get(i, off);
    const int64_t k = *reinterpret_cast<const int64_t*>(index + off[1]);
    if (!index_in_range(k, size)) {
      *bad = 1;
      continue;
    }
    fn(off, k);
  }
}

template <typename T>
__global__ void gather_impl(char* out, const char* index, const char* x, OffsetCalc<3> calc,
                            int64_t n, int64_t size, int64_t xs_bytes, int* bad) {
  for_each_index_entry(index, calc, n, size, bad, [&](const int64_t* off, int64_t k) {
    *reinterpret_cast<T*>(out + off[0]) = *reinterpret_cast<const T*>(x + off[2] + k * xs_bytes);
  });
}

template <typename T>
void gather_cuda(const Tensor& out, const Tensor& x, int64_t dim, const Tensor& index) {
  const int device = out.device().index;
  CudaDeviceGuard guard(device);
  const int64_t n = out.numel(), size = x.size(dim);
  const Tensor xv = along_index(x, index, dim);
  const auto calc = make_offset_calc<3>({&out, &index, &xv}, "gather");
  DeviceFlag bad(out);
  gather_impl<T><<<grid_for(n, device), kThreads, 0, stream_of(out)>>>(
      static_cast<char*>(out.raw_data()), static_cast<const char*>(index.raw_data()),
      static_cast<const char*>(xv.raw_data()), calc, n, size, x.stride(dim) * int64_t(sizeof(T)),
      bad.ptr());
  check_launch("gather");
  if (bad.raised()) report_bad_index(index, size, dim, "gather");
}

template <typename T>
__global__ void scatter_add_impl(char* out, const char* index, const char* src, OffsetCalc<3> calc,
                                 int64_t n, int64_t size, int64_t os_bytes, int* bad) {
  for_each_index_entry(index, calc, n, size, bad, [&](const int64_t* off, int64_t k) {
    atomic_add(reinterpret_cast<T*>(out + off[0] + k * os_bytes),
               *reinterpret_cast<const T*>(src + off[2]));
  });
}

template <typename T>
void scatter_add_cuda(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) {
  const int device = out.device().index;
  CudaDeviceGuard guard(device);
  const int64_t n = index.numel(), size = out.size(dim);
  const Tensor ov = along_index(out, index, dim);
  // src is read at index's positions (it may be larger than index).
  const Tensor sv = src.as_strided(index.sizes(), src.strides(), src.offset());
  const auto calc = make_offset_calc<3>({&ov, &index, &sv}, "scatter_add");
  DeviceFlag bad(out);
  scatter_add_impl<T><<<grid_for(n, device), kThreads, 0, stream_of(out)>>>(
      static_cast<char*>(ov.raw_data()), static_cast<const char*>(index.raw_data()),
      static_cast<const char*>(sv.raw_data()), calc, n, size, out.stride(dim) * int64_t(sizeof(T)),
      bad.ptr());
  check_launch("scatter_add");
  if (bad.raised()) report_bad_index(index, size, dim, "scatter_add");
}

// --- index_select / index_add (contiguous tensors viewed as [outer, n, inner]) ---

__global__ void check_range_impl(const int64_t* __restrict__ index, int64_t m, int64_t size,
                                 int* bad) {
  for (int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; j < m;
       j += int64_t(blockDim.x) * gridDim.x) {
    if (!index_in_range(index[j], size)) *bad = 1;
  }
}

// The grid-stride loop of index_select and index_add over the total elements e of an
// [outer, m, inner] tensor (index_select's output, index_add's src): fn(e, r) with r the offset of
// the element in row index[j] of the [outer, n, inner] tensor (x, out). Out-of-range index values
// are skipped (check_range_impl flags them).
template <typename F>
__device__ __forceinline__ void for_each_indexed_row(const int64_t* __restrict__ index,
                                                     int64_t total, int64_t m, int64_t n,
                                                     int64_t inner, F&& fn) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total;
       e += int64_t(blockDim.x) * gridDim.x) {
    const int64_t i = e % inner, j = (e / inner) % m, o = e / (inner * m);
    const int64_t k = index[j];
    if (!index_in_range(k, n)) continue;
    fn(e, index_row_offset(o, k, n, inner) + i);
  }
}

template <typename T>
__global__ void index_select_impl(T* __restrict__ out, const T* __restrict__ x,
                                  const int64_t* __restrict__ index, int64_t total, int64_t m,
                                  int64_t n, int64_t inner) {
  for_each_indexed_row(index, total, m, n, inner, [&](int64_t e, int64_t r) { out[e] = x[r]; });
}

template <typename T>
void index_select_cuda(const Tensor& out, const Tensor& x, int64_t dim, const Tensor& index) {
  const int device = out.device().index;
  CudaDeviceGuard guard(device);
  cudaStream_t stream = stream_of(out);
  const IndexAround g = index_around(x.sizes(), dim);
  const int64_t m = index.numel(), total = out.numel();
  DeviceFlag bad(out);
  check_range_impl<<<grid_for(m, device), kThreads, 0, stream>>>(cptr<int64_t>(index), m, g.n,
                                                                 bad.ptr());
  check_launch("index_select");
  if (total > 0) {
    index_select_impl<device_t<T>><<<grid_for(total, device), kThreads, 0, stream>>>(
        mptr<device_t<T>>(out), cptr<device_t<T>>(x), cptr<int64_t>(index), total, m, g.n, g.inner);
    check_launch("index_select");
  }
  if (bad.raised()) report_bad_index(index, g.n, dim, "index_select");
}

template <typename T>
__global__ void index_add_impl(T* __restrict__ out, const T* __restrict__ src,
                               const int64_t* __restrict__ index, int64_t total, int64_t m,
                               int64_t n, int64_t inner, T alpha) {
  for_each_indexed_row(index, total, m, n, inner,
                       [&](int64_t e, int64_t r) { atomic_add(out + r, alpha * src[e]); });
}

template <typename T>
void index_add_cuda(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src,
                    double alpha) {
  const int device = out.device().index;
  CudaDeviceGuard guard(device);
  cudaStream_t stream = stream_of(out);
  const IndexAround g = index_around(out.sizes(), dim);
  const int64_t m = index.numel(), total = src.numel();
  DeviceFlag bad(out);
  check_range_impl<<<grid_for(m, device), kThreads, 0, stream>>>(cptr<int64_t>(index), m, g.n,
                                                                 bad.ptr());
  check_launch("index_add");
  if (total > 0 && out.numel() > 0) {
    index_add_impl<T><<<grid_for(total, device), kThreads, 0, stream>>>(
        mptr<T>(out), cptr<T>(src), cptr<int64_t>(index), total, m, g.n, g.inner,
        static_cast<T>(alpha));
    check_launch("index_add");
  }
  if (bad.raised()) report_bad_index(index, g.n, dim, "index_add");
}

// --- masked_select / masked_scatter ---

__global__ void mask_to_count(const char* mask, OffsetCalc<1> calc, int64_t n,
                              int64_t* __restrict__ flags) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    int64_t off[1];
    calc.get(i, off);
    flags[i] = *reinterpret_cast<const bool*>(mask + off[0]) ? 1 : 0;
  }
}

// pos [n]: the inclusive prefix count of true elements of mask (row-major over its shape); pos[n-1]
// is the total. The mask may have any strides (broadcast ones too).
Tensor mask_positions(const Tensor& mask, const char* op) {
  const int device = mask.device().index;
  cudaStream_t stream = stream_of(mask);
  const int64_t n = mask.numel();
  Tensor flags = empty({n}, DType::i64, mask.device());
  Tensor pos = empty({n}, DType::i64, mask.device());
  const auto calc = make_offset_calc<1>({&mask}, op);
  mask_to_count<<<grid_for(n, device), kThreads, 0, stream>>>(
      static_cast<const char*>(mask.raw_data()), calc, n, mptr<int64_t>(flags));
  check_launch(op);
  size_t bytes = 0;
  DC_CUDA_CHECK(cub::DeviceScan::InclusiveSum(nullptr, bytes, cptr<int64_t>(flags),
                                              mptr<int64_t>(pos), n, stream),
                op, " prefix sum");
  const Tensor tmp = scratch_bytes(static_cast<int64_t>(bytes), mask);
  DC_CUDA_CHECK(cub::DeviceScan::InclusiveSum(tmp.raw_data(), bytes, cptr<int64_t>(flags),
                                              mptr<int64_t>(pos), n, stream),
                op, " prefix sum");
  return pos;
}

int64_t read_last(const Tensor& pos) {
  int64_t total = 0;
  cudaStream_t stream = stream_of(pos);
  DC_CUDA_CHECK(cudaMemcpyAsync(&total, cptr<int64_t>(pos) + pos.numel() - 1, sizeof(int64_t),
                                cudaMemcpyDeviceToHost, stream),
                "masked count");
  DC_CUDA_CHECK(cudaStreamSynchronize(stream), "masked count");
  return total;
}

template <typename T>
__global__ void masked_select_impl(T* __restrict__ out, const char* x, const char* mask,
                                   OffsetCalc<2> calc, const int64_t* __restrict__ pos, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    int64_t off[2];
    calc.get(i, off);
    if (*reinterpret_cast<const bool*>(mask + off[1])) {
      out[pos[i] - 1] = *reinterpret_cast<const T*>(x + off[0]);
    }
  }
}

template <typename T>
Tensor masked_select_cuda(const Tensor& x, const Tensor& mask) {
  const int device = x.device().index;
  CudaDeviceGuard guard(device);
  const int64_t n = x.numel();
  if (n == 0) return empty({0}, x.dtype(), x.device());
  const Tensor pos = mask_positions(mask, "masked_select");
  const int64_t count = read_last(pos);
  Tensor out = empty({count}, x.dtype(), x.device());
  if (count == 0) return out;
  const auto calc = make_offset_calc<2>({&x, &mask}, "masked_select");
  masked_select_impl<device_t<T>><<<grid_for(n, device), kThreads, 0, stream_of(x)>>>(
      mptr<device_t<T>>(out), static_cast<const char*>(x.raw_data()),
      static_cast<const char*>(mask.raw_data()), calc, cptr<int64_t>(pos), n);
  check_launch("masked_select");
  return out;
}

template <typename T>
__global__ void masked_scatter_impl(char* out, const char* mask, OffsetCalc<2> calc,
                                    const T* __restrict__ src, const int64_t* __restrict__ pos,
                                    int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    int64_t off[2];
    calc.get(i, off);
    if (*reinterpret_cast<const bool*>(mask + off[1])) {
      *reinterpret_cast<T*>(out + off[0]) = src[pos[i] - 1];
    }
  }
}

template <typename T>
void masked_scatter_cuda(const Tensor& out, const Tensor& mask, const Tensor& src) {
  const int device = out.device().index;
  CudaDeviceGuard guard(device);
  const int64_t n = out.numel();
  if (n == 0) return;
  const Tensor pos = mask_positions(mask, "masked_scatter");
  const int64_t count = read_last(pos);
  DC_CHECK(count <= src.numel(), "masked_scatter: mask has ", count,
           " true elements but src has only ", src.numel());
  if (count == 0) return;
  const auto calc = make_offset_calc<2>({&out, &mask}, "masked_scatter");
  masked_scatter_impl<T><<<grid_for(n, device), kThreads, 0, stream_of(out)>>>(
      static_cast<char*>(out.raw_data()), static_cast<const char*>(mask.raw_data()), calc,
      cptr<T>(src), cptr<int64_t>(pos), n);
  check_launch("masked_scatter");
}

// --- one_hot ---

// range[0] = min(0, min index), range[1] = max(-1, max index), as the CPU kernel's scan.
__global__ void index_range(const int64_t* __restrict__ index, int64_t n, long long* range) {
  long long lo = 0, hi = -1;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    lo = min(lo, static_cast<long long>(index[i]));
    hi = max(hi, static_cast<long long>(index[i]));
  }
  atomicMin(range, lo);
  atomicMax(range + 1, hi);
}

__global__ void one_hot_impl(const int64_t* __restrict__ index, int64_t n, int64_t classes,
                             int64_t* __restrict__ out) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    out[i * classes + index[i]] = 1;
  }
}

Tensor one_hot_cuda(const Tensor& index, int64_t num_classes) {
  const int device = index.device().index;
  CudaDeviceGuard guard(device);
  cudaStream_t stream = stream_of(index);
  const int64_t n = index.numel();
  long long range[2] = {0, -1};
  if (n > 0) {
    Tensor r = empty({2}, DType::i64, index.device());
    DC_CUDA_CHECK(
        cudaMemcpyAsync(r.raw_data(), range, sizeof(range), cudaMemcpyHostToDevice, stream),
        "one_hot");
    index_range<<<grid_for(n, device), kThreads, 0, stream>>>(
        cptr<int64_t>(index), n, static_cast<long long*>(r.raw_data()));
    check_launch("one_hot");
    DC_CUDA_CHECK(
        cudaMemcpyAsync(range, r.raw_data(), sizeof(range), cudaMemcpyDeviceToHost, stream),
        "one_hot");
    DC_CUDA_CHECK(cudaStreamSynchronize(stream), "one_hot");
  }
  DC_CHECK(range[0] >= 0, "one_hot: class values must be non-negative, got ", range[0]);
  if (num_classes < 0) num_classes = range[1] + 1;
  DC_CHECK(range[1] < num_classes, "one_hot: class value ", range[1],
           " is out of range for num_classes ", num_classes, " (valid range [0, ", num_classes,
           "))");
  Tensor out = empty({n, num_classes}, DType::i64, index.device());
  if (out.numel() == 0) return out;
  DC_CUDA_CHECK(cudaMemsetAsync(out.raw_data(), 0, out.numel() * sizeof(int64_t), stream),
                "one_hot");
  one_hot_impl<<<grid_for(n, device), kThreads, 0, stream>>>(cptr<int64_t>(index), n, num_classes,
                                                             mptr<int64_t>(out));
  check_launch("one_hot");
  return out;
}

DC_REGISTER_KERNEL(gather_kernel, CUDA, f32, &gather_cuda<float>);
DC_REGISTER_KERNEL(gather_kernel, CUDA, f64, &gather_cuda<double>);
DC_REGISTER_KERNEL(gather_kernel, CUDA, i32, &gather_cuda<int32_t>);
DC_REGISTER_KERNEL(gather_kernel, CUDA, i64, &gather_cuda<int64_t>);
DC_REGISTER_KERNEL(scatter_add_kernel, CUDA, f32, &scatter_add_cuda<float>);
DC_REGISTER_KERNEL(scatter_add_kernel, CUDA, f64, &scatter_add_cuda<double>);
DC_REGISTER_KERNEL(scatter_add_kernel, CUDA, i32, &scatter_add_cuda<int32_t>);
DC_REGISTER_KERNEL(scatter_add_kernel, CUDA, i64, &scatter_add_cuda<int64_t>);
DC_REGISTER_KERNEL(index_select_kernel, CUDA, f32, &index_select_cuda<float>);
DC_REGISTER_KERNEL(index_select_kernel, CUDA, f64, &index_select_cuda<double>);
DC_REGISTER_KERNEL(index_select_kernel, CUDA, i32, &index_select_cuda<int32_t>);
DC_REGISTER_KERNEL(index_select_kernel, CUDA, i64, &index_select_cuda<int64_t>);
DC_REGISTER_KERNEL(index_add_kernel, CUDA, f32, &index_add_cuda<float>);
DC_REGISTER_KERNEL(index_add_kernel, CUDA, f64, &index_add_cuda<double>);
DC_REGISTER_KERNEL(index_add_kernel, CUDA, i32, &index_add_cuda<int32_t>);
DC_REGISTER_KERNEL(index_add_kernel, CUDA, i64, &index_add_cuda<int64_t>);
DC_REGISTER_KERNEL(masked_select_kernel, CUDA, f32, &masked_select_cuda<float>);
DC_REGISTER_KERNEL(masked_select_kernel, CUDA, f64, &masked_select_cuda<double>);
DC_REGISTER_KERNEL(masked_select_kernel, CUDA, i32, &masked_select_cuda<int32_t>);
DC_REGISTER_KERNEL(masked_select_kernel, CUDA, i64, &masked_select_cuda<int64_t>);
DC_REGISTER_KERNEL(masked_select_kernel, CUDA, b8, &masked_select_cuda<bool>);
DC_REGISTER_KERNEL(masked_scatter_kernel, CUDA, f32, &masked_scatter_cuda<float>);
DC_REGISTER_KERNEL(masked_scatter_kernel, CUDA, f64, &masked_scatter_cuda<double>);
DC_REGISTER_KERNEL(one_hot_kernel, CUDA, i64, &one_hot_cuda);

}  // namespace
}  // namespace dc
