// Tasks: what a run trains. A task owns the model and knows the losses of a batch and how to
// evaluate; the Trainer (train/trainer.h) owns everything else (data, optimizer, schedule, logs,
// checkpoints). Each system of the project registers one task by name, and a config picks it with
// the `task` key, as Detectron2 picks a meta-architecture.
//
// Datasets are registered by name the same way (`data.train.name`, `data.test.name`): a dataset
// factory reads the config keys it needs.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/loader.h"
#include "nets/module.h"
#include "train/config/config.h"

namespace dc {

class Task {
 public:
  virtual ~Task() = default;

  // The trained model (its parameters are optimized, its state dict checkpointed).
  virtual Module& model() = 0;
  // Named scalar loss terms of one training batch, with graphs to the parameters; the trainer
  // minimizes their sum. Called with the model in training mode.
  virtual std::map<std::string, Tensor> losses(const Batch& batch) = 0;
  // Metrics over one pass of `loader` (a finite loader: repeat == false). Called with the model in
  // eval mode and gradients off.
  virtual std::map<std::string, double> evaluate(DataLoader& loader) = 0;
  // Distributed evaluation. With several ranks the trainer gives each rank a contiguous shard of
  // the test set and calls evaluate_sums on it; it then adds every value over the ranks and calls
  // metrics_from_sums once with the totals. Every value must therefore be a sum over samples
  // (counts included) so that metrics_from_sums(totals) equals evaluate() on the whole set, and
  // every rank must return the same keys (evaluate_sums_empty() for a rank whose shard is empty).
  // A task that does not override supports_evaluate_sums() is evaluated on the whole set by every
  // rank (correct, not faster; the trainer says so in its log).
  virtual bool supports_evaluate_sums() const { return false; }
  // Per-sample sums over one pass of `loader` (model in eval mode, gradients off).
  virtual std::map<std::string, double> evaluate_sums(DataLoader& loader);
  // The sums of zero samples (every key evaluate_sums returns, at 0).
  virtual std::map<std::string, double> evaluate_sums_empty() const;
  // Metrics from the sums over the whole set; `dataset` names the set in error messages (e.g. no
  // samples at all).
  virtual std::map<std::string, double> metrics_from_sums(const std::map<std::string, double>& sums,
                                                          const std::string& dataset) const;
  // Pictures of the last evaluate() (e.g. a CED curve, a gallery of predictions) written into the
  // folder `dir`, which exists; returns the paths written. The default writes none.
  virtual std::vector<std::string> write_pictures(const std::string& dir) {
    (void)dir;
    return {};
  }
  // The metric whose value names the task's headline result (for the one-line summary), e.g.
  // "accuracy".
  virtual std::string main_metric() const = 0;
};

using TaskFactory = std::function<std::unique_ptr<Task>(const Config&)>;
using DatasetFactory =
    std::function<std::shared_ptr<const Dataset>(const Config&, const std::string& split)>;

// Registration (at static-initialization time, from alwayslink libraries); a name registered
// twice throws.
void register_task(const std::string& name, TaskFactory factory);
void register_dataset(const std::string& name, DatasetFactory factory);

// The task named by the config's `task` key, or the dataset named by data.<split>.name (split is
// "train" or "test"). An empty or unknown name is a dc::Error naming the key, the registered names
// and the closest one.
std::unique_ptr<Task> build_task(const Config& cfg);
std::shared_ptr<const Dataset> build_dataset(const Config& cfg, const std::string& split);

std::vector<std::string> registered_tasks();
std::vector<std::string> registered_datasets();

}  // namespace dc
