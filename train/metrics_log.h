// Metrics as JSON lines (<run>/metrics.jsonl): one JSON object per line, flushed as written, so a
// run can be followed with `tail -f` and parsed by any tool. Records carry "type" ("train",
// "eval", "skip"), "iteration" and the values; doubles are written so that they read back exactly,
// non-finite ones as null.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <string>

namespace dc {

class MetricsLog {
 public:
  // Opens `path` for appending (creating it). keep_up_to >= 0 (a resumed run): first drops the
  // records whose iteration is greater than keep_up_to — what a killed run logged after its last
  // checkpoint — so the file reads as one run. The rewrite is atomic.
  explicit MetricsLog(const std::string& path, int64_t keep_up_to = -1);

  void write(const std::string& type, int64_t iteration,
             const std::map<std::string, double>& values);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ofstream out_;
};

}  // namespace dc
