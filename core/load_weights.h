// Loading weights by name from an HDF5 tensor file (core/h5_tensor_file.h) into existing tensors,
// e.g. a module's parameters and buffers, with a report of what did not match.
#pragma once

#include <string>
#include <vector>

#include "core/h5_tensor_file.h"

namespace dc {

// A key whose tensor in the file has a different shape from the target's.
struct ShapeMismatch {
  std::string key;
  Shape expected;  // the target's
  Shape in_file;
};

struct LoadReport {
  std::vector<std::string> loaded;      // copied, in target order
  std::vector<std::string> missing;     // in the target, not in the file (target order)
  std::vector<std::string> unexpected;  // in the file, not in the target (file order)
  std::vector<ShapeMismatch> mismatched;
  // With allow_partial, one line per non-empty list above (missing, unexpected, mismatched), each
  // naming at most kMaxListed keys; empty otherwise (the problems were an error instead).
  std::vector<std::string> warnings;

  static constexpr size_t kMaxListed = 20;
  bool complete() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
  // "loaded N of M tensors" followed by the problem lines, for logs.
  std::string str() const;
};

// Fills `target` (name -> tensor, e.g. a state dict of parameters and buffers) from the datasets
// of `path` below group `group` ("" for the whole file; "model" for a checkpoint's model), matched
// by name. Each matched tensor is copied into the existing target tensor in place (its storage,
// layout and dtype are kept; values are converted from the file's dtype as Tensor::to would), with
// no autograd recording. Keys in the target and the file are compared as whole strings.
//
// With allow_partial = false, any missing, unexpected or mis-shaped key is a dc::Error that names
// the file and lists them all (at most LoadReport::kMaxListed per kind, then "... and N more"), and
// no target tensor is modified. With allow_partial = true, the matching keys are loaded, the rest
// are left as they are, and the problems are returned as report warnings.
LoadReport load_weights(const TensorMap& target, const std::string& path, bool allow_partial,
                        const std::string& group = "");

}  // namespace dc
