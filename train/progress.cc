#include "train/progress.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace dc {
namespace {

double median(std::deque<double> values) {
  std::vector<double> v(values.begin(), values.end());
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

ProgressDisplay::ProgressDisplay(std::ostream& out, bool interactive, int64_t start, int64_t total,
                                 int64_t period)
    : out_(out),
      interactive_(interactive),
      start_(start),
      total_(total),
      period_(std::max<int64_t>(1, period)),
      t0_(std::chrono::steady_clock::now()),
      last_draw_(t0_) {}

std::string ProgressDisplay::format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const int64_t s = static_cast<int64_t>(std::llround(seconds));
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  }
  return buf;
}

std::string ProgressDisplay::status_line(int64_t done, double lr) const {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  const int64_t run_here = done - start_;
  const double rate = elapsed > 0 && run_here > 0 ? run_here / elapsed : 0;
  const double eta = rate > 0 ? (total_ - done) / rate : -1;
  char head[160];
  std::snprintf(head, sizeof head, "iter %lld/%lld  %.2f it/s  ETA %s",
                static_cast<long long>(done), static_cast<long long>(total_), rate,
                format_duration(eta).c_str());
  std::string line = head;
  double total_loss = 0;
  std::string parts;
  for (const auto& [name, values] : recent_) {
    const double m = median(values);
    total_loss += m;
    char part[96];
    std::snprintf(part, sizeof part, " %s %.4g", name.c_str(), m);
    parts += part;
  }
  char tail[96];
  // Without losses (a data export) the loss and, with a NaN lr, the lr are left out.
  if (!recent_.empty()) {
    std::snprintf(tail, sizeof tail, "  loss %.4g", total_loss);
    line += tail;
  }
  if (recent_.size() > 1) line += " (" + parts.substr(1) + ")";
  if (std::isnan(lr)) return line;
  std::snprintf(tail, sizeof tail, "  lr %.3g", lr);
  return line + tail;
}

void ProgressDisplay::update(int64_t done, const std::map<std::string, double>& losses, double lr) {
  for (const auto& [name, value] : losses) {
    std::deque<double>& q = recent_[name];
    q.push_back(value);
    while (static_cast<int64_t>(q.size()) > period_) q.pop_front();
  }
  if (!interactive_) {
    if (done % period_ == 0 || done == total_) out_ << status_line(done, lr) << "\n" << std::flush;
    return;
  }
  // Redraw at most ~10 times a second: a terminal flooded with \r lines slows the run down.
  const auto now = std::chrono::steady_clock::now();
  if (done != total_ && bar_open_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  constexpr int kWidth = 24;
  const int filled = total_ > 0 ? static_cast<int>(kWidth * done / total_) : kWidth;
  std::string bar = "[" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "] ";
  out_ << "\r\033[K" << bar << status_line(done, lr) << std::flush;
  bar_open_ = true;
}

void ProgressDisplay::message(const std::string& line) {
  if (bar_open_) out_ << "\r\033[K";
  out_ << line << "\n" << std::flush;
  bar_open_ = false;
}

void ProgressDisplay::finish() {
  if (bar_open_) out_ << "\n" << std::flush;
  bar_open_ = false;
}

}  // namespace dc
