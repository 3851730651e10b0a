// The 300W landmark metric (REFERENCE.md, DenseReg section): the normalized mean error (NME) of
// one image, and over a set of images the mean NME, the cumulative error distribution (CED), the
// area under the CED up to a cut-off and the failure rate at a cut-off. Cut-offs differ between
// papers (0.08 in the 300W challenge and the DenseReg paper's AUC, 0.10 in the thesis's failure
// rates), so every summary names the cut-off it was computed at.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace dc {

// The 300W normalizer: the outer eye corners, iBUG points 37 and 46 (1-based), 0-based 36 and 45.
constexpr int kOuterEyeCornerLeft = 36;
constexpr int kOuterEyeCornerRight = 45;

// NME of one image:
//   NME = (1/|S|) Σ_{k∈S} ‖pred_k − gt_k‖ / ‖gt_36 − gt_45‖
// over the counted points S: all 68, or those with counted[k] != 0 when `counted` (68 values of
// any dtype, e.g. a sample's `visible`) is given. pred and gt are 68×2 (x, y) in pixels. A
// counted point that pred leaves non-finite (a landmark not found) makes the NME +inf: the image
// is a failure at every cut-off. Errors: shapes other than 68×2, a non-finite gt point, a zero
// eye-corner distance, no counted point.
double landmark_nme(const Tensor& pred, const Tensor& gt, const Tensor& counted = Tensor());

// CED(e): the fraction of images whose NME is <= e.
double ced_fraction(const std::vector<double>& nmes, double error);

// Area under the CED from 0 to `cutoff`, normalized by the cut-off (so 1 is perfect):
//   AUC_α = (1/α) ∫_0^α CED(e) de = (1/(N α)) Σ_i max(0, α − NME_i),
// computed exactly from the step function (no sampling grid). An +inf NME contributes 0.
double ced_auc(const std::vector<double>& nmes, double cutoff);

// The fraction of images whose NME is > cutoff (= 1 − CED(cutoff)); +inf counts as a failure.
double failure_rate(const std::vector<double>& nmes, double cutoff);

// AUC and failure rate at one cut-off.
struct CutoffMetrics {
  double cutoff = 0;
  double auc = 0;           // ced_auc(nmes, cutoff)
  double failure_rate = 0;  // failure_rate(nmes, cutoff)
};

// Everything the DenseReg tables report about a set of per-image NMEs.
struct NmeSummary {
  int64_t num_images = 0;
  // Images with an +inf NME (a counted landmark not found); they are failures at every cut-off
  // and count as 0 in the AUCs, but are left out of mean_nme.
  int64_t num_incomplete = 0;
  // Mean NME over the images with a finite NME (NaN when there is none).
  double mean_nme = 0;
  std::vector<CutoffMetrics> cutoffs;

  // The metrics as (name, value) pairs, every name carrying its cut-off:
  //   "nme_mean", "num_images", "num_incomplete", "auc@0.08", "failure_rate@0.08", "auc@0.10", ...
  std::vector<std::pair<std::string, double>> named() const;
};

// Summary of `nmes` (each >= 0 or +inf; NaN or a negative value is an error) at `cutoffs`
// (each > 0; default 0.08 and 0.10). An empty set is an error.
NmeSummary summarize_nme(const std::vector<double>& nmes,
                         const std::vector<double>& cutoffs = {0.08, 0.10});

// A cut-off as it appears in metric names: two decimals, more when needed ("0.08", "0.10",
// "0.075").
std::string cutoff_name(double cutoff);

}  // namespace dc
