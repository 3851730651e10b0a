// The cumulative error distribution (CED) of the 300W metric drawn as a picture: x the NME from 0
// to a cut-off, y the fraction of images with NME <= x, one step curve per method, with axes,
// ticks, grid, labels and a legend (under the plot) that gives each method's AUC and failure rate
// at the plotted cut-off (eval/landmark_metrics.h).
#pragma once

#include <string>
#include <vector>

#include "core/tensor.h"

namespace dc {

struct CedCurve {
  std::string name;          // legend label, e.g. "q+r K=10"
  std::vector<double> nmes;  // one NME per image (>= 0 or +inf), as for summarize_nme
};

struct CedPlotOptions {
  double max_error = 0.08;  // the x range [0, max_error], also the cut-off named in the legend
  int width = 760, height = 600;  // the whole picture, legend included
  std::string title = "Cumulative error distribution (300W NME)";
};

// The plot as an H×W×3 u8 image (write_png stores it as is). Errors: no curve, more than 8
// curves, an empty or invalid NME list (naming the curve), max_error <= 0, a size below 320×240.
Tensor ced_plot(const std::vector<CedCurve>& curves, const CedPlotOptions& options = {});

// write_png(path, ced_plot(curves, options)).
void write_ced_png(const std::string& path, const std::vector<CedCurve>& curves,
                   const CedPlotOptions& options = {});

}  // namespace dc
