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
// Dynamic loss scaling (solver.loss_scale: dynamic, train/loss_scaler.h): backward on the scaled
// loss, gradients unscaled before clipping; a step whose gradients overflow (on any rank) is
// skipped on every rank and the scale backs off. The scaler's state is in the checkpoint.
//
// Data parallelism (docs/DISTRIBUTED.md): the trainer runs on a Communicator (make_communicator():
// MPI under mpirun, else a single process). With N ranks, data.batch_size is the global batch
// (each rank loads batch_size / N samples of its shard); parameters and buffers are broadcast from
// rank 0 at the start and after a resume; gradients are averaged over the ranks in buckets while
// backward runs (train/grad_sync.h), on the last micro-batch of an accumulation only; the
// non-finite-loss decision, the logged losses and SIGINT are agreed by all ranks; evaluation is
// sharded and its sums all-reduced; batch-norm running statistics (buffers) are broadcast from
// rank 0 before each evaluation and checkpoint; only rank 0 writes config.yaml, metrics.jsonl,
// checkpoints and progress. model.sync_bn computes batch-norm statistics over the global batch.
// With one rank all of this is skipped and the loop is exactly the single-process one (except
// that a one-rank run with dist.backend nccl, asked for explicitly, still averages its gradients
// through NCCL, so that it exercises it).
//
// Devices (config key `device`, train/run_device.h): the model is moved to the device once it is
// built, before the optimizer is made (so the optimizer's state is created there), and each
// training batch is moved there before Task::losses (batch_to, train/batch_device.h); losses,
// backward, clipping, loss scaling and the optimizer step run on the device. Loss values, flags
// and evaluation sums are read on the host. In a job of several ranks on CUDA the gradients go
// through NCCL (dist.backend auto or nccl; mpi cannot reduce CUDA tensors and is refused), each
// rank on its node-local GPU unless cuda:N names one. Checkpoints are device-agnostic: tensors are
// written from host copies and loading copies them onto the model's device, so a run trained on
// cuda resumes on the CPU and the other way round.
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
#include "train/dist/comm.h"
#include "train/grad_sync.h"
#include "train/loss_scaler.h"
#include "train/optim/optimizer.h"
#include "train/schedule/lr_schedule.h"
#include "train/task.h"

namespace dc {

struct TrainResult {
  int64_t iterations_done = 0;  // completed iterations, resumed ones included
  int64_t skipped = 0;          // iterations whose update a non-finite loss skipped
  int64_t overflow_skips = 0;   // solver.loss_scale dynamic: steps skipped for overflowing grads
  bool interrupted = false;     // stopped by SIGINT (a checkpoint was written)
  std::map<std::string, double> metrics;  // the last evaluation (empty when none ran)
};

class Trainer {
 public:
  // Builds everything from `cfg` (dc::Error naming the key for anything inconsistent). Progress
  // goes to `log` (rank 0 only); `interactive` draws a progress bar instead of periodic lines.
  // `comm`: the ranks to train on; nullptr: make_communicator() with dist.timeout_s (MPI when
  // launched by mpirun, else a single process).
  Trainer(const Config& cfg, std::ostream& log, bool interactive,
          std::shared_ptr<Communicator> comm = nullptr);
  ~Trainer();

  // Runs to solver.max_iter. resume: continue from the latest checkpoint in the run folder (an
  // error when there is none); otherwise start from model.weights (if set) and iteration 0, in a
  // run folder without checkpoints (an error otherwise, so a run is never silently overwritten).
  TrainResult train(bool resume);

  // Metrics of the model as it is, on data.test (model in eval mode, no gradients). With several
  // ranks every rank must call it; each evaluates a contiguous shard of the test set and the
  // task's sums are all-reduced (Task::evaluate_sums), so every rank gets the metrics of the
  // whole set.
  std::map<std::string, double> evaluate();

  Task& task() { return *task_; }
  const std::string& run_dir() const { return run_dir_; }
  Communicator& comm() { return *comm_; }
  // Where the model, its gradients and the optimizer state live (config key device).
  Device device() const { return device_; }
  // Gradient bucketing of a multi-rank run, or of a one-rank run with dist.backend nccl (nullptr
  // otherwise).
  const GradSync* grad_sync() const { return grad_sync_.get(); }
  // The dynamic loss scaler (nullptr unless solver.loss_scale is dynamic).
  const DynamicLossScaler* loss_scaler() const { return scaler_.get(); }

 private:
  struct Step;
  bool run_iteration(int64_t iteration, Step* step);
  // Sums the step's losses and flags over the ranks (before the last backward of an iteration).
  void agree(Step* step, bool* finite);
  void broadcast_state();
  // Rank 0's buffers (batch-norm running statistics) to every rank: before each evaluation and
  // checkpoint of a multi-rank run.
  void broadcast_buffers();
  void save(int64_t iterations_done);
  void restore(const std::string& path, int64_t* iterations_done);
  bool is_main() const { return comm_->rank() == 0; }

  Config cfg_;
  std::ostream& log_;
  bool interactive_;
  std::string run_dir_;
  Device device_ = kCPU;
  std::unique_ptr<Task> task_;
  std::unique_ptr<DataLoader> train_loader_;
  std::shared_ptr<const Dataset> test_set_;
  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<LrSchedule> schedule_;
  std::vector<Tensor> params_;
  std::shared_ptr<Communicator> comm_;
  std::unique_ptr<GradSync> grad_sync_;        // world size > 1 only
  std::unique_ptr<DynamicLossScaler> scaler_;  // solver.loss_scale dynamic only
};

// Metrics of `task` on `dataset` (one pass, in order, batches of data.batch_size, the model in eval
// mode and gradients off; its training mode is restored afterwards).
std::map<std::string, double> evaluate_on(Task& task, std::shared_ptr<const Dataset> dataset,
                                          const Config& cfg);

// Metrics of `task` on `dataset` over the ranks of `comm`: each rank evaluates a contiguous shard
// of the set (no padding, every sample exactly once, with the generator the whole-set pass gives
// it) and the task's sums (Task::evaluate_sums) are all-reduced, so every rank returns the
// metrics evaluate_on gives in one process. Every rank must call it with the same model. A task
// without evaluate_sums is evaluated on the whole set by every rank (a note goes to `log` on rank
// 0). With one rank this is evaluate_on.
std::map<std::string, double> evaluate_sharded_on(Task& task,
                                                  std::shared_ptr<const Dataset> dataset,
                                                  const Config& cfg, Communicator& comm,
                                                  std::ostream& log);

// The communicator options a config asks for: dist.timeout_s, the backend of dist.backend
// (resolve_comm_backend, the model on CUDA when device is not cpu) and, for device cuda:N, the GPU
// the NCCL backend must use (otherwise it takes the rank's node-local one, as the device does).
CommOptions comm_options_of(const Config& cfg);

// Loads `path` into `model`: a densecorr checkpoint's model group, or a weights file (e.g.
// converted from PyTorch) at its root. Warnings of a partial load go to `log`.
void load_model_weights(Module& model, const std::string& path, bool allow_partial,
                        std::ostream& log);

}  // namespace dc
