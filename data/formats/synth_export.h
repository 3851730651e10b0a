// Exports synthetic datasets in the real formats (docs/FORMATS.md): faces as 300-W folders, bodies
// as COCO-DensePose, Human3.6M annot.h5 or DeepFashion pair lists. Sample i is drawn from
// Generator(seed) at counter offset i·2^32, so any sample can be regenerated alone and the output
// depends only on (world, format, count, seed).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace dc {

enum class DataFormat { kCocoDensePose, k300W, kH36m, kDeepFashion };

// "coco-densepose", "300w", "h36m", "deepfashion"; a dc::Error listing them for anything else.
DataFormat parse_data_format(const std::string& name);
const char* data_format_name(DataFormat format);

struct SynthExportOptions {
  std::string world = "body";  // "face" (300w) or "body" (coco-densepose, h36m, deepfashion)
  DataFormat format = DataFormat::kCocoDensePose;
  int64_t count = 16;  // images (300w, coco-densepose), records (h36m) or pairs (deepfashion)
  uint64_t seed = 0;
  std::string out;  // created if missing
  int size = 256;   // image side
};

// Writes the dataset; `progress(done, count)` after each sample. A dc::Error for a world/format
// combination that does not exist, a count < 1 or an output folder that cannot be created.
void export_synthetic(const SynthExportOptions& options,
                      const std::function<void(int64_t, int64_t)>& progress = {});

}  // namespace dc
