// Gradient averaging for data-parallel training, overlapped with backward (PyTorch DDP's reducer,
// Caffe's on_gradients_ready).
//
// The trainable parameters are split into buckets of about `bucket_bytes`, in reverse registration
// order (backward produces the last layers' gradients first). Between begin() and end(), a
// gradient-ready hook (autograd/grad_ready.h) marks each parameter whose .grad is final; when every
// parameter of a bucket is marked, and every earlier bucket has been launched, the bucket is handed
// to a communication thread, which all-reduces (mean) its gradients in place while backward goes
// on computing the rest. end() launches what is left (parameters backward never reached get zero
// gradients, so every rank reduces the same tensors) and waits until every gradient is averaged.
//
// Every rank launches the same buckets in the same order (bucket order, not readiness order), so
// the collectives match across ranks. Other collectives issued while a pass may be in flight (the
// statistics of synchronized batch norm, in forward and backward) go through all_reduce(), which
// queues them behind the buckets already launched and waits for them, keeping one order on every
// rank.
//
// overlap = false: the hook is not used; end() all-reduces every gradient in one bucketed call
// after backward (for comparison, or for graphs that call backward several times per step).
//
// Errors from the communication thread (a mismatched collective, an MPI failure) are rethrown by
// end() or all_reduce() on the training thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "autograd/grad_ready.h"
#include "core/tensor.h"
#include "train/dist/comm.h"

namespace dc {

struct GradSyncOptions {
  int64_t bucket_bytes = int64_t{25} << 20;
  bool overlap = true;
};

class GradSync {
 public:
  // params: the trainable leaves whose gradients are averaged (same list, same order on every
  // rank); names label them in error messages.
  GradSync(std::shared_ptr<Communicator> comm, std::vector<Tensor> params,
           std::vector<std::string> names, GradSyncOptions options);
  ~GradSync();  // stops the communication thread
  GradSync(const GradSync&) = delete;
  GradSync& operator=(const GradSync&) = delete;

  // Arms the hook for the backward passes this thread runs until end(). Not reentrant.
  void begin();
  // Completes the reduction: afterwards every parameter's .grad is defined and equal on every
  // rank (the mean over ranks). Requires a preceding begin().
  void end();
  // All-reduces `t` in place, ordered after the buckets already launched; returns when done.
  void all_reduce(const Tensor& t, CommReduce op, const std::string& name);

  // Buckets, each a list of indices into params (in launch order).
  const std::vector<std::vector<size_t>>& buckets() const { return buckets_; }
  // Seconds the training thread waited in end() during the last pass (communication that backward
  // did not hide).
  double last_wait_seconds() const { return last_wait_s_; }

 private:
  void on_grad_ready(const Tensor& leaf);
  void launch_ready_buckets();
  void launch(size_t bucket);
  // Queues `job` for the communication thread.
  void enqueue(std::function<void()> job);
  // Waits until the queue is drained; rethrows the first error of a job.
  void wait_idle();
  void worker_loop();

  std::shared_ptr<Communicator> comm_;
  std::vector<Tensor> params_;
  std::vector<std::string> names_;
  GradSyncOptions options_;
  std::vector<std::vector<size_t>> buckets_;
  std::vector<size_t> bucket_of_;                           // param index -> bucket
  std::unordered_map<const TensorImpl*, size_t> index_of_;  // leaf -> param index

  // Per pass (training thread only).
  std::optional<GradReadyHookScope> hook_scope_;
  std::vector<bool> ready_;
  std::vector<size_t> pending_;  // per bucket: parameters not ready yet
  size_t next_launch_ = 0;
  double last_wait_s_ = 0;

  // The communication thread and its queue.
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  int64_t running_ = 0;  // jobs taken from the queue and not finished
  bool stop_ = false;
  std::exception_ptr error_;
  std::thread worker_;
};

}  // namespace dc
