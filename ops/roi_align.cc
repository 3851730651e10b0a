#include "ops/roi_align.h"

#include <cmath>

#include "autograd/node.h"

namespace dc {

DC_DEFINE_KERNEL(roi_align_kernel, RoiAlignKernelFn)
DC_DEFINE_KERNEL(roi_align_backward_kernel, RoiAlignBackwardKernelFn)

Tensor roi_align(const Tensor& x, const Tensor& rois, std::array<int64_t, 2> output_size,
                 double spatial_scale, int64_t sampling_ratio, bool aligned) {
  DC_CHECK(x.defined() && rois.defined(), "roi_align: undefined input tensor");
  DC_CHECK(x.dim() == 4, "roi_align: expected a 4-D (N, C, H, W) input, got ", x.str());
  DC_CHECK(x.dtype() == DType::f32 || x.dtype() == DType::f64,
           "roi_align: expected a f32 or f64 input, got ", x.str());
  DC_CHECK(rois.dim() == 2 && rois.size(1) == 5,
           "roi_align: expected rois of shape [K, 5] (batch_index, x1, y1, x2, y2), got ",
           rois.str());
  DC_CHECK(rois.dtype() == x.dtype(), "roi_align: rois ", rois.str(),
           " must have the input's dtype (input ", x.str(), ")");
  DC_CHECK(rois.device() == x.device(), "roi_align: rois on ", rois.device(), " but input on ",
           x.device());
  DC_CHECK(output_size[0] > 0 && output_size[1] > 0,
           "roi_align: output size must be positive, got {", output_size[0], ", ", output_size[1],
           "}");
  DC_CHECK(std::isfinite(spatial_scale) && spatial_scale > 0,
           "roi_align: spatial_scale must be positive and finite, got ", spatial_scale);
  Tensor rc = rois.detach().contiguous();
  // The kernel indexes x by the batch index: a bad one would read outside the tensor (torchvision
  // does not check; we fail instead). Device rois are read back for this check.
  if (rc.size(0) > 0) {
    const std::vector<double> bidx = rc.select(1, 0).to(kCPU).to_vector();
    for (size_t k = 0; k < bidx.size(); ++k) {
      const double b = bidx[k];
      DC_CHECK(
          std::isfinite(b) && static_cast<int64_t>(b) >= 0 && static_cast<int64_t>(b) < x.size(0),
          "roi_align: roi ", k, " has batch index ", b, ", expected one in [0, ", x.size(0),
          ") for input ", x.str());
    }
  }
  RoiAlignParams p;
  p.pooled_h = output_size[0];
  p.pooled_w = output_size[1];
  p.spatial_scale = spatial_scale;
  p.sampling_ratio = sampling_ratio;
  p.aligned = aligned;
  Tensor xc = x.detach().contiguous();
  Tensor y = empty({rc.size(0), x.size(1), p.pooled_h, p.pooled_w}, x.dtype(), x.device());
  if (y.numel() > 0) roi_align_kernel().get(x.device(), x.dtype())(p, xc, rc, y);
  const Shape xs = x.sizes();
  // Only x is an input of the node: rois get no gradient (torchvision gives none either).
  record_op(
      "roi_align", {x}, {y}, [p, xs, rc](const std::vector<Tensor>& gr, const std::vector<bool>&) {
        Tensor gx = empty(xs, gr[0].dtype(), gr[0].device());
        if (gx.numel() > 0) {
          roi_align_backward_kernel().get(gx.device(), gx.dtype())(p, gr[0].contiguous(), rc, gx);
        }
        return std::vector<Tensor>{gx};
      });
  return y;
}

}  // namespace dc
