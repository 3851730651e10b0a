// The densecorr command-line parser: accepted forms, and clear one-line rejections.
#include "train/cli_args.h"

#include <gtest/gtest.h>

namespace dc {
namespace cli {
namespace {

const std::vector<FlagSpec> kFlags = {
    {"threads", true, "threads"},
    {"json", false, "json"},
    {"filter", true, "filter"},
};

std::string error_of(const std::vector<std::string>& args) {
  try {
    parse_args("bench ops", args, kFlags);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(CliArgs, ParsesValuesSwitchesAndEqualsForm) {
  const ParsedArgs a =
      parse_args("bench ops", {"--threads", "4", "--json", "--filter=conv"}, kFlags);
  EXPECT_EQ(a.get_int("threads", 1, 1, 64), 4);
  EXPECT_TRUE(a.has("json"));
  EXPECT_EQ(a.get("filter", ""), "conv");
  EXPECT_EQ(a.get_int("missing", 7, 0, 10), 7);
}

TEST(CliArgs, RejectsUnknownFlagNamingItAndTheCommand) {
  const std::string msg = error_of({"--json", "--thread", "2"});
  EXPECT_NE(msg.find("unknown flag '--thread'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("bench ops"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
}

TEST(CliArgs, RejectsMissingAndMalformedValues) {
  EXPECT_NE(error_of({"--threads"}).find("--threads needs a value"), std::string::npos);
  EXPECT_NE(error_of({"--json=1"}).find("takes no value"), std::string::npos);
  EXPECT_NE(error_of({"--json", "--json"}).find("given twice"), std::string::npos);
  EXPECT_NE(error_of({"extra"}).find("unexpected argument 'extra'"), std::string::npos);
  const ParsedArgs a = parse_args("bench ops", {"--threads", "4x"}, kFlags);
  try {
    a.get_int("threads", 1, 1, 64);
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("expects an integer, got '4x'"), std::string::npos);
  }
  const ParsedArgs b = parse_args("bench ops", {"--threads=0"}, kFlags);
  EXPECT_THROW(b.get_int("threads", 1, 1, 64), UsageError);
}

}  // namespace
}  // namespace cli
}  // namespace dc
