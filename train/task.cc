#include "train/task.h"

#include "core/error.h"
#include "core/named_registry.h"

namespace dc {
namespace {

NamedRegistry<TaskFactory>& tasks() {
  static auto* registry = new NamedRegistry<TaskFactory>("task");
  return *registry;
}

NamedRegistry<DatasetFactory>& datasets() {
  static auto* registry = new NamedRegistry<DatasetFactory>("dataset");
  return *registry;
}

}  // namespace

std::map<std::string, double> Task::evaluate_sums(DataLoader& loader) {
  DC_FAIL("task on '", loader.dataset().name(), "': evaluate_sums is not implemented (",
          "supports_evaluate_sums() is false)");
}

std::map<std::string, double> Task::evaluate_sums_empty() const {
  DC_FAIL("task: evaluate_sums_empty is not implemented (supports_evaluate_sums() is false)");
}

std::map<std::string, double> Task::metrics_from_sums(const std::map<std::string, double>&,
                                                      const std::string& dataset) const {
  DC_FAIL("task on '", dataset,
          "': metrics_from_sums is not implemented (supports_evaluate_sums() is false)");
}

void register_task(const std::string& name, TaskFactory factory) {
  tasks().add(name, std::move(factory));
}

void register_dataset(const std::string& name, DatasetFactory factory) {
  datasets().add(name, std::move(factory));
}

std::vector<std::string> registered_tasks() { return tasks().names(); }
std::vector<std::string> registered_datasets() { return datasets().names(); }

std::unique_ptr<Task> build_task(const Config& cfg) {
  const std::string name = cfg.get_string("task");
  DC_CHECK(!name.empty(), "config key task is not set; registered tasks: ", [] {
    std::string list;
    for (const std::string& n : registered_tasks()) list += (list.empty() ? "" : ", ") + n;
    return list;
  }());
  std::unique_ptr<Task> task = tasks().get(name, "config key task")(cfg);
  DC_CHECK(task != nullptr, "task \"", name, "\": its factory returned nothing");
  return task;
}

std::shared_ptr<const Dataset> build_dataset(const Config& cfg, const std::string& split) {
  DC_CHECK(split == "train" || split == "test", "build_dataset: split must be train or test, got '",
           split, "'");
  const std::string key = "data." + split + ".name";
  const std::string name = cfg.get_string(key);
  DC_CHECK(!name.empty(), "config key ", key, " is not set");
  std::shared_ptr<const Dataset> dataset = datasets().get(name, "config key " + key)(cfg, split);
  DC_CHECK(dataset != nullptr, "dataset \"", name, "\": its factory returned nothing");
  return dataset;
}

}  // namespace dc
