// DataLoader: the batch stream of data/loader.h, loaded synchronously (num_workers == 0) or by
// worker threads that each load whole batches.
//
// Worker protocol (all under Impl::mutex): a worker claims the next batch number `next_claim`
// when it lies before `next_deliver + capacity` (so at most num_workers * prefetch batches are
// loaded or waiting at any time), loads it without the lock, and files the result (a Batch or the
// exception) under its number in `ready`; next() waits for the result numbered `next_deliver`, so
// batches come out in stream order whatever the order they finish in. seek() bumps `generation`:
// results of the old stream are dropped when they arrive, and their loads stop at the next sample.
#include "data/loader.h"

#include <atomic>
#include <condition_variable>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "core/philox.h"
#include "core/thread_pool.h"
#include "data/sampler.h"

namespace dc {

uint64_t sample_seed(uint64_t seed, int64_t epoch, int64_t index) {
  DC_CHECK(epoch >= 0 && index >= 0, "sample_seed: epoch and index must be >= 0, got epoch ", epoch,
           ", index ", index);
  const auto lo = [](uint64_t x) { return static_cast<uint32_t>(x); };
  const auto hi = [](uint64_t x) { return static_cast<uint32_t>(x >> 32); };
  // One Philox block keyed by the run seed with counter (index, epoch): a bijection of the counter
  // for a fixed seed, so distinct (epoch, index) pairs give unrelated, almost surely distinct
  // seeds.
  const auto out =
      philox4x32_10({lo(index), hi(index), lo(epoch), hi(epoch)}, {lo(seed), hi(seed)});
  return (static_cast<uint64_t>(out[1]) << 32) | out[0];
}

struct DataLoader::Impl {
  struct Result {
    std::optional<Batch> batch;
    std::exception_ptr error;
  };

  const Dataset& dataset;
  const LoaderOptions opt;
  const int64_t per_rank;  // samples of this rank per epoch
  const int64_t batches_per_epoch;
  const int64_t end;  // first batch number past the stream
  const int64_t capacity;

  // Rank orders of recent epochs, shared by the workers (an epoch's order costs O(dataset size)).
  std::mutex order_mutex;
  std::map<int64_t, std::shared_ptr<const std::vector<int64_t>>> orders;

  std::mutex mutex;
  std::condition_variable work_cv;   // workers: a batch may be claimed, or stop
  std::condition_variable ready_cv;  // next(): a result arrived
  bool stop = false;
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> generation{0};
  int64_t next_claim = 0;
  int64_t next_deliver = 0;
  std::map<int64_t, Result> ready;
  std::vector<std::thread> workers;

  Impl(const Dataset& ds, const LoaderOptions& o, int64_t per_rank_samples, int64_t bpe)
      : dataset(ds),
        opt(o),
        per_rank(per_rank_samples),
        batches_per_epoch(bpe),
        end(o.repeat ? std::numeric_limits<int64_t>::max() : bpe),
        capacity(static_cast<int64_t>(o.num_workers) * o.prefetch) {}

  ~Impl() {
    {
      std::lock_guard<std::mutex> lk(mutex);
      stop = true;
      stopping = true;
    }
    work_cv.notify_all();
    for (auto& w : workers) w.join();
  }

  std::shared_ptr<const std::vector<int64_t>> rank_order(int64_t epoch) {
    std::lock_guard<std::mutex> lk(order_mutex);
    const auto it = orders.find(epoch);
    if (it != orders.end()) return it->second;
    auto order = std::make_shared<const std::vector<int64_t>>(shard_order(
        epoch_order(dataset.size(), opt.shuffle, opt.seed, epoch), opt.rank, opt.world_size));
    // Workers are at most `capacity` batches apart, so a few epochs cover them; an evicted epoch
    // is only recomputed, never wrong.
    if (orders.size() >= 4) orders.erase(orders.begin());
    orders.emplace(epoch, order);
    return order;
  }

  // Batch `b` of the stream; nullopt when `cancelled()` turned true between two samples.
  template <typename Cancelled>
  std::optional<Batch> load(int64_t b, Cancelled&& cancelled) {
    const int64_t epoch = b / batches_per_epoch;
    const int64_t first = (b % batches_per_epoch) * opt.batch_size;
    const int64_t last = std::min(first + opt.batch_size, per_rank);
    const auto order = rank_order(epoch);
    std::vector<Sample> samples;
    std::vector<int64_t> indices;
    for (int64_t k = first; k < last; ++k) {
      if (cancelled()) return std::nullopt;
      const int64_t index = (*order)[k];
      Generator rng(sample_seed(opt.seed, epoch, index));
      try {
        samples.push_back(dataset.get(index, rng));
      } catch (const std::exception& e) {
        DC_FAIL("dataset '", dataset.name(), "', sample ", index, " (epoch ", epoch, ", batch ", b,
                "): ", e.what());
      } catch (...) {
        DC_FAIL("dataset '", dataset.name(), "', sample ", index, " (epoch ", epoch, ", batch ", b,
                "): unknown exception");
      }
      indices.push_back(index);
    }
    Batch batch;
    try {
      batch = collate(samples, dataset.list_fields());
    } catch (const std::exception& e) {
      std::string list;
      for (int64_t i : indices) list += (list.empty() ? "" : ", ") + std::to_string(i);
      DC_FAIL("dataset '", dataset.name(), "', batch ", b, " (epoch ", epoch, ", samples [", list,
              "] at positions 0..", indices.size() - 1, "): ", e.what());
    }
    batch.indices = std::move(indices);
    batch.epoch = epoch;
    if (opt.finish_batch) {
      try {
        opt.finish_batch(batch);
      } catch (const std::exception& e) {
        DC_FAIL("dataset '", dataset.name(), "', batch ", b, " (epoch ", epoch,
                "): finishing the batch: ", e.what());
      }
    }
    return batch;
  }

  void worker_loop() {
    SerialThreadScope serial;  // ops inside Dataset::get run inline on this thread
    std::unique_lock<std::mutex> lk(mutex);
    for (;;) {
      work_cv.wait(
          lk, [&] { return stop || (next_claim < end && next_claim < next_deliver + capacity); });
      if (stop) return;
      const int64_t b = next_claim++;
      const uint64_t gen = generation;
      lk.unlock();
      Result result;
      try {
        result.batch = load(b, [&] { return stopping.load() || generation.load() != gen; });
      } catch (...) {
        result.error = std::current_exception();
      }
      lk.lock();
      if (stop || gen != generation) continue;  // stopped or seeked meanwhile: drop it
      if (!result.batch && !result.error) continue;
      ready.emplace(b, std::move(result));
      ready_cv.notify_all();
    }
  }
};

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions options)
    : dataset_(std::move(dataset)), options_(options) {
  DC_CHECK(dataset_ != nullptr, "DataLoader: the dataset is null");
  const std::string who = "DataLoader (dataset '" + dataset_->name() + "')";
  DC_CHECK(options_.batch_size >= 1, who, ": batch_size must be >= 1, got ", options_.batch_size);
  DC_CHECK(options_.num_workers >= 0, who, ": num_workers must be >= 0, got ",
           options_.num_workers);
  DC_CHECK(options_.prefetch >= 1, who, ": prefetch must be >= 1, got ", options_.prefetch);
  DC_CHECK(options_.world_size >= 1, who, ": world_size must be >= 1, got ", options_.world_size);
  DC_CHECK(options_.rank >= 0 && options_.rank < options_.world_size, who,
           ": rank must satisfy 0 <= rank < world_size (", options_.world_size, "), got ",
           options_.rank);
  const int64_t n = dataset_->size();
  DC_CHECK(n >= 1, who, ": the dataset is empty (size ", n, ")");
  const int64_t per_rank = samples_per_rank(n, options_.world_size);
  const int64_t bpe = options_.drop_last
                          ? per_rank / options_.batch_size
                          : (per_rank + options_.batch_size - 1) / options_.batch_size;
  DC_CHECK(bpe > 0, who, ": no full batch per epoch: ", n, " samples over world_size ",
           options_.world_size, " give ", per_rank, " per rank, fewer than batch_size ",
           options_.batch_size, " with drop_last (use a smaller batch_size or drop_last=false)");
  impl_ = std::make_unique<Impl>(*dataset_, options_, per_rank, bpe);
  for (int i = 0; i < options_.num_workers; ++i) {
    impl_->workers.emplace_back([impl = impl_.get()] { impl->worker_loop(); });
  }
}

DataLoader::~DataLoader() = default;  // Impl's destructor stops and joins the workers

int64_t DataLoader::batches_per_epoch() const { return impl_->batches_per_epoch; }

int64_t DataLoader::position() const {
  std::lock_guard<std::mutex> lk(impl_->mutex);
  return impl_->next_deliver;
}

void DataLoader::seek(int64_t batch) {
  DC_CHECK(batch >= 0, "DataLoader (dataset '", dataset_->name(),
           "'): seek position must be >= 0, got ", batch);
  DC_CHECK(options_.repeat || batch <= impl_->batches_per_epoch, "DataLoader (dataset '",
           dataset_->name(), "'): with repeat=false the stream is one epoch of ",
           impl_->batches_per_epoch, " batches; cannot seek to batch ", batch);
  {
    std::lock_guard<std::mutex> lk(impl_->mutex);
    ++impl_->generation;
    impl_->ready.clear();
    impl_->next_claim = batch;
    impl_->next_deliver = batch;
  }
  impl_->work_cv.notify_all();
}

std::optional<Batch> DataLoader::next() {
  Impl& im = *impl_;
  if (im.workers.empty()) {
    int64_t b;
    {
      std::lock_guard<std::mutex> lk(im.mutex);
      if (im.next_deliver >= im.end) return std::nullopt;
      b = im.next_deliver++;  // a batch that fails to load is passed, as with workers
    }
    return im.load(b, [] { return false; });
  }
  std::unique_lock<std::mutex> lk(im.mutex);
  if (im.next_deliver >= im.end) return std::nullopt;
  im.ready_cv.wait(lk, [&] { return im.ready.count(im.next_deliver) > 0; });
  auto node = im.ready.extract(im.next_deliver);
  ++im.next_deliver;
  lk.unlock();
  im.work_cv.notify_all();  // a slot in the window opened
  Impl::Result& result = node.mapped();
  if (result.error) std::rethrow_exception(result.error);
  return std::move(result.batch);
}

}  // namespace dc
