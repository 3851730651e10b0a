// Helpers shared by several op-case files (ops/cases/*.cc) that are too family-specific for
// ops/op_case.h.
#pragma once

#include "ops/loss.h"

namespace dc {

// PyTorch's spelling of `r`, for the `reduction=` argument of the torch expressions and for case
// names.
inline const char* reduction_name(Reduction r) {
  switch (r) {
    case Reduction::kNone:
      return "none";
    case Reduction::kSum:
      return "sum";
    case Reduction::kMean:
      return "mean";
  }
  return "";
}

}  // namespace dc
