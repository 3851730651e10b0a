#include "ops/loss.h"

#include "autograd/node.h"
#include "core/copy.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"

namespace dc {

DC_DEFINE_KERNEL(cross_entropy_kernel, CrossEntropyKernelFn)
DC_DEFINE_KERNEL(cross_entropy_backward_kernel, CrossEntropyBackwardKernelFn)
DC_DEFINE_KERNEL(bce_with_logits_kernel, BceWithLogitsKernelFn)
DC_DEFINE_KERNEL(bce_with_logits_backward_kernel, BceWithLogitsBackwardKernelFn)

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
      // The host needs the total for the backward scale; on a GPU this reads it back (a sync).
      const double total = sum(wt).to(kCPU).item<double>();
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

namespace {

void check_input_target(const Tensor& input, const Tensor& target, const char* op) {
  DC_CHECK(input.defined() && target.defined(), op, ": undefined input or target");
  DC_CHECK(is_floating(input.dtype()) && is_floating(target.dtype()), op,
           ": expected floating input and target, got ", input.str(), " and ", target.str());
  DC_CHECK(input.sizes() == target.sizes(), op, ": input ", input.str(), " and target ",
           target.str(), " must have the same shape");
}

// Does `t` broadcast to `shape` (NumPy rules, without growing shape)?
bool broadcasts_to(const Tensor& t, const Shape& shape) {
  if (t.dim() > static_cast<int64_t>(shape.size())) return false;
  for (int64_t k = 1; k <= t.dim(); ++k) {
    const int64_t ts = t.size(-k), s = shape[shape.size() - k];
    if (ts != s && ts != 1) return false;
  }
  return true;
}

// The shared tail of the elementwise losses: multiplies the elementwise loss `l` (input's shape)
// by the optional mask, then reduces. kMean divides by the number of contributing elements (the
// nonzero entries of the mask broadcast to input's shape; 0/0 = NaN when there are none), or by
// numel without a mask, which is torch's mean.
Tensor mask_and_reduce(Tensor l, const Tensor& input, const Tensor& mask, Reduction reduction,
                       const char* op) {
  if (mask.defined()) {
    DC_CHECK(mask.dtype() == DType::b8 || is_floating(mask.dtype()), op,
             ": mask must be bool or floating, got ", mask.str());
    DC_CHECK(broadcasts_to(mask, input.sizes()), op, ": mask ", mask.str(),
             " does not broadcast to input ", input.str());
    const Tensor m = mask.detach().to(l.dtype());
    l = l * m;
    if (reduction == Reduction::kMean) {
      const Tensor mexp = broadcast_to_raw(m, input.sizes(), op);
      const double count = sum(ne(mexp, scalar_like(mexp, 0))).to(kCPU).item<double>();
      return sum(l) / count;
    }
  }
  switch (reduction) {
    case Reduction::kNone:
      return l;
    case Reduction::kSum:
      return sum(l);
    case Reduction::kMean:
      return mean(l);
  }
  DC_FAIL(op, ": unknown reduction");
}

// The elementwise BCE with logits, differentiable w.r.t. input and target.
Tensor bce_with_logits_elementwise(const Tensor& input, const Tensor& target,
                                   const Tensor& pos_weight) {
  const DType dt = input.dtype();
  const Tensor x = input.detach().contiguous(), t = target.detach().contiguous();
  const Tensor pw = !pos_weight.defined()
                        ? Tensor()
                        : broadcast_to_raw(pos_weight.detach().to(dt), input.sizes(),
                                           "binary_cross_entropy_with_logits")
                              .contiguous();
  Tensor l = empty(input.sizes(), dt, input.device());
  if (l.numel() > 0) bce_with_logits_kernel().get(input.device(), dt)(x, t, pw, l);
  record_op("binary_cross_entropy_with_logits", {input, target}, {l},
            [x, t, pw](const std::vector<Tensor>& g, const std::vector<bool>& needs) {
              Tensor gx = needs[0] ? empty_like(x) : Tensor();
              Tensor gt = needs[1] ? empty_like(t) : Tensor();
              if (x.numel() > 0) {
                bce_with_logits_backward_kernel().get(x.device(), x.dtype())(g[0].contiguous(), x,
                                                                             t, pw, gx, gt);
              }
              return std::vector<Tensor>{gx, gt};
            });
  return l;
}

}  // namespace

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, double beta, const Tensor& mask,
                      Reduction reduction) {
  check_input_target(input, target, "smooth_l1_loss");
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
  return mask_and_reduce(l, input, mask, reduction, "smooth_l1_loss");
}

Tensor l1_loss(const Tensor& input, const Tensor& target, const Tensor& mask, Reduction reduction) {
  check_input_target(input, target, "l1_loss");
  return mask_and_reduce(abs(input - target), input, mask, reduction, "l1_loss");
}

Tensor mse_loss(const Tensor& input, const Tensor& target, const Tensor& mask,
                Reduction reduction) {
  check_input_target(input, target, "mse_loss");
  return mask_and_reduce(square(input - target), input, mask, reduction, "mse_loss");
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const Tensor& weight, const Tensor& pos_weight,
                                        const Tensor& mask, Reduction reduction) {
  const char* op = "binary_cross_entropy_with_logits";
  check_input_target(input, target, op);
  DC_CHECK(input.dtype() == DType::f32 || input.dtype() == DType::f64, op,
           ": expected f32 or f64 input, got ", input.str());
  DC_CHECK(target.dtype() == input.dtype(), op, ": target ", target.str(),
           " must have the dtype of input ", input.str());
  auto check_weight = [&](const Tensor& t, const char* what) {
    if (!t.defined()) return;
    DC_CHECK(is_floating(t.dtype()), op, ": ", what, " must be floating, got ", t.str());
    DC_CHECK(broadcasts_to(t, input.sizes()), op, ": ", what, " ", t.str(),
             " does not broadcast to input ", input.str());
  };
  check_weight(weight, "weight");
  check_weight(pos_weight, "pos_weight");
  Tensor l = bce_with_logits_elementwise(input, target, pos_weight);
  if (weight.defined()) l = l * weight.detach().to(l.dtype());
  return mask_and_reduce(l, input, mask, reduction, op);
}

}  // namespace dc
