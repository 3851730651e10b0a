// DenseReg at inference time: the correspondence network of a `densereg` config with trained
// weights, run on one image at a time in eval mode without autograd, and its (Û, V̂) estimate
// decoded as `densecorr eval` decodes it (docs/DENSEREG.md). Used by `densecorr infer`.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>

#include "core/tensor.h"
#include "nets/densereg.h"
#include "train/config/config.h"
#include "train/densereg_loss.h"
#include "train/task.h"

namespace dc {

struct DenseRegPrediction {
  Tensor uv;    // 2×S×S f32 (Û then V̂) at every pixel, background included
  Tensor mask;  // S×S u8: the predicted face (the U classifier's argmax is not background)
};

class DenseRegPredictor {
 public:
  // The model the `densereg` task builds from `cfg` (model.name, densereg.*), loaded from
  // `weights` (a checkpoint or a weights file, as `densecorr eval` loads them; warnings of a
  // partial load go to `log`). The network runs on the config's `device` (train/run_device.h;
  // predictions come back to the host). Errors (dc::Error): a config whose task is not densereg, a
  // part segmentation model (densereg_parts_*: it predicts no U,V), weights that do not match, a
  // device this build or machine does not have.
  DenseRegPredictor(const Config& cfg, const std::string& weights, std::ostream& log);
  ~DenseRegPredictor();

  // data.image_size: the side S of the square images the network is run on.
  int64_t input_size() const { return input_size_; }
  const std::string& model_name() const { return model_name_; }
  Device device() const { return device_; }
  // Mode r (densereg.mode) has no bin classifier: its estimate needs the ground-truth bins and
  // its foreground is the ground truth's.
  bool needs_ground_truth() const { return options_.mode == DenseRegMode::kResidualsOnly; }

  // The estimate on `image` (3×S×S floating, values in [0, 1]): densereg_decode of the network's
  // heads with the config's mode and densereg.decode, the mask from predicted_foreground. In mode
  // r, gt_uv (2×S×S) and gt_mask (S×S) give the oracle bins and the mask; otherwise they are
  // ignored.
  DenseRegPrediction predict(const Tensor& image, const Tensor& gt_uv = Tensor(),
                             const Tensor& gt_mask = Tensor()) const;

 private:
  std::unique_ptr<Task> task_;  // owns the model (built exactly as train and eval build it)
  DenseReg* net_ = nullptr;
  Device device_ = kCPU;  // config key device
  DenseRegLossOptions options_;
  int64_t input_size_ = 0;
  std::string model_name_;
};

// An image of any size fitted to the network's S×S input, as a photo is prepared for a
// fully-convolutional net: scaled (bilinear, align_corners off, no low-pass filter first, as
// F.interpolate) so that its shorter side is S, then the centre S×S window cut out (with an odd
// excess the extra row/column is cut from the bottom/right, as Crop's kCenter). An image that is
// already S×S is returned unchanged. image: 3×H×W floating.
Tensor fit_image_to_input(const Tensor& image, int64_t size);

}  // namespace dc
