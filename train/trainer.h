// The Trainer: builds a run from a resolved config — task (model and losses), datasets and
// loaders, optimizer with weight-decay groups, LR schedule — and runs the training loop:
//
//   for each iteration: solver.accumulate_steps batches -> losses -> backward (summed gradients)
//     -> global-norm clipping (solver.clip_grad_norm) -> LR of the schedule -> optimizer step
//   every log_period iterations: a record in <out>/metrics.jsonl and a progress line
//   every solver.eval_period iterations (and at the end): evaluation on data.test
//   every solver.checkpoint_period iterations, at the end and on SIGINT: a checkpoint
//
// A loss that is NaN or infinite stops the run with an error (solver.nan_policy: stop) or skips
// that iteration's update (skip), logged as a "skip" record.
//
// Exactness: every random stream is a function of the config's seed — model initialization, the
// default generator (dropout), the loader's per-sample seeds — and a checkpoint holds the model,
// optimizer state, the default generator's state and the loader position, so `train --resume`
// after a kill continues with exactly the losses of the uninterrupted run (on CPU).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <string>

#include "data/loader.h"
#include "train/config/config.h"
#include "train/optim/optimizer.h"
#include "train/schedule/lr_schedule.h"
#include "train/task.h"

namespace dc {

struct TrainResult {
  int64_t iterations_done = 0;            // completed iterations, resumed ones included
  int64_t skipped = 0;                    // iterations whose update a non-finite loss skipped
  bool interrupted = false;               // stopped by SIGINT (a checkpoint was written)
  std::map<std::string, double> metrics;  // the last evaluation (empty when none ran)
};

class Trainer {
 public:
  // Builds everything from `cfg` (dc::Error naming the key for anything inconsistent). Progress
  // goes to `log`; `interactive` draws a progress bar instead of periodic lines.
  Trainer(const Config& cfg, std::ostream& log, bool interactive);
  ~Trainer();

  // Runs to solver.max_iter. resume: continue from the latest checkpoint in the run folder (an
  // error when there is none); otherwise start from model.weights (if set) and iteration 0, in a
  // run folder without checkpoints (an error otherwise, so a run is never silently overwritten).
  TrainResult train(bool resume);

  // Metrics of the model as it is, on data.test (model in eval mode, no gradients).
  std::map<std::string, double> evaluate();

  Task& task() { return *task_; }
  const std::string& run_dir() const { return run_dir_; }

 private:
  struct Step;
  bool run_iteration(int64_t iteration, Step* step);
  void save(int64_t iterations_done);
  void restore(const std::string& path, int64_t* iterations_done);

  Config cfg_;
  std::ostream& log_;
  bool interactive_;
  std::string run_dir_;
  std::unique_ptr<Task> task_;
  std::unique_ptr<DataLoader> train_loader_;
  std::shared_ptr<const Dataset> test_set_;
  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<LrSchedule> schedule_;
  std::vector<Tensor> params_;
};

// Metrics of `task` on `dataset` (one pass, in order, batches of data.batch_size, the model in eval
// mode and gradients off; its training mode is restored afterwards).
std::map<std::string, double> evaluate_on(Task& task, std::shared_ptr<const Dataset> dataset,
                                          const Config& cfg);

// Loads `path` into `model`: a densecorr checkpoint's model group, or a weights file (e.g.
// converted from PyTorch) at its root. Warnings of a partial load go to `log`.
void load_model_weights(Module& model, const std::string& path, bool allow_partial,
                        std::ostream& log);

}  // namespace dc
