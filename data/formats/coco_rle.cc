#include "data/formats/coco_rle.h"

#include <cstring>

#include "core/error.h"

namespace dc {

int64_t RleMask::area() const {
  int64_t a = 0;
  for (size_t i = 1; i < counts.size(); i += 2) a += counts[i];
  return a;
}

RleMask rle_encode(const uint8_t* data, int64_t height, int64_t width) {
  DC_CHECK(height >= 0 && width >= 0, "rle_encode: negative mask size ", height, "x", width);
  RleMask rle;
  rle.height = height;
  rle.width = width;
  uint8_t current = 0;  // runs start with 0s
  uint32_t run = 0;
  for (int64_t x = 0; x < width; ++x) {
    for (int64_t y = 0; y < height; ++y) {
      const uint8_t v = data[y * width + x] != 0 ? 1 : 0;
      if (v != current) {
        rle.counts.push_back(run);
        run = 0;
        current = v;
      }
      ++run;
    }
  }
  rle.counts.push_back(run);
  return rle;
}

RleMask rle_encode(const Tensor& mask) {
  DC_CHECK(mask.defined() && mask.dim() == 2, "rle_encode: expected an H×W mask, got ",
           mask.defined() ? mask.str() : std::string("an undefined tensor"));
  const int64_t h = mask.size(0), w = mask.size(1);
  std::vector<uint8_t> bytes(static_cast<size_t>(h * w));
  const std::vector<double> values = mask.contiguous().to_vector();
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = values[i] != 0 ? 1 : 0;
  return rle_encode(bytes.data(), h, w);
}

void validate_rle(const RleMask& rle, const std::string& where) {
  DC_CHECK(rle.height >= 0 && rle.width >= 0, where, ": RLE size [", rle.height, ", ", rle.width,
           "] is negative");
  uint64_t sum = 0;
  for (uint32_t c : rle.counts) sum += c;
  DC_CHECK(sum == static_cast<uint64_t>(rle.height * rle.width), where, ": RLE counts sum to ", sum,
           ", expected height·width = ", rle.height, "·", rle.width, " = ", rle.height * rle.width);
}

Tensor rle_decode(const RleMask& rle) {
  validate_rle(rle, "rle_decode");
  Tensor out = empty({rle.height, rle.width}, DType::u8);
  uint8_t* o = out.data<uint8_t>();
  int64_t p = 0;  // column-major position
  uint8_t v = 0;
  for (uint32_t c : rle.counts) {
    for (uint32_t k = 0; k < c; ++k, ++p) {
      const int64_t x = p / rle.height, y = p % rle.height;
      o[y * rle.width + x] = v;
    }
    v ^= 1;
  }
  return out;
}

std::string rle_counts_to_string(const std::vector<uint32_t>& counts) {
  std::string s;
  for (size_t i = 0; i < counts.size(); ++i) {
    int64_t x = counts[i];
    // From the fourth count on, the difference to the previous run of the same value is smaller.
    if (i > 2) x -= static_cast<int64_t>(counts[i - 2]);
    bool more = true;
    while (more) {
      int c = static_cast<int>(x & 0x1f);
      x >>= 5;  // arithmetic shift: negative numbers end when only sign bits remain
      more = (c & 0x10) ? x != -1 : x != 0;
      if (more) c |= 0x20;
      s.push_back(static_cast<char>(c + 48));
    }
  }
  return s;
}

std::vector<uint32_t> rle_counts_from_string(const std::string& s, const std::string& where) {
  const std::string at = where.empty() ? std::string("RLE counts") : where;
  std::vector<uint32_t> counts;
  size_t p = 0;
  while (p < s.size()) {
    int64_t x = 0;
    int k = 0;
    bool more = true;
    while (more) {
      DC_CHECK(p < s.size(), at, ": compressed RLE string ends inside a number (at character ", p,
               ")");
      const int ch = static_cast<unsigned char>(s[p]);
      DC_CHECK(ch >= 48 && ch <= 111, at, ": character '", s[p], "' at ", p,
               " of the compressed RLE string is outside '0'..'o'");
      DC_CHECK(k < 12, at, ": number too long in the compressed RLE string at ", p);
      const int c = ch - 48;
      x |= static_cast<int64_t>(c & 0x1f) << (5 * k);
      more = (c & 0x20) != 0;
      ++p;
      ++k;
      if (!more && (c & 0x10)) x |= static_cast<int64_t>(-1) * (int64_t{1} << (5 * k));
    }
    if (counts.size() > 2) x += counts[counts.size() - 2];
    DC_CHECK(x >= 0 && x <= 0xffffffffLL, at, ": run ", counts.size(), " of the RLE decodes to ", x,
             ", expected a count in [0, 2^32)");
    counts.push_back(static_cast<uint32_t>(x));
  }
  return counts;
}

}  // namespace dc
