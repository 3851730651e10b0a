#include "ops/dropout.h"

#include "autograd/node.h"
#include "ops/creation.h"
#include "ops/elementwise.h"

namespace dc {

DC_DEFINE_KERNEL(dropout_kernel, DropoutKernelFn)

Tensor dropout(const Tensor& x, double p, bool training, Generator& gen) {
  DC_CHECK(x.defined(), "dropout: undefined input tensor");
  DC_CHECK(p >= 0 && p <= 1, "dropout: probability p must be in [0, 1], got ", p);
  DC_CHECK(x.dtype() == DType::f32 || x.dtype() == DType::f64,
           "dropout: expected a f32 or f64 input, got ", x.str());
  if (!training || p == 0 || x.numel() == 0) return x;
  if (p == 1) return x * 0.0;  // every element dropped; the gradient is zero too
  const Tensor xc = x.detach().contiguous();
  const int64_t n = x.numel();
  const uint64_t first = gen.advance(static_cast<uint64_t>((n + 3) / 4));
  Tensor mask = empty(x.sizes(), x.dtype(), x.device());
  Tensor y = empty(x.sizes(), x.dtype(), x.device());
  dropout_kernel().get(x.device(), x.dtype())(xc, p, gen.seed(), first, mask, y);
  record_op("dropout", {x}, {y}, [mask](const std::vector<Tensor>& g, const std::vector<bool>&) {
    return std::vector<Tensor>{binary_raw(BinaryOp::kMul, g[0], mask)};
  });
  return y;
}

}  // namespace dc
