// CUDA box ops and NMS (ops/boxes.h), with the per-box formulas of ops/boxes_math.h, shared with
// (and tested through) the CPU kernels (std::max/std::min semantics for NaN; in areas and IoUs,
// products rounded on their own as the CPU rounds them) so that IoUs, and hence NMS, come out
// exactly as on the CPU.
//
// NMS follows torchvision's CUDA kernel: the boxes are put in visiting order on the device (our
// CUDA sort: decreasing score, ties by index, NaN first — the CPU kernel's order), a kernel fills a
// bitmask with one bit per pair (i, j > i) whose IoU exceeds the threshold (and, for batched NMS,
// whose categories match), 64 boxes per word, and the host walks the mask once, greedily. The kept
// set and its order are exactly the CPU kernel's: greedy NMS within each category depends only on
// the visiting order, and the CPU returns kept boxes in that same order.
#include <vector>

#include "ops/boxes.h"
#include "ops/boxes_math.h"
#include "ops/cuda/geom_common.cuh"
#include "ops/sort.h"

namespace dc {
namespace {

using namespace cuda_detail;

template <typename T>
__global__ void box_area_impl(const T* __restrict__ b, T* __restrict__ out, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    const T* r = b + 4 * i;
    out[i] = box_area_of(r[0], r[1], r[2], r[3]);
  }
}

template <typename T>
__global__ void box_clip_impl(const T* __restrict__ b, T* __restrict__ out, int64_t n, T height,
                              T width) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    out[i] = box_clip_value(b[i], i, height, width);
  }
}

template <typename T>
void box_unary_cuda(BoxUnaryOp op, const Tensor& in, const Tensor& out, double p0, double p1) {
  const int device = in.device().index;
  CudaDeviceGuard guard(device);
  cudaStream_t stream = stream_of(out);
  if (op == BoxUnaryOp::kArea) {
    const int64_t n = in.size(0);
    box_area_impl<T><<<grid_for(n, device), kThreads, 0, stream>>>(cptr<T>(in), mptr<T>(out), n);
  } else {
    const int64_t n = in.numel();
    box_clip_impl<T><<<grid_for(n, device), kThreads, 0, stream>>>(
        cptr<T>(in), mptr<T>(out), n, static_cast<T>(p0), static_cast<T>(p1));
  }
  check_launch("box op");
}

template <typename T>
__global__ void box_iou_impl(const T* __restrict__ a, const T* __restrict__ b, T* __restrict__ out,
                             int64_t N, int64_t M) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < N * M;
       e += int64_t(blockDim.x) * gridDim.x) {
    const T* p = a + 4 * (e / M);
    const T* q = b + 4 * (e % M);
    const T pa = box_area_of(p[0], p[1], p[2], p[3]), qa = box_area_of(q[0], q[1], q[2], q[3]);
    out[e] =
        box_iou_of</*kNmsClamp=*/false>(p[0], p[1], p[2], p[3], pa, q[0], q[1], q[2], q[3], qa);
  }
}

template <typename T>
void box_iou_cuda(const Tensor& a, const Tensor& b, const Tensor& out) {
  const int device = a.device().index;
  CudaDeviceGuard guard(device);
  const int64_t N = a.size(0), M = b.size(0);
  box_iou_impl<T><<<grid_for(N * M, device), kThreads, 0, stream_of(out)>>>(cptr<T>(a), cptr<T>(b),
                                                                            mptr<T>(out), N, M);
  check_launch("box_iou");
}

template <typename T>
__global__ void box_encode_impl(const T* __restrict__ g, const T* __restrict__ p,
                                T* __restrict__ out, int64_t n, T wx, T wy, T ww, T wh) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    // Agrees with the CPU's targets to rounding (see box_encode_one).
    box_encode_one(g + 4 * i, p + 4 * i, wx, wy, ww, wh, out + 4 * i);
  }
}

template <typename T>
void box_encode_cuda(const Tensor& reference, const Tensor& proposals, const BoxWeights& weights,
                     const Tensor& out) {
  const int device = out.device().index;
  CudaDeviceGuard guard(device);
  const int64_t n = out.size(0);
  box_encode_impl<T><<<grid_for(n, device), kThreads, 0, stream_of(out)>>>(
      cptr<T>(reference), cptr<T>(proposals), mptr<T>(out), n, static_cast<T>(weights[0]),
      static_cast<T>(weights[1]), static_cast<T>(weights[2]), static_cast<T>(weights[3]));
  check_launch("encode_boxes");
}

// --- NMS ---

constexpr int kBlock = 64;  // boxes per mask word

// Boxes (and categories) in visiting order, with their areas: sorted[i] = boxes[order[i]].
template <typename T>
__global__ void nms_gather(const T* __restrict__ boxes, const int64_t* __restrict__ order,
                           const int64_t* __restrict__ cat, T* __restrict__ sorted,
                           int64_t* __restrict__ sorted_cat, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    const T* r = boxes + 4 * order[i];
    T* s = sorted + 5 * i;
    s[0] = r[0];
    s[1] = r[1];
    s[2] = r[2];
    s[3] = r[3];
    s[4] = box_area_of(r[0], r[1], r[2], r[3]);
    if (cat) sorted_cat[i] = cat[order[i]];
  }
}

// Block (row block, col block) with col >= row: thread t of the row block sets bit b of
// mask[i, col block] when box j = col block * 64 + b comes after i = row block * 64 + t and
// suppresses it (IoU > thr, same category). Words of col blocks left of the row block are zero.
template <typename T>
__global__ void nms_mask(const T* __restrict__ sorted, const int64_t* __restrict__ cat, int64_t n,
                         int64_t col_blocks, T thr, unsigned long long* __restrict__ mask) {
  const int64_t row_block = blockIdx.y, col_block = blockIdx.x;
  const int64_t i = row_block * kBlock + threadIdx.x;
  __shared__ T cols[kBlock * 5];
  __shared__ int64_t col_cat[kBlock];
  const int64_t j0 = col_block * kBlock;
  const int64_t ncols = std::min<int64_t>(kBlock, n - j0);
  if (threadIdx.x < ncols) {
#pragma unroll
    for (int c = 0; c < 5; ++c) cols[threadIdx.x * 5 + c] = sorted[(j0 + threadIdx.x) * 5 + c];
    col_cat[threadIdx.x] = cat ? cat[j0 + threadIdx.x] : 0;
  }
  __syncthreads();
  if (i >= n) return;
  unsigned long long bits = 0;
  if (col_block >= row_block) {
    const T* b = sorted + 5 * i;
    const int64_t ci = cat ? cat[i] : 0;
    for (int64_t t = 0; t < ncols; ++t) {
      const int64_t j = j0 + t;
      if (j <= i || col_cat[t] != ci) continue;
      const T* c = cols + 5 * t;
      // The kept box i first, as the CPU's inner loop (it matters for NaN coordinates).
      const T ovr = box_iou_of</*kNmsClamp=*/true>(b[0], b[1], b[2], b[3], b[4], c[0], c[1], c[2],
                                                   c[3], c[4]);
      if (ovr > thr) bits |= 1ULL << t;
    }
  }
  mask[i * col_blocks + col_block] = bits;
}

template <typename T>
Tensor nms_cuda(const Tensor& boxes, const Tensor& scores, const Tensor& idxs,
                double iou_threshold) {
  const int64_t n = boxes.size(0);
  if (n == 0) return empty({0}, DType::i64, boxes.device());
  const int device = boxes.device().index;
  CudaDeviceGuard guard(device);
  cudaStream_t stream = stream_of(boxes);
  const int64_t col_blocks = (n + kBlock - 1) / kBlock;
  DC_CHECK(col_blocks <= 65535, "nms: ", n, " boxes exceed the CUDA kernel's limit of ",
           int64_t(65535) * kBlock);
  // Visiting order: the CUDA sort orders exactly as the CPU's stable sort (ties by index, NaN
  // first).
  const Tensor order = sort(scores, 0, /*descending=*/true).second;
  Tensor sorted = empty({n, 5}, boxes.dtype(), boxes.device());
  Tensor sorted_cat = idxs.defined() ? empty({n}, DType::i64, boxes.device()) : Tensor();
  nms_gather<T><<<grid_for(n, device), kThreads, 0, stream>>>(
      cptr<T>(boxes), cptr<int64_t>(order), idxs.defined() ? cptr<int64_t>(idxs) : nullptr,
      mptr<T>(sorted), idxs.defined() ? mptr<int64_t>(sorted_cat) : nullptr, n);
  check_launch("nms");
  Tensor mask = empty({n, col_blocks}, DType::i64, boxes.device());
  const dim3 blocks(static_cast<unsigned int>(col_blocks), static_cast<unsigned int>(col_blocks));
  nms_mask<T><<<blocks, kBlock, 0, stream>>>(
      cptr<T>(sorted), idxs.defined() ? cptr<int64_t>(sorted_cat) : nullptr, n, col_blocks,
      box_threshold_below<T>(iou_threshold), mptr<unsigned long long>(mask));
  check_launch("nms");
  // The greedy pass on the host: a box is kept unless an earlier kept box set its bit.
  const Tensor hmask = mask.to(kCPU), horder = order.to(kCPU);
  const auto* m = reinterpret_cast<const unsigned long long*>(hmask.data<int64_t>());
  const int64_t* o = horder.data<int64_t>();
  std::vector<unsigned long long> removed(col_blocks, 0);
  std::vector<double> kept;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t blk = i / kBlock, bit = i % kBlock;
    if (removed[blk] & (1ULL << bit)) continue;
    kept.push_back(static_cast<double>(o[i]));
    const unsigned long long* row = m + i * col_blocks;
    for (int64_t c = blk; c < col_blocks; ++c) removed[c] |= row[c];
  }
  return tensor_from(kept, {static_cast<int64_t>(kept.size())}, DType::i64).to(boxes.device());
}

DC_REGISTER_KERNEL(box_unary_kernel, CUDA, f32, &box_unary_cuda<float>);
DC_REGISTER_KERNEL(box_unary_kernel, CUDA, f64, &box_unary_cuda<double>);
DC_REGISTER_KERNEL(box_iou_kernel, CUDA, f32, &box_iou_cuda<float>);
DC_REGISTER_KERNEL(box_iou_kernel, CUDA, f64, &box_iou_cuda<double>);
DC_REGISTER_KERNEL(box_encode_kernel, CUDA, f32, &box_encode_cuda<float>);
DC_REGISTER_KERNEL(box_encode_kernel, CUDA, f64, &box_encode_cuda<double>);
DC_REGISTER_KERNEL(nms_kernel, CUDA, f32, &nms_cuda<float>);
DC_REGISTER_KERNEL(nms_kernel, CUDA, f64, &nms_cuda<double>);

}  // namespace
}  // namespace dc
