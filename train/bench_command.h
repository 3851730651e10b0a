// `densecorr bench ops`: times the registered op cases (ops/bench) and prints a table or JSON
// lines.
#pragma once

#include <string>
#include <vector>

namespace dc {
namespace bench {

// args: everything after "bench". Returns the process exit status.
int bench_command(const std::vector<std::string>& args);

}  // namespace bench
}  // namespace dc
