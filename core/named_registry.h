// NamedRegistry: factories by name (models, tasks, datasets), with the error every registry
// gives for an unknown name: what kind of thing, the registered names and the closest one.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/closest_name.h"
#include "core/error.h"

namespace dc {

template <typename Factory>
class NamedRegistry {
 public:
  // kind: "model", "task", ... for messages.
  explicit NamedRegistry(std::string kind) : kind_(std::move(kind)) {}

  // A name registered twice, an empty name or an empty factory throws.
  void add(const std::string& name, Factory factory) {
    DC_CHECK(!name.empty() && factory, "register ", kind_, ": needs a name and a factory");
    DC_CHECK(factories_.count(name) == 0, "register ", kind_, ": \"", name,
             "\" is already registered");
    factories_.emplace(name, std::move(factory));
  }

  // The factory of `name`; `where` prefixes the error ("build_model", "config key task").
  const Factory& get(const std::string& name, const std::string& where) const {
    const auto it = factories_.find(name);
    if (it != factories_.end()) return it->second;
    std::string list;
    for (const auto& entry : factories_) list += (list.empty() ? "" : ", ") + entry.first;
    const std::string closest = closest_name(name, names());
    DC_FAIL(where, ": unknown ", kind_, " \"", name, "\"",
            closest.empty() ? "" : "; did you mean \"" + closest + "\"?", " Registered ", kind_,
            "s: ", list.empty() ? "none" : list);
  }

  // Sorted.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& entry : factories_) out.push_back(entry.first);
    return out;
  }

 private:
  std::string kind_;
  std::map<std::string, Factory> factories_;
};

}  // namespace dc
