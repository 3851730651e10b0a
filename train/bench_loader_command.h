// `densecorr bench loader`: DataLoader throughput (data/loader_bench.h) as a table line or JSON.
#pragma once

#include <string>
#include <vector>

namespace dc {
namespace bench {

// args: everything after "bench loader". Returns the process exit status.
int bench_loader_command(const std::vector<std::string>& args);

}  // namespace bench
}  // namespace dc
