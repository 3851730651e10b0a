#include "train/metrics_log.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"

namespace dc {
namespace {

// Keeps the lines of `path` whose "iteration" is at most keep_up_to (and lines that do not parse:
// a line cut by a kill is dropped, as it is incomplete).
void truncate_after(const std::string& path, int64_t keep_up_to) {
  std::ifstream in(path);
  if (!in) return;  // nothing logged yet
  std::ostringstream kept;
  std::string line;
  while (std::getline(in, line)) {
    const nlohmann::json record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (record.is_discarded() || !record.is_object()) continue;
    const auto it = record.find("iteration");
    if (it != record.end() && it->is_number_integer() && it->get<int64_t>() > keep_up_to) continue;
    kept << line << "\n";
  }
  in.close();
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << kept.str();
    out.flush();
    DC_CHECK(out.good(), "metrics log: cannot write '", tmp, "'");
  }
  DC_CHECK(std::rename(tmp.c_str(), path.c_str()) == 0, "metrics log: cannot replace '", path, "'");
}

}  // namespace

MetricsLog::MetricsLog(const std::string& path, int64_t keep_up_to) : path_(path) {
  if (keep_up_to >= 0) truncate_after(path, keep_up_to);
  out_.open(path, std::ios::app);
  DC_CHECK(out_.good(), "metrics log: cannot open '", path, "' for appending");
}

void MetricsLog::write(const std::string& type, int64_t iteration,
                       const std::map<std::string, double>& values) {
  nlohmann::ordered_json record;
  record["type"] = type;
  record["iteration"] = iteration;
  for (const auto& [key, value] : values) {
    if (std::isfinite(value)) {
      record[key] = value;
    } else {
      record[key] = nullptr;
    }
  }
  out_ << record.dump() << "\n" << std::flush;
  DC_CHECK(out_.good(), "metrics log: cannot write to '", path_, "'");
}

}  // namespace dc
