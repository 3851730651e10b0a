// Training checkpoints: one HDF5 tensor file (core/h5_tensor_file.h) holding the model's
// parameters and buffers, the optimizer state, RNG states, the iteration and the resolved config,
// written atomically (a temporary file, fsync, rename), so a crash never leaves a half checkpoint.
//
// File layout (docs/WEIGHTS_AND_CHECKPOINTS.md):
//   /model/<state-dict key>                  datasets, e.g. /model/layer1.0.conv1.weight
//   /optimizer/tensors/<key>                 datasets, OptimizerState::tensors
//   attribute optimizer/scalars/<name>       double, OptimizerState::scalars
//   attribute rng/<name>/seed, rng/<name>/offset   uint64
//   root attributes format = "densecorr-checkpoint", format_version = 1, iteration (int64),
//                   config_yaml (string)
// The model group is also what load_weights(target, path, allow_partial, "model") reads, so a
// checkpoint can initialize another run's model.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/h5_tensor_file.h"
#include "core/philox.h"
#include "train/optim/optimizer.h"

namespace dc {

// A counter-based generator's whole state (core/philox.h).
struct RngState {
  uint64_t seed = 0;
  uint64_t offset = 0;
  bool operator==(const RngState& o) const { return seed == o.seed && offset == o.offset; }
};
inline RngState rng_state(const Generator& g) { return {g.seed(), g.offset()}; }
inline void set_rng_state(Generator& g, const RngState& s) { g.set_state(s.seed, s.offset); }

// Everything a resumed run needs. Runs with several models or optimizers (a GAN) flatten them into
// these maps with name prefixes ("generator.", "discriminator.").
struct Checkpoint {
  TensorMap model;                      // parameters and buffers by state-dict name
  OptimizerState optimizer;             // Optimizer::state_dict()
  std::map<std::string, RngState> rng;  // e.g. "default", "loader"
  int64_t iteration = 0;                // iterations completed
  std::string config_yaml;              // the resolved config
};

// Writes `ckpt` to `path` atomically, replacing an existing file. Tensors on a device are copied
// to the host first (the file records no device; loading gives CPU tensors, which
// Module::load_state_dict and Optimizer::load_state_dict copy onto their own tensors' device).
void save_checkpoint(const std::string& path, const Checkpoint& ckpt);

// Reads a checkpoint written by save_checkpoint. A file that is not a densecorr checkpoint, of a
// newer format version, or with entries outside the layout above is a dc::Error naming the file.
Checkpoint load_checkpoint(const std::string& path);

// The file name save_checkpoint is given by the trainer: <run_dir>/checkpoint_<iteration, 8+
// digits>.h5.
std::string checkpoint_path(const std::string& run_dir, int64_t iteration);

// The checkpoint of the highest iteration among the files of `run_dir` named as checkpoint_path
// names them, or nullopt when there is none (or run_dir does not exist). Temporary files of
// interrupted writes ("*.tmp.<pid>") are ignored; since writes are atomic, every file under a final
// name is complete.
std::optional<std::string> latest_checkpoint(const std::string& run_dir);

// Every checkpoint of `run_dir` (named as above) as (iteration, path), by increasing iteration;
// empty when there is none or run_dir does not exist.
std::vector<std::pair<int64_t, std::string>> list_checkpoints(const std::string& run_dir);

}  // namespace dc
