// The losses and dense metrics of the `densereg` task (docs/DENSEREG.md), as functions of the
// network's outputs (nets/densereg.h order) and the batch's fields, so that they can be checked
// on hand-made tensors.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "nets/quantized_regression.h"

namespace dc {

enum class DenseRegMode {
  kQuantizedRegression,  // "qr": bins and residuals; û = d·(q̂ + r̂_q̂) (or the soft mixture)
  kBinsOnly,             // "q": bins only; û = the bin centre d·(q̂ + 0.5)
  kResidualsOnly,        // "r": residuals only; û with the ground-truth bin (oracle)
};

// "qr", "q" or "r" (a dc::Error names densereg.mode otherwise).
DenseRegMode parse_densereg_mode(const std::string& mode);

struct DenseRegLossOptions {
  int64_t num_bins = 10;
  DenseRegMode mode = DenseRegMode::kQuantizedRegression;
  double residual_weight = 40;  // times each of the U and V residual losses
  double smooth_l1_beta = 1.0;
  double depth_weight = 1.0;
  bool soft_decode = false;  // qr: the soft mixture instead of the hard argmax
};

// Relative depth targets: per sample, Z of the foreground mapped linearly to [0, 1] (0 the
// nearest foreground point, 1 the farthest; 0 everywhere when the foreground is flat or empty);
// 0 on background. depth and mask [N, H, W], on any device: computed on the host, returned on
// depth's device.
Tensor relative_depth(const Tensor& depth, const Tensor& mask);

// Loss terms of one batch. heads: u_bins, v_bins, u_residual, v_residual[, depth] (depth needs
// `depth`); uv [N, 2, H, W] f32, mask [N, H, W].
//   loss_u_cls, loss_v_cls   softmax CE over all pixels, class 0 = background   (modes qr, q)
//   loss_u_res, loss_v_res   residual_weight × smooth L1 on the ground-truth bin's channel,
//                            summed over the foreground / foreground pixels     (modes qr, r)
//   loss_depth               depth_weight × L1 to relative_depth, mean over the foreground
// The heads may be on a device (the trainer moves the model and the batch there): the targets are
// computed on the host from host copies of uv, mask and depth (they need no gradient) and moved to
// the heads' device, where the losses are computed by ops; the terms are on that device.
std::map<std::string, Tensor> densereg_losses(const std::vector<Tensor>& heads, const Tensor& uv,
                                              const Tensor& mask, const Tensor& depth,
                                              const DenseRegLossOptions& options);

// The (Û, V̂) estimate [N, 2, H, W] the mode decodes (mode r needs the ground truth uv and mask
// for its oracle bins, found on the host), on the heads' device.
Tensor densereg_decode(const std::vector<Tensor>& heads, const Tensor& uv, const Tensor& mask,
                       const DenseRegLossOptions& options);

}  // namespace dc
