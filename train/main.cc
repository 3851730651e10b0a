// densecorr: the command-line front end. Dispatches to one file per subcommand; turns user mistakes
// (UsageError, dc::Error) into one line on stderr and exit status 2, anything else into status 1.
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "core/error.h"
#include "train/bench_command.h"
#include "train/cli_args.h"
#include "train/cnn_demo.h"
#include "train/config_command.h"
#include "train/data_command.h"
#include "train/forward_command.h"
#include "train/infer_command.h"
#include "train/malloc_tuning.h"
#include "train/synth_command.h"
#include "train/train_command.h"

namespace {

struct Command {
  const char* name;
  const char* usage;  // synopsis and description, as --help prints them
  std::function<int(const std::vector<std::string>&)> run;
};

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {"train",
       "train -c CONFIG [--resume] [key=value ...]\n"
       "      train the config's task in the run folder `out` (progress on stderr, metrics\n"
       "      in out/metrics.jsonl, checkpoints out/checkpoint_*.h5); --resume continues\n"
       "      that run from its latest checkpoint; Ctrl-C checkpoints and exits with 130",
       dc::cli::train_command},
      {"eval",
       "eval -c CONFIG [--weights W.h5] [key=value ...]\n"
       "      evaluate W.h5 (default: model.weights, else the latest checkpoint of `out`) on\n"
       "      data.test; metrics on stdout and in out/eval.json",
       dc::cli::eval_command},
      {"infer",
       "infer -c CONFIG [--weights W.h5] (--image IMG | --synth N) --out DIR\n"
       "      [--task uv|texture-transfer] [--texture TEX] [--opacity A]\n"
       "      [--landmarks component|argmin] [key=value ...]\n"
       "      DenseReg on a PNG/JPEG (fitted to data.image_size: shorter side scaled, centre\n"
       "      crop) or on N held-out synthetic faces; writes U, V colour maps, isolines,\n"
       "      landmarks and parts (or the texture transfer) as PNGs to DIR, prints their paths",
       dc::cli::infer_command},
      {"forward",
       "forward -c CONFIG [--weights W.h5] --input IN.h5 --output OUT.h5 [key=value ...]\n"
       "      run model.name in eval mode on dataset 'input' of IN.h5; write its outputs to OUT.h5",
       dc::cli::forward_command},
      {"config",
       "config -c CONFIG [key=value ...]\n"
       "      print the resolved config (defaults, _BASE_ files, CONFIG, overrides) as YAML",
       dc::cli::config_command},
      {"bench",
       "bench ops [--threads N] [--json] [--filter SUBSTR] [--all]\n"
       "      time the registered op cases (median/min ms, GFLOP/s) and the measured FMA peak\n"
       "  bench loader [--workers N] [--batch B] [--batches K] [--prefetch P] [--json]\n"
       "      data-loader throughput (batches/s) on in-memory 3x128x128 images, crop and flip\n"
       "  bench synth [--world face|body] [--count N] [--size S] [--supersample S]\n"
       "              [--antialias edges|full] [--json]\n"
       "      synthetic samples per second on one thread (thread CPU time), per stage\n"
       "  bench train-step --model NAME [--device cpu|cuda|cuda:N] [--tf32] [--size S]\n"
       "                   [--batch B] [--threads N] [--iters N] [--warmup N] [--per-op] [--json]\n"
       "      time whole SGD training steps (forward, loss, backward, update) of a model",
       dc::bench::bench_command},
      {"synth",
       "synth --world face|body --format coco-densepose|300w|h36m|deepfashion --count N\n"
       "      [--seed S] --out DIR [--size PX]\n"
       "      render synthetic samples and write them in a real dataset format (face: 300w;\n"
       "      body: coco-densepose, h36m, deepfashion); progress on stderr",
       dc::cli::synth_command},
      {"data",
       "data check --format F DIR\n"
       "      validate a dataset folder and print counts and statistics\n"
       "  data show --format F DIR --out sheet.png [--max N]\n"
       "      contact sheet of up to 16 samples with IUV colours, landmarks and skeletons",
       dc::cli::data_command},
      {"train-cnn",
       "train-cnn [--iters N] [--seed S] [--threads N]\n"
       "      train a small CNN on generated 16x16 shape images; fails if test accuracy <= 90%",
       dc::demo::cnn_demo_command},
  };
  return list;
}

void print_usage() {
  std::cout << "usage: densecorr <command> [flags]    (densecorr <command> --help for one)\n\n"
               "commands:\n";
  for (const Command& c : commands()) std::cout << "  " << c.usage << "\n";
  std::cout << "\nexit status: 0 success, 2 bad input (one line on stderr), 1 internal error\n";
}

int dispatch(const std::vector<std::string>& args) {
  if (args.empty()) throw dc::cli::UsageError("missing command (see densecorr --help)");
  const std::string& name = args[0];
  if (name == "--help" || name == "-h" || name == "help") {
    print_usage();
    return 0;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  for (const Command& c : commands()) {
    if (name != c.name) continue;
    for (const std::string& a : rest) {
      if (a == "--help" || a == "-h") {
        std::cout << "usage: densecorr " << c.usage << "\n";
        return 0;
      }
    }
    return c.run(rest);
  }
  throw dc::cli::UsageError("unknown command '" + name + "' (see densecorr --help)");
}

// Messages that list several problems on several lines (a weights report) become one line.
std::string one_line(std::string message) {
  for (size_t p = message.find('\n'); p != std::string::npos; p = message.find('\n', p)) {
    size_t q = p + 1;
    while (q < message.size() && message[q] == ' ') ++q;
    message.replace(p, q - p, q == message.size() ? "" : "; ");
  }
  return message;
}

}  // namespace

int main(int argc, char** argv) {
  dc::tune_malloc_for_steady_streams();
  try {
    return dispatch(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const dc::cli::UsageError& e) {
    std::cerr << "densecorr: " << e.what() << "\n";
    return 2;
  } catch (const dc::Error& e) {
    std::cerr << "densecorr: error: " << one_line(e.what()) << "\n";
    return 2;
  } catch (const std::filesystem::filesystem_error& e) {
    // A run folder or file path the user gave that cannot be created or read.
    std::cerr << "densecorr: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "densecorr: internal error: " << e.what() << "\n";
    return 1;
  }
}
