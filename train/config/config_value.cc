#include "train/config/config_value.h"

#include "train/config/yaml_scalar.h"

namespace dc {
namespace {

std::string scalar_text(bool v) { return v ? "true" : "false"; }
std::string scalar_text(int64_t v) { return std::to_string(v); }
std::string scalar_text(double v) { return yaml_scalar::format_double(v); }
std::string scalar_text(const std::string& v) { return yaml_scalar::format_string(v); }

template <typename T>
std::string list_text(const std::vector<T>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ", ";
    out += scalar_text(static_cast<T>(v[i]));  // the cast unpacks vector<bool>'s proxy
  }
  return out + "]";
}

}  // namespace

const char* config_type_name(ConfigType t) {
  switch (t) {
    case ConfigType::kBool:
      return "bool";
    case ConfigType::kInt:
      return "int";
    case ConfigType::kDouble:
      return "double";
    case ConfigType::kString:
      return "string";
    case ConfigType::kBools:
      return "list of bool";
    case ConfigType::kInts:
      return "list of int";
    case ConfigType::kDoubles:
      return "list of double";
    case ConfigType::kStrings:
      return "list of string";
  }
  return "?";
}

bool is_list(ConfigType t) { return static_cast<int>(t) >= static_cast<int>(ConfigType::kBools); }

ConfigType element_type(ConfigType t) {
  return is_list(t) ? static_cast<ConfigType>(static_cast<int>(t) - 4) : t;
}

ConfigType type_of(const ConfigValue& v) { return static_cast<ConfigType>(v.index()); }

std::string to_yaml_text(const ConfigValue& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, int64_t> ||
                      std::is_same_v<T, double> || std::is_same_v<T, std::string>) {
          return scalar_text(x);
        } else {
          return list_text(x);
        }
      },
      v);
}

}  // namespace dc
