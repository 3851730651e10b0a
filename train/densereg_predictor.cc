#include "train/densereg_predictor.h"

#include <algorithm>
#include <cmath>

#include "autograd/grad_mode.h"
#include "core/error.h"
#include "nets/quantized_regression.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/upsample.h"
#include "train/run_device.h"
#include "train/trainer.h"

namespace dc {

DenseRegPredictor::DenseRegPredictor(const Config& cfg, const std::string& weights,
                                     std::ostream& log) {
  const std::string task = cfg.get_string("task");
  DC_CHECK(task == "densereg", "config key task is '", task,
           "': DenseReg inference needs a densereg config (e.g. "
           "configs/densereg/face_r18_q10_cpu.yaml)");
  model_name_ = cfg.get_string("model.name");
  DC_CHECK(!densereg_is_parts(model_name_), "config key model.name is '", model_name_,
           "', a part segmentation baseline: it predicts no U,V (use a densereg_r18/r50/r101/hg "
           "model)");
  // The config's device (cpu, cuda, cuda:N), checked before the network is built: it runs there,
  // its heads are decoded on the host (predict).
  device_ = resolve_device(cfg.get_string("device"), 0);
  task_ = build_task(cfg);
  net_ = dynamic_cast<DenseReg*>(&task_->model());
  DC_CHECK(net_ != nullptr && net_->part == nullptr, "config '", model_name_,
           "': the densereg task built no U,V correspondence network");
  use_device(device_);
  net_->to(device_);
  load_model_weights(*net_, weights, cfg.get_bool("model.allow_partial_weights"), log);
  net_->eval();
  // The decoding keys, read as the densereg task reads them for its evaluation.
  options_.num_bins = cfg.get_int("densereg.num_bins");
  options_.mode = parse_densereg_mode(cfg.get_string("densereg.mode"));
  options_.soft_decode = cfg.get_string("densereg.decode") == "soft";
  input_size_ = cfg.get_int("data.image_size");
}

DenseRegPredictor::~DenseRegPredictor() = default;

DenseRegPrediction DenseRegPredictor::predict(const Tensor& image, const Tensor& gt_uv,
                                              const Tensor& gt_mask) const {
  const int64_t s = input_size_;
  DC_CHECK(image.defined() && image.dim() == 3 && image.size(0) == 3 && image.size(1) == s &&
               image.size(2) == s && is_floating(image.dtype()),
           "DenseReg predict: image must be a 3×", s, "×", s,
           " floating RGB image (data.image_size ", s, "), got ",
           image.defined() ? image.str() : std::string("nothing"));
  NoGradGuard no_grad;
  std::vector<Tensor> heads = net_->forward_multi(image.to(DType::f32).unsqueeze(0).to(device_));
  for (Tensor& h : heads) h = h.to(kCPU);
  Tensor uv, mask;
  if (needs_ground_truth()) {
    DC_CHECK(gt_uv.defined() && gt_mask.defined() && gt_uv.dim() == 3 && gt_uv.size(0) == 2 &&
                 gt_uv.size(1) == s && gt_uv.size(2) == s && gt_mask.dim() == 2 &&
                 gt_mask.size(0) == s && gt_mask.size(1) == s,
             "densereg.mode r has no bin classifier: its estimate needs the ground-truth uv "
             "(2×",
             s, "×", s, ") and mask (", s, "×", s, ") of a synthetic face");
    uv = gt_uv.to(DType::f32).unsqueeze(0);
    mask = gt_mask.unsqueeze(0);
  } else {
    // Unused by the hard, soft and bins decodings, but checked for shape.
    uv = zeros({1, 2, s, s});
    mask = zeros({1, s, s}, DType::u8);
  }
  const Tensor est = densereg_decode(heads, uv, mask, options_);
  DenseRegPrediction p;
  p.uv = est.select(0, 0).contiguous();
  p.mask = needs_ground_truth()
               ? ne(gt_mask.to(DType::f32), zeros({})).to(DType::u8).contiguous()
               : predicted_foreground(heads[0]).select(0, 0).to(DType::u8).contiguous();
  return p;
}

Tensor fit_image_to_input(const Tensor& image, int64_t size) {
  DC_CHECK(size >= 1, "fit_image_to_input: size must be >= 1, got ", size);
  DC_CHECK(image.defined() && image.dim() == 3 && image.size(0) == 3 && is_floating(image.dtype()),
           "fit_image_to_input: expected a 3×H×W floating RGB image, got ",
           image.defined() ? image.str() : std::string("nothing"));
  const int64_t h = image.size(1), w = image.size(2);
  if (h == size && w == size) return image;
  // The shorter side becomes exactly `size`; the longer one keeps the aspect ratio.
  const double scale = static_cast<double>(size) / static_cast<double>(std::min(h, w));
  const int64_t nh = h <= w ? size : std::max<int64_t>(size, std::llround(h * scale));
  const int64_t nw = w < h ? size : std::max<int64_t>(size, std::llround(w * scale));
  Tensor x = image.to(DType::f32);
  if (nh != h || nw != w) x = upsample_bilinear2d(x.unsqueeze(0), {nh, nw}, false).select(0, 0);
  return x.narrow(1, (nh - size) / 2, size).narrow(2, (nw - size) / 2, size).contiguous();
}

}  // namespace dc
