// The training progress display: on a terminal, one line redrawn in place with a bar; otherwise
// (a log file, CI) a plain line every `period` iterations. Either way a line shows the iteration,
// it/s, the ETA, the losses (median over the last `period` iterations, as Detectron2 smooths them)
// and the learning rate.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <ostream>
#include <string>

namespace dc {

class ProgressDisplay {
 public:
  // total: the run's last iteration; start: iterations already done (a resumed run); the rate and
  // ETA count only iterations run by this process.
  ProgressDisplay(std::ostream& out, bool interactive, int64_t start, int64_t total,
                  int64_t period);

  // After iteration `done` (1-based count of completed iterations). With no losses ever given the
  // line shows no loss, and with lr = NaN no learning rate (for progress that is not training).
  void update(int64_t done, const std::map<std::string, double>& losses, double lr);
  // A line of its own (evaluation results, warnings) that does not garble the bar.
  void message(const std::string& line);
  // Ends the bar's line.
  void finish();

  // "1:02:03" or "4:05" for a duration in seconds.
  static std::string format_duration(double seconds);

 private:
  std::string status_line(int64_t done, double lr) const;

  std::ostream& out_;
  bool interactive_;
  int64_t start_, total_, period_;
  std::chrono::steady_clock::time_point t0_;
  std::chrono::steady_clock::time_point last_draw_;
  std::map<std::string, std::deque<double>> recent_;  // last `period` values per loss
  bool bar_open_ = false;
};

}  // namespace dc
