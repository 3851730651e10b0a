// The `densereg` task (docs/DENSEREG.md): DenseReg's dense U,V regression by quantized regression
// on faces, or its part segmentation baseline (model.name densereg_parts_*), and the
// `synth_faces` dataset it trains on (train/synth_faces_split.h).
#include <cmath>
#include <cstdio>

#include "autograd/grad_mode.h"
#include "data/image_io.h"
#include "data/synth/face_template.h"
#include "eval/ced_plot.h"
#include "eval/dense_metrics.h"
#include "eval/image_grid.h"
#include "eval/landmark_metrics.h"
#include "eval/uv_landmarks.h"
#include "eval/uv_pictures.h"
#include "nets/densereg.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/loss.h"
#include "ops/reduce.h"
#include "train/batch_device.h"
#include "train/densereg_loss.h"
#include "train/synth_faces_split.h"
#include "train/task.h"

namespace dc {
namespace {

class DenseRegTask : public Task {
 public:
  explicit DenseRegTask(const Config& cfg) {
    const std::string name = cfg.get_string("model.name");
    DC_CHECK(!name.empty(),
             "task densereg: config key model.name is not set (densereg_r18, "
             "densereg_r50, densereg_r101, densereg_hg or densereg_parts_*)");
    DenseRegOptions o;
    o.trunk = densereg_trunk(name);  // names the accepted models when unknown
    o.num_bins = cfg.get_int("densereg.num_bins");
    o.depth_head = cfg.get_bool("densereg.depth_head");
    o.trunk_stages = cfg.get_int("densereg.trunk_stages");
    if (densereg_is_parts(name)) o.part_classes = kFaceNumLabels;
    Generator gen(static_cast<uint64_t>(cfg.get_int("seed")));
    model_ = make_densereg(o, gen);
    loss_.num_bins = o.num_bins;
    loss_.mode = parse_densereg_mode(cfg.get_string("densereg.mode"));
    loss_.residual_weight = cfg.get_double("densereg.residual_weight");
    loss_.smooth_l1_beta = cfg.get_double("densereg.smooth_l1_beta");
    loss_.depth_weight = cfg.get_double("densereg.depth_weight");
    loss_.soft_decode = cfg.get_string("densereg.decode") == "soft";
  }

  Module& model() override { return *model_; }

  std::map<std::string, Tensor> losses(const Batch& batch) override {
    const std::vector<Tensor> heads = model_->forward_multi(batch.at("image"));
    if (model_->part) return {{"loss_part", cross_entropy(heads[0], batch.at("part"))}};
    return densereg_losses(heads, batch.at("uv"), batch.at("mask"), depth_of(batch), loss_);
  }

  std::map<std::string, double> evaluate(DataLoader& loader) override {
    return model_->part ? evaluate_parts(loader) : evaluate_uv(loader);
  }

  std::string main_metric() const override { return model_->part ? "part_miou" : "uv_error"; }

  // After a U,V evaluation: eval_ced.png, the CED of the component rule's NMEs up to 0.08 (the
  // legend names AUC@0.08 and failure@0.08, the title failure@0.10), and eval_gallery.png, the
  // first kGalleryFaces held-out faces as rows of image, Û, V̂, isolines and landmarks (found in
  // green over the visible ground truth in white). The part baseline writes none.
  std::vector<std::string> write_pictures(const std::string& dir) override {
    std::vector<std::string> paths;
    if (!last_nmes_.empty()) {
      const NmeSummary s = summarize_nme(last_nmes_, {0.08, 0.10});
      char title[128];
      std::snprintf(title, sizeof title, "CED on %lld held-out faces, failure@0.10 %.1f%%",
                    static_cast<long long>(last_nmes_.size()), 100 * s.cutoffs[1].failure_rate);
      CedPlotOptions o;
      o.max_error = 0.08;
      o.width = 900;
      o.title = title;
      paths.push_back(dir + "/eval_ced.png");
      write_ced_png(paths.back(), {{"U,V components", last_nmes_}}, o);
    }
    if (!gallery_.empty()) {
      std::vector<std::vector<Tensor>> rows;
      for (const GalleryFace& f : gallery_) {
        const UVPictures p =
            uv_pictures(f.image, f.uv, f.mask, LandmarkRule::kComponents, f.landmarks, f.visible);
        rows.push_back({f.image, p.u, p.v, p.isolines, p.landmarks});
      }
      paths.push_back(dir + "/eval_gallery.png");
      write_png(paths.back(), image_grid(rows, {"image", "U", "V", "isolines", "landmarks"}));
    }
    return paths;
  }

 private:
  Tensor depth_of(const Batch& batch) const { return model_->depth ? batch.at("depth") : Tensor(); }

  // The network's heads on an evaluation batch: the forward pass on the model's device (the image
  // moved there), the heads copied back, so that decoding, losses and metrics run on the host
  // with the batch's own fields.
  std::vector<Tensor> host_heads(const Batch& batch) {
    const Device device = module_device(*model_);
    std::vector<Tensor> heads = model_->forward_multi(batch.at("image").to(device));
    for (Tensor& h : heads) h = h.to(kCPU);
    return heads;
  }

  // Dense metrics over the ground-truth foreground: mean |Û − U| and |V̂ − V|, foreground IoU of
  // the U classifier, the mean loss terms.
  std::map<std::string, double> evaluate_uv(DataLoader& loader) {
    double err[2] = {0, 0}, depth_err = 0, inter = 0, uni = 0;
    int64_t fg_pixels = 0, samples = 0, batches = 0;
    std::map<std::string, double> loss_sums;
    gallery_.clear();
    while (std::optional<Batch> batch = loader.next()) {
      const std::vector<Tensor> heads = host_heads(*batch);
      const Tensor& uv = batch->at("uv");
      const Tensor& mask = batch->at("mask");
      for (const auto& [k, v] : densereg_losses(heads, uv, mask, depth_of(*batch), loss_)) {
        loss_sums[k] += v.item<double>();
      }
      const Tensor fg = ne(mask.to(DType::f32), zeros({}));
      const Tensor fgf = fg.to(DType::f32);
      const Tensor est = densereg_decode(heads, uv, mask, loss_);
      // Landmarks and parts through the estimated (U, V), on the predicted foreground (the
      // ground truth's in r mode, which has no classifier): the thesis's evaluation.
      const Tensor pred_mask =
          loss_.mode == DenseRegMode::kResidualsOnly ? fg : predicted_foreground(heads[0]);
      add_landmarks_and_parts(est, pred_mask, *batch);
      keep_for_gallery(est, pred_mask, *batch);
      for (int c = 0; c < 2; ++c) {
        err[c] += sum(abs(est.select(1, c) - uv.select(1, c)) * fgf).item<double>();
      }
      fg_pixels += sum(fg.to(DType::i64)).item<int64_t>();
      if (loss_.mode != DenseRegMode::kResidualsOnly) {
        const Tensor pred = predicted_foreground(heads[0]).to(DType::f32);
        inter += sum(pred * fgf).item<double>();
        uni += sum(maximum(pred, fgf)).item<double>();
      }
      if (model_->depth) {
        const Tensor target = relative_depth(batch->at("depth"), mask);
        depth_err += sum(abs(heads[4].squeeze(1) - target) * fgf).item<double>();
      }
      samples += batch->size();
      ++batches;
    }
    DC_CHECK(samples > 0, "task densereg: the evaluation set '", loader.dataset().name(),
             "' gave no samples");
    const double nfg = static_cast<double>(std::max<int64_t>(fg_pixels, 1));
    std::map<std::string, double> m{{"u_error", err[0] / nfg},
                                    {"v_error", err[1] / nfg},
                                    {"uv_error", 0.5 * (err[0] + err[1]) / nfg},
                                    {"foreground_pixels", static_cast<double>(fg_pixels)},
                                    {"samples", static_cast<double>(samples)}};
    if (loss_.mode != DenseRegMode::kResidualsOnly) m["fg_iou"] = uni > 0 ? inter / uni : 1.0;
    take_landmark_and_part_metrics(&m);
    if (model_->depth) m["depth_error"] = depth_err / nfg;
    for (const auto& [k, v] : loss_sums) m[k] = v / static_cast<double>(batches);
    return m;
  }

  // Per sample: the 68 landmarks found in (U, V) by the connected-components rule, their NME
  // against the visible ground-truth landmarks, and the 8 template parts transferred through
  // (U, V) against the ground-truth parts.
  void add_landmarks_and_parts(const Tensor& est_uv, const Tensor& pred_mask, const Batch& batch) {
    const Tensor& gt_landmarks = batch.at("landmarks");
    const Tensor& visible = batch.at("visible");
    const Tensor& parts = batch.at("part");
    for (int64_t b = 0; b < batch.size(); ++b) {
      const Tensor uv_b = est_uv.select(0, b).contiguous();
      const Tensor mask_b = pred_mask.select(0, b).contiguous();
      const Tensor visible_b = visible.select(0, b);
      if (sum(visible_b.to(DType::i64)).item<int64_t>() > 0) {
        const UVLandmarks found = landmarks_from_uv_components(uv_b, mask_b, template_uv_);
        nmes_.push_back(landmark_nme(found.points, gt_landmarks.select(0, b), visible_b));
      }
      parts_.add(face_parts_from_uv(uv_b, mask_b), parts.select(0, b).contiguous());
    }
  }

  // The first kGalleryFaces samples of an evaluation, for write_pictures.
  void keep_for_gallery(const Tensor& est_uv, const Tensor& pred_mask, const Batch& batch) {
    for (int64_t b = 0; b < batch.size() && gallery_.size() < kGalleryFaces; ++b) {
      gallery_.push_back({batch.at("image").select(0, b).contiguous(),
                          est_uv.select(0, b).contiguous(), pred_mask.select(0, b).contiguous(),
                          batch.at("landmarks").select(0, b).contiguous(),
                          batch.at("visible").select(0, b).contiguous()});
    }
  }

  // NME mean, AUC and failure rate at 0.08 and 0.10 (the names carry the cut-offs), and the
  // part-transfer IoUs; resets the accumulators for the next evaluation.
  void take_landmark_and_part_metrics(std::map<std::string, double>* m) {
    if (!nmes_.empty()) {
      for (const auto& [name, value] : summarize_nme(nmes_).named()) (*m)[name] = value;
    }
    (*m)["part_transfer_miou"] = parts_.mean_iou();
    const std::vector<double> ious = parts_.ious();
    for (int c = 1; c < parts_.num_classes(); ++c) {
      (*m)["part_transfer_iou_" + std::string(face_part_name(c))] = ious[c];
    }
    last_nmes_ = std::move(nmes_);
    nmes_.clear();
    parts_ = ConfusionMatrix(kFaceNumLabels);
  }

  // Per-class IoU of the part segmentation (classes 1..8) and their mean, pixel accuracy.
  std::map<std::string, double> evaluate_parts(DataLoader& loader) {
    const int64_t c = model_->options.part_classes;
    std::vector<double> inter(c, 0), uni(c, 0);
    double correct = 0, pixels = 0, loss_sum = 0;
    int64_t samples = 0, batches = 0;
    while (std::optional<Batch> batch = loader.next()) {
      const Tensor logits = host_heads(*batch)[0];
      const Tensor& part = batch->at("part");
      loss_sum += cross_entropy(logits, part).item<double>();
      const Tensor pred = argmax(logits, 1);
      for (int64_t k = 0; k < c; ++k) {
        const Tensor kk = full({}, static_cast<double>(k), DType::i64);
        const Tensor p = eq(pred, kk).to(DType::f32), g = eq(part, kk).to(DType::f32);
        inter[k] += sum(p * g).item<double>();
        uni[k] += sum(maximum(p, g)).item<double>();
      }
      correct += sum(eq(pred, part).to(DType::f32)).item<double>();
      pixels += static_cast<double>(part.numel());
      samples += batch->size();
      ++batches;
    }
    DC_CHECK(samples > 0, "task densereg: the evaluation set '", loader.dataset().name(),
             "' gave no samples");
    std::map<std::string, double> m{{"pixel_accuracy", correct / pixels},
                                    {"loss_part", loss_sum / static_cast<double>(batches)},
                                    {"samples", static_cast<double>(samples)}};
    double miou = 0;
    int64_t present = 0;
    for (int64_t k = 1; k < c; ++k) {
      if (uni[k] == 0) continue;  // a class absent from both: no IoU
      m["part_iou_" + std::to_string(k)] = inter[k] / uni[k];
      miou += inter[k] / uni[k];
      ++present;
    }
    m["part_miou"] = present > 0 ? miou / static_cast<double>(present) : 0.0;
    return m;
  }

  std::shared_ptr<DenseReg> model_;
  DenseRegLossOptions loss_;
  const Tensor template_uv_ = face_landmarks_uv_tensor();
  std::vector<double> nmes_;       // per evaluated image
  std::vector<double> last_nmes_;  // nmes_ of the last finished evaluation
  struct GalleryFace {
    Tensor image, uv, mask, landmarks, visible;
  };
  static constexpr size_t kGalleryFaces = 4;
  std::vector<GalleryFace> gallery_;       // the first faces of the last evaluation
  ConfusionMatrix parts_{kFaceNumLabels};  // transferred parts against the ground truth
};

std::shared_ptr<const Dataset> make_synth_faces(const Config& cfg, const std::string& split) {
  SynthFacesSplitOptions o;
  o.split = split;
  o.num_samples = cfg.get_int("data." + split + ".num_samples");
  if (o.num_samples == 0) o.num_samples = split == "train" ? 100000 : 500;
  o.world.size = static_cast<int>(cfg.get_int("data.image_size"));
  o.world.supersample = static_cast<int>(cfg.get_int("data.synth_faces.supersample"));
  o.scales = cfg.get_doubles("data.synth_faces.scales");
  o.flip = cfg.get_bool("data.synth_faces.flip");
  o.test_seed = static_cast<uint64_t>(cfg.get_int("data.synth_faces.test_seed"));
  return std::make_shared<SynthFacesSplit>(o);
}

const bool registered = [] {
  register_task("densereg", [](const Config& cfg) { return std::make_unique<DenseRegTask>(cfg); });
  register_dataset("synth_faces", make_synth_faces);
  return true;
}();

}  // namespace
}  // namespace dc
