// `densecorr data check --format F DIR`: validates a dataset folder (data/formats/) and prints
// counts and statistics. `densecorr data show --format F DIR --out sheet.png [--max N]`: a contact
// sheet of up to 16 samples with their labels drawn.
#pragma once

#include <string>
#include <vector>

namespace dc {
namespace cli {

// args: everything after "data". Returns 0; bad input throws UsageError or dc::Error (exit 2).
int data_command(const std::vector<std::string>& args);

}  // namespace cli
}  // namespace dc
