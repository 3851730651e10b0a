// The sample order of the DataLoader (data/loader.h): per-sample seeds, the per-epoch permutation
// and the per-rank share of an epoch, as torch.utils.data.DistributedSampler computes it.
//
// Everything here is a pure function of its arguments, so any thread (or a resumed run) computes
// the same order.
#pragma once

#include <cstdint>
#include <vector>

namespace dc {

// Seed of the Generator that shuffles epoch `epoch` of a run seeded `seed`: a Philox hash of the
// two, in a counter domain disjoint from sample_seed()'s (data/loader.h).
uint64_t epoch_seed(uint64_t seed, int64_t epoch);

// The order of the n samples of epoch `epoch`: a uniformly random permutation of [0, n) drawn by
// Fisher–Yates from a Generator seeded epoch_seed(seed, epoch) when `shuffle`, else 0, 1, ..., n-1.
std::vector<int64_t> epoch_order(int64_t n, bool shuffle, uint64_t seed, int64_t epoch);

// Samples each of `world_size` ranks gets per epoch: ceil(n / world_size).
int64_t samples_per_rank(int64_t n, int world_size);

// Rank `rank`'s share of `order`, as DistributedSampler(shuffle=False, drop_last=False) takes it
// from a dataset listed in that order: `order` is padded by repeating it from its start up to a
// multiple of world_size (several times over when world_size > 2n), and rank r takes positions
// r, r + world_size, r + 2 world_size, ... Every rank gets samples_per_rank() indices.
std::vector<int64_t> shard_order(const std::vector<int64_t>& order, int rank, int world_size);

}  // namespace dc
