#include "train/train_command.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/thread_pool.h"
#include "train/checkpoint.h"
#include "train/cli_args.h"
#include "train/config/config.h"
#include "train/run_device.h"
#include "train/trainer.h"

namespace dc {
namespace cli {
namespace {

// parse_args knows only "--long" flags; -c is the short form every densecorr user types.
ParsedArgs parse_with_config(const std::string& command, const std::vector<std::string>& args,
                             const std::vector<FlagSpec>& flags) {
  std::vector<std::string> long_form;
  for (const std::string& a : args) long_form.push_back(a == "-c" ? "--config" : a);
  const ParsedArgs parsed = parse_args(command, long_form, flags, SIZE_MAX);
  if (!parsed.has("config")) {
    throw UsageError(command + ": missing -c CONFIG (see densecorr " + command + " --help)");
  }
  return parsed;
}

void write_json_atomically(const std::string& path, const nlohmann::ordered_json& value) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << value.dump(2) << "\n";
    out.flush();
    DC_CHECK(out.good(), "eval: cannot write '", tmp, "'");
  }
  DC_CHECK(std::rename(tmp.c_str(), path.c_str()) == 0, "eval: cannot rename '", tmp, "' to '",
           path, "'");
}

}  // namespace

int train_command(const std::vector<std::string>& args) {
  static const std::vector<FlagSpec> flags = {
      {"config", true, "YAML config file (-c)"},
      {"resume", false, "continue the run in `out` from its latest checkpoint"}};
  const ParsedArgs parsed = parse_with_config("train", args, flags);
  const Config cfg = load_config(parsed.get("config", ""), parsed.positional());
  Trainer trainer(cfg, std::cerr, ::isatty(STDERR_FILENO) != 0);
  const TrainResult result = trainer.train(parsed.has("resume"));
  if (result.interrupted) return 130;  // as a shell reports a process ended by SIGINT
  std::cout << "train: " << result.iterations_done << " iterations";
  if (result.skipped > 0) std::cout << " (" << result.skipped << " skipped: non-finite loss)";
  if (result.overflow_skips > 0) {
    std::cout << " (" << result.overflow_skips
              << " skipped by dynamic loss scaling: gradient overflow)";
  }
  const std::string main_metric = trainer.task().main_metric();
  if (result.metrics.count(main_metric)) {
    std::cout << ", " << main_metric << " " << result.metrics.at(main_metric);
  }
  std::cout << "; run folder " << trainer.run_dir() << "\n";
  return 0;
}

int eval_command(const std::vector<std::string>& args) {
  static const std::vector<FlagSpec> flags = {
      {"config", true, "YAML config file (-c)"},
      {"weights", true,
       "weights or checkpoint to evaluate (default: model.weights, else the "
       "latest checkpoint of `out`)"}};
  const ParsedArgs parsed = parse_with_config("eval", args, flags);
  const Config cfg = load_config(parsed.get("config", ""), parsed.positional());
  if (cfg.get_int("threads") > 0) set_num_threads(static_cast<int>(cfg.get_int("threads")));
  std::string weights = parsed.get("weights", cfg.get_string("model.weights"));
  const std::string run_dir = cfg.get_string("out");
  if (weights.empty()) weights = latest_checkpoint(run_dir).value_or("");
  DC_CHECK(!weights.empty(),
           "eval: nothing to evaluate: pass --weights W.h5, set model.weights, "
           "or point out= at a run folder with a checkpoint (",
           run_dir, " has none)");
  // The device key is checked before any communicator starts (as train does).
  const std::string device_value = cfg.get_string("device");
  check_device_usable(device_value);
  // Under mpirun the ranks split the test set (evaluate_sharded_on); one process is a world of one.
  const std::shared_ptr<Communicator> comm = make_communicator(comm_options_of(cfg));
  const bool main_rank = comm->rank() == 0;
  const Device device = resolve_device(device_value, comm->rank());
  use_device(device);
  std::unique_ptr<Task> task = build_task(cfg);
  // Every rank loads the same file, so every rank holds the same model. The weights are copied
  // onto the model's device; the task's evaluation moves each batch there and reads its
  // predictions back on the host.
  task->model().to(device);
  load_model_weights(task->model(), weights, cfg.get_bool("model.allow_partial_weights"),
                     std::cerr);
  if (main_rank && comm->world_size() > 1) {
    std::cerr << "eval: " << comm->world_size() << " ranks (" << comm->backend_name()
              << "), each evaluating its shard of " << cfg.get_string("data.test.name") << "\n";
  }
  const std::map<std::string, double> metrics =
      evaluate_sharded_on(*task, build_dataset(cfg, "test"), cfg, *comm, std::cerr);
  // Only rank 0 writes eval.json and prints: the other ranks hold the same metrics.
  if (!main_rank) return 0;
  nlohmann::ordered_json record;
  record["weights"] = weights;
  record["dataset"] = cfg.get_string("data.test.name");
  for (const auto& [key, value] : metrics) record["metrics"][key] = value;
  std::filesystem::create_directories(run_dir);
  write_json_atomically(run_dir + "/eval.json", record);
  std::cout << "eval: " << weights << " on " << cfg.get_string("data.test.name") << ":";
  for (const auto& [key, value] : metrics) std::cout << " " << key << " " << value;
  std::cout << "\n";
  for (const std::string& path : task->write_pictures(run_dir)) {
    std::cout << "eval: wrote " << path << "\n";
  }
  return 0;
}

}  // namespace cli
}  // namespace dc
