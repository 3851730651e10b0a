// CUDA sort/topk kernel (ops/sort.h): every row along `dim` is ordered and its first k entries
// written. Values are first mapped to unsigned keys whose unsigned order is the wanted order:
// floats by their sign-flipped bits with -0 folded onto +0 and every NaN onto the largest key
// (NaN above everything, all NaNs equal), signed integers by their sign-flipped bits, and a
// descending sort complements the keys. Equal keys keep their index order, which gives exactly the
// CPU kernel's order (ties by index, NaN largest) in both directions.
//
// Rows of up to 2048 elements: one block per row, a bitonic sort of (key, index) pairs in shared
// memory (the index breaks ties, so the network's instability does not matter). Longer rows:
// cub's radix sorts, which are stable — DeviceSegmentedRadixSort for many rows at once (in batches
// of at most 2^26 elements), DeviceRadixSort one row at a time for a single row or very long rows
// (the segmented sort gives each segment a single block).
#include <climits>
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_segmented_radix_sort.cuh>
#include <numeric>
#include <type_traits>

#include "ops/cuda/geom_common.cuh"
#include "ops/sort.h"

namespace dc {
namespace {

using namespace cuda_detail;

constexpr int kBitonicMax = 2048;
// From this row length on, one DeviceRadixSort per row beats the segmented sort.
constexpr int64_t kLongRow = int64_t(1) << 17;
constexpr int64_t kBatchItems = int64_t(1) << 26;

template <typename T>
using key_t = std::conditional_t<sizeof(T) == 8, unsigned long long, unsigned int>;

template <typename T>
__device__ __forceinline__ key_t<T> to_key(T v, bool descending) {
  using K = key_t<T>;
  constexpr K kSign = K(1) << (sizeof(K) * 8 - 1);
  K k;
  if constexpr (std::is_floating_point_v<T>) {
    if (v != v) {
      k = ~K(0);
    } else {
      if (v == T(0)) v = T(0);  // -0 sorts as +0 (they compare equal on the CPU)
      K bits;
      memcpy(&bits, &v, sizeof(K));
      k = (bits & kSign) ? ~bits : (bits | kSign);
    }
  } else {
    k = static_cast<K>(v) ^ kSign;
  }
  return descending ? ~k : k;
}

// x, values and indices viewed with the sorted dim moved last (raw views, no copy), so a row-major
// linear index is (row, position in the row).
Tensor dim_last(const Tensor& t, int64_t dim) {
  Shape sizes, strides;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (d == dim) continue;
    sizes.push_back(t.size(d));
    strides.push_back(t.stride(d));
  }
  sizes.push_back(t.size(dim));
  strides.push_back(t.stride(dim));
  return t.as_strided(sizes, strides, t.offset());
}

template <typename T>
__device__ __forceinline__ T load(const char* base, const OffsetCalc<1>& calc, int64_t linear) {
  int64_t off[1];
  calc.get(linear, off);
  return *reinterpret_cast<const T*>(base + off[0]);
}

// Writes entry j < k of row r: the value x[r, idx] and the index idx.
template <typename T>
__device__ __forceinline__ void store(char* values, char* indices, const OffsetCalc<2>& out_calc,
                                      const char* x, const OffsetCalc<1>& x_calc, int64_t n,
                                      int64_t k, int64_t r, int64_t j, int64_t idx) {
  int64_t off[2];
  out_calc.get(r * k + j, off);
  *reinterpret_cast<T*>(values + off[0]) = load<T>(x, x_calc, r * n + idx);
  *reinterpret_cast<int64_t*>(indices + off[1]) = idx;
}

// One block per row; p2 = the power of two >= n. Padding entries get the largest key and indices
// >= n, so they sort after every real entry.
template <typename T>
__global__ void bitonic_rows(const char* x, OffsetCalc<1> x_calc, char* values, char* indices,
                             OffsetCalc<2> out_calc, int64_t n, int64_t k, int p2,
                             bool descending) {
  using K = key_t<T>;
  __shared__ K keys[kBitonicMax];
  __shared__ int idx[kBitonicMax];
  const int64_t r = blockIdx.x;
  for (int j = threadIdx.x; j < p2; j += blockDim.x) {
    keys[j] = j < n ? to_key(load<T>(x, x_calc, r * n + j), descending) : ~K(0);
    idx[j] = j;
  }
  __syncthreads();
  for (int size = 2; size <= p2; size <<= 1) {
    for (int stride = size >> 1; stride > 0; stride >>= 1) {
      for (int t = threadIdx.x; t < p2 / 2; t += blockDim.x) {
        const int i = 2 * t - (t & (stride - 1));  // lower element of the pair
        const int l = i + stride;
        const bool up = (i & size) == 0;  // this subsequence is sorted ascending
        const bool greater = keys[i] > keys[l] || (keys[i] == keys[l] && idx[i] > idx[l]);
        if (greater == up) {
          const K tk = keys[i];
          keys[i] = keys[l];
          keys[l] = tk;
          const int ti = idx[i];
          idx[i] = idx[l];
          idx[l] = ti;
        }
      }
      __syncthreads();
    }
  }
  for (int j = threadIdx.x; j < k; j += blockDim.x) {
    store<T>(values, indices, out_calc, x, x_calc, n, k, r, j, idx[j]);
  }
}

template <typename T>
__global__ void make_keys(const char* x, OffsetCalc<1> x_calc, int64_t base, int64_t total,
                          int64_t n, bool descending, key_t<T>* __restrict__ keys,
                          int64_t* __restrict__ pos) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total;
       e += int64_t(blockDim.x) * gridDim.x) {
    keys[e] = to_key(load<T>(x, x_calc, base + e), descending);
    pos[e] = (base + e) % n;
  }
}

// Rows [row0, row0 + rows) were sorted into sorted_pos ([rows, n], positions within each row).
template <typename T>
__global__ void write_rows(const char* x, OffsetCalc<1> x_calc, char* values, char* indices,
                           OffsetCalc<2> out_calc, const int64_t* __restrict__ sorted_pos,
                           int64_t row0, int64_t rows, int64_t n, int64_t k) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < rows * k;
       e += int64_t(blockDim.x) * gridDim.x) {
    const int64_t r = e / k, j = e % k;
    store<T>(values, indices, out_calc, x, x_calc, n, k, row0 + r, j, sorted_pos[r * n + j]);
  }
}

__global__ void segment_offsets(int64_t* __restrict__ offsets, int64_t segments, int64_t n) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e <= segments;
       e += int64_t(blockDim.x) * gridDim.x) {
    offsets[e] = e * n;
  }
}

template <typename T>
void sort_cuda(const Tensor& values, const Tensor& indices, const Tensor& x, int64_t dim,
               bool descending) {
  using K = key_t<T>;
  const int device = x.device().index;
  CudaDeviceGuard guard(device);
  cudaStream_t stream = stream_of(values);
  const int64_t n = x.size(dim), k = values.size(dim);
  const int64_t rows = n == 0 ? 0 : x.numel() / n;
  if (rows == 0 || k == 0) return;
  const Tensor xl = dim_last(x, dim), vl = dim_last(values, dim), il = dim_last(indices, dim);
  const auto x_calc = make_offset_calc<1>({&xl}, "sort");
  const auto out_calc = make_offset_calc<2>({&vl, &il}, "sort");
  const char* xp = static_cast<const char*>(xl.raw_data());
  char* vp = static_cast<char*>(vl.raw_data());
  char* ip = static_cast<char*>(il.raw_data());

  if (n <= kBitonicMax) {
    const int p2 = n <= 1 ? 1 : 1 << (64 - __builtin_clzll(static_cast<uint64_t>(n - 1)));
    const int threads = std::max(32, std::min(p2 / 2, 1024));
    DC_CHECK(rows <= INT_MAX, "sort: ", rows, " rows exceed the CUDA grid limit");
    bitonic_rows<T><<<static_cast<unsigned int>(rows), threads, 0, stream>>>(
        xp, x_calc, vp, ip, out_calc, n, k, p2, descending);
    check_launch("sort (bitonic)");
    return;
  }

  // Radix sorts over batches of whole rows of at most 2^26 elements (cub's segmented sort counts
  // items in int, and the four scratch arrays then stay within 2 GiB), or one row at a time.
  DC_CHECK(n <= INT_MAX, "sort: rows of ", n, " elements exceed 2^31 - 1");
  const int64_t batch_rows =
      n >= kLongRow ? 1 : std::max<int64_t>(1, std::min(rows, kBatchItems / n));
  const int64_t items = batch_rows * n;
  Tensor keys_in = empty({items}, sizeof(K) == 8 ? DType::i64 : DType::i32, x.device());
  Tensor keys_out = empty({items}, keys_in.dtype(), x.device());
  Tensor pos_in = empty({items}, DType::i64, x.device());
  Tensor pos_out = empty({items}, DType::i64, x.device());
  Tensor offsets = empty({batch_rows + 1}, DType::i64, x.device());
  segment_offsets<<<grid_for(batch_rows + 1, device), kThreads, 0, stream>>>(mptr<int64_t>(offsets),
                                                                             batch_rows, n);
  check_launch("sort");
  K* kin = mptr<K>(keys_in);
  K* kout = mptr<K>(keys_out);
  const int64_t* off = cptr<int64_t>(offsets);
  const bool single = batch_rows == 1;
  auto radix = [&](void* tmp, size_t& bytes, int64_t nrows) {
    if (single) {
      return cub::DeviceRadixSort::SortPairs(tmp, bytes, kin, kout, cptr<int64_t>(pos_in),
                                             mptr<int64_t>(pos_out), n, 0, int(sizeof(K) * 8),
                                             stream);
    }
    return cub::DeviceSegmentedRadixSort::SortPairs(
        tmp, bytes, kin, kout, cptr<int64_t>(pos_in), mptr<int64_t>(pos_out),
        static_cast<int>(nrows * n), static_cast<int>(nrows), off, off + 1, 0, int(sizeof(K) * 8),
        stream);
  };
  for (int64_t row0 = 0; row0 < rows; row0 += batch_rows) {
    const int64_t nrows = std::min(batch_rows, rows - row0);
    make_keys<T><<<grid_for(nrows * n, device), kThreads, 0, stream>>>(
        xp, x_calc, row0 * n, nrows * n, n, descending, kin, mptr<int64_t>(pos_in));
    check_launch("sort");
    // Temporary storage from the caching allocator, sized for this batch (cheap after the first).
    size_t bytes = 0;
    DC_CUDA_CHECK(radix(nullptr, bytes, nrows), "sort: cub radix sort");
    const Tensor tmp = scratch_bytes(static_cast<int64_t>(bytes), x);
    DC_CUDA_CHECK(radix(tmp.raw_data(), bytes, nrows), "sort: cub radix sort");
    write_rows<T><<<grid_for(nrows * k, device), kThreads, 0, stream>>>(
        xp, x_calc, vp, ip, out_calc, cptr<int64_t>(pos_out), row0, nrows, n, k);
    check_launch("sort");
  }
}

DC_REGISTER_KERNEL(sort_kernel, CUDA, f32, &sort_cuda<float>);
DC_REGISTER_KERNEL(sort_kernel, CUDA, f64, &sort_cuda<double>);
DC_REGISTER_KERNEL(sort_kernel, CUDA, i32, &sort_cuda<int32_t>);
DC_REGISTER_KERNEL(sort_kernel, CUDA, i64, &sort_cuda<int64_t>);

}  // namespace
}  // namespace dc
