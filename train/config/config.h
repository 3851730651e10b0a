// A resolved densecorr config: one typed value for every key of a schema (see config_schema.h and,
// for the keys themselves, known_keys.h and docs/CONFIG.md).
//
//   Config cfg = load_config("configs/densereg/face.yaml", {"solver.base_lr=0.01"});
//   const int64_t iters = cfg.get_int("solver.max_iter");
//   cfg.save(out + "/config.yaml");  // every key, defaults included; loads back identically
//
// Resolution order, lowest first: the schema's defaults, the `_BASE_` files (in order, each
// resolved the same way), the file itself, then the command-line overrides. Lists are replaced,
// never appended. Every mistake throws ConfigError naming the file (and line), the full key path
// and, for unknown keys, the closest valid one.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "train/config/config_schema.h"
#include "train/config/config_value.h"
#include "train/config/known_keys.h"

namespace dc {

class Config {
 public:
  // Every key at its default.
  explicit Config(std::shared_ptr<const ConfigSchema> schema = default_schema());

  const ConfigSchema& schema() const { return *schema_; }

  // Typed access. T is bool, int64_t, double, std::string or a std::vector of one of them. A key
  // that is not in the schema, or whose type is not T, throws ConfigError naming the key (and the
  // closest key, or its real type).
  template <typename T>
  T get(const std::string& key) const {
    return std::get<T>(typed_value(key, config_type_of<T>()));
  }
  bool get_bool(const std::string& key) const { return get<bool>(key); }
  int64_t get_int(const std::string& key) const { return get<int64_t>(key); }
  double get_double(const std::string& key) const { return get<double>(key); }
  std::string get_string(const std::string& key) const { return get<std::string>(key); }
  std::vector<bool> get_bools(const std::string& key) const { return get<std::vector<bool>>(key); }
  std::vector<int64_t> get_ints(const std::string& key) const {
    return get<std::vector<int64_t>>(key);
  }
  std::vector<double> get_doubles(const std::string& key) const {
    return get<std::vector<double>>(key);
  }
  std::vector<std::string> get_strings(const std::string& key) const {
    return get<std::vector<std::string>>(key);
  }
  const ConfigValue& value(const std::string& key) const;

  // Sets a key from code. The value must have the key's type (an int where a double is expected,
  // or a list of ints for a list of doubles, is converted) and satisfy its constraint.
  void set(const std::string& key, ConfigValue value);
  // A string literal is a string (ConfigValue alone would take it as a bool).
  void set(const std::string& key, const char* value) { set(key, std::string(value)); }

  // Every key as nested YAML mappings, in registration order, each with its meaning as a comment.
  std::string to_yaml() const;
  // Writes to_yaml() to `path` through a temporary file renamed into place, so a reader never sees
  // half a file; creates missing parent folders.
  void save(const std::string& path) const;

  // Same schema keys and exactly equal values.
  bool operator==(const Config& other) const;
  bool operator!=(const Config& other) const { return !(*this == other); }

 private:
  size_t index_of(const std::string& key) const;  // throws for keys not in the schema
  // The value of `key`, checked to be of type `want`.
  const ConfigValue& typed_value(const std::string& key, ConfigType want) const;

  std::shared_ptr<const ConfigSchema> schema_;
  std::vector<ConfigValue> values_;  // parallel to schema_->keys()
};

// Resolves `path` (with its `_BASE_` files) and then `overrides` ("solver.steps=[100,200]": the
// value is parsed as YAML) over the defaults of `schema`.
Config load_config(const std::string& path, const std::vector<std::string>& overrides = {},
                   std::shared_ptr<const ConfigSchema> schema = default_schema());

// Applies command-line overrides "key=value" to `cfg`, in order. `key` is a full key path, or a
// section with a YAML mapping as value ("solver={base_lr: 0.1, max_iter: 10}").
void apply_overrides(Config& cfg, const std::vector<std::string>& overrides);

}  // namespace dc
