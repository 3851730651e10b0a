#include "core/closest_name.h"

#include <algorithm>
#include <cctype>

namespace dc {

size_t edit_distance_ignoring_case(const std::string& a, const std::string& b) {
  // One row of the dynamic-programming table at a time: row[j] is the distance between the first
  // i characters of a and the first j of b.
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string closest_name(const std::string& query, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = 0;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const size_t d = edit_distance_ignoring_case(query, candidates[i]);
    if (i == 0 || d < best_distance) {
      best = candidates[i];
      best_distance = d;
    }
  }
  return best;
}

}  // namespace dc
