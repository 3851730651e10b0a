// `densecorr data check` and `data show` on a folder in one of the formats of synth_export.h.
#pragma once

#include <string>

#include "data/formats/synth_export.h"

namespace dc {

// Reads and validates everything in `dir` (annotations and that every image they name exists)
// and returns a report of counts and statistics, one item per line. Any problem is a dc::Error
// naming the file, the record and the field.
std::string check_format_dir(DataFormat format, const std::string& dir);

// Draws up to `max_samples` (<= 16) samples of `dir` on a 4-column contact sheet of 256×256 tiles
// and writes it to `out_png`: COCO-DensePose points coloured by chart with the skeletons and boxes,
// 300-W images with U (red) and V (green) over the face and the landmarks (visible white, hidden
// red), Human3.6M skeletons, DeepFashion pairs side by side with their OpenPose skeletons.
// Returns the number of samples drawn.
int show_format_dir(DataFormat format, const std::string& dir, const std::string& out_png,
                    int max_samples = 16);

}  // namespace dc
