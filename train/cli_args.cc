#include "train/cli_args.h"

#include <cerrno>
#include <cstdlib>
#include <sstream>

namespace dc {
namespace cli {

std::string ParsedArgs::get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

int64_t ParsedArgs::get_int(const std::string& name, int64_t fallback, int64_t min,
                            int64_t max) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  const std::string& s = it->second;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno == ERANGE) {
    throw UsageError("--" + name + " expects an integer, got '" + s + "'");
  }
  if (v < min || v > max) {
    throw UsageError("--" + name + " must be in [" + std::to_string(min) + ", " +
                     std::to_string(max) + "], got " + s);
  }
  return v;
}

ParsedArgs parse_args(const std::string& command, const std::vector<std::string>& args,
                      const std::vector<FlagSpec>& flags, size_t max_positional) {
  ParsedArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.size() < 2 || a.compare(0, 2, "--") != 0) {
      if (out.positional_.size() >= max_positional) {
        throw UsageError("unexpected argument '" + a + "' for '" + command +
                         "' (see densecorr --help)");
      }
      out.positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    std::string value;
    bool inline_value = false;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& f : flags) {
      if (f.name == name) spec = &f;
    }
    if (spec == nullptr) {
      throw UsageError("unknown flag '--" + name + "' for '" + command +
                       "' (see densecorr --help)");
    }
    if (spec->takes_value && !inline_value) {
      if (i + 1 >= args.size()) throw UsageError("--" + name + " needs a value");
      value = args[++i];
    } else if (!spec->takes_value && inline_value) {
      throw UsageError("--" + name + " takes no value");
    }
    if (out.values_.count(name)) throw UsageError("--" + name + " given twice");
    out.values_[name] = value;
  }
  return out;
}

std::string describe_flags(const std::vector<FlagSpec>& flags) {
  std::ostringstream os;
  for (const FlagSpec& f : flags) {
    std::string left = "  --" + f.name + (f.takes_value ? " VALUE" : "");
    if (left.size() < 22) left.resize(22, ' ');
    os << left << " " << f.help << "\n";
  }
  return os.str();
}

}  // namespace cli
}  // namespace dc
