#include "train/grad_sync.h"

#include <chrono>

#include "core/error.h"
#include "ops/creation.h"

namespace dc {

GradSync::GradSync(std::shared_ptr<Communicator> comm, std::vector<Tensor> params,
                   std::vector<std::string> names, GradSyncOptions options)
    : comm_(std::move(comm)),
      params_(std::move(params)),
      names_(std::move(names)),
      options_(options) {
  DC_CHECK(comm_ != nullptr, "GradSync: no communicator");
  DC_CHECK(names_.size() == params_.size(), "GradSync: ", names_.size(), " names for ",
           params_.size(), " parameters");
  DC_CHECK(options_.bucket_bytes > 0, "GradSync: bucket_bytes must be positive, got ",
           options_.bucket_bytes);
  // Reverse registration order: the order in which backward finishes gradients, roughly.
  bucket_of_.resize(params_.size());
  int64_t room = 0;
  for (size_t k = params_.size(); k-- > 0;) {
    const Tensor& p = params_[k];
    DC_CHECK(p.defined() && p.is_leaf() && p.requires_grad(), "GradSync: parameter '", names_[k],
             "' is not a leaf that requires grad");
    DC_CHECK(index_of_.emplace(p.impl(), k).second, "GradSync: parameter '", names_[k],
             "' is listed twice");
    const int64_t bytes = p.numel() * static_cast<int64_t>(dtype_size(p.dtype()));
    if (buckets_.empty() || room < bytes || params_[buckets_.back().front()].dtype() != p.dtype()) {
      buckets_.emplace_back();
      room = options_.bucket_bytes;
    }
    buckets_.back().push_back(k);
    bucket_of_[k] = buckets_.size() - 1;
    room -= bytes;
  }
  worker_ = std::thread([this] { worker_loop(); });
}

GradSync::~GradSync() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void GradSync::worker_loop() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stop_ and nothing left
      job = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    std::exception_ptr error;
    {
      bool skip;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        skip = error_ != nullptr;
      }
      // After a failure the ranks are out of step: run no further collective.
      if (!skip) {
        try {
          job();
        } catch (...) {
          error = std::current_exception();
        }
      }
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (error && !error_) error_ = error;
      --running_;
    }
    cv_.notify_all();
  }
}

void GradSync::enqueue(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(job));
  }
  cv_.notify_all();
}

void GradSync::wait_idle() {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait(lock, [&] { return queue_.empty() && running_ == 0; });
  if (error_) {
    std::exception_ptr e = error_;
    error_ = nullptr;
    std::rethrow_exception(e);
  }
}

void GradSync::begin() {
  DC_CHECK(!hook_scope_.has_value(), "GradSync::begin: the previous pass was not ended");
  ready_.assign(params_.size(), false);
  pending_.clear();
  for (const auto& b : buckets_) pending_.push_back(b.size());
  next_launch_ = 0;
  if (options_.overlap) {
    hook_scope_.emplace([this](const Tensor& leaf) { on_grad_ready(leaf); });
  } else {
    hook_scope_.emplace([](const Tensor&) {});  // marks the pass as begun; reduces nothing early
  }
}

void GradSync::on_grad_ready(const Tensor& leaf) {
  const auto it = index_of_.find(leaf.impl());
  if (it == index_of_.end()) return;  // a leaf that is not a trained parameter (e.g. an input)
  const size_t k = it->second;
  if (ready_[k]) return;
  ready_[k] = true;
  --pending_[bucket_of_[k]];
  launch_ready_buckets();
}

void GradSync::launch_ready_buckets() {
  while (next_launch_ < buckets_.size() && pending_[next_launch_] == 0) launch(next_launch_++);
}

void GradSync::launch(size_t bucket) {
  std::vector<Tensor> grads;
  std::vector<std::string> names;
  for (size_t k : buckets_[bucket]) {
    Tensor& p = params_[k];
    // Every rank must reduce the same tensors: a gradient this rank's graph did not produce is 0.
    if (!p.grad().defined()) p.impl()->grad = zeros(p.sizes(), p.dtype(), p.device()).impl_ptr();
    grads.push_back(p.grad());
    names.push_back(names_[k] + ".grad");
  }
  const int64_t bucket_bytes = options_.bucket_bytes;
  enqueue([this, grads = std::move(grads), names = std::move(names), bucket_bytes] {
    comm_->all_reduce_bucketed(grads, CommReduce::mean, bucket_bytes, names);
  });
}

void GradSync::end() {
  DC_CHECK(hook_scope_.has_value(), "GradSync::end without begin");
  hook_scope_.reset();
  const auto t0 = std::chrono::steady_clock::now();
  if (options_.overlap) {
    // Parameters backward did not reach (unused in this step's graph) are final now.
    for (size_t k = 0; k < params_.size(); ++k) {
      if (!ready_[k]) {
        ready_[k] = true;
        --pending_[bucket_of_[k]];
      }
    }
    launch_ready_buckets();
    wait_idle();
  } else {
    wait_idle();
    std::vector<Tensor> grads;
    std::vector<std::string> names;
    for (size_t k = 0; k < params_.size(); ++k) {
      Tensor& p = params_[k];
      if (!p.grad().defined()) p.impl()->grad = zeros(p.sizes(), p.dtype(), p.device()).impl_ptr();
      grads.push_back(p.grad());
      names.push_back(names_[k] + ".grad");
    }
    comm_->all_reduce_bucketed(grads, CommReduce::mean, options_.bucket_bytes, names);
  }
  last_wait_s_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void GradSync::all_reduce(const Tensor& t, CommReduce op, const std::string& name) {
  enqueue([this, t, op, name] { comm_->all_reduce(t, op, name); });
  wait_idle();
}

}  // namespace dc
