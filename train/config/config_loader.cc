// load_config and apply_overrides: YAML files with _BASE_ inheritance and key=value overrides,
// converted strictly to the schema's types.
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "train/config/config.h"
#include "train/config/yaml_scalar.h"

namespace dc {
namespace {

namespace fs = std::filesystem;

// Where values come from, for messages: "configs/a.yaml:12" or "override 'solver.base_lr=x'".
struct Source {
  std::string name;
  bool has_lines;
  std::string at(const YAML::Mark& mark) const {
    if (!has_lines || mark.line < 0) return name;
    return name + ":" + std::to_string(mark.line + 1);
  }
};

const char* const kStrTag = "tag:yaml.org,2002:str";

// The scalar's resolved kind: quoted or !!str-tagged scalars are strings whatever they contain.
yaml_scalar::Kind kind_of(const YAML::Node& node) {
  if (node.Tag() == "!" || node.Tag() == kStrTag) return yaml_scalar::Kind::kString;
  return yaml_scalar::classify(node.Scalar());
}

// "a mapping", "a list", "null", "int 5", "string 'abc'".
std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar: {
      const yaml_scalar::Kind k = kind_of(node);
      if (k == yaml_scalar::Kind::kString) return "string '" + node.Scalar() + "'";
      if (k == yaml_scalar::Kind::kNull) return "null";
      return std::string(yaml_scalar::kind_name(k)) + " " + node.Scalar();
    }
    default:
      return "null";
  }
}

// The first key registered under section `path`, to show what the section holds.
std::string first_key_in(const ConfigSchema& schema, const std::string& path) {
  for (const ConfigKey& k : schema.keys()) {
    if (k.path.compare(0, path.size() + 1, path + ".") == 0) return k.path;
  }
  return path;
}

template <typename T>
ConfigValue list_of(const std::vector<ConfigValue>& elements) {
  std::vector<T> out;
  for (const ConfigValue& e : elements) out.push_back(std::get<T>(e));
  return out;
}

class Loader {
 public:
  explicit Loader(Config& cfg) : cfg_(cfg) {}

  // Resolves `file` and its bases into cfg_. `display` is the path as the user sees it,
  // `included_from` "" for the top file or "a.yaml:1" for a base.
  void load_file(const fs::path& display, const std::string& included_from) {
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(display, ec);
    const std::string key = ec ? display.lexically_normal().string() : canonical.string();
    for (size_t i = 0; i < chain_keys_.size(); ++i) {
      if (chain_keys_[i] != key) continue;
      std::string msg = "config: _BASE_ cycle: ";
      for (size_t j = i; j < chain_.size(); ++j) msg += chain_[j] + " -> ";
      throw ConfigError(msg + display.string());
    }
    const std::string name = display.string();
    const std::string from = included_from.empty() ? "" : " (_BASE_ of " + included_from + ")";
    if (!fs::exists(display, ec)) throw ConfigError("config: file '" + name + "' not found" + from);
    if (!fs::is_regular_file(display, ec)) {
      throw ConfigError("config: '" + name + "' is not a file" + from);
    }
    std::ifstream f(display, std::ios::binary);
    std::stringstream text;
    text << f.rdbuf();
    if (!f) throw ConfigError("config: cannot read '" + name + "'" + from);

    YAML::Node root;
    try {
      root = YAML::Load(text.str());
    } catch (const YAML::Exception& e) {
      throw ConfigError(Source{name, true}.at(e.mark) + ": malformed YAML: " + e.msg);
    }
    const Source src{name, true};
    if (root.IsNull()) return;  // an empty file (or only comments) changes nothing
    if (!root.IsMap()) {
      throw ConfigError(src.at(root.Mark()) + ": expected a mapping of config keys at the top " +
                        "level, found " + describe(root));
    }

    chain_.push_back(name);
    chain_keys_.push_back(key);
    std::map<std::string, int> seen;
    for (const auto& entry : root) {
      if (!entry.first.IsScalar() || entry.first.Scalar() != "_BASE_") continue;
      check_duplicate("_BASE_", entry.first.Mark(), src, seen);
      for (const std::string& base : base_paths(entry.second, entry.first.Mark(), src)) {
        const fs::path base_path(base);
        const fs::path resolved = base_path.is_absolute()
                                      ? base_path.lexically_normal()
                                      : (display.parent_path() / base_path).lexically_normal();
        load_file(resolved, src.at(entry.first.Mark()));
      }
    }
    chain_.pop_back();
    chain_keys_.pop_back();
    assign_mapping(root, "", src, seen, /*top_level_file=*/true);
  }

  // "key=value", value parsed as YAML.
  void apply_override(const std::string& text) {
    const size_t eq = text.find('=');
    if (eq == std::string::npos) {
      throw ConfigError("config: override '" + text + "' is not key=value (e.g. " +
                        "solver.base_lr=0.01)");
    }
    const std::string path = text.substr(0, eq);
    const Source src{"override '" + text + "'", false};
    if (path.empty()) throw ConfigError(src.name + ": missing the key before '='");
    YAML::Node value;
    try {
      value = YAML::Load(text.substr(eq + 1));
    } catch (const YAML::Exception& e) {
      throw ConfigError(src.name + ": malformed YAML value: " + e.msg);
    }
    std::map<std::string, int> seen;
    assign(path, value, YAML::Mark::null_mark(), src, seen);
  }

 private:
  void check_duplicate(const std::string& path, const YAML::Mark& mark, const Source& src,
                       std::map<std::string, int>& seen) {
    const auto [it, fresh] = seen.emplace(path, mark.line + 1);
    if (!fresh) {
      throw ConfigError(src.at(mark) + ": key '" + path + "' given twice (first at line " +
                        std::to_string(it->second) + ")");
    }
  }

  std::vector<std::string> base_paths(const YAML::Node& node, const YAML::Mark& key_mark,
                                      const Source& src) {
    std::vector<std::string> out;
    auto one = [&](const YAML::Node& n) {
      if (!n.IsScalar() || n.Scalar().empty()) {
        throw ConfigError(src.at(n.IsNull() ? key_mark : n.Mark()) +
                          ": _BASE_: expected a path or a list of paths, found " + describe(n));
      }
      out.push_back(n.Scalar());
    };
    if (node.IsSequence()) {
      for (const auto& n : node) one(n);
    } else {
      one(node);
    }
    return out;
  }

  void assign_mapping(const YAML::Node& map, const std::string& prefix, const Source& src,
                      std::map<std::string, int>& seen, bool top_level_file) {
    for (const auto& entry : map) {
      const YAML::Node& k = entry.first;
      if (!k.IsScalar() || k.Scalar().empty()) {
        throw ConfigError(src.at(k.Mark()) + ": config keys must be names, found " + describe(k));
      }
      if (top_level_file && k.Scalar() == "_BASE_") continue;  // handled by load_file
      const std::string path = prefix.empty() ? k.Scalar() : prefix + "." + k.Scalar();
      assign(path, entry.second, k.Mark(), src, seen);
    }
  }

  // Assigns `node` to the key or section `path`; `mark` is where the key was written.
  void assign(const std::string& path, const YAML::Node& node, const YAML::Mark& mark,
              const Source& src, std::map<std::string, int>& seen) {
    const ConfigSchema& schema = cfg_.schema();
    if (const ConfigKey* key = schema.find(path)) {
      check_duplicate(path, mark, src, seen);
      ConfigValue value = convert(*key, node, mark, src);
      const std::string why = key->violation(value);
      if (!why.empty()) throw ConfigError(src.at(mark) + ": " + path + ": " + why);
      cfg_.set(path, std::move(value));
    } else if (schema.is_section(path)) {
      if (node.IsMap()) {
        check_duplicate(path, mark, src, seen);
        assign_mapping(node, path, src, seen, false);
      } else if (!node.IsNull()) {  // `solver:` with every key commented out is an empty section
        throw ConfigError(src.at(mark) + ": '" + path + "' is a section of keys (like " +
                          first_key_in(schema, path) + "), expected a mapping, found " +
                          describe(node));
      }
    } else {
      throw ConfigError(src.at(mark) + ": unknown key '" + path + "' (did you mean " +
                        schema.closest(path) + "?)");
    }
  }

  ConfigValue convert(const ConfigKey& key, const YAML::Node& node, const YAML::Mark& mark,
                      const Source& src) {
    if (!is_list(key.type)) return convert_scalar(key.type, key.path, node, mark, src);
    if (!node.IsSequence()) {
      throw ConfigError(src.at(mark) + ": " + key.path + ": expected " +
                        config_type_name(key.type) + " (like [1, 2]), found " + describe(node));
    }
    std::vector<ConfigValue> elements;
    for (size_t i = 0; i < node.size(); ++i) {
      elements.push_back(convert_scalar(element_type(key.type),
                                        key.path + "[" + std::to_string(i) + "]", node[i],
                                        node[i].IsNull() ? mark : node[i].Mark(), src));
    }
    switch (key.type) {
      case ConfigType::kBools:
        return list_of<bool>(elements);
      case ConfigType::kInts:
        return list_of<int64_t>(elements);
      case ConfigType::kDoubles:
        return list_of<double>(elements);
      default:
        return list_of<std::string>(elements);
    }
  }

  ConfigValue convert_scalar(ConfigType type, const std::string& path, const YAML::Node& node,
                             const YAML::Mark& mark, const Source& src) {
    using yaml_scalar::Kind;
    const YAML::Mark& at = node.IsNull() ? mark : node.Mark();
    auto wrong = [&](const std::string& hint) {
      return ConfigError(src.at(at) + ": " + path + ": expected " + config_type_name(type) +
                         ", found " + describe(node) + hint);
    };
    if (!node.IsScalar()) {
      const bool empty_string = type == ConfigType::kString && node.IsNull();
      throw wrong(empty_string ? " (write \"\" for an empty string)" : "");
    }
    const Kind kind = kind_of(node);
    const std::string& text = node.Scalar();
    switch (type) {
      case ConfigType::kBool:
        if (kind != Kind::kBool) throw wrong(" (write true or false)");
        return yaml_scalar::parse_bool(text);
      case ConfigType::kInt: {
        int64_t v;
        if (kind != Kind::kInt) throw wrong("");
        if (!yaml_scalar::parse_int(text, &v)) throw wrong(" (out of the int64 range)");
        return v;
      }
      case ConfigType::kDouble: {
        if (kind != Kind::kFloat && kind != Kind::kInt) throw wrong("");
        const double v = yaml_scalar::parse_float(text);
        if (std::isinf(v) && text.find_first_of("iI") == std::string::npos) {
          throw wrong(" (out of the double range)");  // 1e999; write .inf to mean infinity
        }
        return v;
      }
      default:
        if (kind != Kind::kString) throw wrong(" (quote it to use it as a string)");
        return text;
    }
  }

  Config& cfg_;
  std::vector<std::string> chain_;       // files being resolved, outermost first, as displayed
  std::vector<std::string> chain_keys_;  // the same, canonical, for cycle detection
};

}  // namespace

Config load_config(const std::string& path, const std::vector<std::string>& overrides,
                   std::shared_ptr<const ConfigSchema> schema) {
  Config cfg(std::move(schema));
  Loader(cfg).load_file(fs::path(path).lexically_normal(), "");
  apply_overrides(cfg, overrides);
  return cfg;
}

void apply_overrides(Config& cfg, const std::vector<std::string>& overrides) {
  Loader loader(cfg);
  for (const std::string& o : overrides) loader.apply_override(o);
}

}  // namespace dc
