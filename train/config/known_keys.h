// The keys known to densecorr today, one registration function per component so that each later
// component (models, datasets, evaluators) adds its own next to these. docs/CONFIG.md lists them.
#pragma once

#include <memory>

#include "train/config/config_schema.h"

namespace dc {

// seed, out, device, threads.
void add_run_keys(ConfigSchema& schema);
// solver.*: optimizer, learning-rate schedule and warmup, clipping, accumulation, periods, NaNs.
void add_solver_keys(ConfigSchema& schema);
// model.name, model.weights, model.allow_partial_weights.
void add_model_keys(ConfigSchema& schema);
// data.train.name, data.test.name, data.batch_size, data.num_workers.
void add_data_keys(ConfigSchema& schema);
// densereg.* (the densereg task) and data.synth_faces.* (its dataset).
void add_densereg_keys(ConfigSchema& schema);
// dist.*: data-parallel training (docs/DISTRIBUTED.md).
void add_dist_keys(ConfigSchema& schema);

// Every component's keys, built once.
std::shared_ptr<const ConfigSchema> default_schema();

}  // namespace dc
