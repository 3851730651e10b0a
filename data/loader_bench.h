// Throughput of the DataLoader on representative per-sample work (`densecorr bench loader`): an
// in-memory dataset of 3×S×S f32 images from which each sample takes a random crop, flips it
// horizontally with probability 1/2 and scales its brightness, all by hand (no ops), drawing its
// randomness from the loader's generator like a real augmenting dataset.
#pragma once

#include <cstdint>

namespace dc {

struct LoaderBenchOptions {
  int num_workers = 2;
  int prefetch = 2;
  int64_t batch_size = 32;
  int64_t batches = 200;     // timed batches (after one untimed warm-up batch)
  int64_t images = 256;      // distinct images held in memory
  int64_t image_size = 128;  // S
  int64_t crop = 112;        // side of the random crop each sample returns
};

struct LoaderBenchResult {
  int64_t batches = 0;
  double seconds = 0;
  double batches_per_s = 0;
  double samples_per_s = 0;
  double megabytes_per_s = 0;  // of collated image data delivered
};

// Runs the loader over the synthetic image set and times `batches` calls of next().
LoaderBenchResult bench_loader(const LoaderBenchOptions& options);

}  // namespace dc
