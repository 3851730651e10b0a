// Quantized regression (DenseReg, Güler et al. 2017; thesis chapter 2): a continuous coordinate
// u ∈ [0, 1] is estimated as a bin (classification) plus a residual inside the bin (regression).
//
// With K bins of width d = 1/K:
//   q = min(⌊u / d⌋, K − 1)          the bin of u (u = 1 falls in the last bin)
//   r = u / d − q                     the residual in bin units: r ∈ [0, 1) (r = 1 only at u = 1)
// so that u = d·(q + r) exactly. A network predicts, per pixel, K + 1 bin logits (class 0 =
// background, class i + 1 = bin i) and K residuals r̂_0..r̂_{K−1} (one regressor per bin). Decoding:
//   hard   û = d·(q̂ + r̂_q̂)                          q̂ = the argmax over the K bins
//   soft   û = Σ_i p_i·d·(i + r̂_i)                   p = softmax over the K bin logits (class 0
//                                                    dropped: the mixture of experts over bins)
//   bins   û = d·(q̂ + 0.5)                          classification only: the bin centre
//   oracle û = d·(q + r̂_q)                          the ground-truth bin: the residual regressors'
//                                                    own error (the thesis's "r only" curve)
// K = 1 is plain regression: q = 0 and r = u. The foreground is where the argmax over the K + 1
// classes is not 0.
//
// The training losses (quantized_regression_losses):
//   classification  softmax cross entropy over all pixels, target 0 on background, q + 1 on the
//                   foreground (mean over pixels)
//   residual        smooth L1 (beta) between d·r̂_q — the ground-truth bin's channel, gathered,
//                   in coordinate units — and d·r, on the foreground only, summed and divided by
//                   the number of foreground pixels (0 when there is none)
//
// Layouts: maps are [N, H, W] (u, mask) and [N, C, H, W] (logits with C = K + 1, residuals with
// C = K), f32, on one device.
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace dc {

struct QuantizedTargets {
  Tensor bin;       // [N, H, W] i64 q in [0, K)
  Tensor residual;  // [N, H, W] f32 r (in bin units)
  Tensor label;     // [N, H, W] i64 classification target: 0 on background, q + 1 on foreground
};

// Targets of u ([N, H, W] f32; values outside [0, 1] are clamped to it) under the mask ([N, H, W],
// u8/bool/i64/f32, nonzero = foreground) for K bins (K >= 1). Background pixels get bin 0,
// residual 0 and label 0. No gradient.
QuantizedTargets quantize_targets(const Tensor& u, const Tensor& mask, int64_t num_bins);

enum class QuantizedDecode {
  kHard,    // d·(q̂ + r̂_q̂)
  kSoft,    // Σ_i softmax_i·d·(i + r̂_i)
  kBins,    // d·(q̂ + 0.5): classification only
  kOracle,  // d·(q + r̂_q) with the ground-truth bin q (needs `bin`)
};

// û ([N, H, W] f32) from the K + 1 bin logits and the K residuals; `bin` ([N, H, W] i64) only for
// kOracle. Background is not masked out: every pixel gets its estimate. No gradient is recorded
// for kHard, kBins and kOracle's argmax/gather choices; kSoft is differentiable.
Tensor quantized_decode(const Tensor& logits, const Tensor& residuals, QuantizedDecode mode,
                        const Tensor& bin = Tensor());

// The foreground the classifier predicts: [N, H, W] bool, argmax over the K + 1 classes != 0.
Tensor predicted_foreground(const Tensor& logits);

struct QuantizedLosses {
  Tensor classification;   // 0-d f32
  Tensor residual;         // 0-d f32 (unweighted)
  int64_t foreground = 0;  // pixels contributing to the residual loss
};

// The two losses above for one coordinate (U or V). `targets` from quantize_targets with the same
// K; beta is smooth L1's (0: L1). The heads may be on a device and the targets on the host (as
// quantize_targets makes them): the targets are moved to the heads' device, the foreground is
// counted on the host.
QuantizedLosses quantized_regression_losses(const Tensor& logits, const Tensor& residuals,
                                            const QuantizedTargets& targets, double beta = 1.0);

}  // namespace dc
