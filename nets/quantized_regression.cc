#include "nets/quantized_regression.h"

#include <algorithm>
#include <cmath>

#include "autograd/grad_mode.h"
#include "core/error.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/index.h"
#include "ops/loss.h"
#include "ops/reduce.h"
#include "ops/softmax.h"

namespace dc {
namespace {

void check_map(const Tensor& t, const char* what, const char* where) {
  DC_CHECK(t.defined() && t.dim() == 3, where, ": ", what, " must be [N, H, W], got ",
           t.defined() ? t.str() : std::string("an undefined tensor"));
}

// logits [N, K + 1, H, W] and residuals [N, K, H, W] of one coordinate; returns K.
int64_t check_heads(const Tensor& logits, const Tensor& residuals, const char* where) {
  DC_CHECK(logits.defined() && logits.dim() == 4 && logits.size(1) >= 2, where,
           ": bin logits must be [N, K + 1, H, W] with K >= 1, got ",
           logits.defined() ? logits.str() : std::string("an undefined tensor"));
  const int64_t k = logits.size(1) - 1;
  DC_CHECK(residuals.defined() && residuals.dim() == 4 && residuals.size(0) == logits.size(0) &&
               residuals.size(1) == k && residuals.size(2) == logits.size(2) &&
               residuals.size(3) == logits.size(3),
           where, ": residuals must be [N, K, H, W] = [", logits.size(0), ", ", k, ", ",
           logits.size(2), ", ", logits.size(3), "] to match the bin logits ", logits.str(),
           ", got ", residuals.defined() ? residuals.str() : std::string("an undefined tensor"));
  return k;
}

// The argmax over the K bins (classes 1..K), as bin indices 0..K-1.
Tensor argmax_bin(const Tensor& logits) {
  const int64_t k = logits.size(1) - 1;
  return argmax(logits.narrow(1, 1, k), 1);
}

// residuals[n, bin[n, y, x], y, x]: [N, H, W].
Tensor residual_at(const Tensor& residuals, const Tensor& bin) {
  return gather(residuals, 1, bin.unsqueeze(1)).squeeze(1);
}

}  // namespace

QuantizedTargets quantize_targets(const Tensor& u, const Tensor& mask, int64_t num_bins) {
  const char* where = "quantize_targets";
  DC_CHECK(num_bins >= 1, where, ": the number of bins K must be >= 1, got ", num_bins);
  check_map(u, "u", where);
  check_map(mask, "mask", where);
  DC_CHECK(u.sizes() == mask.sizes(), where, ": u ", u.str(), " and mask ", mask.str(),
           " must have the same shape");
  DC_CHECK(u.device() == kCPU && mask.device() == kCPU, where, ": CPU tensors expected");
  const Tensor uc = u.detach().to(DType::f32).contiguous();
  const Tensor mc = mask.detach().to(DType::f32).contiguous();
  QuantizedTargets t;
  t.bin = empty(u.sizes(), DType::i64);
  t.residual = empty(u.sizes(), DType::f32);
  t.label = empty(u.sizes(), DType::i64);
  const float* up = uc.data<float>();
  const float* mp = mc.data<float>();
  int64_t* bp = t.bin.data<int64_t>();
  float* rp = t.residual.data<float>();
  int64_t* lp = t.label.data<int64_t>();
  const double k = static_cast<double>(num_bins);
  for (int64_t i = 0; i < uc.numel(); ++i) {
    if (mp[i] == 0.0f) {
      bp[i] = 0;
      rp[i] = 0.0f;
      lp[i] = 0;
      continue;
    }
    const double v = std::clamp(static_cast<double>(up[i]), 0.0, 1.0) * k;  // u / d
    const int64_t q = std::min(static_cast<int64_t>(std::floor(v)), num_bins - 1);
    bp[i] = q;
    rp[i] = static_cast<float>(v - static_cast<double>(q));
    lp[i] = q + 1;
  }
  return t;
}

Tensor quantized_decode(const Tensor& logits, const Tensor& residuals, QuantizedDecode mode,
                        const Tensor& bin) {
  const char* where = "quantized_decode";
  const int64_t k = check_heads(logits, residuals, where);
  const double d = 1.0 / static_cast<double>(k);
  switch (mode) {
    case QuantizedDecode::kHard: {
      const Tensor q = argmax_bin(logits);
      return (q.to(DType::f32) + residual_at(residuals, q)) * d;
    }
    case QuantizedDecode::kSoft: {
      const Tensor p = softmax(logits.narrow(1, 1, k), 1);
      const Tensor index = arange(0.0, static_cast<double>(k), 1.0, DType::f32).view({1, k, 1, 1});
      return sum(p * (residuals + index), {1}) * d;
    }
    case QuantizedDecode::kBins:
      return (argmax_bin(logits).to(DType::f32) + 0.5) * d;
    case QuantizedDecode::kOracle: {
      check_map(bin, "bin (the ground-truth bins, for the oracle decoding)", where);
      DC_CHECK(bin.dtype() == DType::i64 && bin.size(0) == logits.size(0) &&
                   bin.size(1) == logits.size(2) && bin.size(2) == logits.size(3),
               where, ": bin must be i64 [N, H, W] matching the logits ", logits.str(), ", got ",
               bin.str());
      return (bin.to(DType::f32) + residual_at(residuals, bin)) * d;
    }
  }
  DC_FAIL(where, ": unknown decoding mode");
}

Tensor predicted_foreground(const Tensor& logits) {
  DC_CHECK(logits.defined() && logits.dim() == 4 && logits.size(1) >= 2,
           "predicted_foreground: logits must be [N, K + 1, H, W] with K >= 1, got ",
           logits.defined() ? logits.str() : std::string("an undefined tensor"));
  return ne(argmax(logits, 1), zeros({}, DType::i64));
}

QuantizedLosses quantized_regression_losses(const Tensor& logits, const Tensor& residuals,
                                            const QuantizedTargets& targets, double beta) {
  const char* where = "quantized_regression_losses";
  check_heads(logits, residuals, where);
  for (const Tensor* t : {&targets.bin, &targets.residual, &targets.label}) {
    check_map(*t, "each target", where);
    DC_CHECK(t->size(0) == logits.size(0) && t->size(1) == logits.size(2) &&
                 t->size(2) == logits.size(3),
             where, ": targets ", t->str(), " do not match the logits ", logits.str(),
             " (expected [N, H, W] = [", logits.size(0), ", ", logits.size(2), ", ", logits.size(3),
             "])");
  }
  DC_CHECK(beta >= 0, where, ": smooth L1 beta must be >= 0, got ", beta);
  QuantizedLosses out;
  // The targets come from quantize_targets (host); the heads may be on a device. The foreground
  // count is a host number, so the mask is found on the host; the targets move to the heads'
  // device (no copy when they are there already), where the losses are computed.
  const Device dev = logits.device();
  const Tensor fg_host = ne(targets.label.detach().to(kCPU), zeros({}, DType::i64));
  out.foreground = sum(fg_host.to(DType::i64)).item<int64_t>();
  out.classification = cross_entropy(logits, targets.label.to(dev));
  // In coordinate units (d·r̂_q against d·r = u − d·q): the loss measures the error of û given
  // the right bin, so one residual weight means the same thing for every K (the thesis's 40 for
  // K = 10 and 70 for K = 1 are of one order). In bin units, K = 10 would weigh the residuals
  // K² = 100 times more, enough to drown the classifier's gradient in the shared trunk.
  const double d = 1.0 / static_cast<double>(residuals.size(1));
  const Tensor predicted = residual_at(residuals, targets.bin.to(dev)) * d;
  const Tensor total = smooth_l1_loss(predicted, targets.residual.to(dev) * d, beta,
                                      fg_host.to(DType::f32).to(dev), Reduction::kSum);
  // No foreground: a zero that keeps the graph (every parameter still gets a gradient of 0).
  out.residual = total / static_cast<double>(std::max<int64_t>(out.foreground, 1));
  return out;
}

}  // namespace dc
