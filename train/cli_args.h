// Command-line parsing for the densecorr subcommands. Each subcommand declares its flags; anything
// else is rejected with a one-line message (main() prints it and exits with status 2).
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace dc {
namespace cli {

// A mistake in the command line: the message is meant for the user, as is.
class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& what) : std::runtime_error(what) {}
};

struct FlagSpec {
  std::string name;          // without the leading "--"
  bool takes_value = false;  // "--name VALUE" or "--name=VALUE"; otherwise a switch
  std::string help;
};

class ParsedArgs {
 public:
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::string get(const std::string& name, const std::string& fallback) const;
  // Integer value of a flag, checked against [min, max]; `fallback` when absent.
  int64_t get_int(const std::string& name, int64_t fallback, int64_t min, int64_t max) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  friend ParsedArgs parse_args(const std::string&, const std::vector<std::string>&,
                               const std::vector<FlagSpec>&, size_t);
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

// Parses `args` (argv without the program and subcommand names) for `command` ("bench ops"),
// allowing at most `max_positional` positional arguments. Throws UsageError naming the offending
// argument and the command.
ParsedArgs parse_args(const std::string& command, const std::vector<std::string>& args,
                      const std::vector<FlagSpec>& flags, size_t max_positional = 0);

// "  --name VALUE   help" lines for a usage message.
std::string describe_flags(const std::vector<FlagSpec>& flags);

}  // namespace cli
}  // namespace dc
