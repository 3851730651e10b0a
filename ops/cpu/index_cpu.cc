// CPU indexing kernels. Writes that may collide (scatter_add and index_add with duplicate targets)
// are parallelized over what the index does not address: the positions off the indexed dim
// (scatter_add) or disjoint ranges of target rows (index_add), so no two threads ever write the
// same element and every element accumulates its sources in index order, as a serial loop would.
#include <algorithm>
#include <cstring>
#include <vector>

#include "core/strided_loop.h"
#include "core/thread_pool.h"
#include "ops/index.h"
#include "ops/index_math.h"

namespace dc {
namespace {

void check_indices(const int64_t* ip, int64_t n, int64_t size, int64_t dim, const char* op) {
  for (int64_t j = 0; j < n; ++j) {
    if (!index_in_range(ip[j], size)) index_out_of_range(op, ip[j], dim, size);
  }
}

// Shared walk of gather and scatter_add: for every position p of index's shape with `dim`
// collapsed, fn(off, t_stride, j) is called for each entry j along dim, where off = offsets of
// {a, index, b} at p. Positions are split across threads; all entries of one position stay on one
// thread (the race-freedom scatter_add needs). The loop order follows the memory order of index.
// With `split_dim` (gather: no two entries write the same place) and fewer positions than
// threads, the entries along dim are split across threads instead.
template <typename F>
void for_each_index_entry(const Tensor& a, const Tensor& index, const Tensor& b, int64_t dim,
                          bool split_dim, F&& fn) {
  Shape reduced = index.sizes();
  const int64_t n = reduced[dim];
  reduced[dim] = 1;
  StridedLoop<3> loop(reduced, {a.strides(), index.strides(), b.strides()});
  const int64_t sa = loop.inner_stride(0), si = loop.inner_stride(1), sb = loop.inner_stride(2);
  const int64_t da = a.stride(dim), di = index.stride(dim), db = b.stride(dim);
  const bool dim_inner = std::abs(di) < std::abs(si);
  if (split_dim && loop.numel() < num_threads()) {
    loop.run(0, loop.numel(), [&](const std::array<int64_t, 3>& off, int64_t m) {
      for (int64_t t = 0; t < m; ++t) {
        parallel_for(0, n, 32768, [&](int64_t jb, int64_t je) {
          for (int64_t j = jb; j < je; ++j) {
            fn(off[0] + t * sa + j * da, off[1] + t * si + j * di, off[2] + t * sb + j * db);
          }
        });
      }
    });
    return;
  }
  parallel_for(
      0, loop.numel(), std::max<int64_t>(1, 32768 / std::max<int64_t>(n, 1)),
      [&](int64_t begin, int64_t end) {
        loop.run(begin, end, [&](const std::array<int64_t, 3>& off, int64_t m) {
          if (dim_inner) {
            for (int64_t t = 0; t < m; ++t) {
              for (int64_t j = 0; j < n; ++j) {
                fn(off[0] + t * sa + j * da, off[1] + t * si + j * di, off[2] + t * sb + j * db);
              }
            }
          } else {
            for (int64_t j = 0; j < n; ++j) {
              for (int64_t t = 0; t < m; ++t) {
                fn(off[0] + t * sa + j * da, off[1] + t * si + j * di, off[2] + t * sb + j * db);
              }
            }
          }
        });
      });
}

template <typename T>
void gather_cpu(const Tensor& out, const Tensor& x, int64_t dim, const Tensor& index) {
  T* op = out.data<T>();
  const T* xp = x.data<T>();
  const int64_t* ip = index.data<int64_t>();
  const int64_t size = x.size(dim), xs = x.stride(dim);
  // x is addressed at index's positions with its own strides; dim's offset comes from the index.
  Shape xst = x.strides();
  xst[dim] = 0;
  const Tensor xv = x.as_strided(index.sizes(), xst, x.offset());
  for_each_index_entry(out, index, xv, dim, /*split_dim=*/true,
                       [&](int64_t o, int64_t i, int64_t xo) {
                         const int64_t k = ip[i];
                         if (!index_in_range(k, size)) index_out_of_range("gather", k, dim, size);
                         op[o] = xp[xo + k * xs];
                       });
}

template <typename T>
void scatter_add_cpu(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) {
  T* op = out.data<T>();
  const T* sp = src.data<T>();
  const int64_t* ip = index.data<int64_t>();
  const int64_t size = out.size(dim), os = out.stride(dim);
  Shape ost = out.strides();
  ost[dim] = 0;
  const Tensor ov = out.as_strided(index.sizes(), ost, out.offset());
  for_each_index_entry(ov, index, src, dim, /*split_dim=*/false,
                       [&](int64_t o, int64_t i, int64_t s) {
                         const int64_t k = ip[i];
                         if (!index_in_range(k, size)) {
                           index_out_of_range("scatter_add", k, dim, size);
                         }
                         op[o + k * os] += sp[s];
                       });
}

template <typename T>
void index_select_cpu(const Tensor& out, const Tensor& x, int64_t dim, const Tensor& index) {
  const IndexAround g = index_around(x.sizes(), dim);
  const int64_t m = index.numel();
  const int64_t* ip = index.data<int64_t>();
  check_indices(ip, m, g.n, dim, "index_select");
  if (out.numel() == 0) return;
  const T* xp = x.data<T>();
  T* op = out.data<T>();
  const int64_t inner = g.inner, n = g.n;
  // One task per output row (o, j): a contiguous copy of `inner` elements.
  parallel_for(0, g.outer * m, std::max<int64_t>(1, 16384 / inner), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t o = r / m, j = r % m;
      const T* s = xp + index_row_offset(o, ip[j], n, inner);
      T* d = op + r * inner;
      if (inner == 1) {
        *d = *s;
      } else {
        std::memcpy(d, s, inner * sizeof(T));
      }
    }
  });
}

template <typename T>
void index_add_cpu(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src,
                   double alpha) {
  const IndexAround g = index_around(out.sizes(), dim);
  const int64_t m = index.numel();
  const int64_t* ip = index.data<int64_t>();
  check_indices(ip, m, g.n, dim, "index_add");
  if (out.numel() == 0 || src.numel() == 0) return;
  T* op = out.data<T>();
  const T* sp = src.data<T>();
  const T a = static_cast<T>(alpha);
  const int64_t inner = g.inner, n = g.n;
  // Few outer slices: split the target rows into disjoint ranges, one per task; each task scans
  // the whole index and applies only the entries that land in its range (in index order).
  const int64_t parts =
      g.outer >= num_threads() ? 1 : std::min<int64_t>(n, num_threads() * 4 / g.outer + 1);
  parallel_for(0, g.outer * parts, 1, [&](int64_t b, int64_t e) {
    for (int64_t task = b; task < e; ++task) {
      const int64_t o = task / parts, part = task % parts;
      const int64_t lo = n * part / parts, hi = n * (part + 1) / parts;
      for (int64_t j = 0; j < m; ++j) {
        const int64_t k = ip[j];
        if (k < lo || k >= hi) continue;
        T* d = op + index_row_offset(o, k, n, inner);
        const T* s = sp + index_row_offset(o, j, m, inner);
        for (int64_t i = 0; i < inner; ++i) d[i] += a * s[i];
      }
    }
  });
}

// Splits [0, n) into chunks for the two-pass (count, then write) masked kernels.
int64_t mask_chunks(int64_t n) { return std::max<int64_t>(1, std::min<int64_t>(256, n / 16384)); }

// Number of true elements of mask in each chunk, then their exclusive prefix sums (size c + 1).
std::vector<int64_t> mask_chunk_offsets(const Tensor& mask, int64_t c) {
  const int64_t n = mask.numel();
  const bool* mp = mask.data<bool>();
  StridedLoop<1> loop(mask.sizes(), {mask.strides()});
  const int64_t ms = loop.inner_stride(0);
  std::vector<int64_t> counts(c + 1, 0);
  parallel_for(0, c, 1, [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) {
      int64_t cnt = 0;
      loop.run(n * k / c, n * (k + 1) / c, [&](const std::array<int64_t, 1>& off, int64_t len) {
        for (int64_t i = 0; i < len; ++i) cnt += mp[off[0] + i * ms];
      });
      counts[k + 1] = cnt;
    }
  });
  for (int64_t k = 0; k < c; ++k) counts[k + 1] += counts[k];
  return counts;
}

template <typename T>
Tensor masked_select_cpu(const Tensor& x, const Tensor& mask) {
  const int64_t n = x.numel();
  const int64_t c = mask_chunks(n);
  const std::vector<int64_t> offsets =
      n > 0 ? mask_chunk_offsets(mask, c) : std::vector<int64_t>(c + 1, 0);
  Tensor out = empty({offsets[c]}, x.dtype(), x.device());
  if (offsets[c] == 0) return out;
  const T* xp = x.data<T>();
  const bool* mp = mask.data<bool>();
  T* op = out.data<T>();
  StridedLoop<2> loop(x.sizes(), {x.strides(), mask.strides()});
  const int64_t xs = loop.inner_stride(0), ms = loop.inner_stride(1);
  parallel_for(0, c, 1, [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) {
      T* dst = op + offsets[k];
      loop.run(n * k / c, n * (k + 1) / c, [&](const std::array<int64_t, 2>& off, int64_t len) {
        for (int64_t i = 0; i < len; ++i) {
          if (mp[off[1] + i * ms]) *dst++ = xp[off[0] + i * xs];
        }
      });
    }
  });
  return out;
}

template <typename T>
void masked_scatter_cpu(const Tensor& out, const Tensor& mask, const Tensor& src) {
  const int64_t n = out.numel();
  if (n == 0) return;
  const int64_t c = mask_chunks(n);
  const std::vector<int64_t> offsets = mask_chunk_offsets(mask, c);
  DC_CHECK(offsets[c] <= src.numel(), "masked_scatter: mask has ", offsets[c],
           " true elements but src has only ", src.numel());
  T* op = out.data<T>();
  const bool* mp = mask.data<bool>();
  const T* sp = src.data<T>();
  StridedLoop<2> loop(out.sizes(), {out.strides(), mask.strides()});
  const int64_t os = loop.inner_stride(0), ms = loop.inner_stride(1);
  parallel_for(0, c, 1, [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) {
      const T* s = sp + offsets[k];
      loop.run(n * k / c, n * (k + 1) / c, [&](const std::array<int64_t, 2>& off, int64_t len) {
        for (int64_t i = 0; i < len; ++i) {
          if (mp[off[1] + i * ms]) op[off[0] + i * os] = *s++;
        }
      });
    }
  });
}

Tensor one_hot_cpu(const Tensor& index, int64_t num_classes) {
  const int64_t n = index.numel();
  const int64_t* ip = index.data<int64_t>();
  int64_t lo = 0, hi = -1;
  for (int64_t i = 0; i < n; ++i) {
    lo = std::min(lo, ip[i]);
    hi = std::max(hi, ip[i]);
  }
  DC_CHECK(lo >= 0, "one_hot: class values must be non-negative, got ", lo);
  if (num_classes < 0) num_classes = hi + 1;
  DC_CHECK(hi < num_classes, "one_hot: class value ", hi, " is out of range for num_classes ",
           num_classes, " (valid range [0, ", num_classes, "))");
  Tensor out = empty({n, num_classes}, DType::i64, index.device());
  int64_t* op = out.data<int64_t>();
  parallel_for(0, n, std::max<int64_t>(1, 65536 / std::max<int64_t>(num_classes, 1)),
               [&](int64_t b, int64_t e) {
                 std::fill(op + b * num_classes, op + e * num_classes, int64_t(0));
                 for (int64_t i = b; i < e; ++i) op[i * num_classes + ip[i]] = 1;
               });
  return out;
}

DC_REGISTER_KERNEL(gather_kernel, CPU, f32, &gather_cpu<float>);
DC_REGISTER_KERNEL(gather_kernel, CPU, f64, &gather_cpu<double>);
DC_REGISTER_KERNEL(gather_kernel, CPU, i32, &gather_cpu<int32_t>);
DC_REGISTER_KERNEL(gather_kernel, CPU, i64, &gather_cpu<int64_t>);
DC_REGISTER_KERNEL(scatter_add_kernel, CPU, f32, &scatter_add_cpu<float>);
DC_REGISTER_KERNEL(scatter_add_kernel, CPU, f64, &scatter_add_cpu<double>);
DC_REGISTER_KERNEL(scatter_add_kernel, CPU, i32, &scatter_add_cpu<int32_t>);
DC_REGISTER_KERNEL(scatter_add_kernel, CPU, i64, &scatter_add_cpu<int64_t>);
DC_REGISTER_KERNEL(index_select_kernel, CPU, f32, &index_select_cpu<float>);
DC_REGISTER_KERNEL(index_select_kernel, CPU, f64, &index_select_cpu<double>);
DC_REGISTER_KERNEL(index_select_kernel, CPU, i32, &index_select_cpu<int32_t>);
DC_REGISTER_KERNEL(index_select_kernel, CPU, i64, &index_select_cpu<int64_t>);
DC_REGISTER_KERNEL(index_add_kernel, CPU, f32, &index_add_cpu<float>);
DC_REGISTER_KERNEL(index_add_kernel, CPU, f64, &index_add_cpu<double>);
DC_REGISTER_KERNEL(index_add_kernel, CPU, i32, &index_add_cpu<int32_t>);
DC_REGISTER_KERNEL(index_add_kernel, CPU, i64, &index_add_cpu<int64_t>);
DC_REGISTER_KERNEL(masked_select_kernel, CPU, f32, &masked_select_cpu<float>);
DC_REGISTER_KERNEL(masked_select_kernel, CPU, f64, &masked_select_cpu<double>);
DC_REGISTER_KERNEL(masked_select_kernel, CPU, i32, &masked_select_cpu<int32_t>);
DC_REGISTER_KERNEL(masked_select_kernel, CPU, i64, &masked_select_cpu<int64_t>);
DC_REGISTER_KERNEL(masked_select_kernel, CPU, b8, &masked_select_cpu<bool>);
DC_REGISTER_KERNEL(masked_scatter_kernel, CPU, f32, &masked_scatter_cpu<float>);
DC_REGISTER_KERNEL(masked_scatter_kernel, CPU, f64, &masked_scatter_cpu<double>);
DC_REGISTER_KERNEL(one_hot_kernel, CPU, i64, &one_hot_cpu);

}  // namespace
}  // namespace dc
