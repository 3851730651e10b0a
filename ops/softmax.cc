#include "ops/softmax.h"

#include "autograd/node.h"

namespace dc {

DC_DEFINE_KERNEL(softmax_kernel, SoftmaxKernelFn)
DC_DEFINE_KERNEL(softmax_backward_kernel, SoftmaxBackwardKernelFn)

namespace {

Tensor softmax_impl(const Tensor& x, int64_t dim, bool log, const char* op) {
  DC_CHECK(x.defined(), op, ": undefined input tensor");
  DC_CHECK(x.dtype() == DType::f32 || x.dtype() == DType::f64, op,
           ": expected a f32 or f64 input, got ", x.str());
  const int64_t nd = std::max<int64_t>(x.dim(), 1);
  const int64_t d = wrap_dim(dim, nd, op);
  int64_t outer = 1, inner = 1;
  const int64_t n = x.dim() == 0 ? 1 : x.size(d);
  for (int64_t i = 0; i < x.dim(); ++i) {
    if (i < d) outer *= x.size(i);
    if (i > d) inner *= x.size(i);
  }
  Tensor xc = x.detach().contiguous();
  Tensor y = empty(x.sizes(), x.dtype(), x.device());
  if (y.numel() > 0) softmax_kernel().get(x.device(), x.dtype())(xc, y, outer, n, inner, log);
  Tensor sy = y.detach();
  record_op(op, {x}, {y},
            [sy, outer, n, inner, log](const std::vector<Tensor>& g, const std::vector<bool>&) {
              Tensor gi = empty(sy.sizes(), sy.dtype(), sy.device());
              if (gi.numel() > 0) {
                softmax_backward_kernel().get(gi.device(), gi.dtype())(g[0].contiguous(), sy, gi,
                                                                       outer, n, inner, log);
              }
              return std::vector<Tensor>{gi};
            });
  return y;
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return softmax_impl(x, dim, false, "softmax"); }
Tensor log_softmax(const Tensor& x, int64_t dim) {
  return softmax_impl(x, dim, true, "log_softmax");
}

}  // namespace dc
