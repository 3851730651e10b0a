#include "ops/uv_splat.h"

#include "autograd/node.h"

namespace dc {

DC_DEFINE_KERNEL(uv_splat_kernel, UvSplatKernelFn)
DC_DEFINE_KERNEL(uv_splat_backward_kernel, UvSplatBackwardKernelFn)

std::pair<Tensor, Tensor> uv_splat(const Tensor& values, const Tensor& uv, const Tensor& part,
                                   int64_t K, int64_t H, int64_t W) {
  DC_CHECK(values.defined() && uv.defined() && part.defined(),
           "uv_splat: undefined values, uv or part tensor");
  DC_CHECK(values.dim() == 3, "uv_splat: expected values of shape [N, C, P], got ", values.str());
  DC_CHECK(values.dtype() == DType::f32 || values.dtype() == DType::f64,
           "uv_splat: expected f32 or f64 values, got ", values.str());
  const int64_t N = values.size(0), C = values.size(1), P = values.size(2);
  DC_CHECK(uv.dim() == 3 && uv.size(0) == N && uv.size(1) == P && uv.size(2) == 2,
           "uv_splat: expected uv of shape [", N, ", ", P, ", 2] for values ", values.str(),
           ", got ", uv.str());
  DC_CHECK(uv.dtype() == values.dtype(), "uv_splat: uv ", uv.str(),
           " must have the dtype of values ", values.str());
  DC_CHECK(part.dim() == 2 && part.size(0) == N && part.size(1) == P && part.dtype() == DType::i64,
           "uv_splat: expected part of shape [", N, ", ", P, "] and dtype i64 for values ",
           values.str(), ", got ", part.str());
  DC_CHECK(uv.device() == values.device() && part.device() == values.device(), "uv_splat: values ",
           values.str(), ", uv ", uv.str(), " and part ", part.str(), " must be on one device");
  DC_CHECK(K > 0 && H > 0 && W > 0, "uv_splat: K, H and W must be positive, got K=", K, ", H=", H,
           ", W=", W);
  const Tensor vc = values.detach().contiguous(), uc = uv.detach().contiguous(),
               pc = part.contiguous();
  Tensor atlas = empty({N, K, C, H, W}, values.dtype(), values.device());
  Tensor weight = empty({N, K, H, W}, values.dtype(), values.device());
  // The kernel checks the range of part (it reads part anyway) and fills both outputs.
  uv_splat_kernel().get(values.device(), values.dtype())(vc, uc, pc, atlas, weight);
  record_op("uv_splat", {values, uv, part}, {atlas, weight},
            [vc, uc, pc](const std::vector<Tensor>& g, const std::vector<bool>& needs) {
              Tensor gv = needs[0] ? empty(vc.sizes(), vc.dtype(), vc.device()) : Tensor();
              Tensor gu = needs[1] ? empty(uc.sizes(), uc.dtype(), uc.device()) : Tensor();
              if (gv.defined() || gu.defined()) {
                uv_splat_backward_kernel().get(vc.device(), vc.dtype())(
                    vc, uc, pc, g[0].contiguous(), g[1].contiguous(), gv, gu);
              }
              return std::vector<Tensor>{gv, gu, Tensor()};
            });
  return {atlas, weight};
}

}  // namespace dc
