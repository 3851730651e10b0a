#include "train/synth_command.h"

#include <unistd.h>

#include <cmath>
#include <iostream>

#include "data/formats/synth_export.h"
#include "train/cli_args.h"
#include "train/progress.h"

namespace dc {
namespace cli {

int synth_command(const std::vector<std::string>& args) {
  static const std::vector<FlagSpec> flags = {
      {"world", true, "face or body"},
      {"format", true, "coco-densepose, 300w (faces), h36m or deepfashion (bodies)"},
      {"count", true, "number of images / records / pairs"},
      {"seed", true, "random seed (default 0)"},
      {"out", true, "output folder"},
      {"size", true, "image side in pixels (default 256)"}};
  const ParsedArgs p = parse_args("synth", args, flags);
  for (const char* required : {"world", "format", "count", "out"}) {
    if (!p.has(required)) {
      throw UsageError(std::string("synth: missing --") + required +
                       " (usage: densecorr synth --world face|body --format F --count N "
                       "--seed S --out DIR)");
    }
  }
  SynthExportOptions o;
  o.world = p.get("world", "");
  o.format = parse_data_format(p.get("format", ""));
  o.count = p.get_int("count", 1, 1, 10000000);
  o.seed = static_cast<uint64_t>(p.get_int("seed", 0, 0, INT64_MAX));
  o.size = static_cast<int>(p.get_int("size", 256, 16, 4096));
  o.out = p.get("out", "");
  ProgressDisplay bar(std::cerr, ::isatty(2) != 0, 0, o.count, std::max<int64_t>(1, o.count / 10));
  export_synthetic(o, [&](int64_t done, int64_t) { bar.update(done, {}, std::nan("")); });
  bar.finish();
  std::cout << "wrote " << o.count << " " << o.world << " samples as " << data_format_name(o.format)
            << " to " << o.out << "\n";
  return 0;
}

}  // namespace cli
}  // namespace dc
