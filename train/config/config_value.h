// The values a config key can hold: bool, int64, double, string and lists of each, and the error
// every config mistake raises.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/error.h"

namespace dc {

// A mistake in a config file, an override or a typed lookup. A dc::Error, so the command line
// prints it as one line and exits with status 2.
class ConfigError : public Error {
 public:
  explicit ConfigError(const std::string& what) : Error(what) {}
};

enum class ConfigType { kBool, kInt, kDouble, kString, kBools, kInts, kDoubles, kStrings };

// Held in the alternative matching its ConfigType (kInt -> int64_t, kDoubles -> vector<double>).
using ConfigValue =
    std::variant<bool, int64_t, double, std::string, std::vector<bool>, std::vector<int64_t>,
                 std::vector<double>, std::vector<std::string>>;

// The ConfigType whose values are held as T; fails to compile for any other T (int, float, ...).
template <typename T>
constexpr ConfigType config_type_of() {
  if constexpr (std::is_same_v<T, bool>)
    return ConfigType::kBool;
  else if constexpr (std::is_same_v<T, int64_t>)
    return ConfigType::kInt;
  else if constexpr (std::is_same_v<T, double>)
    return ConfigType::kDouble;
  else if constexpr (std::is_same_v<T, std::string>)
    return ConfigType::kString;
  else if constexpr (std::is_same_v<T, std::vector<bool>>)
    return ConfigType::kBools;
  else if constexpr (std::is_same_v<T, std::vector<int64_t>>)
    return ConfigType::kInts;
  else if constexpr (std::is_same_v<T, std::vector<double>>)
    return ConfigType::kDoubles;
  else if constexpr (std::is_same_v<T, std::vector<std::string>>)
    return ConfigType::kStrings;
  else
    static_assert(sizeof(T) == 0,
                  "config values are bool, int64_t, double, std::string or a "
                  "std::vector of one of them");
}

// "bool", "int", "double", "string", "list of int", ...
const char* config_type_name(ConfigType t);
bool is_list(ConfigType t);
// The element type of a list type (kInts -> kInt); a scalar type maps to itself.
ConfigType element_type(ConfigType t);
ConfigType type_of(const ConfigValue& v);

// The value as YAML text that reads back to exactly the same value: doubles in the shortest form
// that round-trips (always with a '.', 'e' or as .inf/.nan, so they never read back as ints),
// strings quoted whenever a plain scalar would read as something else, lists in flow style.
std::string to_yaml_text(const ConfigValue& v);

}  // namespace dc
