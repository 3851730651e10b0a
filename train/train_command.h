// `densecorr train` and `densecorr eval`.
//
//   densecorr train -c CONFIG [--resume] [key=value ...]
//   densecorr eval -c CONFIG [--weights W.h5] [key=value ...]
//
// train runs the Trainer (train/trainer.h) in the run folder `out`; --resume continues the run of
// that folder from its latest checkpoint. It returns 0 when the run completed, 130 when SIGINT
// stopped it (after writing a checkpoint). eval evaluates --weights (or model.weights, or the
// latest checkpoint of `out`) on data.test and writes the metrics to <out>/eval.json as well.
#pragma once

#include <string>
#include <vector>

namespace dc {
namespace cli {

int train_command(const std::vector<std::string>& args);
int eval_command(const std::vector<std::string>& args);

}  // namespace cli
}  // namespace dc
