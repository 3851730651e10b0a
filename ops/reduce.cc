#include "ops/reduce.h"

#include <algorithm>
#include <cmath>

#include "autograd/node.h"
#include "core/copy.h"
#include "ops/creation.h"
#include "ops/elementwise.h"

namespace dc {

DC_DEFINE_KERNEL(reduce_kernel, ReduceKernelFn)

namespace {

// The geometry of one reduction: which dims are reduced and the output shape.
struct ReducePlan {
  std::vector<bool> reduced;  // per input dim
  Shape out_shape;            // with keepdim applied
  Shape kept_shape;           // out shape with reduced dims as 1 (for broadcasting back)
  int64_t count = 1;          // elements reduced into each output
};

ReducePlan plan_reduce(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim,
                       const char* op) {
  ReducePlan p;
  const int64_t nd = x.dim();
  p.reduced.assign(nd, dims.empty());
  for (int64_t d : dims) {
    const int64_t w = wrap_dim(d, nd, op);
    DC_CHECK(!p.reduced[w], op, ": dim ", d, " given twice");
    p.reduced[w] = true;
  }
  for (int64_t d = 0; d < nd; ++d) {
    if (p.reduced[d]) {
      p.count *= x.size(d);
      p.kept_shape.push_back(1);
      if (keepdim) p.out_shape.push_back(1);
    } else {
      p.kept_shape.push_back(x.size(d));
      p.out_shape.push_back(x.size(d));
    }
  }
  return p;
}

// Lays x out as a contiguous [outer, count] matrix whose rows are the reduced groups.
Tensor rows_for_reduce(const Tensor& x, const ReducePlan& p) {
  Shape sizes, strides;
  for (int pass = 0; pass < 2; ++pass) {
    for (int64_t d = 0; d < x.dim(); ++d) {
      if (p.reduced[d] == (pass == 1)) {
        sizes.push_back(x.size(d));
        strides.push_back(x.stride(d));
      }
    }
  }
  Tensor permuted = x.as_strided(sizes, strides, x.offset());
  Tensor rows = permuted;
  if (!permuted.is_contiguous()) {
    rows = empty(sizes, x.dtype(), x.device());
    copy_into(rows, permuted);
  }
  const int64_t outer = p.count == 0 ? 0 : x.numel() / std::max<int64_t>(p.count, 1);
  return rows.as_strided({outer, p.count}, {p.count, 1}, rows.offset());
}

Tensor reduce_raw(ReduceOp op, const Tensor& x, const ReducePlan& p, DType out_dtype,
                  double param = 0);

// Additive reductions (sums, sums of squares or of |x|^p) over dims that are not all trailing,
// e.g. (0, 2, 3) of NCHW: reducing the trailing reduced dims first reads x's contiguous rows in
// place, where laying out the permuted rows would copy all of x (13x slower than PyTorch before).
// Returns the partial sums with x's leading dims (up to the last kept one), or an undefined tensor
// when this does not apply.
Tensor reduce_trailing_first(ReduceOp op, const Tensor& x, const ReducePlan& p, DType out_dtype,
                             double param) {
  const bool additive =
      op == ReduceOp::kSum || op == ReduceOp::kSumSquares || op == ReduceOp::kSumAbsPow;
  if (!additive || !x.is_contiguous()) return Tensor();
  int64_t last_kept = -1;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (!p.reduced[d]) last_kept = d;
  }
  int64_t inner = 1;
  bool leading_reduced = false;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (d > last_kept) inner *= x.size(d);
    if (d < last_kept && p.reduced[d]) leading_reduced = true;
  }
  // Worth it only when some reduced dim precedes a kept one and the trailing rows are long.
  if (last_kept < 0 || !leading_reduced || inner < 16) return Tensor();
  const Shape partial_shape(x.sizes().begin(), x.sizes().begin() + last_kept + 1);
  Tensor partial = empty(partial_shape, out_dtype, x.device());
  const int64_t outer = shape_numel(partial_shape);
  reduce_kernel().get(x.device(), x.dtype())(op, partial.as_strided({outer}, {1}, 0),
                                             x.as_strided({outer, inner}, {inner, 1}, x.offset()),
                                             param);
  return partial;
}

Tensor reduce_raw(ReduceOp op, const Tensor& x, const ReducePlan& p, DType out_dtype,
                  double param) {
  Tensor out = empty(p.out_shape, out_dtype, x.device());
  if (out.numel() == 0) return out;
  if (p.count == 0) {  // sums over an empty set are zero (max/min reject empty input earlier)
    fill_(out, 0.0);
    return out;
  }
  if (Tensor partial = reduce_trailing_first(op, x, p, out_dtype, param); partial.defined()) {
    // The partial sums are far fewer than x's elements: summing them over the remaining dims
    // costs little even when that copies them (rows_for_reduce).
    std::vector<int64_t> rest;
    for (int64_t d = 0; d < partial.dim(); ++d) {
      if (p.reduced[d]) rest.push_back(d);
    }
    Tensor y =
        reduce_raw(ReduceOp::kSum, partial, plan_reduce(partial, rest, false, "sum"), out_dtype);
    return y.as_strided(p.out_shape, contiguous_strides(p.out_shape), y.offset());
  }
  Tensor rows = rows_for_reduce(x, p);
  reduce_kernel().get(x.device(), x.dtype())(op, out.as_strided({out.numel()}, {1}, 0), rows,
                                             param);
  return out;
}

// A gradient of the output shape, viewed with the reduced dims as 1 and expanded to x's shape.
Tensor expand_back(const Tensor& g, const ReducePlan& p, const Shape& x_shape) {
  Tensor kept = g.contiguous().detach();
  kept = kept.as_strided(p.kept_shape, contiguous_strides(p.kept_shape), kept.offset());
  return broadcast_to_raw(kept, x_shape, "reduce backward");
}

Tensor count_tensor(const Tensor& like, int64_t n) {
  return scalar_like(like, static_cast<double>(n));
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  const ReducePlan p = plan_reduce(x, dims, keepdim, "sum");
  const DType out_dtype = is_floating(x.dtype()) ? x.dtype() : DType::i64;
  Tensor xin = x.dtype() == DType::b8 || x.dtype() == DType::u8 || x.dtype() == DType::i32
                   ? x.detach().to(DType::i64)
                   : x.detach();
  Tensor y = reduce_raw(ReduceOp::kSum, xin, p, out_dtype);
  const Shape xs = x.sizes();
  record_op("sum", {x}, {y}, [p, xs](const std::vector<Tensor>& g, const std::vector<bool>&) {
    return std::vector<Tensor>{expand_back(g[0], p, xs)};
  });
  return y;
}

Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  DC_CHECK(is_floating(x.dtype()), "mean: expected a floating tensor, got ", x.str());
  const ReducePlan p = plan_reduce(x, dims, keepdim, "mean");
  Tensor y = binary_raw(BinaryOp::kDiv, reduce_raw(ReduceOp::kSum, x.detach(), p, x.dtype()),
                        count_tensor(x, p.count));
  const Shape xs = x.sizes();
  record_op("mean", {x}, {y}, [p, xs](const std::vector<Tensor>& g, const std::vector<bool>&) {
    return std::vector<Tensor>{
        binary_raw(BinaryOp::kDiv, expand_back(g[0], p, xs), count_tensor(g[0], p.count))};
  });
  return y;
}

Tensor var(const Tensor& x, const std::vector<int64_t>& dims, int64_t correction, bool keepdim) {
  DC_CHECK(is_floating(x.dtype()), "var: expected a floating tensor, got ", x.str());
  const ReducePlan p = plan_reduce(x, dims, keepdim, "var");
  ReducePlan pk = p;  // same plan with keepdim, to broadcast the mean against x
  pk.out_shape = p.kept_shape;
  Tensor m = binary_raw(BinaryOp::kDiv, reduce_raw(ReduceOp::kSum, x.detach(), pk, x.dtype()),
                        count_tensor(x, p.count));
  Tensor centered = binary_raw(BinaryOp::kSub, x.detach(), m);
  const int64_t denom = std::max<int64_t>(p.count - correction, 0);
  Tensor y = binary_raw(BinaryOp::kDiv, reduce_raw(ReduceOp::kSumSquares, centered, p, x.dtype()),
                        count_tensor(x, denom));
  const Shape xs = x.sizes();
  record_op("var", {x}, {y},
            [p, xs, centered, denom](const std::vector<Tensor>& g, const std::vector<bool>&) {
              Tensor scale =
                  binary_raw(BinaryOp::kDiv, expand_back(g[0], p, xs), count_tensor(g[0], denom));
              return std::vector<Tensor>{binary_raw(BinaryOp::kMul, scale, centered * 2.0)};
            });
  return y;
}

Tensor norm(const Tensor& x, double p_norm, const std::vector<int64_t>& dims, bool keepdim) {
  DC_CHECK(is_floating(x.dtype()), "norm: expected a floating tensor, got ", x.str());
  DC_CHECK(p_norm > 0, "norm: p must be positive, got ", p_norm);
  const ReducePlan p = plan_reduce(x, dims, keepdim, "norm");
  Tensor y;
  if (p_norm == 2) {
    y = unary_raw(UnaryOp::kSqrt, reduce_raw(ReduceOp::kSumSquares, x.detach(), p, x.dtype()));
  } else {
    y = unary_raw(UnaryOp::kPowScalar,
                  reduce_raw(ReduceOp::kSumAbsPow, x.detach(), p, x.dtype(), p_norm), 1.0 / p_norm);
  }
  const Shape xs = x.sizes();
  Tensor sx = x.detach(), sy = y.detach();
  record_op("norm", {x}, {y},
            [p, xs, sx, sy, p_norm](const std::vector<Tensor>& g, const std::vector<bool>&) {
              // d||x||_p/dx = sign(x) |x|^(p-1) / ||x||^(p-1); zero where the norm is zero.
              Tensor ny = expand_back(sy, p, xs);
              Tensor gy = expand_back(g[0], p, xs);
              Tensor num = binary_raw(
                  BinaryOp::kMul, unary_raw(UnaryOp::kSign, sx),
                  unary_raw(UnaryOp::kPowScalar, unary_raw(UnaryOp::kAbs, sx), p_norm - 1));
              Tensor den = unary_raw(UnaryOp::kPowScalar, ny, p_norm - 1);
              Tensor safe = where(eq(den, scalar_like(den, 0)), scalar_like(den, 1), den);
              Tensor r = binary_raw(BinaryOp::kDiv, binary_raw(BinaryOp::kMul, gy, num), safe);
              return std::vector<Tensor>{where(eq(den, scalar_like(den, 0)), scalar_like(r, 0), r)};
            });
  return y;
}

namespace {

Tensor extreme_all(const Tensor& x, ReduceOp op, const char* name) {
  DC_CHECK(x.numel() > 0, name, ": cannot reduce an empty tensor ", x.str(),
           " without an identity");
  const ReducePlan p = plan_reduce(x, {}, false, name);
  Tensor y = reduce_raw(op, x.detach(), p, x.dtype());
  const Shape xs = x.sizes();
  Tensor sx = x.detach(), sy = y.detach();
  record_op(name, {x}, {y},
            [p, xs, sx, sy](const std::vector<Tensor>& g, const std::vector<bool>&) {
              // Evenly among ties, as torch.amax / torch.max() without dim.
              Tensor mask = eq(sx, expand_back(sy, p, xs)).to(sx.dtype());
              Tensor ties = sum(mask);
              Tensor share = binary_raw(BinaryOp::kDiv, expand_back(g[0], p, xs), ties);
              return std::vector<Tensor>{binary_raw(BinaryOp::kMul, share, mask)};
            });
  return y;
}

std::pair<Tensor, Tensor> extreme_dim(const Tensor& x, int64_t dim, bool keepdim, ReduceOp vop,
                                      ReduceOp iop, const char* name) {
  const int64_t d = wrap_dim(dim, x.dim(), name);
  DC_CHECK(x.dim() == 0 || x.size(d) > 0, name, ": cannot reduce over an empty dim ", d, " of ",
           x.str());
  const ReducePlan p = plan_reduce(
      x, x.dim() == 0 ? std::vector<int64_t>{} : std::vector<int64_t>{d}, keepdim, name);
  Tensor values = reduce_raw(vop, x.detach(), p, x.dtype());
  Tensor indices = reduce_raw(iop, x.detach(), p, DType::i64);
  const Shape xs = x.sizes();
  Tensor si = indices;
  record_op(
      name, {x}, {values, indices},
      [p, xs, si, d](const std::vector<Tensor>& g, const std::vector<bool>&) {
        // Gradient to the returned index only: compare positions along dim with it.
        Shape pos_shape(xs.size(), 1);
        if (!xs.empty()) pos_shape[d] = xs[d];
        Tensor pos = arange(xs.empty() ? 1 : xs[d]);
        pos = pos.as_strided(pos_shape, contiguous_strides(pos_shape), 0);
        Tensor hit = eq(broadcast_to_raw(pos, xs, "max backward"), expand_back(si, p, xs));
        return std::vector<Tensor>{where(hit, expand_back(g[0], p, xs), scalar_like(g[0], 0))};
      });
  return {values, indices};
}

}  // namespace

Tensor max(const Tensor& x) { return extreme_all(x, ReduceOp::kMax, "max"); }
Tensor min(const Tensor& x) { return extreme_all(x, ReduceOp::kMin, "min"); }
std::pair<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim) {
  return extreme_dim(x, dim, keepdim, ReduceOp::kMax, ReduceOp::kArgMax, "max");
}
std::pair<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim) {
  return extreme_dim(x, dim, keepdim, ReduceOp::kMin, ReduceOp::kArgMin, "min");
}
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) {
  const int64_t d = wrap_dim(dim, x.dim(), "argmax");
  const ReducePlan p = plan_reduce(x, {d}, keepdim, "argmax");
  DC_CHECK(x.size(d) > 0, "argmax: empty dim ", d, " of ", x.str());
  return reduce_raw(ReduceOp::kArgMax, x.detach(), p, DType::i64);
}
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim) {
  const int64_t d = wrap_dim(dim, x.dim(), "argmin");
  const ReducePlan p = plan_reduce(x, {d}, keepdim, "argmin");
  DC_CHECK(x.size(d) > 0, "argmin: empty dim ", d, " of ", x.str());
  return reduce_raw(ReduceOp::kArgMin, x.detach(), p, DType::i64);
}

Tensor sum_to_shape(const Tensor& g, const Shape& shape) {
  if (g.sizes() == shape) return g;
  const int64_t lead = g.dim() - static_cast<int64_t>(shape.size());
  DC_CHECK(lead >= 0, "sum_to_shape: cannot sum ", g.str(), " to ", shape_str(shape));
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < g.dim(); ++d) {
    if (d < lead || (shape[d - lead] == 1 && g.size(d) != 1)) dims.push_back(d);
  }
  Tensor s = dims.empty() ? g : sum(g, dims, /*keepdim=*/true);
  Tensor c = s.contiguous().detach();
  return c.as_strided(shape, contiguous_strides(shape), c.offset());
}

}  // namespace dc
