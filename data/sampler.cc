#include "data/sampler.h"

#include <array>
#include <utility>

#include "core/error.h"
#include "core/philox.h"

namespace dc {
namespace {

uint32_t lo(uint64_t x) { return static_cast<uint32_t>(x); }
uint32_t hi(uint64_t x) { return static_cast<uint32_t>(x >> 32); }
uint64_t join(uint32_t h, uint32_t l) { return (static_cast<uint64_t>(h) << 32) | l; }

// 64-bit words from a Generator, four 32-bit words per Philox block.
class WordStream {
 public:
  explicit WordStream(Generator& gen) : gen_(gen) {}
  uint64_t next64() {
    if (used_ == 4) {
      block_ = gen_.block(gen_.advance(1));
      used_ = 0;
    }
    const uint64_t w = join(block_[used_], block_[used_ + 1]);
    used_ += 2;
    return w;
  }

 private:
  Generator& gen_;
  std::array<uint32_t, 4> block_{};
  int used_ = 4;
};

// Uniform integer in [0, range) without modulo bias (Lemire's multiply-and-reject).
uint64_t uniform_below(WordStream& words, uint64_t range) {
  unsigned __int128 m = static_cast<unsigned __int128>(words.next64()) * range;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < range) {
    const uint64_t threshold = (0 - range) % range;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(words.next64()) * range;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

}  // namespace

uint64_t epoch_seed(uint64_t seed, int64_t epoch) {
  DC_CHECK(epoch >= 0, "epoch_seed: epoch must be >= 0, got ", epoch);
  // sample_seed hashes counters (index, epoch) with index < 2^63, so its high index word is below
  // 2^31; an all-ones index word never occurs there, which keeps the two seed families apart.
  const auto out =
      philox4x32_10({0xffffffffu, 0xffffffffu, lo(epoch), hi(epoch)}, {lo(seed), hi(seed)});
  return join(out[1], out[0]);
}

std::vector<int64_t> epoch_order(int64_t n, bool shuffle, uint64_t seed, int64_t epoch) {
  DC_CHECK(n >= 0, "epoch_order: the sample count must be >= 0, got ", n);
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  if (!shuffle) return order;
  Generator gen(epoch_seed(seed, epoch));
  WordStream words(gen);
  // Fisher–Yates: position i takes a uniformly chosen element of the not yet placed [0, i].
  for (int64_t i = n - 1; i > 0; --i) {
    const int64_t j = static_cast<int64_t>(uniform_below(words, static_cast<uint64_t>(i) + 1));
    std::swap(order[i], order[j]);
  }
  return order;
}

int64_t samples_per_rank(int64_t n, int world_size) {
  DC_CHECK(world_size >= 1, "samples_per_rank: world_size must be >= 1, got ", world_size);
  return (n + world_size - 1) / world_size;
}

std::vector<int64_t> shard_order(const std::vector<int64_t>& order, int rank, int world_size) {
  DC_CHECK(world_size >= 1 && rank >= 0 && rank < world_size,
           "shard_order: expected 0 <= rank < world_size, got rank ", rank, ", world_size ",
           world_size);
  const int64_t n = static_cast<int64_t>(order.size());
  DC_CHECK(n > 0, "shard_order: cannot shard an empty order");
  const int64_t per_rank = samples_per_rank(n, world_size);
  std::vector<int64_t> share(per_rank);
  // Position p of the padded order is order[p mod n]: the padding repeats the order from its start.
  for (int64_t k = 0; k < per_rank; ++k) share[k] = order[(rank + k * world_size) % n];
  return share;
}

}  // namespace dc
