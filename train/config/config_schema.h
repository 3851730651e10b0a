// The schema of a densecorr config: every key, as a dotted path ("solver.base_lr"), with its type,
// its default, an optional constraint and a one-line meaning. Components register their own keys
// with an `add_*_keys(ConfigSchema&)` function (see known_keys.h); a config can hold only keys of
// its schema, with values of the declared type.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "train/config/config_value.h"

namespace dc {

// Whether one scalar value (a list key's validator sees each element) is acceptable.
using ConfigValidator = std::function<bool(const ConfigValue& element)>;

// What a key accepts beyond its type. `text` reads after "expected": "one of sgd|adam|adamw",
// "a value >= 1".
struct ConfigConstraint {
  std::string text;
  ConfigValidator validate;          // empty: any value of the type
  std::vector<std::string> choices;  // set for choice-valued strings
};

struct ConfigKey {
  std::string path;  // "solver.base_lr"
  ConfigType type;
  ConfigValue default_value;
  std::string help;
  ConfigConstraint constraint;

  // "" when `value` (of this key's type) satisfies the constraint, otherwise why not:
  // "expected one of sgd|adam|adamw, got 'sgdd'" (for lists: "element 2: expected ...").
  std::string violation(const ConfigValue& value) const;
};

// The constraints in use; numeric ones work for int and double keys (and lists of them).
ConfigConstraint one_of(std::vector<std::string> choices);
ConfigConstraint at_least(double min);
ConfigConstraint in_range(double min, double max);  // inclusive

class ConfigSchema {
 public:
  // Registers a key. Throws ConfigError when the path is malformed (empty segments), already
  // registered, would nest under another key ("a.b" when "a" is a key, or the reverse), or when the
  // default violates the constraint.
  void add(const std::string& path, ConfigValue default_value, const std::string& help,
           ConfigConstraint constraint = {});
  // Typed shorthands, so that `add_double("solver.base_lr", 1, ...)` cannot register an int key.
  void add_bool(const std::string& path, bool v, const std::string& help);
  void add_int(const std::string& path, int64_t v, const std::string& help,
               ConfigConstraint c = {});
  void add_double(const std::string& path, double v, const std::string& help,
                  ConfigConstraint c = {});
  void add_string(const std::string& path, const std::string& v, const std::string& help,
                  ConfigConstraint c = {});
  void add_bools(const std::string& path, std::vector<bool> v, const std::string& help);
  void add_ints(const std::string& path, std::vector<int64_t> v, const std::string& help,
                ConfigConstraint c = {});
  void add_doubles(const std::string& path, std::vector<double> v, const std::string& help,
                   ConfigConstraint c = {});
  void add_strings(const std::string& path, std::vector<std::string> v, const std::string& help,
                   ConfigConstraint c = {});

  // The key at `path`, or nullptr.
  const ConfigKey* find(const std::string& path) const;
  // Whether `path` is a section: a proper prefix of some key ("solver", "data.train").
  bool is_section(const std::string& path) const;
  // Keys in registration order.
  const std::vector<ConfigKey>& keys() const { return keys_; }

  // The key or section closest to `path` by edit distance (ignoring case, so that Detectron2-style
  // "SOLVER.BASE_LR" finds "solver.base_lr"), for "did you mean ...?" messages. "" when empty.
  std::string closest(const std::string& path) const;

 private:
  std::vector<ConfigKey> keys_;
};

}  // namespace dc
