// `densecorr config -c FILE [key=value ...]`: prints the resolved config (every key, defaults
// included) as YAML. The same argument handling serves every subcommand that takes a config.
#pragma once

#include <string>
#include <vector>

#include "train/config/config.h"

namespace dc {
namespace cli {

struct ConfigArgs {
  std::string config_file;             // -c FILE / --config FILE
  std::vector<std::string> overrides;  // the positional key=value arguments
};

// Splits `args` of `command` ("config") into the config file and the overrides. Throws UsageError
// for a missing -c, a repeated one or an unknown flag.
ConfigArgs parse_config_args(const std::string& command, const std::vector<std::string>& args);

// The resolved config of `args` (load_config over default_schema()).
Config resolve_config(const ConfigArgs& args);

// args: everything after "config". Returns the process exit status; bad input throws (UsageError
// or ConfigError, both exit status 2 in main).
int config_command(const std::vector<std::string>& args);

}  // namespace cli
}  // namespace dc
