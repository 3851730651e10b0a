// A module's state dict to and from an HDF5 tensor file (core/h5_tensor_file.h): the weights
// scripts/convert_torch_weights.py writes from a PyTorch state dict load by name.
#pragma once

#include <string>

#include "core/load_weights.h"
#include "nets/module.h"

namespace dc {

// Copies the datasets of `path` (below `group`, "" for the whole file) into the module's
// parameters and buffers of the same names, in place (dtypes converted, no autograd recording).
// allow_partial = false: any missing, unexpected or mis-shaped key is a dc::Error naming the file
// and the keys, and nothing is modified. allow_partial = true: the matching keys load, and the
// report lists the rest (report.warnings, for logs). See core/load_weights.h.
LoadReport load_weights(Module& module, const std::string& path, bool allow_partial = false,
                        const std::string& group = "");

// Writes the module's state dict (parameters and buffers, PyTorch's order and names) to `path`,
// atomically, one dataset per key: the same layout load_weights reads and
// scripts/convert_torch_weights.py writes.
void save_weights(const Module& module, const std::string& path);

}  // namespace dc
