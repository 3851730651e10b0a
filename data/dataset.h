// Dataset: a fixed-size, indexable source of samples (data/sample.h), as torch.utils.data.Dataset.
//
// Determinism: every random choice a dataset makes for sample i (augmentation, on-the-fly
// generation) is drawn from the Generator it is given, which the DataLoader seeds from (run seed,
// epoch, i) alone. The same sample comes back whatever the worker count, the thread that loads it
// or the order of loading, and a resumed run sees the same samples as an uninterrupted one.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "core/philox.h"
#include "data/sample.h"

namespace dc {

class Dataset {
 public:
  virtual ~Dataset() = default;

  // Number of samples.
  virtual int64_t size() const = 0;
  // Sample `index` in [0, size()), drawing all its randomness from `rng`. Called concurrently from
  // several loader threads: implementations must not mutate shared state. On loader threads
  // parallel_for (so every op) runs inline on the calling thread (SerialThreadScope), leaving the
  // shared pool to the training step.
  virtual Sample get(int64_t index, Generator& rng) const = 0;
  // How each field moves under geometric transforms (data/transforms.h).
  virtual SampleLayout layout() const = 0;
  // Fields whose shape varies between samples (boxes of a variable number of people): the loader
  // gathers them into lists instead of stacking them.
  virtual std::set<std::string> list_fields() const { return {}; }
  // For messages: "synthetic faces (train)".
  virtual std::string name() const = 0;
};

}  // namespace dc
