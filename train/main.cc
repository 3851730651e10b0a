// densecorr: the command-line front end. Dispatches to one file per subcommand; turns user mistakes
// (UsageError, dc::Error) into one line on stderr and exit status 2, anything else into status 1.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "core/error.h"
#include "train/bench_command.h"
#include "train/cli_args.h"
#include "train/cnn_demo.h"
#include "train/config_command.h"
#include "train/forward_command.h"

namespace {

constexpr const char* kUsage =
    "usage: densecorr <command> [flags]\n"
    "\n"
    "commands:\n"
    "  bench ops [--threads N] [--json] [--filter SUBSTR] [--all]\n"
    "      time the registered op cases (median/min ms, GFLOP/s) and the measured FMA peak\n"
    "  bench train-step --model NAME [--size S] [--batch B] [--threads N] [--iters N]\n"
    "                   [--warmup N] [--per-op] [--json]\n"
    "      time whole SGD training steps (forward, loss, backward, update) of a model\n"
    "  config -c FILE [key=value ...]\n"
    "      print the resolved config (defaults, _BASE_ files, FILE, overrides) as YAML\n"
    "  forward -c FILE [--weights W.h5] --input IN.h5 --output OUT.h5 [key=value ...]\n"
    "      run model.name in eval mode on dataset 'input' of IN.h5; write its outputs to OUT.h5\n"
    "  train-cnn [--iters N] [--seed S] [--threads N]\n"
    "      train a small CNN on generated 16x16 shape images; fails if test accuracy <= 90%\n"
    "  --help\n"
    "      this message\n";

int dispatch(const std::vector<std::string>& args) {
  if (args.empty()) throw dc::cli::UsageError("missing command (see densecorr --help)");
  const std::string& cmd = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (cmd == "bench") return dc::bench::bench_command(rest);
  if (cmd == "config") return dc::cli::config_command(rest);
  if (cmd == "forward") return dc::cli::forward_command(rest);
  if (cmd == "train-cnn") return dc::demo::cnn_demo_command(rest);
  throw dc::cli::UsageError("unknown command '" + cmd + "' (see densecorr --help)");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return dispatch(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const dc::cli::UsageError& e) {
    std::cerr << "densecorr: " << e.what() << "\n";
    return 2;
  } catch (const dc::Error& e) {
    std::cerr << "densecorr: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "densecorr: internal error: " << e.what() << "\n";
    return 1;
  }
}
