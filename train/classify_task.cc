// The `classify` task: image classification with cross entropy, evaluated by top-1 accuracy, and
// the `shapes` dataset it trains on in tests and examples. Any registered model whose forward maps
// N×3×H×W images to N×num_classes logits fits (resnet18, vgg11, ...).
#include <cmath>

#include "autograd/grad_mode.h"
#include "data/shapes_dataset.h"
#include "nets/registry.h"
#include "ops/elementwise.h"
#include "ops/loss.h"
#include "ops/reduce.h"
#include "train/batch_device.h"
#include "train/task.h"

namespace dc {
namespace {

class ClassifyTask : public Task {
 public:
  explicit ClassifyTask(const Config& cfg) {
    const std::string name = cfg.get_string("model.name");
    DC_CHECK(!name.empty(), "task classify: config key model.name is not set");
    ModelOptions options;
    options.num_classes = cfg.get_int("model.num_classes");
    DC_CHECK(options.num_classes >= 2, "task classify: model.num_classes must be at least 2, got ",
             options.num_classes);
    options.seed = static_cast<uint64_t>(cfg.get_int("seed"));
    model_ = build_model(name, options);
    num_classes_ = options.num_classes;
  }

  Module& model() override { return *model_; }

  std::map<std::string, Tensor> losses(const Batch& batch) override {
    const Tensor logits = forward(batch);
    return {{"loss_cls", cross_entropy(logits, labels_of(batch))}};
  }

  std::map<std::string, double> evaluate(DataLoader& loader) override {
    return metrics_from_sums(evaluate_sums(loader), loader.dataset().name());
  }

  bool supports_evaluate_sums() const override { return true; }

  // correct: top-1 hits; loss_sum: summed cross entropy; samples: the count.
  std::map<std::string, double> evaluate_sums(DataLoader& loader) override {
    int64_t correct = 0, total = 0;
    double loss_sum = 0;
    const Device device = module_device(*model_);
    while (std::optional<Batch> batch = loader.next()) {
      // The forward pass on the model's device; the metrics on the host, from the logits copied
      // back and the batch's own (host) labels.
      const Tensor logits = forward(batch_to(*batch, device)).to(kCPU);
      const Tensor labels = labels_of(*batch);
      loss_sum += cross_entropy(logits, labels, Tensor(), -100, Reduction::kSum).item<double>();
      const Tensor hits = eq(argmax(logits, 1), labels).to(DType::i64);
      correct += sum(hits).item<int64_t>();
      total += batch->size();
    }
    return {{"correct", static_cast<double>(correct)},
            {"loss_sum", loss_sum},
            {"samples", static_cast<double>(total)}};
  }

  std::map<std::string, double> evaluate_sums_empty() const override {
    return {{"correct", 0.0}, {"loss_sum", 0.0}, {"samples", 0.0}};
  }

  std::map<std::string, double> metrics_from_sums(const std::map<std::string, double>& sums,
                                                  const std::string& dataset) const override {
    const double total = sums.at("samples");
    DC_CHECK(total > 0, "task classify: the evaluation set '", dataset, "' gave no samples");
    return {{"accuracy", sums.at("correct") / total},
            {"loss_cls", sums.at("loss_sum") / total},
            {"samples", total}};
  }

  std::string main_metric() const override { return "accuracy"; }

 private:
  Tensor forward(const Batch& batch) {
    const Tensor logits = model_->forward(batch.at("image"));
    DC_CHECK(logits.dim() == 2 && logits.size(1) == num_classes_, "task classify: model output ",
             logits.str(), ", expected [N, ", num_classes_, "] logits");
    return logits;
  }
  static Tensor labels_of(const Batch& batch) {
    const Tensor& labels = batch.at("label");
    DC_CHECK(labels.dim() == 1 && labels.dtype() == DType::i64,
             "task classify: batch field 'label' is ", labels.str(), ", expected [N] i64");
    return labels;
  }

  ModulePtr model_;
  int64_t num_classes_ = 0;
};

const bool registered = [] {
  register_task("classify", [](const Config& cfg) { return std::make_unique<ClassifyTask>(cfg); });
  register_dataset("shapes", [](const Config& cfg, const std::string& split) {
    int64_t n = cfg.get_int("data." + split + ".num_samples");
    if (n == 0) n = split == "train" ? 10000 : 1000;
    return std::make_shared<ShapesDataset>(n, static_cast<int>(cfg.get_int("data.image_size")),
                                           split);
  });
  return true;
}();

}  // namespace
}  // namespace dc
