// DataLoader: batches from a Dataset, loaded by worker threads into a bounded prefetch queue, in a
// deterministic order, as torch.utils.data.DataLoader with a DistributedSampler.
//
// The stream of batches is a pure function of (dataset, options): batch b of the stream belongs to
// epoch e = b / batches_per_epoch(); epoch e's sample order is a permutation of the dataset drawn
// from (seed, e) when shuffling (the identity otherwise); that order is split between ranks as
// PyTorch's DistributedSampler does (padded by wrapping around to a multiple of world_size, rank r
// takes positions r, r + world_size, ...); each rank cuts its share into batches of batch_size
// (the last partial batch dropped when drop_last). Sample i of epoch e is produced with a Generator
// seeded from (seed, e, i) only, so worker count, thread timing and resuming (seek) never change a
// batch.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace dc {

// Samples collated into a batch.
struct Batch {
  // Fields of equal shape in every sample, stacked along a new leading dimension of size B.
  std::map<std::string, Tensor> tensors;
  // List fields (Dataset::list_fields()): one tensor per sample, in batch order.
  std::map<std::string, std::vector<Tensor>> lists;
  // Dataset index of each sample.
  std::vector<int64_t> indices;
  int64_t epoch = 0;

  int64_t size() const { return static_cast<int64_t>(indices.size()); }
  // The stacked field `name`; a dc::Error naming it and the fields present when absent.
  const Tensor& at(const std::string& name) const;
  const std::vector<Tensor>& list(const std::string& name) const;
};

// Stacks the samples' fields (list fields into lists). Every sample must have the same fields,
// and a stacked field the same shape and dtype in every sample: a dc::Error names the field, the
// samples (positions in `samples`) and their shapes otherwise. Sets indices to 0..B-1 and epoch
// to 0 (the DataLoader replaces them). Copies serially: it runs on loader threads.
Batch collate(const std::vector<Sample>& samples, const std::set<std::string>& list_fields);

struct LoaderOptions {
  int64_t batch_size = 1;  // samples per batch on this rank
  bool shuffle = true;     // a new permutation per epoch
  bool drop_last = true;   // drop each epoch's last partial batch
  int num_workers = 0;     // loader threads; 0 loads in the calling thread
  int prefetch = 2;        // batches queued ahead per worker (bounded memory)
  uint64_t seed = 0;
  int rank = 0;
  int world_size = 1;
  bool repeat = true;  // endless stream of epochs; false: next() ends after one epoch
  // Run on every collated batch in the thread that loaded it (a worker, or the caller of next()
  // with no workers), before the batch is queued: the trainer pins batches here
  // (train/batch_device.h pin_batch) so that their copies to a GPU run asynchronously, as
  // PyTorch's pin_memory=True does in its loader. An exception is rethrown from next() as a
  // dc::Error naming the dataset and the batch.
  std::function<void(Batch&)> finish_batch;
};

// Seed of sample `index` in `epoch` of a run seeded `seed` (a Philox hash of the three).
uint64_t sample_seed(uint64_t seed, int64_t epoch, int64_t index);

class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions options);
  ~DataLoader();  // stops and joins the workers
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  // Batches of one epoch on this rank (> 0, else the constructor throws naming the dataset).
  int64_t batches_per_epoch() const;
  // Global index (over epochs) of the batch next() returns next.
  int64_t position() const;
  // Restarts the stream at global batch `batch` (a resumed run seeks to its saved position).
  // With repeat == false, `batch` must lie in epoch 0 (batches_per_epoch() itself: at the end).
  // Batches already loaded for the old position are discarded.
  void seek(int64_t batch);
  // The next batch in stream order; nullopt at the end of the epoch when repeat == false. An
  // exception thrown while loading a sample is rethrown here as a dc::Error, with the dataset
  // name and sample index added to its message; the failed batch is passed (position() moves on).
  std::optional<Batch> next();

  const Dataset& dataset() const { return *dataset_; }
  const LoaderOptions& options() const { return options_; }

 private:
  struct Impl;
  std::shared_ptr<const Dataset> dataset_;
  LoaderOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dc
