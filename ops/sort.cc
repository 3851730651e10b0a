#include "ops/sort.h"

#include "autograd/node.h"
#include "ops/creation.h"
#include "ops/index.h"

namespace dc {

DC_DEFINE_KERNEL(sort_kernel, SortKernelFn)

namespace {

// Orders x along d keeping the first k entries of every row; records the gradient of the values
// (scattered back to the indices they came from).
std::pair<Tensor, Tensor> sort_impl(const Tensor& x, int64_t d, int64_t k, bool descending,
                                    const char* op) {
  Shape os = x.sizes();
  os[d] = k;
  Tensor values = empty(os, x.dtype(), x.device());
  Tensor indices = empty(os, DType::i64, x.device());
  if (values.numel() > 0) {
    sort_kernel().get(x.device(), x.dtype())(values, indices, x.detach(), d, descending);
  }
  const Shape xs = x.sizes();
  record_op(op, {x}, {values},
            [xs, d, indices](const std::vector<Tensor>& g, const std::vector<bool>&) {
              return std::vector<Tensor>{
                  scatter_add(zeros(xs, g[0].dtype(), g[0].device()), d, indices, g[0])};
            });
  return {values, indices};
}

// 0-d tensors sort as one-element vectors, as in PyTorch.
Tensor at_least_1d(const Tensor& x) { return x.dim() == 0 ? x.reshape({1}) : x; }

}  // namespace

std::pair<Tensor, Tensor> sort(const Tensor& x, int64_t dim, bool descending, bool /*stable*/) {
  DC_CHECK(x.defined(), "sort: undefined input tensor");
  const Tensor x1 = at_least_1d(x);
  const int64_t d = wrap_dim(dim, x1.dim(), "sort");
  auto [v, i] = sort_impl(x1, d, x1.size(d), descending, "sort");
  if (x.dim() == 0) return {v.reshape({}), i.reshape({})};
  return {v, i};
}

Tensor argsort(const Tensor& x, int64_t dim, bool descending, bool stable) {
  return sort(x.detach(), dim, descending, stable).second;
}

std::pair<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim, bool largest,
                               bool /*sorted*/) {
  DC_CHECK(x.defined(), "topk: undefined input tensor");
  const Tensor x1 = at_least_1d(x);
  const int64_t d = wrap_dim(dim, x1.dim(), "topk");
  DC_CHECK(k >= 0 && k <= x1.size(d), "topk: k = ", k, " is out of range for dim ", d, " of ",
           x.str(), " (expected 0 <= k <= ", x1.size(d), ")");
  auto [v, i] = sort_impl(x1, d, k, largest, "topk");
  if (x.dim() == 0) return {v.reshape({}), i.reshape({})};
  return {v, i};
}

}  // namespace dc
