// load_weights: match by name, check shapes, then copy (see load_weights.h).
#include "core/load_weights.h"

#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "core/copy.h"

namespace dc {
namespace {

// "what (N): a, b, c ... and K more" with at most LoadReport::kMaxListed items.
template <typename T, typename F>
std::string list_line(const char* what, const std::vector<T>& items, F fmt) {
  std::ostringstream os;
  os << what << " (" << items.size() << "): ";
  const size_t shown = std::min(items.size(), LoadReport::kMaxListed);
  for (size_t i = 0; i < shown; ++i) os << (i ? ", " : "") << fmt(items[i]);
  if (items.size() > shown) os << " ... and " << items.size() - shown << " more";
  return os.str();
}

std::vector<std::string> problem_lines(const LoadReport& r) {
  const auto same = [](const std::string& s) { return s; };
  std::vector<std::string> lines;
  if (!r.missing.empty()) lines.push_back(list_line("missing in file", r.missing, same));
  if (!r.unexpected.empty()) lines.push_back(list_line("unexpected in file", r.unexpected, same));
  if (!r.mismatched.empty()) {
    lines.push_back(list_line("shape mismatch", r.mismatched, [](const ShapeMismatch& m) {
      return m.key + " (expected " + shape_str(m.expected) + ", file has " + shape_str(m.in_file) +
             ")";
    }));
  }
  return lines;
}

}  // namespace

std::string LoadReport::str() const {
  std::ostringstream os;
  os << "loaded " << loaded.size() << " of " << loaded.size() + missing.size() + mismatched.size()
     << " tensors";
  for (const std::string& line : problem_lines(*this)) os << "\n  " << line;
  return os.str();
}

LoadReport load_weights(const TensorMap& target, const std::string& path, bool allow_partial,
                        const std::string& group) {
  const std::string prefix = group.empty() ? "" : group + "/";
  std::unordered_map<std::string, Shape> in_file;  // key relative to group -> shape
  std::vector<std::string> file_order;
  for (const TensorInfo& info : list_tensors(path)) {
    if (info.key.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string key = info.key.substr(prefix.size());
    in_file[key] = info.shape;
    file_order.push_back(key);
  }
  DC_CHECK(group.empty() || !file_order.empty(), "load_weights: '", path,
           "': no datasets in group '", group, "'");

  LoadReport report;
  std::unordered_set<std::string> wanted;
  for (const auto& [key, t] : target) {
    DC_CHECK(t.defined(), "load_weights: target tensor '", key, "' is undefined");
    DC_CHECK(wanted.insert(key).second, "load_weights: duplicate target key '", key, "'");
    const auto it = in_file.find(key);
    if (it == in_file.end()) {
      report.missing.push_back(key);
    } else if (it->second != t.sizes()) {
      report.mismatched.push_back({key, t.sizes(), it->second});
    } else {
      report.loaded.push_back(key);
    }
  }
  for (const std::string& key : file_order) {
    if (!wanted.count(key)) report.unexpected.push_back(key);
  }

  const std::vector<std::string> problems = problem_lines(report);
  if (!problems.empty()) {
    if (!allow_partial) {
      std::ostringstream os;
      os << "load_weights: '" << path << "'" << (group.empty() ? "" : " group '" + group + "'")
         << " does not match the target (pass allow_partial to load the matching keys only):";
      for (const std::string& line : problems) os << "\n  " << line;
      DC_FAIL(os.str());
    }
    report.warnings = problems;
  }

  std::vector<std::string> keys;
  for (const std::string& key : report.loaded) keys.push_back(prefix + key);
  const TensorMap values = read_tensors(path, keys);
  std::unordered_map<std::string, const Tensor*> dst;
  for (const auto& [key, t] : target) dst[key] = &t;
  for (size_t i = 0; i < values.size(); ++i) copy_into(*dst.at(report.loaded[i]), values[i].second);
  return report;
}

}  // namespace dc
