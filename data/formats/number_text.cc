#include "data/formats/number_text.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace dc {

std::string shortest_double(double value) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, r.ptr);
}

bool parse_double(const std::string& token, double* value) {
  if (token.empty()) return false;
  char* end = nullptr;
  const double v = std::strtod(token.c_str(), &end);
  if (end != token.c_str() + token.size() || !std::isfinite(v)) return false;
  *value = v;
  return true;
}

}  // namespace dc
