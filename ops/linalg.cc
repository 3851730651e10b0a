#include "ops/linalg.h"

#include "autograd/node.h"
#include "core/copy.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"

namespace dc {

DC_DEFINE_KERNEL(gemm_kernel, GemmKernelFn)

namespace {

// Folds dims [begin, end) of t into one (size, stride) if they address memory as a single strided
// run; size-1 dims are ignored since their stride is never used.
bool collapse_dims(const Tensor& t, int64_t begin, int64_t end, int64_t* size, int64_t* stride) {
  int64_t n = 1, st = 0, expected = -1;
  for (int64_t d = end - 1; d >= begin; --d) {
    n *= t.size(d);
    if (t.size(d) == 1) continue;
    if (expected < 0) {
      st = t.stride(d);
    } else if (t.stride(d) != expected) {
      return false;
    }
    expected = t.stride(d) * t.size(d);
  }
  *size = n;
  *stride = st;
  return true;
}

// t [batch..., R, C] as [B, R, C], copying only when the batch dims cannot share one stride (e.g.
// a broadcast dim inside real ones).
Tensor as_batched(Tensor t) {
  const int64_t nb = t.dim() - 2;
  int64_t b, bs;
  if (!collapse_dims(t, 0, nb, &b, &bs)) {
    t = t.contiguous();
    collapse_dims(t, 0, nb, &b, &bs);
  }
  return t.as_strided({b, t.size(nb), t.size(nb + 1)}, {bs, t.stride(nb), t.stride(nb + 1)},
                      t.offset());
}

void check_operands(const Tensor& a, const Tensor& b, const char* op) {
  DC_CHECK(a.defined() && b.defined(), op, ": undefined input tensor");
  DC_CHECK(a.device() == b.device(), op, ": tensors on different devices: ", a.str(), " on ",
           a.device(), ", ", b.str(), " on ", b.device());
  DC_CHECK(a.dtype() == b.dtype(), op, ": expected operands of the same dtype, got ", a.str(),
           " and ", b.str());
  DC_CHECK(a.dtype() == DType::f32 || a.dtype() == DType::f64, op,
           ": expected f32 or f64 operands, got ", a.str(), " and ", b.str());
}

// Product of a [..., M, K] and b [..., K, N] (both at least 2-D, batch dims broadcast), without
// recording. When b has no batch dims, a's batch folds into M so that one large GEMM runs.
Tensor matmul_raw(const Tensor& a, const Tensor& b) {
  const int64_t M = a.size(-2), K = a.size(-1), N = b.size(-1);
  const Shape abatch(a.sizes().begin(), a.sizes().end() - 2);
  const Shape bbatch(b.sizes().begin(), b.sizes().end() - 2);
  Shape out_shape = broadcast_shapes(abatch, bbatch, "matmul");
  out_shape.push_back(M);
  out_shape.push_back(N);
  Tensor out = empty(out_shape, a.dtype(), a.device());
  auto kernel = gemm_kernel().get(a.device(), a.dtype());
  int64_t rows, rs;
  if (bbatch.empty() && collapse_dims(a, 0, a.dim() - 1, &rows, &rs)) {
    const Tensor a3 = a.as_strided({1, rows, K}, {0, rs, a.stride(-1)}, a.offset());
    const Tensor b3 = b.as_strided({1, K, N}, {0, b.stride(0), b.stride(1)}, b.offset());
    kernel(out.as_strided({1, rows, N}, {0, N, 1}, 0), a3, b3);
    return out;
  }
  Shape ae = out_shape, be = out_shape;
  ae[ae.size() - 1] = K;
  be[be.size() - 2] = K;
  const Tensor a3 = as_batched(broadcast_to_raw(a, ae, "matmul"));
  const Tensor b3 = as_batched(broadcast_to_raw(b, be, "matmul"));
  kernel(out.as_strided({a3.size(0), M, N}, {M * N, N, 1}, 0), a3, b3);
  return out;
}

Tensor mT(const Tensor& t) { return t.transpose(-1, -2); }

// Records the product of two operands of at least 2-D (shapes already checked).
Tensor matmul_nd(const Tensor& a, const Tensor& b) {
  const Tensor sa = a.detach(), sb = b.detach();
  Tensor y = matmul_raw(sa, sb);
  record_op("matmul", {a, b}, {y},
            [sa, sb](const std::vector<Tensor>& gs, const std::vector<bool>& needs) {
              const Tensor g = gs[0].detach();
              Tensor ga, gb;
              if (needs[0]) ga = sum_to_shape(matmul_raw(g, mT(sb)), sa.sizes());
              if (needs[1]) {
                if (sb.dim() == 2 && sa.dim() > 2) {
                  // Summing over a's batch is the same as one GEMM over the folded rows.
                  const int64_t K = sa.size(-1);
                  gb = matmul_raw(sa.reshape({-1, K}).t(), g.reshape({-1, g.size(-1)}));
                } else {
                  gb = sum_to_shape(matmul_raw(mT(sa), g), sb.sizes());
                }
              }
              return std::vector<Tensor>{ga, gb};
            });
  return y;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_operands(a, b, "matmul");
  DC_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul: both operands must have at least 1 dim, got ",
           a.str(), " and ", b.str());
  const bool va = a.dim() == 1, vb = b.dim() == 1;
  const Tensor a2 = va ? a.unsqueeze(0) : a;
  const Tensor b2 = vb ? b.unsqueeze(1) : b;
  DC_CHECK(a2.size(-1) == b2.size(-2), "matmul: inner dims differ: ", a.str(), " and ", b.str(),
           " (expected a.size(-1) == b.size(", vb ? -1 : -2, "))");
  const Shape abatch(a2.sizes().begin(), a2.sizes().end() - 2);
  const Shape bbatch(b2.sizes().begin(), b2.sizes().end() - 2);
  try {
    broadcast_shapes(abatch, bbatch, "matmul");
  } catch (const Error&) {
    DC_FAIL("matmul: batch dims of ", a.str(), " and ", b.str(), " do not broadcast");
  }
  Tensor y = matmul_nd(a2, b2);
  if (vb) y = y.squeeze(y.dim() - 1);
  if (va) y = y.squeeze(y.dim() - (vb ? 1 : 2));
  return y;
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  check_operands(a, b, "bmm");
  DC_CHECK(a.dim() == 3 && b.dim() == 3, "bmm: expected 3-D operands [B, M, K] and [B, K, N], got ",
           a.str(), " and ", b.str());
  DC_CHECK(a.size(0) == b.size(0), "bmm: batch sizes differ: ", a.str(), " and ", b.str());
  DC_CHECK(a.size(2) == b.size(1), "bmm: inner dims differ: ", a.str(), " and ", b.str(),
           " (expected a.size(2) == b.size(1))");
  return matmul_nd(a, b);
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  check_operands(x, weight, "linear");
  DC_CHECK(weight.dim() == 2, "linear: weight must be 2-D [out, in], got ", weight.str());
  DC_CHECK(x.dim() >= 1 && x.size(-1) == weight.size(1), "linear: input ", x.str(),
           " does not end in in_features = ", weight.size(1), " of weight ", weight.str());
  if (bias.defined()) {
    DC_CHECK(bias.dtype() == x.dtype() && bias.device() == x.device(), "linear: bias ", bias.str(),
             " must match input ", x.str(), " in dtype and device");
    DC_CHECK(bias.dim() == 1 && bias.size(0) == weight.size(0), "linear: bias must be [",
             weight.size(0), "] for weight ", weight.str(), ", got ", bias.str());
  }
  Tensor y = matmul(x, weight.t());
  return bias.defined() ? add(y, bias) : y;
}

}  // namespace dc
