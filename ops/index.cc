#include "ops/index.h"

#include "autograd/node.h"
#include "core/copy.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"

namespace dc {

DC_DEFINE_KERNEL(gather_kernel, GatherKernelFn)
DC_DEFINE_KERNEL(scatter_add_kernel, ScatterAddKernelFn)
DC_DEFINE_KERNEL(index_select_kernel, IndexSelectKernelFn)
DC_DEFINE_KERNEL(index_add_kernel, IndexAddKernelFn)
DC_DEFINE_KERNEL(masked_select_kernel, MaskedSelectKernelFn)
DC_DEFINE_KERNEL(masked_scatter_kernel, MaskedScatterKernelFn)
DC_DEFINE_KERNEL(one_hot_kernel, OneHotKernelFn)

namespace {

void check_defined(const Tensor& t, const char* op, const char* what) {
  DC_CHECK(t.defined(), op, ": undefined ", what, " tensor");
}

// The index as a raw i64 tensor (i32 is converted; kernels only see i64).
Tensor as_index(const Tensor& index, const char* op) {
  check_defined(index, op, "index");
  DC_CHECK(index.dtype() == DType::i64 || index.dtype() == DType::i32, op,
           ": index must be i64 (or i32), got ", index.str());
  Tensor i = index.detach();
  return i.dtype() == DType::i64 ? i : i.to(DType::i64);
}

// A raw copy of x (the starting value of the out-of-place scatter_add / index_add).
Tensor raw_clone(const Tensor& x) {
  Tensor out = empty(x.sizes(), x.dtype(), x.device());
  copy_into(out, x.detach());
  return out;
}

void check_same_dtype(const Tensor& x, const Tensor& src, const char* op) {
  DC_CHECK(x.dtype() == src.dtype(), op, ": src ", src.str(), " must have the dtype of x ",
           x.str());
  DC_CHECK(x.device() == src.device(), op, ": src is on ", src.device(), " but x is on ",
           x.device());
}

// The checks shared by gather and scatter_add: same rank, index no larger than `bound` (x) in
// every dim except `dim`.
void check_index_shape(const Tensor& x, const Tensor& index, int64_t dim, const char* op) {
  DC_CHECK(index.dim() == x.dim(), op, ": index ", index.str(), " must have as many dims as x ",
           x.str());
  for (int64_t d = 0; d < x.dim(); ++d) {
    DC_CHECK(d == dim || index.size(d) <= x.size(d), op, ": index ", index.str(),
             " is larger than x ", x.str(), " in dim ", d, " (only dim ", dim, " may be larger)");
  }
}

// 1-D view of an index_select / index_add index (0-d counts as one entry).
Tensor index_vector(const Tensor& index, const char* op) {
  Tensor i = as_index(index, op);
  DC_CHECK(i.dim() <= 1, op, ": index must be 1-D or 0-d, got ", index.str());
  return i.contiguous().reshape({i.numel()}).detach();
}

}  // namespace

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  check_defined(x, "gather", "input");
  Tensor idx = as_index(index, "gather");
  DC_CHECK(x.dim() > 0, "gather: expected an input with at least one dim, got ", x.str());
  const int64_t d = wrap_dim(dim, x.dim(), "gather");
  check_index_shape(x, idx, d, "gather");
  Tensor out = empty(idx.sizes(), x.dtype(), x.device());
  if (out.numel() > 0) gather_kernel().get(x.device(), x.dtype())(out, x.detach(), d, idx);
  const Shape xs = x.sizes();
  record_op("gather", {x}, {out},
            [xs, d, idx](const std::vector<Tensor>& g, const std::vector<bool>&) {
              return std::vector<Tensor>{
                  scatter_add(zeros(xs, g[0].dtype(), g[0].device()), d, idx, g[0])};
            });
  return out;
}

Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  check_defined(x, "scatter_add", "input");
  check_defined(src, "scatter_add", "src");
  Tensor idx = as_index(index, "scatter_add");
  check_same_dtype(x, src, "scatter_add");
  DC_CHECK(x.dim() > 0, "scatter_add: expected an input with at least one dim, got ", x.str());
  const int64_t d = wrap_dim(dim, x.dim(), "scatter_add");
  check_index_shape(x, idx, d, "scatter_add");
  DC_CHECK(src.dim() == x.dim(), "scatter_add: src ", src.str(), " must have as many dims as x ",
           x.str());
  for (int64_t k = 0; k < x.dim(); ++k) {
    DC_CHECK(idx.size(k) <= src.size(k), "scatter_add: index ", idx.str(), " is larger than src ",
             src.str(), " in dim ", k);
  }
  Tensor out = raw_clone(x);
  if (idx.numel() > 0) {
    scatter_add_kernel().get(x.device(), x.dtype())(out, d, idx, src.detach());
  }
  const Shape ss = src.sizes();
  record_op("scatter_add", {x, src}, {out},
            [d, idx, ss](const std::vector<Tensor>& g, const std::vector<bool>& needs) {
              Tensor gs;
              if (needs[1]) {
                Tensor picked = gather(g[0], d, idx);
                if (picked.sizes() == ss) {
                  gs = picked;
                } else {
                  // src elements outside index's extent never reached the output.
                  gs = zeros(ss, g[0].dtype(), g[0].device());
                  Tensor region = gs;
                  for (int64_t k = 0; k < picked.dim(); ++k) {
                    region = region.narrow(k, 0, picked.size(k));
                  }
                  copy_into(region, picked);
                }
              }
              return std::vector<Tensor>{needs[0] ? g[0] : Tensor(), gs};
            });
  return out;
}

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  check_defined(x, "index_select", "input");
  Tensor idx = index_vector(index, "index_select");
  DC_CHECK(x.dim() > 0, "index_select: expected an input with at least one dim, got ", x.str());
  const int64_t d = wrap_dim(dim, x.dim(), "index_select");
  Shape os = x.sizes();
  os[d] = idx.numel();
  Tensor out = empty(os, x.dtype(), x.device());
  // The kernel runs even when out is empty (x has a zero-size dim) so that bad indices still fail.
  if (idx.numel() > 0) {
    index_select_kernel().get(x.device(), x.dtype())(out, x.detach().contiguous(), d, idx);
  }
  const Shape xs = x.sizes();
  record_op("index_select", {x}, {out},
            [xs, d, idx](const std::vector<Tensor>& g, const std::vector<bool>&) {
              Tensor gi = zeros(xs, g[0].dtype(), g[0].device());
              if (g[0].numel() > 0) {
                index_add_kernel().get(gi.device(), gi.dtype())(gi, d, idx, g[0].contiguous(), 1);
              }
              return std::vector<Tensor>{gi};
            });
  return out;
}

Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src,
                 double alpha) {
  check_defined(x, "index_add", "input");
  check_defined(src, "index_add", "src");
  Tensor idx = index_vector(index, "index_add");
  check_same_dtype(x, src, "index_add");
  DC_CHECK(x.dim() > 0, "index_add: expected an input with at least one dim, got ", x.str());
  const int64_t d = wrap_dim(dim, x.dim(), "index_add");
  DC_CHECK(src.dim() == x.dim(), "index_add: src ", src.str(), " must have as many dims as x ",
           x.str());
  for (int64_t k = 0; k < x.dim(); ++k) {
    DC_CHECK(k == d || src.size(k) == x.size(k), "index_add: src ", src.str(), " must match x ",
             x.str(), " in every dim but ", d);
  }
  DC_CHECK(src.size(d) == idx.numel(), "index_add: index has ", idx.numel(), " entries but src ",
           src.str(), " has ", src.size(d), " in dim ", d);
  Tensor out = raw_clone(x);
  if (idx.numel() > 0) {
    index_add_kernel().get(x.device(), x.dtype())(out, d, idx, src.detach().contiguous(), alpha);
  }
  record_op("index_add", {x, src}, {out},
            [d, idx, alpha](const std::vector<Tensor>& g, const std::vector<bool>& needs) {
              Tensor gs;
              if (needs[1]) {
                gs = index_select(g[0], d, idx);
                if (alpha != 1) gs = gs * alpha;
              }
              return std::vector<Tensor>{needs[0] ? g[0] : Tensor(), gs};
            });
  return out;
}

Tensor masked_select(const Tensor& x, const Tensor& mask) {
  check_defined(x, "masked_select", "input");
  check_defined(mask, "masked_select", "mask");
  DC_CHECK(mask.dtype() == DType::b8, "masked_select: mask must be bool, got ", mask.str());
  DC_CHECK(mask.device() == x.device(), "masked_select: mask is on ", mask.device(),
           " but x is on ", x.device());
  const Shape shape = broadcast_shapes(x.sizes(), mask.sizes(), "masked_select");
  Tensor mb = broadcast_to_raw(mask.detach(), shape, "masked_select");
  Tensor out = masked_select_kernel().get(x.device(), x.dtype())(
      broadcast_to_raw(x.detach(), shape, "masked_select"), mb);
  const Shape xs = x.sizes();
  record_op("masked_select", {x}, {out},
            [xs, shape, mb](const std::vector<Tensor>& g, const std::vector<bool>&) {
              Tensor full_grad = zeros(shape, g[0].dtype(), g[0].device());
              if (g[0].numel() > 0) {
                masked_scatter_kernel().get(g[0].device(), g[0].dtype())(full_grad, mb,
                                                                         g[0].contiguous());
              }
              return std::vector<Tensor>{sum_to_shape(full_grad, xs)};
            });
  return out;
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  check_defined(x, "masked_fill", "input");
  check_defined(mask, "masked_fill", "mask");
  DC_CHECK(mask.dtype() == DType::b8, "masked_fill: mask must be bool, got ", mask.str());
  broadcast_shapes(x.sizes(), mask.sizes(), "masked_fill");
  // where() broadcasts, runs the parallel select kernel and sends the gradient to x where the
  // mask is false: exactly masked_fill's semantics.
  return where(mask, scalar_like(x, value), x);
}

Tensor one_hot(const Tensor& index, int64_t num_classes) {
  Tensor idx = as_index(index, "one_hot");
  DC_CHECK(num_classes >= -1, "one_hot: num_classes must be -1 (infer) or non-negative, got ",
           num_classes);
  DC_CHECK(num_classes >= 0 || idx.numel() > 0,
           "one_hot: cannot infer num_classes from an empty index ", index.str());
  Tensor flat = one_hot_kernel().get(idx.device(), DType::i64)(idx.contiguous(), num_classes);
  Shape s = idx.sizes();
  s.push_back(flat.size(1));
  return flat.view(s);
}

}  // namespace dc
