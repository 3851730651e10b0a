#include "nets/registry.h"

#include <map>

#include "core/closest_name.h"
#include "core/error.h"

namespace dc {
namespace {

std::map<std::string, ModelFactory>& models() {
  static auto* m = new std::map<std::string, ModelFactory>();
  return *m;
}

}  // namespace

void register_model(const std::string& name, ModelFactory factory) {
  DC_CHECK(!name.empty() && factory, "register_model: needs a name and a factory");
  DC_CHECK(models().count(name) == 0, "register_model: \"", name, "\" is already registered");
  models()[name] = std::move(factory);
}

std::vector<std::string> registered_models() {
  std::vector<std::string> names;
  for (const auto& [name, f] : models()) names.push_back(name);
  return names;
}

ModulePtr build_model(const std::string& name, const ModelOptions& options) {
  auto it = models().find(name);
  if (it == models().end()) {
    const std::vector<std::string> names = registered_models();
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    const std::string closest = closest_name(name, names);
    DC_FAIL("build_model: unknown model \"", name, "\"",
            closest.empty() ? "" : "; did you mean \"" + closest + "\"?",
            " Registered models: ", list);
  }
  Generator gen(options.seed);
  ModulePtr m = it->second(options, gen);
  DC_CHECK(m != nullptr, "build_model: the factory of \"", name, "\" returned no model");
  return m;
}

}  // namespace dc
