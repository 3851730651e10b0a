#include "eval/landmark_metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "core/error.h"
#include "data/synth/face_template.h"
#include "eval/inputs.h"

namespace dc {
namespace {

void check_nmes(const std::vector<double>& nmes, const char* fn) {
  DC_CHECK(!nmes.empty(), fn, ": the set of NMEs is empty");
  for (size_t i = 0; i < nmes.size(); ++i) {
    DC_CHECK(!std::isnan(nmes[i]) && nmes[i] >= 0, fn, ": NME ", i, " must be >= 0 or +inf, got ",
             nmes[i]);
  }
}

void check_cutoff(double cutoff, const char* fn) {
  DC_CHECK(std::isfinite(cutoff) && cutoff > 0, fn, ": the cut-off must be > 0, got ", cutoff);
}

}  // namespace

double landmark_nme(const Tensor& pred, const Tensor& gt, const Tensor& counted) {
  int64_t kp = 0, kg = 0;
  const std::vector<double> p = eval_read_points(pred, "landmark_nme: pred", &kp);
  const std::vector<double> g = eval_read_points(gt, "landmark_nme: gt", &kg);
  DC_CHECK(kp == kFaceNumLandmarks && kg == kFaceNumLandmarks,
           "landmark_nme: expected the 68 points of the 300W scheme in pred and gt, got ",
           pred.str(), " and ", gt.str());
  std::vector<double> use(kFaceNumLandmarks, 1.0);
  if (counted.defined()) {
    DC_CHECK(counted.dim() == 1 && counted.size(0) == kFaceNumLandmarks,
             "landmark_nme: counted must hold 68 values, got ", counted.str());
    use = counted.to_vector();
  }
  for (int k = 0; k < kFaceNumLandmarks; ++k) {
    DC_CHECK(std::isfinite(g[2 * k]) && std::isfinite(g[2 * k + 1]), "landmark_nme: gt point ", k,
             " is not finite");
  }
  const double norm = std::hypot(g[2 * kOuterEyeCornerLeft] - g[2 * kOuterEyeCornerRight],
                                 g[2 * kOuterEyeCornerLeft + 1] - g[2 * kOuterEyeCornerRight + 1]);
  DC_CHECK(norm > 0,
           "landmark_nme: the outer-eye-corner distance of gt (points 36 and 45, 0-based) is 0");
  double sum = 0;
  int n = 0;
  for (int k = 0; k < kFaceNumLandmarks; ++k) {
    if (use[k] == 0) continue;
    ++n;
    if (!std::isfinite(p[2 * k]) || !std::isfinite(p[2 * k + 1])) {
      return std::numeric_limits<double>::infinity();
    }
    sum += std::hypot(p[2 * k] - g[2 * k], p[2 * k + 1] - g[2 * k + 1]);
  }
  DC_CHECK(n > 0, "landmark_nme: counted marks no point");
  return sum / n / norm;
}

double ced_fraction(const std::vector<double>& nmes, double error) {
  check_nmes(nmes, "ced_fraction");
  int64_t below = 0;
  for (double e : nmes) below += e <= error ? 1 : 0;
  return static_cast<double>(below) / static_cast<double>(nmes.size());
}

double ced_auc(const std::vector<double>& nmes, double cutoff) {
  check_nmes(nmes, "ced_auc");
  check_cutoff(cutoff, "ced_auc");
  // ∫_0^α CED(e) de = (1/N) Σ_i ∫_0^α [NME_i <= e] de = (1/N) Σ_i max(0, α − NME_i).
  double area = 0;
  for (double e : nmes) area += e < cutoff ? cutoff - e : 0;
  return area / (static_cast<double>(nmes.size()) * cutoff);
}

double failure_rate(const std::vector<double>& nmes, double cutoff) {
  check_nmes(nmes, "failure_rate");
  check_cutoff(cutoff, "failure_rate");
  int64_t failed = 0;
  for (double e : nmes) failed += e > cutoff ? 1 : 0;
  return static_cast<double>(failed) / static_cast<double>(nmes.size());
}

NmeSummary summarize_nme(const std::vector<double>& nmes, const std::vector<double>& cutoffs) {
  check_nmes(nmes, "summarize_nme");
  NmeSummary s;
  s.num_images = static_cast<int64_t>(nmes.size());
  double sum = 0;
  for (double e : nmes) {
    if (std::isinf(e)) {
      ++s.num_incomplete;
    } else {
      sum += e;
    }
  }
  const int64_t complete = s.num_images - s.num_incomplete;
  s.mean_nme =
      complete > 0 ? sum / static_cast<double>(complete) : std::numeric_limits<double>::quiet_NaN();
  for (double c : cutoffs) {
    check_cutoff(c, "summarize_nme");
    s.cutoffs.push_back({c, ced_auc(nmes, c), failure_rate(nmes, c)});
  }
  return s;
}

std::vector<std::pair<std::string, double>> NmeSummary::named() const {
  std::vector<std::pair<std::string, double>> out = {
      {"nme_mean", mean_nme},
      {"num_images", static_cast<double>(num_images)},
      {"num_incomplete", static_cast<double>(num_incomplete)}};
  for (const CutoffMetrics& c : cutoffs) {
    out.emplace_back("auc@" + cutoff_name(c.cutoff), c.auc);
    out.emplace_back("failure_rate@" + cutoff_name(c.cutoff), c.failure_rate);
  }
  return out;
}

std::string cutoff_name(double cutoff) {
  char buf[64];
  for (int digits = 2; digits < 10; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*f", digits, cutoff);
    if (std::abs(std::strtod(buf, nullptr) - cutoff) <= 1e-12 * std::max(1.0, std::abs(cutoff))) {
      break;
    }
  }
  return buf;
}

}  // namespace dc
