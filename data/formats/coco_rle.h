// COCO run-length encoding of binary masks, as pycocotools' maskApi.c (rleEncode, rleToString,
// rleFrString, rleDecode), reimplemented from the format's definition.
//
// A mask of H×W pixels is read in COLUMN-MAJOR order (down the first column, then the next, as
// numpy's Fortran order that pycocotools.mask.encode requires) and stored as the lengths of
// alternating runs, starting with a run of 0s (which may have length 0): the 3×2 mask
//     0 1
//     1 1        (column-major 0 1 0 1 1 1)  has counts [1, 1, 1, 3].
//     0 1
// The counts sum to H·W. The compressed string form ("counts" of a COCO segmentation or of a
// DensePose dp_masks entry) writes each count — from the fourth on, its difference to the count two
// before it (the previous run of the same value) — as a signed little-endian base-32 number, 5 bits
// per character plus a continuation bit (0x20), each character offset by 48 ('0'), so characters
// lie in '0'..'o'; the sign is bit 0x10 of the last character of a number.
// Example: [65536] (an empty 256×256 mask) is "PPP2"; [1, 1, 1, 3] is "1112" (the 3 is written as
// 3 − 1 = 2). docs/FORMATS.md works through more cases.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace dc {

struct RleMask {
  int64_t height = 0, width = 0;
  std::vector<uint32_t> counts;  // alternating runs, 0s first, column-major; sum = height·width

  bool operator==(const RleMask& o) const {
    return height == o.height && width == o.width && counts == o.counts;
  }
  // Foreground pixels (sum of the odd-indexed runs), as pycocotools.mask.area.
  int64_t area() const;
};

// Encodes an H×W mask given row-major (data[y·W + x], non-zero = foreground) into COCO's
// column-major runs.
RleMask rle_encode(const uint8_t* data, int64_t height, int64_t width);
// Encodes an H×W tensor of dtype u8, bool, i32 or i64 (non-zero = foreground).
RleMask rle_encode(const Tensor& mask);
// The H×W u8 mask (0/1) of `rle`; a dc::Error when its counts do not sum to H·W.
Tensor rle_decode(const RleMask& rle);

// The compressed string of `counts` (pycocotools' rleToString).
std::string rle_counts_to_string(const std::vector<uint32_t>& counts);
// Parses a compressed string (pycocotools' rleFrString). Characters outside '0'..'o', a number cut
// off by the end of the string, or a run that comes out negative or above 2^32 − 1 are a dc::Error
// naming `where` (file, record and field, for the message).
std::vector<uint32_t> rle_counts_from_string(const std::string& s, const std::string& where = "");

// Checks that `rle`'s counts sum to height·width; a dc::Error naming `where` otherwise.
void validate_rle(const RleMask& rle, const std::string& where);

}  // namespace dc
