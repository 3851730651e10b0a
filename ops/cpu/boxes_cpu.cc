// CPU kernels of the box ops and NMS. The per-box formulas (ops/boxes_math.h, shared with the CUDA
// kernels) follow torchvision's operation order so f32 results round the same way.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <vector>

#include "core/thread_pool.h"
#include "ops/boxes.h"
#include "ops/boxes_math.h"

namespace dc {
namespace {

template <typename T>
void box_unary_cpu(BoxUnaryOp op, const Tensor& in, const Tensor& out, double p0, double p1) {
  const T* b = in.data<T>();
  T* o = out.data<T>();
  if (op == BoxUnaryOp::kArea) {
    parallel_for(0, in.size(0), 4096, [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) {
        const T* r = b + 4 * i;
        o[i] = box_area_of(r[0], r[1], r[2], r[3]);
      }
    });
    return;
  }
  const T height = static_cast<T>(p0), width = static_cast<T>(p1);
  parallel_for(0, in.numel(), 16384, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) o[i] = box_clip_value(b[i], i, height, width);
  });
}

template <typename T>
void box_iou_cpu(const Tensor& a, const Tensor& b, const Tensor& out) {
  const int64_t N = a.size(0), M = b.size(0);
  const T* ap = a.data<T>();
  const T* bp = b.data<T>();
  T* o = out.data<T>();
  // b's columns and areas as separate arrays so the inner loop over M is contiguous.
  std::vector<T> bx1(M), by1(M), bx2(M), by2(M), barea(M);
  for (int64_t j = 0; j < M; ++j) {
    bx1[j] = bp[4 * j];
    by1[j] = bp[4 * j + 1];
    bx2[j] = bp[4 * j + 2];
    by2[j] = bp[4 * j + 3];
    barea[j] = box_area_of(bx1[j], by1[j], bx2[j], by2[j]);
  }
  parallel_for(
      0, N, std::max<int64_t>(1, 16384 / std::max<int64_t>(M, 1)), [&](int64_t s, int64_t e) {
        for (int64_t i = s; i < e; ++i) {
          const T x1 = ap[4 * i], y1 = ap[4 * i + 1], x2 = ap[4 * i + 2], y2 = ap[4 * i + 3];
          const T area = box_area_of(x1, y1, x2, y2);
          T* row = o + i * M;
          for (int64_t j = 0; j < M; ++j) {
            row[j] = box_iou_of</*kNmsClamp=*/false>(x1, y1, x2, y2, area, bx1[j], by1[j], bx2[j],
                                                     by2[j], barea[j]);
          }
        }
      });
}

template <typename T>
void box_encode_cpu(const Tensor& reference, const Tensor& proposals, const BoxWeights& weights,
                    const Tensor& out) {
  const T* g = reference.data<T>();
  const T* p = proposals.data<T>();
  T* o = out.data<T>();
  const T wx = static_cast<T>(weights[0]), wy = static_cast<T>(weights[1]);
  const T ww = static_cast<T>(weights[2]), wh = static_cast<T>(weights[3]);
  parallel_for(0, out.size(0), 4096, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) {
      box_encode_one(g + 4 * i, p + 4 * i, wx, wy, ww, wh, o + 4 * i);
    }
  });
}

// Greedy NMS over boxes already in visiting order (structure of arrays). keep[i] is set for kept
// boxes. The inner loop runs over every later box, contiguous and without branching on
// `suppressed` (it only sets flags, so skipping suppressed ones as torchvision does changes
// nothing). Measured: a hand-grouped vectorizable version of this loop was 3x slower.
template <typename T>
void greedy_nms(int64_t n, const T* x1, const T* y1, const T* x2, const T* y2, const T* area, T thr,
                uint8_t* suppressed, uint8_t* keep) {
  for (int64_t i = 0; i < n; ++i) {
    if (suppressed[i]) continue;
    keep[i] = 1;
    const T ix1 = x1[i], iy1 = y1[i], ix2 = x2[i], iy2 = y2[i], ia = area[i];
    for (int64_t j = i + 1; j < n; ++j) {
      const T ovr = box_iou_of</*kNmsClamp=*/true>(ix1, iy1, ix2, iy2, ia, x1[j], y1[j], x2[j],
                                                   y2[j], area[j]);
      suppressed[j] |= static_cast<uint8_t>(ovr > thr);
    }
  }
}

template <typename T>
Tensor nms_cpu(const Tensor& boxes, const Tensor& scores, const Tensor& idxs,
               double iou_threshold) {
  const int64_t n = boxes.size(0);
  const T* b = boxes.data<T>();
  const T* s = scores.data<T>();
  // Visiting order: decreasing score, ties by index (torchvision sorts stably), NaN first (as
  // torch.sort with descending=True).
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [s](int64_t a, int64_t c) {
    const T sa = s[a], sc = s[c];
    return (std::isnan(sa) && !std::isnan(sc)) || sa > sc;
  });
  // Group the visiting order by category (stably, so each group stays in score order); plain NMS
  // is one group.
  std::vector<int64_t> group_begin = {0, n};
  if (idxs.defined() && n > 0) {
    const int64_t* cat = idxs.data<int64_t>();
    std::stable_sort(order.begin(), order.end(),
                     [cat](int64_t a, int64_t c) { return cat[a] < cat[c]; });
    group_begin = {0};
    for (int64_t i = 1; i < n; ++i) {
      if (cat[order[i]] != cat[order[i - 1]]) group_begin.push_back(i);
    }
    group_begin.push_back(n);
  }
  std::vector<T> x1(n), y1(n), x2(n), y2(n), area(n);
  for (int64_t i = 0; i < n; ++i) {
    const T* r = b + 4 * order[i];
    x1[i] = r[0];
    y1[i] = r[1];
    x2[i] = r[2];
    y2[i] = r[3];
    area[i] = box_area_of(x1[i], y1[i], x2[i], y2[i]);
  }
  std::vector<uint8_t> suppressed(n, 0), keep(n, 0);
  const T thr = box_threshold_below<T>(iou_threshold);
  for (size_t g = 0; g + 1 < group_begin.size(); ++g) {
    const int64_t o = group_begin[g];
    greedy_nms<T>(group_begin[g + 1] - o, &x1[o], &y1[o], &x2[o], &y2[o], &area[o], thr,
                  &suppressed[o], &keep[o]);
  }
  std::vector<int64_t> kept;
  for (int64_t i = 0; i < n; ++i) {
    if (keep[i]) kept.push_back(order[i]);
  }
  if (idxs.defined()) {
    // Back to one list by decreasing score, ties by index: the order torchvision returns.
    std::sort(kept.begin(), kept.end(), [s](int64_t a, int64_t c) {
      const T sa = s[a], sc = s[c];
      const bool na = std::isnan(sa), nc = std::isnan(sc);
      if (na != nc) return na;
      if (sa != sc && !na) return sa > sc;
      return a < c;
    });
  }
  Tensor out = empty({static_cast<int64_t>(kept.size())}, DType::i64, boxes.device());
  if (!kept.empty()) std::memcpy(out.data<int64_t>(), kept.data(), kept.size() * sizeof(int64_t));
  return out;
}

DC_REGISTER_KERNEL(box_unary_kernel, CPU, f32, &box_unary_cpu<float>);
DC_REGISTER_KERNEL(box_unary_kernel, CPU, f64, &box_unary_cpu<double>);
DC_REGISTER_KERNEL(box_iou_kernel, CPU, f32, &box_iou_cpu<float>);
DC_REGISTER_KERNEL(box_iou_kernel, CPU, f64, &box_iou_cpu<double>);
DC_REGISTER_KERNEL(box_encode_kernel, CPU, f32, &box_encode_cpu<float>);
DC_REGISTER_KERNEL(box_encode_kernel, CPU, f64, &box_encode_cpu<double>);
DC_REGISTER_KERNEL(nms_kernel, CPU, f32, &nms_cpu<float>);
DC_REGISTER_KERNEL(nms_kernel, CPU, f64, &nms_cpu<double>);

}  // namespace
}  // namespace dc
