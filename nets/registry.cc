#include "nets/registry.h"

#include "core/error.h"
#include "core/named_registry.h"

namespace dc {
namespace {

NamedRegistry<ModelFactory>& models() {
  static auto* registry = new NamedRegistry<ModelFactory>("model");
  return *registry;
}

}  // namespace

void register_model(const std::string& name, ModelFactory factory) {
  models().add(name, std::move(factory));
}

std::vector<std::string> registered_models() { return models().names(); }

ModulePtr build_model(const std::string& name, const ModelOptions& options) {
  const ModelFactory& factory = models().get(name, "build_model");
  Generator gen(options.seed);
  ModulePtr m = factory(options, gen);
  DC_CHECK(m != nullptr, "build_model: the factory of \"", name, "\" returned no model");
  return m;
}

}  // namespace dc
