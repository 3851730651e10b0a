// `densecorr synth --world face|body --format coco-densepose|300w|h36m|deepfashion --count N
// --seed S --out DIR [--size PX]`: renders N synthetic samples and writes them in a real dataset
// format (data/formats/synth_export.h, docs/FORMATS.md), with a progress bar on stderr.
#pragma once

#include <string>
#include <vector>

namespace dc {
namespace cli {

// args: everything after "synth". Returns 0; bad input throws UsageError or dc::Error (exit 2).
int synth_command(const std::vector<std::string>& args);

}  // namespace cli
}  // namespace dc
