#include "train/data_command.h"

#include <iostream>

#include "data/formats/format_report.h"
#include "train/cli_args.h"

namespace dc {
namespace cli {

int data_command(const std::vector<std::string>& args) {
  if (args.empty() || (args[0] != "check" && args[0] != "show")) {
    throw UsageError(
        "data: expected 'check' or 'show' (usage: densecorr data check --format F "
        "DIR | densecorr data show --format F DIR --out sheet.png)");
  }
  const std::string sub = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  std::vector<FlagSpec> flags = {{"format", true, "coco-densepose, 300w, h36m or deepfashion"}};
  if (sub == "show") {
    flags.push_back({"out", true, "PNG file to write"});
    flags.push_back({"max", true, "samples to draw, 1..16 (default 16)"});
  }
  const ParsedArgs p = parse_args("data " + sub, rest, flags, 1);
  if (!p.has("format")) throw UsageError("data " + sub + ": missing --format");
  if (p.positional().size() != 1) throw UsageError("data " + sub + ": missing the dataset folder");
  const DataFormat format = parse_data_format(p.get("format", ""));
  const std::string dir = p.positional()[0];
  if (sub == "check") {
    std::cout << check_format_dir(format, dir) << "ok\n";
    return 0;
  }
  if (!p.has("out")) throw UsageError("data show: missing --out sheet.png");
  const int n =
      show_format_dir(format, dir, p.get("out", ""), static_cast<int>(p.get_int("max", 16, 1, 16)));
  std::cout << "wrote " << p.get("out", "") << " (" << n << " samples)\n";
  return 0;
}

}  // namespace cli
}  // namespace dc
