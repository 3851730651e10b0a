#include "train/densereg_loss.h"

#include <algorithm>
#include <limits>

#include "core/error.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/join.h"
#include "ops/loss.h"
#include "ops/reduce.h"

namespace dc {
namespace {

void check_inputs(const std::vector<Tensor>& heads, const Tensor& uv, const Tensor& mask,
                  const DenseRegLossOptions& o) {
  const char* where = "densereg";
  DC_CHECK(heads.size() == 4 || heads.size() == 5, where,
           ": expected the network's 4 or 5 outputs (u_bins, v_bins, u_residual, v_residual[, "
           "depth]), got ",
           heads.size());
  DC_CHECK(heads[0].dim() == 4 && heads[0].size(1) == o.num_bins + 1, where, ": u_bins is ",
           heads[0].str(), ", expected [N, K + 1 = ", o.num_bins + 1,
           ", H, W] (densereg.num_bins = ", o.num_bins, ")");
  const int64_t n = heads[0].size(0), h = heads[0].size(2), w = heads[0].size(3);
  DC_CHECK(
      uv.dim() == 4 && uv.size(0) == n && uv.size(1) == 2 && uv.size(2) == h && uv.size(3) == w,
      where, ": batch field 'uv' is ", uv.str(), ", expected [", n, ", 2, ", h, ", ", w,
      "] to match the network's outputs");
  DC_CHECK(mask.dim() == 3 && mask.size(0) == n && mask.size(1) == h && mask.size(2) == w, where,
           ": batch field 'mask' is ", mask.str(), ", expected [", n, ", ", h, ", ", w, "]");
}

QuantizedDecode decode_mode(const DenseRegLossOptions& o) {
  switch (o.mode) {
    case DenseRegMode::kQuantizedRegression:
      return o.soft_decode ? QuantizedDecode::kSoft : QuantizedDecode::kHard;
    case DenseRegMode::kBinsOnly:
      return QuantizedDecode::kBins;
    case DenseRegMode::kResidualsOnly:
      return QuantizedDecode::kOracle;
  }
  DC_FAIL("densereg: unknown mode");
}

}  // namespace

DenseRegMode parse_densereg_mode(const std::string& mode) {
  if (mode == "qr") return DenseRegMode::kQuantizedRegression;
  if (mode == "q") return DenseRegMode::kBinsOnly;
  if (mode == "r") return DenseRegMode::kResidualsOnly;
  DC_FAIL("densereg.mode: expected qr, q or r, got '", mode, "'");
}

Tensor relative_depth(const Tensor& depth, const Tensor& mask) {
  DC_CHECK(depth.dim() == 3 && mask.sizes() == depth.sizes(), "relative_depth: depth ", depth.str(),
           " and mask ", mask.str(), " must both be [N, H, W]");
  // A host loop over the data (targets carry no gradient); the result goes to depth's device.
  const Tensor z = depth.detach().to(kCPU).to(DType::f32).contiguous();
  const Tensor m = mask.detach().to(kCPU).to(DType::f32).contiguous();
  Tensor out = zeros(depth.sizes(), DType::f32);
  const int64_t n = depth.size(0), hw = depth.size(1) * depth.size(2);
  const float* zp = z.data<float>();
  const float* mp = m.data<float>();
  float* op = out.data<float>();
  for (int64_t b = 0; b < n; ++b) {
    float lo = std::numeric_limits<float>::max(), hi = std::numeric_limits<float>::lowest();
    for (int64_t i = b * hw; i < (b + 1) * hw; ++i) {
      if (mp[i] == 0.0f) continue;
      lo = std::min(lo, zp[i]);
      hi = std::max(hi, zp[i]);
    }
    if (!(hi > lo)) continue;  // empty or flat foreground: all 0
    for (int64_t i = b * hw; i < (b + 1) * hw; ++i) {
      if (mp[i] != 0.0f) op[i] = (zp[i] - lo) / (hi - lo);
    }
  }
  return out.to(depth.device());
}

std::map<std::string, Tensor> densereg_losses(const std::vector<Tensor>& heads, const Tensor& uv,
                                              const Tensor& mask, const Tensor& depth,
                                              const DenseRegLossOptions& o) {
  check_inputs(heads, uv, mask, o);
  // The targets (bins, residuals, relative depth, foreground counts) are computed on the host
  // from host copies of the batch fields: they carry no gradient, and the count of foreground
  // pixels is a host number. The losses are ops on the heads' device (the targets are moved
  // there by quantized_regression_losses and below).
  const Device dev = heads[0].device();
  const Tensor uv_host = uv.detach().to(kCPU), mask_host = mask.detach().to(kCPU);
  std::map<std::string, Tensor> out;
  const char* names[2] = {"u", "v"};
  for (int c = 0; c < 2; ++c) {
    const QuantizedTargets t = quantize_targets(uv_host.select(1, c), mask_host, o.num_bins);
    const QuantizedLosses l =
        quantized_regression_losses(heads[c], heads[2 + c], t, o.smooth_l1_beta);
    const std::string n = names[c];
    if (o.mode != DenseRegMode::kResidualsOnly) out["loss_" + n + "_cls"] = l.classification;
    if (o.mode != DenseRegMode::kBinsOnly)
      out["loss_" + n + "_res"] = l.residual * o.residual_weight;
  }
  if (heads.size() == 5) {
    DC_CHECK(depth.defined(),
             "densereg: the network has a depth head but the batch has no 'depth'");
    const Tensor target = relative_depth(depth.detach().to(kCPU), mask_host).to(dev);
    const Tensor fg = ne(mask_host.to(DType::f32), zeros({}));
    const int64_t count = sum(fg.to(DType::i64)).item<int64_t>();
    const Tensor total =
        l1_loss(heads[4].squeeze(1), target, fg.to(DType::f32).to(dev), Reduction::kSum);
    out["loss_depth"] = total * (o.depth_weight / static_cast<double>(std::max<int64_t>(count, 1)));
  }
  return out;
}

Tensor densereg_decode(const std::vector<Tensor>& heads, const Tensor& uv, const Tensor& mask,
                       const DenseRegLossOptions& o) {
  check_inputs(heads, uv, mask, o);
  const QuantizedDecode mode = decode_mode(o);
  std::vector<Tensor> maps;
  for (int c = 0; c < 2; ++c) {
    Tensor bin;
    if (mode == QuantizedDecode::kOracle) {
      // The ground-truth bins are found on the host and used on the heads' device.
      bin = quantize_targets(uv.detach().to(kCPU).select(1, c), mask.detach().to(kCPU), o.num_bins)
                .bin.to(heads[c].device());
    }
    maps.push_back(quantized_decode(heads[c], heads[2 + c], mode, bin));
  }
  return stack(maps, 1);
}

}  // namespace dc
