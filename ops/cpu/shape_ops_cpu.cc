// CPU kernels of reflect/replicate padding: a gather through per-dim index maps. The forward is
// parallel over output rows; the backward accumulates into input elements that several outputs
// read (the mirrored edges), so it is parallel over planes, which never share an input element.
#include <algorithm>

#include "core/thread_pool.h"
#include "ops/shape_ops.h"

namespace dc {
namespace {

template <typename T>
void pad_index_cpu(const Tensor& out, const Tensor& x, const std::vector<int64_t>& rows,
                   const std::vector<int64_t>& cols) {
  const int64_t planes = x.size(0), H = x.size(1), W = x.size(2);
  const int64_t OH = static_cast<int64_t>(rows.size()), OW = static_cast<int64_t>(cols.size());
  const T* xp = x.data<T>();
  T* op = out.data<T>();
  parallel_for(0, planes * OH, std::max<int64_t>(1, 16384 / std::max<int64_t>(OW, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t r = b; r < e; ++r) {
                   const int64_t p = r / OH, oh = r % OH;
                   const T* src = xp + (p * H + rows[oh]) * W;
                   T* dst = op + r * OW;
                   for (int64_t ow = 0; ow < OW; ++ow) dst[ow] = src[cols[ow]];
                 }
               });
}

template <typename T>
void pad_index_backward_cpu(const Tensor& grad_in, const Tensor& grad_out,
                            const std::vector<int64_t>& rows, const std::vector<int64_t>& cols) {
  const int64_t planes = grad_in.size(0), H = grad_in.size(1), W = grad_in.size(2);
  const int64_t OH = static_cast<int64_t>(rows.size()), OW = static_cast<int64_t>(cols.size());
  const T* gp = grad_out.data<T>();
  T* gi = grad_in.data<T>();
  parallel_for(0, planes, std::max<int64_t>(1, 16384 / std::max<int64_t>(OH * OW, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t p = b; p < e; ++p) {
                   T* dst = gi + p * H * W;
                   std::fill(dst, dst + H * W, T(0));
                   for (int64_t oh = 0; oh < OH; ++oh) {
                     T* drow = dst + rows[oh] * W;
                     const T* srow = gp + (p * OH + oh) * OW;
                     for (int64_t ow = 0; ow < OW; ++ow) drow[cols[ow]] += srow[ow];
                   }
                 }
               });
}

DC_REGISTER_KERNEL(pad_index_kernel, CPU, f32, &pad_index_cpu<float>);
DC_REGISTER_KERNEL(pad_index_kernel, CPU, f64, &pad_index_cpu<double>);
DC_REGISTER_KERNEL(pad_index_backward_kernel, CPU, f32, &pad_index_backward_cpu<float>);
DC_REGISTER_KERNEL(pad_index_backward_kernel, CPU, f64, &pad_index_backward_cpu<double>);

}  // namespace
}  // namespace dc
