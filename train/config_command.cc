#include "train/config_command.h"

#include <cstdint>
#include <iostream>

#include "train/cli_args.h"

namespace dc {
namespace cli {

ConfigArgs parse_config_args(const std::string& command, const std::vector<std::string>& args) {
  // parse_args knows only "--long" flags; -c is the short form every densecorr user types.
  std::vector<std::string> long_form;
  for (const std::string& a : args) long_form.push_back(a == "-c" ? "--config" : a);
  static const std::vector<FlagSpec> flags = {{"config", true, "YAML config file (-c)"}};
  const ParsedArgs parsed = parse_args(command, long_form, flags, SIZE_MAX);
  if (!parsed.has("config")) {
    throw UsageError(command + ": missing -c FILE (usage: densecorr " + command +
                     " -c FILE [key=value ...])");
  }
  return ConfigArgs{parsed.get("config", ""), parsed.positional()};
}

Config resolve_config(const ConfigArgs& args) {
  return load_config(args.config_file, args.overrides);
}

int config_command(const std::vector<std::string>& args) {
  std::cout << resolve_config(parse_config_args("config", args)).to_yaml();
  return 0;
}

}  // namespace cli
}  // namespace dc
