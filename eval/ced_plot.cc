#include "eval/ced_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "data/image_io.h"
#include "eval/canvas.h"
#include "eval/landmark_metrics.h"

namespace dc {
namespace {

// Distinct, print-friendly curve colours (Okabe–Ito order, black last).
const Rgb kCurveColours[] = {{0, 114, 178}, {213, 94, 0},   {0, 158, 115}, {204, 121, 167},
                             {230, 159, 0}, {86, 180, 233}, {120, 120, 0}, {0, 0, 0}};
constexpr int kMaxCurves = 8;
const Rgb kInk{30, 30, 30};
const Rgb kGrid{225, 225, 225};

// The smallest "nice" tick step giving at most 10 intervals over [0, range].
double tick_step(double range) {
  for (double decade = 1e-6;; decade *= 10) {
    for (double m : {1.0, 2.0, 5.0}) {
      if (range / (m * decade) <= 10 + 1e-9) return m * decade;
    }
  }
}

std::string format_tick(double value, double step) {
  const int decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

}  // namespace

Tensor ced_plot(const std::vector<CedCurve>& curves, const CedPlotOptions& options) {
  DC_CHECK(!curves.empty(), "ced_plot: no curve to draw");
  DC_CHECK(static_cast<int>(curves.size()) <= kMaxCurves, "ced_plot: at most ", kMaxCurves,
           " curves, got ", curves.size());
  DC_CHECK(std::isfinite(options.max_error) && options.max_error > 0,
           "ced_plot: options.max_error must be > 0, got ", options.max_error);
  DC_CHECK(options.width >= 320 && options.height >= 240,
           "ced_plot: the picture must be at least 320×240, got ", options.width, "×",
           options.height);
  std::vector<NmeSummary> summaries;
  for (const CedCurve& c : curves) {
    try {
      summaries.push_back(summarize_nme(c.nmes, {options.max_error}));
    } catch (const Error& e) {
      DC_FAIL("ced_plot: curve '", c.name, "': ", e.what());
    }
  }

  Canvas canvas(options.width, options.height);
  // The legend sits under the x-axis label, one row per curve, so it never hides a curve.
  const int row = 20;
  const int left = 80, right = 24, top = 60;
  const int bottom = 70 + row * static_cast<int>(curves.size()) + 10;
  const int x0 = left, x1 = options.width - right, y0 = options.height - bottom, y1 = top;
  auto px = [&](double e) { return x0 + (x1 - x0) * e / options.max_error; };
  auto py = [&](double f) { return y0 + (y1 - y0) * f; };

  // Grid, ticks and tick labels.
  const double xs = tick_step(options.max_error);
  const int nx = static_cast<int>(std::floor(options.max_error / xs + 1e-9));
  for (int i = 0; i <= nx; ++i) {
    const double X = px(i * xs);
    canvas.line(X, y0, X, y1, kGrid, 1);
    canvas.line(X, y0, X, y0 + 6, kInk, 1.5);
    const std::string label = format_tick(i * xs, xs);
    canvas.text(static_cast<int>(std::lround(X)) - Canvas::text_width(label) / 2, y0 + 12, label,
                kInk);
  }
  for (int i = 0; i <= 10; ++i) {
    const double Y = py(i / 10.0);
    canvas.line(x0, Y, x1, Y, kGrid, 1);
    canvas.line(x0 - 6, Y, x0, Y, kInk, 1.5);
    const std::string label = format_tick(i / 10.0, 0.1);
    canvas.text(x0 - 10 - Canvas::text_width(label), static_cast<int>(std::lround(Y)) - 7, label,
                kInk);
  }
  // Axes and their labels.
  canvas.line(x0, y0, x1, y0, kInk, 1.5);
  canvas.line(x0, y0, x0, y1, kInk, 1.5);
  const std::string xlabel = "NME (normalized by the outer-eye-corner distance)";
  canvas.text((x0 + x1) / 2 - Canvas::text_width(xlabel) / 2, y0 + 38, xlabel, kInk);
  const std::string ylabel = "fraction of images with NME <= x";
  canvas.text(x0 - 60, y1 - 24, ylabel, kInk);
  canvas.text(options.width / 2 - Canvas::text_width(options.title) / 2, 6, options.title, kInk);

  // Curves: CED steps up by 1/N at each NME inside the range.
  for (size_t c = 0; c < curves.size(); ++c) {
    std::vector<double> e = curves[c].nmes;
    std::sort(e.begin(), e.end());
    const double n = static_cast<double>(e.size());
    double fx = 0, fy = 0;
    for (size_t i = 0; i < e.size() && e[i] <= options.max_error; ++i) {
      canvas.line(px(fx), py(fy), px(e[i]), py(fy), kCurveColours[c], 2.5);
      fx = e[i];
      // Equal NMEs make one step.
      while (i + 1 < e.size() && e[i + 1] == e[i]) ++i;
      const double next = (i + 1) / n;
      canvas.line(px(fx), py(fy), px(fx), py(next), kCurveColours[c], 2.5);
      fy = next;
    }
    canvas.line(px(fx), py(fy), px(options.max_error), py(fy), kCurveColours[c], 2.5);
  }

  // Legend: colour, name, AUC and failure rate at the plotted cut-off.
  const std::string cut = cutoff_name(options.max_error);
  for (size_t c = 0; c < curves.size(); ++c) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "  AUC@%s %.3f  failure@%s %.1f%%", cut.c_str(),
                  summaries[c].cutoffs[0].auc, cut.c_str(),
                  100 * summaries[c].cutoffs[0].failure_rate);
    const int ry = y0 + 66 + row * static_cast<int>(c);
    canvas.line(x0 - 40, ry + 7, x0 - 12, ry + 7, kCurveColours[c], 3);
    canvas.text(x0 - 4, ry, curves[c].name + buf, kInk);
  }
  return canvas.to_u8();
}

void write_ced_png(const std::string& path, const std::vector<CedCurve>& curves,
                   const CedPlotOptions& options) {
  write_png(path, ced_plot(curves, options));
}

}  // namespace dc
