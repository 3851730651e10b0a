#include "ops/loss.h"

#include "autograd/node.h"
#include "core/copy.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"

namespace dc {

DC_DEFINE_KERNEL(cross_entropy_kernel, CrossEntropyKernelFn)
DC_DEFINE_KERNEL(cross_entropy_backward_kernel, CrossEntropyBackwardKernelFn)

Tensor cross_entropy(const Tensor& logits, const Tensor& target, const Tensor& weight,
                     int64_t ignore_index, Reduction reduction) {
  DC_CHECK(logits.defined() && target.defined(), "cross_entropy: undefined logits or target");
  DC_CHECK(logits.dtype() == DType::f32 || logits.dtype() == DType::f64,
           "cross_entropy: expected f32 or f64 logits, got ", logits.str());
  DC_CHECK(logits.dim() >= 2, "cross_entropy: expected logits [N, C] or [N, C, d1, ...], got ",
           logits.str());
  DC_CHECK(target.dtype() == DType::i64,
           "cross_entropy: expected an i64 target of class indices, got ", target.str());
  bool shape_ok = target.dim() == logits.dim() - 1 && target.size(0) == logits.size(0);
  for (int64_t d = 1; shape_ok && d < target.dim(); ++d) {
    shape_ok = target.size(d) == logits.size(d + 1);
  }
  DC_CHECK(shape_ok, "cross_entropy: target ", target.str(), " does not match logits ",
           logits.str(), " (expected the logits' shape without dim 1)");
  const int64_t N = logits.size(0), C = logits.size(1);
  const int64_t inner = N * C == 0 ? 0 : logits.numel() / (N * C);
  if (weight.defined()) {
    DC_CHECK(weight.dim() == 1 && weight.size(0) == C && is_floating(weight.dtype()),
             "cross_entropy: weight must be a floating 1-D tensor of ", C,
             " elements (classes of logits ", logits.str(), "), got ", weight.str());
  }
  const DType dt = logits.dtype();
  const Tensor lc = logits.detach().contiguous();
  const Tensor x3 = lc.as_strided({N, C, inner}, {C * inner, inner, 1}, lc.offset());
  const Tensor tc = target.contiguous();
  const Tensor wc = !weight.defined()      ? Tensor()
                    : weight.dtype() == dt ? weight.detach().contiguous()
                                           : weight.detach().to(dt);
  const int64_t P = N * inner;
  Tensor loss = empty({P}, dt, logits.device());
  Tensor wt = empty({P}, dt, logits.device());
  Tensor lse = empty({P}, dt, logits.device());
  if (P > 0) {
    cross_entropy_kernel().get(logits.device(), dt)(x3, tc.as_strided({P}, {1}, tc.offset()), wc,
                                                    ignore_index, loss, wt, lse);
  }
  Tensor y;
  double scale = 1;
  switch (reduction) {
    case Reduction::kNone:
      y = loss.as_strided(target.sizes(), contiguous_strides(target.sizes()), 0);
      break;
    case Reduction::kSum:
      y = sum(loss);
      break;
    case Reduction::kMean: {
      const double total = sum(wt).item<double>();
      scale = 1.0 / total;  // inf when every target is ignored: the loss is 0/0 = NaN as in torch
      y = binary_raw(BinaryOp::kDiv, sum(loss), scalar_like(loss, total));
      break;
    }
  }
  const Tensor tflat = tc.as_strided({P}, {1}, tc.offset());
  const Shape ls = logits.sizes();
  record_op("cross_entropy", {logits}, {y},
            [=](const std::vector<Tensor>& g, const std::vector<bool>&) {
              Tensor gl = empty(ls, dt, x3.device());
              if (P > 0) {
                Tensor gc = g[0].contiguous();
                cross_entropy_backward_kernel().get(x3.device(), dt)(
                    x3, tflat, wt, lse, gc.as_strided({gc.numel()}, {1}, gc.offset()), scale,
                    gl.as_strided({N, C, inner}, {C * inner, inner, 1}, 0));
              }
              return std::vector<Tensor>{gl};
            });
  return y;
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, double beta, const Tensor& mask,
                      Reduction reduction) {
  DC_CHECK(input.defined() && target.defined(), "smooth_l1_loss: undefined input or target");
  DC_CHECK(is_floating(input.dtype()) && is_floating(target.dtype()),
           "smooth_l1_loss: expected floating input and target, got ", input.str(), " and ",
           target.str());
  DC_CHECK(input.sizes() == target.sizes(), "smooth_l1_loss: input ", input.str(), " and target ",
           target.str(), " must have the same shape");
  DC_CHECK(beta >= 0, "smooth_l1_loss: beta must be non-negative, got ", beta);
  const Tensor d = input - target;
  Tensor l;
  if (beta == 0) {
    l = abs(d);
  } else {
    // Both branches are differentiated only where where() selects them, so their gradients are
    // d / beta inside and sign(d) outside, as PyTorch's.
    const Tensor ad = abs(d);
    l = where(lt(ad.detach(), scalar_like(ad, beta)), square(d) * (0.5 / beta), ad - 0.5 * beta);
  }
  if (!mask.defined()) {
    switch (reduction) {
      case Reduction::kNone:
        return l;
      case Reduction::kSum:
        return sum(l);
      case Reduction::kMean:
        return mean(l);
    }
  }
  DC_CHECK(mask.dtype() == DType::b8 || is_floating(mask.dtype()),
           "smooth_l1_loss: mask must be bool or floating, got ", mask.str());
  bool broadcast_ok = mask.dim() <= input.dim();
  for (int64_t k = 1; broadcast_ok && k <= mask.dim(); ++k) {
    const int64_t ms = mask.size(-k), is = input.size(-k);
    broadcast_ok = ms == is || ms == 1;
  }
  DC_CHECK(broadcast_ok, "smooth_l1_loss: mask ", mask.str(), " does not broadcast to input ",
           input.str());
  const Tensor m = mask.detach().to(l.dtype());
  l = l * m;
  switch (reduction) {
    case Reduction::kNone:
      return l;
    case Reduction::kSum:
      return sum(l);
    case Reduction::kMean: {
      const Tensor mexp = broadcast_to_raw(m, input.sizes(), "smooth_l1_loss");
      const double count = sum(ne(mexp, scalar_like(mexp, 0))).item<double>();
      return sum(l) / count;
    }
  }
  DC_FAIL("smooth_l1_loss: unknown reduction");
}

}  // namespace dc
