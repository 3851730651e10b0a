#include "nets/registry.h"

#include <algorithm>
#include <map>

#include "core/error.h"

namespace dc {
namespace {

std::map<std::string, ModelFactory>& models() {
  static auto* m = new std::map<std::string, ModelFactory>();
  return *m;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
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
    std::string list, closest;
    size_t best = static_cast<size_t>(-1);
    for (const auto& [n, f] : models()) {
      list += (list.empty() ? "" : ", ") + n;
      const size_t d = edit_distance(name, n);
      if (d < best) best = d, closest = n;
    }
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
