#include "train/config/config.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace dc {
namespace {

// The keys as a tree (sections in order of first appearance), for nested YAML output.
struct YamlTree {
  std::string name;
  const ConfigKey* key = nullptr;
  size_t index = 0;
  std::vector<YamlTree> children;
};

void insert(YamlTree& root, const ConfigKey& key, size_t index) {
  YamlTree* node = &root;
  size_t start = 0;
  while (true) {
    const size_t dot = key.path.find('.', start);
    const std::string part = key.path.substr(start, dot - start);
    YamlTree* child = nullptr;
    for (YamlTree& c : node->children) {
      if (c.name == part) child = &c;
    }
    if (child == nullptr) {
      node->children.emplace_back();
      node->children.back().name = part;
      child = &node->children.back();
    }
    node = child;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  node->key = &key;
  node->index = index;
}

void emit(const YamlTree& node, const std::vector<ConfigValue>& values, int indent,
          std::ostringstream& os) {
  for (const YamlTree& c : node.children) {
    os << std::string(indent, ' ') << c.name << ":";
    if (c.key != nullptr) {
      os << " " << to_yaml_text(values[c.index]);
      if (!c.key->help.empty()) os << "  # " << c.key->help;
      os << "\n";
    } else {
      os << "\n";
      emit(c, values, indent + 2, os);
    }
  }
}

}  // namespace

Config::Config(std::shared_ptr<const ConfigSchema> schema) : schema_(std::move(schema)) {
  DC_CHECK(schema_ != nullptr, "Config: null schema");
  for (const ConfigKey& k : schema_->keys()) values_.push_back(k.default_value);
}

size_t Config::index_of(const std::string& key) const {
  const auto& keys = schema_->keys();
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].path == key) return i;
  }
  const std::string near = schema_->closest(key);
  throw ConfigError("config: no key '" + key + "'" +
                    (near.empty() ? std::string() : " (did you mean " + near + "?)"));
}

const ConfigValue& Config::typed_value(const std::string& key, ConfigType want) const {
  const size_t i = index_of(key);
  const ConfigType have = schema_->keys()[i].type;
  if (want != have) {
    throw ConfigError("config: key '" + key + "' is " + config_type_name(have) + ", asked for " +
                      config_type_name(want));
  }
  return values_[i];
}

const ConfigValue& Config::value(const std::string& key) const { return values_[index_of(key)]; }

void Config::set(const std::string& key, ConfigValue value) {
  const size_t i = index_of(key);
  const ConfigKey& k = schema_->keys()[i];
  if (k.type == ConfigType::kDouble && type_of(value) == ConfigType::kInt) {
    value = static_cast<double>(std::get<int64_t>(value));
  } else if (k.type == ConfigType::kDoubles && type_of(value) == ConfigType::kInts) {
    const auto& ints = std::get<std::vector<int64_t>>(value);
    value = std::vector<double>(ints.begin(), ints.end());
  }
  if (type_of(value) != k.type) {
    throw ConfigError("config: key '" + key + "' is " + config_type_name(k.type) + ", set to " +
                      config_type_name(type_of(value)) + " " + to_yaml_text(value));
  }
  const std::string why = k.violation(value);
  if (!why.empty()) throw ConfigError("config: key '" + key + "': " + why);
  values_[i] = std::move(value);
}

std::string Config::to_yaml() const {
  YamlTree root;
  const auto& keys = schema_->keys();
  for (size_t i = 0; i < keys.size(); ++i) insert(root, keys[i], i);
  std::ostringstream os;
  os << "# densecorr resolved config: every key, defaults included.\n";
  emit(root, values_, 0, os);
  return os.str();
}

void Config::save(const std::string& path) const {
  namespace fs = std::filesystem;
  const fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  if (ec) {
    throw ConfigError("config: cannot create folder '" + target.parent_path().string() + "' for '" +
                      path + "': " + ec.message());
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw ConfigError("config: cannot write '" + tmp + "'");
    f << to_yaml();
    f.flush();
    if (!f) {
      std::remove(tmp.c_str());
      throw ConfigError("config: failed writing '" + tmp + "'");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw ConfigError("config: cannot rename '" + tmp + "' to '" + path + "'");
  }
}

bool Config::operator==(const Config& other) const {
  if (values_.size() != other.values_.size()) return false;
  for (size_t i = 0; i < values_.size(); ++i) {
    if (schema_->keys()[i].path != other.schema_->keys()[i].path) return false;
  }
  return values_ == other.values_;
}

}  // namespace dc
