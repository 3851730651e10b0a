#include "train/config/config_schema.h"

#include <algorithm>

#include "core/closest_name.h"
#include "train/config/yaml_scalar.h"

namespace dc {
namespace {

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

std::string element_text(const ConfigValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return "'" + *s + "'";
  return to_yaml_text(v);
}

// The numeric value of an int or double element; false for other types.
bool numeric(const ConfigValue& v, double* out) {
  if (const auto* i = std::get_if<int64_t>(&v)) {
    *out = static_cast<double>(*i);
    return true;
  }
  if (const auto* d = std::get_if<double>(&v)) {
    *out = *d;
    return true;
  }
  return false;
}

std::string number_text(double v) {
  std::string s = yaml_scalar::format_double(v);
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  return s;
}

void check_path(const std::string& path) {
  if (path.empty() || path.front() == '.' || path.back() == '.' ||
      path.find("..") != std::string::npos) {
    throw ConfigError("config schema: key '" + path + "' has an empty part");
  }
  for (const char c : path) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.') {
      throw ConfigError("config schema: key '" + path +
                        "' may hold only letters, digits and '_' between its dots");
    }
  }
  if (path == "_BASE_" || starts_with(path, "_BASE_.")) {
    throw ConfigError("config schema: '_BASE_' is reserved for base files");
  }
}

}  // namespace

std::string ConfigKey::violation(const ConfigValue& value) const {
  if (!constraint.validate) return "";
  auto check = [&](const ConfigValue& element, const std::string& where) -> std::string {
    if (constraint.validate(element)) return "";
    return where + "expected " + constraint.text + ", got " + element_text(element);
  };
  return std::visit(
      [&](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, int64_t> ||
                      std::is_same_v<T, double> || std::is_same_v<T, std::string>) {
          return check(x, "");
        } else {
          for (size_t i = 0; i < x.size(); ++i) {
            using E = typename T::value_type;
            std::string why =
                check(ConfigValue(static_cast<E>(x[i])), "element " + std::to_string(i) + ": ");
            if (!why.empty()) return why;
          }
          return "";
        }
      },
      value);
}

ConfigConstraint one_of(std::vector<std::string> choices) {
  std::string text = "one of ";
  for (size_t i = 0; i < choices.size(); ++i) text += (i ? "|" : "") + choices[i];
  ConfigConstraint c;
  c.text = text;
  c.choices = choices;
  c.validate = [choices](const ConfigValue& v) {
    const auto* s = std::get_if<std::string>(&v);
    return s != nullptr && std::find(choices.begin(), choices.end(), *s) != choices.end();
  };
  return c;
}

ConfigConstraint at_least(double min) {
  ConfigConstraint c;
  c.text = "a value >= " + number_text(min);
  c.validate = [min](const ConfigValue& v) {
    double x;
    return numeric(v, &x) && x >= min;  // false for NaN too
  };
  return c;
}

ConfigConstraint in_range(double min, double max) {
  ConfigConstraint c;
  c.text = "a value in [" + number_text(min) + ", " + number_text(max) + "]";
  c.validate = [min, max](const ConfigValue& v) {
    double x;
    return numeric(v, &x) && x >= min && x <= max;
  };
  return c;
}

void ConfigSchema::add(const std::string& path, ConfigValue default_value, const std::string& help,
                       ConfigConstraint constraint) {
  check_path(path);
  for (const ConfigKey& k : keys_) {
    if (k.path == path) throw ConfigError("config schema: key '" + path + "' registered twice");
    if (starts_with(k.path, path + ".") || starts_with(path, k.path + ".")) {
      throw ConfigError("config schema: key '" + path + "' and key '" + k.path +
                        "' would nest one inside the other");
    }
  }
  ConfigKey key{path, type_of(default_value), std::move(default_value), help,
                std::move(constraint)};
  const std::string why = key.violation(key.default_value);
  if (!why.empty()) throw ConfigError("config schema: default of '" + path + "': " + why);
  keys_.push_back(std::move(key));
}

void ConfigSchema::add_bool(const std::string& path, bool v, const std::string& help) {
  add(path, v, help);
}
void ConfigSchema::add_int(const std::string& path, int64_t v, const std::string& help,
                           ConfigConstraint c) {
  add(path, v, help, std::move(c));
}
void ConfigSchema::add_double(const std::string& path, double v, const std::string& help,
                              ConfigConstraint c) {
  add(path, v, help, std::move(c));
}
void ConfigSchema::add_string(const std::string& path, const std::string& v,
                              const std::string& help, ConfigConstraint c) {
  add(path, v, help, std::move(c));
}
void ConfigSchema::add_bools(const std::string& path, std::vector<bool> v,
                             const std::string& help) {
  add(path, std::move(v), help);
}
void ConfigSchema::add_ints(const std::string& path, std::vector<int64_t> v,
                            const std::string& help, ConfigConstraint c) {
  add(path, std::move(v), help, std::move(c));
}
void ConfigSchema::add_doubles(const std::string& path, std::vector<double> v,
                               const std::string& help, ConfigConstraint c) {
  add(path, std::move(v), help, std::move(c));
}
void ConfigSchema::add_strings(const std::string& path, std::vector<std::string> v,
                               const std::string& help, ConfigConstraint c) {
  add(path, std::move(v), help, std::move(c));
}

const ConfigKey* ConfigSchema::find(const std::string& path) const {
  for (const ConfigKey& k : keys_) {
    if (k.path == path) return &k;
  }
  return nullptr;
}

bool ConfigSchema::is_section(const std::string& path) const {
  for (const ConfigKey& k : keys_) {
    if (starts_with(k.path, path + ".")) return true;
  }
  return false;
}

std::string ConfigSchema::closest(const std::string& path) const {
  std::vector<std::string> candidates;
  for (const ConfigKey& k : keys_) {
    candidates.push_back(k.path);
    for (size_t dot = k.path.find('.'); dot != std::string::npos; dot = k.path.find('.', dot + 1)) {
      candidates.push_back(k.path.substr(0, dot));  // sections, so that "slover" finds "solver"
    }
  }
  return closest_name(path, candidates);
}

}  // namespace dc
