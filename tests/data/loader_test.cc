// DataLoader (data/loader.h): the stream is a pure function of (dataset, options) whatever the
// worker count, seek() resumes it exactly, the epoch order and rank shares follow PyTorch's
// DistributedSampler, collate stacks and lists fields, and failures surface as clear dc::Errors.
#include "data/loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <numeric>
#include <set>
#include <thread>
#include <vector>

#include "core/thread_pool.h"
#include "data/sampler.h"
#include "tests/oracle/torch_oracle.h"
#include "tests/testing/expect_error.h"

namespace dc {
namespace {

// Sample i holds "index" = i (0-d i64), "value" = two uniform doubles drawn from the loader's
// generator (so the per-sample seeding is observable bit for bit), "image" = a 2×3 f32 pattern
// derived from i, and the list field "boxes" with i % 3 rows.
class IndexDataset : public Dataset {
 public:
  explicit IndexDataset(int64_t n, int64_t fail_at = -1) : n_(n), fail_at_(fail_at) {}

  int64_t size() const override { return n_; }
  Sample get(int64_t index, Generator& rng) const override {
    ++gets_;
    if (index == fail_at_) DC_FAIL("decoder exploded");
    const auto w = rng.block(rng.advance(1));
    Sample s;
    s["index"] = tensor_from({static_cast<double>(index)}, {}, DType::i64);
    s["value"] = tensor_from({uints_to_unit_double(w[0], w[1]), uints_to_unit_double(w[2], w[3])},
                             {2}, DType::f64);
    std::vector<double> img(6);
    for (int k = 0; k < 6; ++k) img[k] = index * 10 + k;
    s["image"] = tensor_from(img, {2, 3});
    const int64_t rows = index % 3;
    s["boxes"] = tensor_from(std::vector<double>(rows * 4, static_cast<double>(index)), {rows, 4});
    return s;
  }
  SampleLayout layout() const override {
    return {{"index", FieldKind::kOther},
            {"value", FieldKind::kOther},
            {"image", FieldKind::kImage},
            {"boxes", FieldKind::kBoxes}};
  }
  std::set<std::string> list_fields() const override { return {"boxes"}; }
  std::string name() const override { return "index test set"; }

  int64_t gets() const { return gets_.load(); }

 private:
  int64_t n_;
  int64_t fail_at_;
  mutable std::atomic<int64_t> gets_{0};
};

// What a test compares of a batch: indices, epoch and every value bit for bit.
struct BatchRecord {
  std::vector<int64_t> indices;
  int64_t epoch;
  std::vector<double> index_field, value, image;
  bool operator==(const BatchRecord& o) const {
    return indices == o.indices && epoch == o.epoch && index_field == o.index_field &&
           value == o.value && image == o.image;
  }
};

BatchRecord record(const Batch& b) {
  return {b.indices, b.epoch, b.at("index").to_vector(), b.at("value").to_vector(),
          b.at("image").to_vector()};
}

std::vector<BatchRecord> take(DataLoader& loader, int count) {
  std::vector<BatchRecord> out;
  for (int i = 0; i < count; ++i) {
    auto b = loader.next();
    EXPECT_TRUE(b.has_value()) << "batch " << i << " missing";
    if (!b) break;
    out.push_back(record(*b));
  }
  return out;
}

LoaderOptions options(int64_t batch, int workers, int prefetch = 2) {
  LoaderOptions o;
  o.batch_size = batch;
  o.num_workers = workers;
  o.prefetch = prefetch;
  o.seed = 1234;
  o.drop_last = false;
  return o;
}

// PyTorch's DistributedSampler.__iter__ (shuffle=False, drop_last=False) over a dataset listed in
// `order`, transcribed line by line from torch/utils/data/distributed.py.
std::vector<int64_t> torch_distributed_share(const std::vector<int64_t>& order, int rank,
                                             int num_replicas) {
  const int64_t n = static_cast<int64_t>(order.size());
  const int64_t num_samples = (n + num_replicas - 1) / num_replicas;  // math.ceil(n / W)
  const int64_t total_size = num_samples * num_replicas;
  std::vector<int64_t> indices(n);
  std::iota(indices.begin(), indices.end(), 0);
  const int64_t padding_size = total_size - n;
  if (padding_size <= n) {
    indices.insert(indices.end(), indices.begin(), indices.begin() + padding_size);
  } else {
    const int64_t reps = (padding_size + n - 1) / n;
    std::vector<int64_t> repeated;
    for (int64_t r = 0; r < reps; ++r)
      repeated.insert(repeated.end(), indices.begin(), indices.end());
    indices.insert(indices.end(), repeated.begin(), repeated.begin() + padding_size);
  }
  std::vector<int64_t> share;
  for (int64_t p = rank; p < total_size; p += num_replicas) share.push_back(order[indices[p]]);
  return share;
}

TEST(DataLoader, SameStreamForAnyWorkerCountAndPrefetch) {
  auto ds = std::make_shared<IndexDataset>(23);
  LoaderOptions base = options(4, 0);
  DataLoader ref_loader(ds, base);
  ASSERT_EQ(ref_loader.batches_per_epoch(), 6);
  const std::vector<BatchRecord> ref = take(ref_loader, 15);  // 2.5 epochs
  ASSERT_EQ(ref.size(), 15u);
  EXPECT_EQ(ref[5].indices.size(), 3u);  // 23 = 5 * 4 + 3
  EXPECT_EQ(ref[6].epoch, 1);
  // The index field and the batch indices agree, and the random values differ between samples.
  for (const auto& b : ref) {
    for (size_t k = 0; k < b.indices.size(); ++k) EXPECT_EQ(b.index_field[k], b.indices[k]);
  }
  EXPECT_NE(ref[0].value[0], ref[0].value[2]);
  for (int workers : {1, 3}) {
    for (int prefetch : {1, 4}) {
      LoaderOptions o = base;
      o.num_workers = workers;
      o.prefetch = prefetch;
      DataLoader loader(ds, o);
      EXPECT_TRUE(take(loader, 15) == ref) << "workers " << workers << " prefetch " << prefetch;
      EXPECT_EQ(loader.position(), 15);
    }
  }
}

TEST(DataLoader, SampleValuesDependOnSeedEpochAndIndexOnly) {
  auto ds = std::make_shared<IndexDataset>(10);
  LoaderOptions o = options(5, 2);
  DataLoader loader(ds, o);
  const auto batches = take(loader, 4);  // epochs 0 and 1
  for (const auto& b : batches) {
    for (size_t k = 0; k < b.indices.size(); ++k) {
      Generator rng(sample_seed(o.seed, b.epoch, b.indices[k]));
      const auto w = rng.block(rng.advance(1));
      EXPECT_EQ(b.value[2 * k], uints_to_unit_double(w[0], w[1]));
      EXPECT_EQ(b.value[2 * k + 1], uints_to_unit_double(w[2], w[3]));
    }
  }
  // Sample 0 differs between epochs: a new augmentation every epoch.
  std::map<int64_t, double> epoch0, epoch1;
  for (const auto& b : batches) {
    for (size_t k = 0; k < b.indices.size(); ++k) {
      (b.epoch == 0 ? epoch0 : epoch1)[b.indices[k]] = b.value[2 * k];
    }
  }
  ASSERT_EQ(epoch0.size(), 10u);
  ASSERT_EQ(epoch1.size(), 10u);
  for (int64_t i = 0; i < 10; ++i) EXPECT_NE(epoch0[i], epoch1[i]) << "sample " << i;
}

TEST(DataLoader, SampleSeedsAreDistinctForNeighbouringInputs) {
  std::set<uint64_t> seen;
  for (uint64_t seed : {0ull, 1ull, 2ull, 1ull << 32}) {
    for (int64_t epoch = 0; epoch < 4; ++epoch) {
      for (int64_t index = 0; index < 200; ++index) seen.insert(sample_seed(seed, epoch, index));
      seen.insert(epoch_seed(seed, epoch));
    }
  }
  EXPECT_EQ(seen.size(), 4u * 4u * 201u);
  EXPECT_EQ(sample_seed(7, 3, 11), sample_seed(7, 3, 11));
  expect_error([] { sample_seed(0, -1, 0); }, {"sample_seed", "epoch", "-1"});
  expect_error([] { sample_seed(0, 0, -2); }, {"sample_seed", "index", "-2"});
}

TEST(DataLoader, SeekGivesTheSameBatchesAsAnUnseekedStream) {
  auto ds = std::make_shared<IndexDataset>(20);
  const LoaderOptions base = options(3, 0);  // 7 batches per epoch, the last of 2
  DataLoader ref_loader(ds, base);
  const auto ref = take(ref_loader, 20);
  for (int workers : {0, 2}) {
    LoaderOptions o = base;
    o.num_workers = workers;
    for (int64_t start : {0, 3, 5, 6, 7, 13}) {  // 5..8 and 13.. cross epoch boundaries
      DataLoader loader(ds, o);
      loader.seek(start);
      EXPECT_EQ(loader.position(), start);
      const auto got = take(loader, 5);
      for (int k = 0; k < 5; ++k) {
        EXPECT_TRUE(got[k] == ref[start + k])
            << "workers " << workers << " seek " << start << " batch " << k;
      }
    }
    // Seeking mid-stream (with batches in flight) drops the old stream.
    DataLoader loader(ds, o);
    take(loader, 3);
    loader.seek(1);
    EXPECT_TRUE(take(loader, 1)[0] == ref[1]);
    loader.seek(10);
    EXPECT_TRUE(take(loader, 1)[0] == ref[10]);
    EXPECT_EQ(loader.position(), 11);
  }
}

TEST(DataLoader, ShuffleDrawsAPermutationPerEpoch) {
  const auto e0 = epoch_order(50, true, 9, 0);
  const auto e1 = epoch_order(50, true, 9, 1);
  std::vector<int64_t> identity(50);
  std::iota(identity.begin(), identity.end(), 0);
  for (const auto* order : {&e0, &e1}) {
    auto sorted = *order;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, identity);
    EXPECT_NE(*order, identity);
  }
  EXPECT_NE(e0, e1);
  EXPECT_EQ(epoch_order(50, true, 9, 1), e1);   // a pure function of (seed, epoch)
  EXPECT_NE(epoch_order(50, true, 10, 1), e1);  // and of the seed
  EXPECT_EQ(epoch_order(50, false, 9, 3), identity);

  // The loader's epochs follow the same orders.
  auto ds = std::make_shared<IndexDataset>(50);
  LoaderOptions o = options(50, 1);
  o.seed = 9;
  DataLoader loader(ds, o);
  EXPECT_EQ(loader.next()->indices, e0);
  EXPECT_EQ(loader.next()->indices, e1);
  o.shuffle = false;
  DataLoader ordered(ds, o);
  EXPECT_EQ(ordered.next()->indices, identity);
  EXPECT_EQ(ordered.next()->indices, identity);
}

TEST(DataLoader, ShuffleIsUniformOverPermutations) {
  // 3! orders over 1200 epochs: 200 expected each; the bounds are 5 standard deviations wide.
  std::map<std::vector<int64_t>, int> counts;
  for (int64_t epoch = 0; epoch < 1200; ++epoch) ++counts[epoch_order(3, true, 5, epoch)];
  EXPECT_EQ(counts.size(), 6u);
  for (const auto& [order, count] : counts) {
    EXPECT_GT(count, 136);
    EXPECT_LT(count, 264);
  }
}

TEST(DataLoader, ShardingMatchesDistributedSampler) {
  const int64_t n = 7;
  auto ds = std::make_shared<IndexDataset>(n);
  for (bool shuffle : {false, true}) {
    for (int world : {1, 2, 3}) {
      const auto order = epoch_order(n, shuffle, 1234, 0);
      std::multiset<int64_t> all;
      for (int rank = 0; rank < world; ++rank) {
        LoaderOptions o = options(1, rank % 2);
        o.shuffle = shuffle;
        o.rank = rank;
        o.world_size = world;
        DataLoader loader(ds, o);
        const int64_t per_rank = (n + world - 1) / world;
        ASSERT_EQ(loader.batches_per_epoch(), per_rank);
        std::vector<int64_t> got;
        for (int64_t k = 0; k < per_rank; ++k) got.push_back(loader.next()->indices[0]);
        EXPECT_EQ(got, torch_distributed_share(order, rank, world))
            << "shuffle " << shuffle << " rank " << rank << "/" << world;
        all.insert(got.begin(), got.end());
      }
      // Every index is covered; the padding repeats the first (world * per_rank - n) of the order.
      const int64_t total = (n + world - 1) / world * world;
      EXPECT_EQ(static_cast<int64_t>(all.size()), total);
      for (int64_t i = 0; i < n; ++i) EXPECT_GE(all.count(i), 1u) << "index " << i;
      for (int64_t p = 0; p < total - n; ++p) EXPECT_EQ(all.count(order[p]), 2u);
    }
  }
  // Hand-computed: 7 samples over 3 ranks pad with 0, 1.
  const std::vector<int64_t> identity = epoch_order(7, false, 0, 0);
  EXPECT_EQ(shard_order(identity, 0, 3), (std::vector<int64_t>{0, 3, 6}));
  EXPECT_EQ(shard_order(identity, 1, 3), (std::vector<int64_t>{1, 4, 0}));
  EXPECT_EQ(shard_order(identity, 2, 3), (std::vector<int64_t>{2, 5, 1}));
  // More ranks than twice the samples: the padding wraps several times, as in PyTorch.
  const std::vector<int64_t> two = {0, 1};
  for (int r = 0; r < 5; ++r) EXPECT_EQ(shard_order(two, r, 5), (std::vector<int64_t>{r % 2}));
}

TEST(DataLoader, ShardingMatchesPyTorchDistributedSampler) {
  DC_REQUIRE_ORACLE();
  for (int64_t n : {2, 7}) {
    const auto order = epoch_order(n, true, 77, 2);
    testing::OracleTensor in;
    in.shape = {n};
    in.dtype = "int64";
    in.data.assign(order.begin(), order.end());
    for (int world : {1, 2, 3, 5}) {
      for (int rank = 0; rank < world; ++rank) {
        const std::string expr =
            "from torch.utils.data import DistributedSampler\n"
            "s = DistributedSampler(range(" +
            std::to_string(n) + "), num_replicas=" + std::to_string(world) +
            ", rank=" + std::to_string(rank) +
            ", shuffle=False)\n"
            "out = x0[torch.tensor(list(s), dtype=torch.long)]";
        const auto res = testing::TorchOracle::instance().run(expr, {in});
        ASSERT_EQ(res.outputs.size(), 1u);
        const auto ours = shard_order(order, rank, world);
        ASSERT_EQ(res.outputs[0].data.size(), ours.size());
        for (size_t k = 0; k < ours.size(); ++k) {
          EXPECT_EQ(res.outputs[0].data[k], static_cast<double>(ours[k]))
              << "n " << n << " rank " << rank << "/" << world << " position " << k;
        }
      }
    }
  }
}

TEST(DataLoader, DropLastBatchCounts) {
  auto ds = std::make_shared<IndexDataset>(10);
  for (int workers : {0, 2}) {
    LoaderOptions o = options(3, workers);
    o.repeat = false;
    o.drop_last = true;
    DataLoader dropped(ds, o);
    EXPECT_EQ(dropped.batches_per_epoch(), 3);
    std::vector<int64_t> sizes;
    while (auto b = dropped.next()) sizes.push_back(b->size());
    EXPECT_EQ(sizes, (std::vector<int64_t>{3, 3, 3}));
    o.drop_last = false;
    DataLoader kept(ds, o);
    EXPECT_EQ(kept.batches_per_epoch(), 4);
    sizes.clear();
    while (auto b = kept.next()) {
      sizes.push_back(b->size());
      EXPECT_EQ(b->at("image").size(0), b->size());
    }
    EXPECT_EQ(sizes, (std::vector<int64_t>{3, 3, 3, 1}));
    // Over 3 ranks each gets 4 samples: one full batch, or one full and one of 1.
    o.world_size = 3;
    o.rank = 2;
    EXPECT_EQ(DataLoader(ds, o).batches_per_epoch(), 2);
    o.drop_last = true;
    EXPECT_EQ(DataLoader(ds, o).batches_per_epoch(), 1);
  }
}

TEST(DataLoader, RepeatFalseEndsAfterOneEpoch) {
  auto ds = std::make_shared<IndexDataset>(8);
  for (int workers : {0, 3}) {
    LoaderOptions o = options(3, workers);
    o.repeat = false;
    DataLoader loader(ds, o);
    std::set<int64_t> seen;
    int batches = 0;
    while (auto b = loader.next()) {
      ++batches;
      EXPECT_EQ(b->epoch, 0);
      seen.insert(b->indices.begin(), b->indices.end());
    }
    EXPECT_EQ(batches, 3);
    EXPECT_EQ(seen.size(), 8u);
    EXPECT_FALSE(loader.next().has_value());  // stays ended
    EXPECT_EQ(loader.position(), 3);
    loader.seek(1);
    EXPECT_EQ(loader.next()->size(), 3);
    EXPECT_EQ(loader.next()->size(), 2);
    EXPECT_FALSE(loader.next().has_value());
    expect_error([&] { loader.seek(4); }, {"repeat=false", "3 batches", "seek to batch 4"});
    expect_error([&] { loader.seek(-1); }, {"seek", "-1"});
  }
}

TEST(Collate, StacksFieldsAndListsListFields) {
  IndexDataset ds(10);
  Generator rng(0);
  std::vector<Sample> samples = {ds.get(4, rng), ds.get(5, rng), ds.get(6, rng)};
  // A non-contiguous view is copied in its logical order.
  const Tensor base = tensor_from({0, 1, 2, 3, 4, 5}, {3, 2});
  samples[1]["image"] = base.transpose(0, 1);  // [[0, 2, 4], [1, 3, 5]]
  const Batch b = collate(samples, ds.list_fields());
  EXPECT_EQ(b.at("image").sizes(), (Shape{3, 2, 3}));
  EXPECT_EQ(b.at("image").dtype(), DType::f32);
  const auto img = b.at("image").to_vector();
  EXPECT_EQ(std::vector<double>(img.begin(), img.begin() + 6),
            (std::vector<double>{40, 41, 42, 43, 44, 45}));
  EXPECT_EQ(std::vector<double>(img.begin() + 6, img.begin() + 12),
            (std::vector<double>{0, 2, 4, 1, 3, 5}));
  EXPECT_EQ(img[12], 60);
  EXPECT_EQ(b.at("index").sizes(), (Shape{3}));
  EXPECT_EQ(b.at("index").dtype(), DType::i64);
  EXPECT_EQ(b.at("index").to_vector(), (std::vector<double>{4, 5, 6}));
  EXPECT_EQ(b.at("value").sizes(), (Shape{3, 2}));
  ASSERT_EQ(b.list("boxes").size(), 3u);
  EXPECT_EQ(b.list("boxes")[0].sizes(), (Shape{1, 4}));
  EXPECT_EQ(b.list("boxes")[1].sizes(), (Shape{2, 4}));
  EXPECT_EQ(b.list("boxes")[2].sizes(), (Shape{0, 4}));
  EXPECT_EQ(b.list("boxes")[1].to_vector()[7], 5);
  EXPECT_EQ(b.tensors.count("boxes"), 0u);
  EXPECT_EQ(b.size(), 3);
  expect_error([&] { b.at("imag"); }, {"no stacked field 'imag'", "did you mean 'image'"});
  expect_error([&] { b.at("boxes"); }, {"'boxes' is a list field", "list(\"boxes\")"});
  expect_error([&] { b.list("image"); }, {"'image' is a stacked field"});
  expect_error([&] { b.list("people"); }, {"no list field 'people'", "boxes"});
}

TEST(Collate, ErrorsNameTheFieldSamplesAndShapes) {
  IndexDataset ds(10);
  Generator rng(0);
  std::vector<Sample> samples = {ds.get(1, rng), ds.get(2, rng), ds.get(3, rng)};
  // Without being declared a list field, the varying "boxes" cannot be stacked.
  expect_error([&] { collate(samples, {}); },
               {"field 'boxes'", "[1, 4] in sample 0", "[2, 4] in sample 1", "list_fields"});
  auto bad = samples;
  bad[2]["image"] = tensor_from({0, 0, 0}, {3});
  expect_error([&] { collate(bad, ds.list_fields()); },
               {"field 'image'", "[2, 3] in sample 0", "[3] in sample 2"});
  bad = samples;
  bad[1]["value"] = tensor_from({0, 0}, {2}, DType::f32);
  expect_error([&] { collate(bad, ds.list_fields()); },
               {"field 'value'", "f64 in sample 0", "f32 in sample 1"});
  bad = samples;
  bad[2].erase("image");
  expect_error([&] { collate(bad, ds.list_fields()); },
               {"field 'image'", "not in sample 2", "boxes, index, value"});
  bad = samples;
  bad[1]["extra"] = tensor_from({1}, {1});
  expect_error([&] { collate(bad, ds.list_fields()); },
               {"field 'extra'", "sample 1", "not in sample 0"});
  expect_error([&] { collate({}, {}); }, {"collate", "no samples"});
}

TEST(DataLoader, CollateErrorsNameTheDatasetIndices) {
  // A dataset whose field shape varies but is not declared a list field.
  class Ragged : public IndexDataset {
   public:
    Ragged() : IndexDataset(6) {}
    std::set<std::string> list_fields() const override { return {}; }
  };
  LoaderOptions o = options(2, 0);
  o.shuffle = false;
  DataLoader loader(std::make_shared<Ragged>(), o);
  expect_error([&] { loader.next(); }, {"'index test set'", "batch 0", "samples [0, 1]",
                                        "field 'boxes'", "[0, 4] in sample 0"});
}

TEST(DataLoader, ExceptionInGetSurfacesFromNextWithTheIndex) {
  auto ds = std::make_shared<IndexDataset>(12, /*fail_at=*/5);
  for (int workers : {0, 2}) {
    LoaderOptions o = options(2, workers);
    o.shuffle = false;
    DataLoader loader(ds, o);
    EXPECT_EQ(loader.next()->indices, (std::vector<int64_t>{0, 1}));
    EXPECT_EQ(loader.next()->indices, (std::vector<int64_t>{2, 3}));
    expect_error([&] { loader.next(); }, {"dataset 'index test set'", "sample 5", "epoch 0",
                                          "batch 2", "decoder exploded"});
    // The failed batch is passed; the stream goes on.
    EXPECT_EQ(loader.position(), 3);
    EXPECT_EQ(loader.next()->indices, (std::vector<int64_t>{6, 7}));
  }
}

TEST(DataLoader, FinishBatchRunsOnTheLoadingThreadOncePerBatch) {
  auto ds = std::make_shared<IndexDataset>(12);
  for (int workers : {0, 2}) {
    LoaderOptions o = options(3, workers);
    o.shuffle = false;
    o.repeat = false;
    std::mutex mu;
    std::set<std::thread::id> threads;
    std::vector<int64_t> firsts;
    // Changes the batch, so that next() must hand out the finished one.
    o.finish_batch = [&](Batch& b) {
      Tensor doubled = b.at("image").clone();
      for (int64_t i = 0; i < doubled.numel(); ++i) doubled.data<float>()[i] *= 2;
      b.tensors["image"] = doubled;
      std::lock_guard<std::mutex> lock(mu);
      threads.insert(std::this_thread::get_id());
      firsts.push_back(b.indices.front());
    };
    DataLoader loader(ds, o);
    int64_t batches = 0;
    while (std::optional<Batch> b = loader.next()) {
      const int64_t first = 3 * batches++;
      ASSERT_EQ(b->indices.front(), first);
      // Sample i's image is 10 i + k, doubled.
      EXPECT_EQ(b->at("image").to_vector()[1], 2.0 * (10 * first + 1));
    }
    EXPECT_EQ(batches, 4);
    std::sort(firsts.begin(), firsts.end());
    EXPECT_EQ(firsts, (std::vector<int64_t>{0, 3, 6, 9}));
    if (workers == 0) {
      EXPECT_EQ(threads, std::set<std::thread::id>{std::this_thread::get_id()});
    } else {
      EXPECT_EQ(threads.count(std::this_thread::get_id()), 0u);
    }
  }
}

TEST(DataLoader, FinishBatchErrorsNameTheDatasetAndBatch) {
  auto ds = std::make_shared<IndexDataset>(12);
  for (int workers : {0, 2}) {
    LoaderOptions o = options(2, workers);
    o.shuffle = false;
    o.finish_batch = [](Batch& b) {
      if (b.indices.front() == 4) DC_FAIL("pinning refused");
    };
    DataLoader loader(ds, o);
    EXPECT_EQ(loader.next()->indices, (std::vector<int64_t>{0, 1}));
    EXPECT_EQ(loader.next()->indices, (std::vector<int64_t>{2, 3}));
    expect_error([&] { loader.next(); },
                 {"dataset 'index test set'", "batch 2", "finishing the batch", "pinning refused"});
    EXPECT_EQ(loader.next()->indices, (std::vector<int64_t>{6, 7}));
  }
}

TEST(DataLoader, PrefetchIsBoundedAndTheDestructorStopsBlockedWorkers) {
  auto ds = std::make_shared<IndexDataset>(1000);
  LoaderOptions o = options(2, 3, 2);  // a window of 3 * 2 = 6 batches, 12 samples
  auto loader = std::make_unique<DataLoader>(ds, o);
  const auto wait_for_gets = [&](int64_t count) {
    for (int i = 0; i < 3000 && ds->gets() < count; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(ds->gets(), count);
  };
  wait_for_gets(12);
  // The workers are now blocked on the full window: nothing more is loaded.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(ds->gets(), 12);
  EXPECT_EQ(loader->next()->epoch, 0);  // frees one slot: one more batch is loaded
  wait_for_gets(14);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(ds->gets(), 14);
  loader.reset();  // joins the blocked workers (a hang here is the failure)
  EXPECT_EQ(ds->gets(), 14);
}

TEST(DataLoader, LoaderThreadsRunParallelForInline) {
  // A dataset whose get() uses parallel_for (as ops do): on loader threads it must run as one
  // chunk on the loading thread, leaving the shared pool to the training step.
  class ParallelDataset : public IndexDataset {
   public:
    ParallelDataset() : IndexDataset(8) {}
    Sample get(int64_t index, Generator& rng) const override {
      const auto caller = std::this_thread::get_id();
      parallel_for(0, 1000, 1, [&](int64_t, int64_t) {
        ++chunks;
        if (std::this_thread::get_id() != caller) ++foreign;
      });
      return IndexDataset::get(index, rng);
    }
    mutable std::atomic<int> chunks{0}, foreign{0};
  };
  set_num_threads(2);
  int direct = 0;
  parallel_for(0, 1000, 1, [&](int64_t, int64_t) { ++direct; });
  EXPECT_EQ(direct, 2);  // outside a loader the pool splits the range
  auto ds = std::make_shared<ParallelDataset>();
  LoaderOptions o = options(4, 2);
  o.repeat = false;
  DataLoader loader(ds, o);
  while (loader.next()) {
  }
  EXPECT_EQ(ds->chunks.load(), 8);
  EXPECT_EQ(ds->foreign.load(), 0);
}

TEST(DataLoader, OptionErrorsNameTheOption) {
  auto ds = std::make_shared<IndexDataset>(10);
  const auto bad = [&](auto edit, std::vector<std::string> fragments) {
    LoaderOptions o = options(2, 1);
    edit(o);
    fragments.push_back("index test set");
    expect_error([&] { DataLoader loader(ds, o); }, fragments);
  };
  bad([](LoaderOptions& o) { o.batch_size = 0; }, {"batch_size must be >= 1, got 0"});
  bad([](LoaderOptions& o) { o.num_workers = -1; }, {"num_workers", "-1"});
  bad([](LoaderOptions& o) { o.prefetch = 0; }, {"prefetch must be >= 1, got 0"});
  bad([](LoaderOptions& o) { o.world_size = 0; }, {"world_size must be >= 1"});
  bad([](LoaderOptions& o) { o.rank = 2, o.world_size = 2; }, {"rank", "world_size (2)", "got 2"});
  bad([](LoaderOptions& o) { o.rank = -1; }, {"rank", "got -1"});
  expect_error([] { DataLoader loader(nullptr, LoaderOptions{}); }, {"dataset is null"});
  expect_error([] { DataLoader loader(std::make_shared<IndexDataset>(0), LoaderOptions{}); },
               {"index test set", "empty"});
}

TEST(DataLoader, DatasetSmallerThanABatchWithDropLastIsAnError) {
  auto ds = std::make_shared<IndexDataset>(3);
  LoaderOptions o = options(4, 0);
  o.drop_last = true;
  expect_error([&] { DataLoader loader(ds, o); },
               {"index test set", "no full batch", "3 samples", "batch_size 4", "drop_last"});
  o.world_size = 2;  // 3 samples give 2 per rank
  o.batch_size = 3;
  expect_error([&] { DataLoader loader(ds, o); }, {"world_size 2", "2 per rank", "batch_size 3"});
  o.drop_last = false;
  DataLoader loader(ds, o);
  EXPECT_EQ(loader.next()->size(), 2);
}

}  // namespace
}  // namespace dc
