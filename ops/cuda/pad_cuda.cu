// CUDA kernels of reflect/replicate padding (ops/shape_ops.h: pad_index_kernel and its backward),
// f32, f16 and bf16 (a gather; the backward sums in float).
//
// The op hands the kernels host index maps (out row i reads input row rows[i], out column j reads
// cols[j]); they are uploaded once per call. The forward is a gather, one thread per output
// element. The backward must add several output gradients into one input element (the mirrored or
// replicated edges): instead of atomics, the host inverts the maps (for each input row, the output
// rows that read it, ascending; the same for columns) and one thread per input element gathers
// its sum. The sum is then deterministic and adds in the CPU kernel's order (output row major,
// then column), so f32 results equal the CPU's bit for bit.
#include <vector>

#include "ops/cuda/nn_common.cuh"
#include "ops/shape_ops.h"

namespace dc {
namespace {

using namespace cuda_detail;
using namespace cuda_nn;

template <typename T, typename I>
__global__ void pad_gather_kernel(const T* __restrict__ x, T* __restrict__ out,
                                  const int64_t* __restrict__ rows,
                                  const int64_t* __restrict__ cols, I total, I H, I W, I OH, I OW) {
  for (I i = blockIdx.x * I(blockDim.x) + threadIdx.x; i < total; i += I(gridDim.x) * blockDim.x) {
    const I t = i / OW, ow = i - t * OW;
    const I p = t / OH, oh = t - p * OH;
    out[i] = x[(p * H + static_cast<I>(rows[oh])) * W + static_cast<I>(cols[ow])];
  }
}

// inv layout: row_ptr[H + 1], row_list[OH], col_ptr[W + 1], col_list[OW].
template <typename T>
__global__ void pad_scatter_back_kernel(const T* __restrict__ g, T* __restrict__ gi,
                                        const int64_t* __restrict__ inv, int64_t total, int64_t H,
                                        int64_t W, int64_t OH, int64_t OW) {
  const int64_t* row_ptr = inv;
  const int64_t* row_list = row_ptr + H + 1;
  const int64_t* col_ptr = row_list + OH;
  const int64_t* col_list = col_ptr + W + 1;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t t = i / W, w = i - t * W;
    const int64_t p = t / H, h = t - p * H;
    const T* gp = g + p * OH * OW;
    using M = opmath_t<T>;
    M s = M(0);
    for (int64_t a = row_ptr[h]; a < row_ptr[h + 1]; ++a) {
      const T* grow = gp + row_list[a] * OW;
      for (int64_t b = col_ptr[w]; b < col_ptr[w + 1]; ++b) s += cast<M>(grow[col_list[b]]);
    }
    gi[i] = cast<T>(s);
  }
}

// CSR inverse of a map out -> in over `n` inputs: ptr[n + 1] and the outputs of each input,
// ascending, appended to `dst`.
void append_inverse(const std::vector<int64_t>& map, int64_t n, std::vector<int64_t>& dst) {
  std::vector<int64_t> count(n + 1, 0);
  for (int64_t in : map) {
    DC_CHECK(in >= 0 && in < n, "pad: index map entry ", in, " outside [0, ", n, ")");
    ++count[in + 1];
  }
  for (int64_t k = 0; k < n; ++k) count[k + 1] += count[k];
  dst.insert(dst.end(), count.begin(), count.end());
  const size_t list_at = dst.size();
  dst.resize(list_at + map.size());
  std::vector<int64_t> next(count.begin(), count.end() - 1);
  for (size_t o = 0; o < map.size(); ++o) {
    dst[list_at + next[map[o]]++] = static_cast<int64_t>(o);
  }
}

template <typename H>
void pad_index_cuda(const Tensor& out, const Tensor& x, const std::vector<int64_t>& rows,
                    const std::vector<int64_t>& cols) {
  using T = device_t<H>;
  const int64_t total = out.numel();
  if (total == 0) return;
  const int device = x.device().index;
  CudaDeviceGuard guard(device);
  cudaStream_t stream = stream_of(out);
  std::vector<int64_t> maps(rows);
  maps.insert(maps.end(), cols.begin(), cols.end());
  const Tensor dmaps = upload_i64(maps, out.device(), stream);
  const int64_t* d = static_cast<const int64_t*>(dmaps.raw_data());
  const int64_t OH = static_cast<int64_t>(rows.size()), OW = static_cast<int64_t>(cols.size());
  // Cropping pads make the input larger than the output: the index type must hold both.
  with_index_type(std::max(total, x.numel()), [&](auto idx) {
    using I = decltype(idx);
    pad_gather_kernel<T, I><<<grid_for(total, device), kThreads, 0, stream>>>(
        static_cast<const T*>(x.raw_data()), static_cast<T*>(out.raw_data()), d, d + OH, I(total),
        I(x.size(1)), I(x.size(2)), I(OH), I(OW));
  });
  check_launch("pad");
}

template <typename H>
void pad_index_backward_cuda(const Tensor& grad_in, const Tensor& grad_out,
                             const std::vector<int64_t>& rows, const std::vector<int64_t>& cols) {
  using T = device_t<H>;
  const int64_t total = grad_in.numel();
  if (total == 0) return;
  const int device = grad_in.device().index;
  CudaDeviceGuard guard(device);
  cudaStream_t stream = stream_of(grad_in);
  const int64_t Hn = grad_in.size(1), Wn = grad_in.size(2);
  std::vector<int64_t> inv;
  inv.reserve(Hn + Wn + 2 + rows.size() + cols.size());
  append_inverse(rows, Hn, inv);
  append_inverse(cols, Wn, inv);
  const Tensor dinv = upload_i64(inv, grad_in.device(), stream);
  pad_scatter_back_kernel<T><<<grid_for(total, device), kThreads, 0, stream>>>(
      static_cast<const T*>(grad_out.raw_data()), static_cast<T*>(grad_in.raw_data()),
      static_cast<const int64_t*>(dinv.raw_data()), total, Hn, Wn,
      static_cast<int64_t>(rows.size()), static_cast<int64_t>(cols.size()));
  check_launch("pad backward");
}

DC_REGISTER_KERNEL(pad_index_kernel, CUDA, f32, &pad_index_cuda<float>);
DC_REGISTER_KERNEL(pad_index_kernel, CUDA, f16, &pad_index_cuda<Half>);
DC_REGISTER_KERNEL(pad_index_kernel, CUDA, bf16, &pad_index_cuda<BFloat16>);
DC_REGISTER_KERNEL(pad_index_backward_kernel, CUDA, f32, &pad_index_backward_cuda<float>);
DC_REGISTER_KERNEL(pad_index_backward_kernel, CUDA, f16, &pad_index_backward_cuda<Half>);
DC_REGISTER_KERNEL(pad_index_backward_kernel, CUDA, bf16, &pad_index_backward_cuda<BFloat16>);

}  // namespace
}  // namespace dc
