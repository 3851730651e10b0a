// `densecorr config`: argument handling and the printed resolved config.
#include "train/config_command.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/testing/temp_dir.h"
#include "train/cli_args.h"

namespace dc {
namespace cli {
namespace {

std::string write_config(const std::string& name, const std::string& text) {
  const std::string p = temp_path(name);
  std::ofstream(p) << text;
  return p;
}

TEST(ConfigCommand, SplitsFileAndOverrides) {
  ConfigArgs a = parse_config_args("config", {"-c", "x.yaml", "seed=1", "out=o"});
  EXPECT_EQ(a.config_file, "x.yaml");
  EXPECT_EQ(a.overrides, std::vector<std::string>({"seed=1", "out=o"}));
  a = parse_config_args("config", {"seed=2", "--config=y.yaml"});
  EXPECT_EQ(a.config_file, "y.yaml");
  EXPECT_EQ(a.overrides, std::vector<std::string>({"seed=2"}));
}

TEST(ConfigCommand, RejectsMissingOrRepeatedConfigAndUnknownFlags) {
  try {
    parse_config_args("config", {"seed=1"});
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("missing -c FILE"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_config_args("config", {"-c", "a.yaml", "-c", "b.yaml"}), UsageError);
  EXPECT_THROW(parse_config_args("config", {"-c"}), UsageError);
  EXPECT_THROW(parse_config_args("config", {"--cfg", "a.yaml"}), UsageError);
}

TEST(ConfigCommand, PrintsTheResolvedConfig) {
  const std::string path = write_config("cmd.yaml", "solver:\n  base_lr: 0.02\n");
  testing::internal::CaptureStdout();
  const int status = config_command({"-c", path, "solver.steps=[5,6]"});
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(status, 0);
  EXPECT_NE(out.find("  base_lr: 0.02"), std::string::npos) << out;
  EXPECT_NE(out.find("  steps: [5, 6]"), std::string::npos) << out;
  EXPECT_NE(out.find("  max_iter: 40000"), std::string::npos) << out;  // defaults included
}

TEST(ConfigCommand, BadInputIsAConfigError) {
  const std::string path = write_config("cmd_bad.yaml", "solver:\n  base_lr: 0.02\n");
  EXPECT_THROW(config_command({"-c", path, "solver.base_lr"}), ConfigError);
  EXPECT_THROW(config_command({"-c", path, "solver.bse_lr=1"}), ConfigError);
  EXPECT_THROW(config_command({"-c", path + ".missing"}), ConfigError);
}

}  // namespace
}  // namespace cli
}  // namespace dc
