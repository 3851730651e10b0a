// CPU sort/topk kernel: parallel over the rows along the sorted dim (each row sorted by one
// thread into a thread-local buffer). Ordering: by value, NaN above everything, equal values by
// index, so the result is deterministic and stable.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "core/strided_loop.h"
#include "core/thread_pool.h"
#include "ops/sort.h"

namespace dc {
namespace {

template <typename T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::isnan(v);
  } else {
    return false;
  }
}

template <typename T>
struct Item {
  T v;
  int64_t i;
};

// a comes before b in ascending order (NaN last, ties by index).
template <typename T>
bool before_ascending(const Item<T>& a, const Item<T>& b) {
  if (a.v < b.v) return true;
  if (b.v < a.v) return false;
  const bool an = is_nan(a.v), bn = is_nan(b.v);
  if (an != bn) return bn;
  return a.i < b.i;
}

// a comes before b in descending order (NaN first, ties by index).
template <typename T>
bool before_descending(const Item<T>& a, const Item<T>& b) {
  if (a.v > b.v) return true;
  if (b.v > a.v) return false;
  const bool an = is_nan(a.v), bn = is_nan(b.v);
  if (an != bn) return an;
  return a.i < b.i;
}

template <typename T>
void sort_cpu(const Tensor& values, const Tensor& indices, const Tensor& x, int64_t dim,
              bool descending) {
  const int64_t n = x.size(dim), k = values.size(dim);
  Shape reduced = x.sizes();
  reduced[dim] = 1;
  StridedLoop<3> loop(reduced, {x.strides(), values.strides(), indices.strides()});
  const int64_t sx = loop.inner_stride(0), sv = loop.inner_stride(1), si = loop.inner_stride(2);
  const int64_t dx = x.stride(dim), dv = values.stride(dim), di = indices.stride(dim);
  const T* xp = x.data<T>();
  T* vp = values.data<T>();
  int64_t* ip = indices.data<int64_t>();
  parallel_for(0, loop.numel(), std::max<int64_t>(1, 4096 / std::max<int64_t>(n, 1)),
               [&](int64_t begin, int64_t end) {
                 std::vector<Item<T>> row(n);
                 loop.run(begin, end, [&](const std::array<int64_t, 3>& off, int64_t m) {
                   for (int64_t t = 0; t < m; ++t) {
                     const T* xr = xp + off[0] + t * sx;
                     for (int64_t j = 0; j < n; ++j) row[j] = {xr[j * dx], j};
                     auto cmp = descending ? &before_descending<T> : &before_ascending<T>;
                     if (k < n) {
                       // Select the first k in O(n), then order only those.
                       std::nth_element(row.begin(), row.begin() + k, row.end(), cmp);
                     }
                     std::sort(row.begin(), row.begin() + k, cmp);
                     T* vr = vp + off[1] + t * sv;
                     int64_t* ir = ip + off[2] + t * si;
                     for (int64_t j = 0; j < k; ++j) {
                       vr[j * dv] = row[j].v;
                       ir[j * di] = row[j].i;
                     }
                   }
                 });
               });
}

DC_REGISTER_KERNEL(sort_kernel, CPU, f32, &sort_cpu<float>);
DC_REGISTER_KERNEL(sort_kernel, CPU, f64, &sort_cpu<double>);
DC_REGISTER_KERNEL(sort_kernel, CPU, i32, &sort_cpu<int32_t>);
DC_REGISTER_KERNEL(sort_kernel, CPU, i64, &sort_cpu<int64_t>);

}  // namespace
}  // namespace dc
