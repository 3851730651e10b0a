// COCO RLE: hand-encoded cases, a Python transcription of pycocotools' rleEncode/rleToString
// (pycocotools is not packaged for Debian here) on random masks, round trips and errors.
#include "data/formats/coco_rle.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <string>

#include "tests/testing/expect_error.h"
#include "tests/testing/temp_dir.h"

namespace dc {
namespace {

TEST(CocoRle, HandEncodedCases) {
  // 3×2 mask  0 1 / 1 1 / 0 1: column-major 0 1 0 | 1 1 1 -> runs 1, 1, 1, 3.
  const uint8_t m[6] = {0, 1, 1, 1, 0, 1};
  const RleMask r = rle_encode(m, 3, 2);
  EXPECT_EQ(r.counts, (std::vector<uint32_t>{1, 1, 1, 3}));
  EXPECT_EQ(r.area(), 4);
  // 1, 1, 1 then 3 − 1 = 2, each a single character 48 + value.
  EXPECT_EQ(rle_counts_to_string(r.counts), "1112");
  // An empty 256×256 mask: 65536 = 2^16 -> 5-bit groups 0, 0, 0, 2 -> 'P' (48 + 0 + 0x20) three
  // times, then '2'.
  EXPECT_EQ(rle_counts_to_string({65536}), "PPP2");
  // A negative difference: [0, 10, 5, 2] -> '0', ':' (48 + 10), '5', then 2 − 10 = −8, whose
  // 5-bit group 24 has the sign bit 0x10 set and nothing left -> 48 + 24 = 'H'.
  EXPECT_EQ(rle_counts_to_string({0, 10, 5, 2}), "0:5H");
  EXPECT_EQ(rle_counts_from_string("0:5H"), (std::vector<uint32_t>{0, 10, 5, 2}));
  EXPECT_EQ(rle_counts_from_string("PPP2"), (std::vector<uint32_t>{65536}));
  // A mask starting with foreground begins with a zero-length run of 0s.
  const uint8_t full[4] = {1, 1, 1, 1};
  EXPECT_EQ(rle_encode(full, 2, 2).counts, (std::vector<uint32_t>{0, 4}));
}

TEST(CocoRle, DecodeInvertsEncode) {
  std::mt19937 rng(3);
  for (int t = 0; t < 20; ++t) {
    const int h = 1 + rng() % 40, w = 1 + rng() % 40;
    Tensor m = empty({h, w}, DType::u8);
    for (int i = 0; i < h * w; ++i) m.data<uint8_t>()[i] = (rng() % 7) < 3;
    const RleMask r = rle_encode(m);
    const RleMask back{h, w, rle_counts_from_string(rle_counts_to_string(r.counts))};
    EXPECT_EQ(back, r);
    const Tensor d = rle_decode(back);
    for (int i = 0; i < h * w; ++i) ASSERT_EQ(d.data<uint8_t>()[i], m.data<uint8_t>()[i]);
  }
}

// pycocotools' maskApi.c rleEncode + rleToString, transcribed line by line to Python.
const char* kPython = R"PY(
import sys
def encode(mask, h, w):
    flat = [mask[y][x] for x in range(w) for y in range(h)]  # Fortran order
    cnts, p, c = [], 0, 0
    while True:
        n = 0
        while p < len(flat) and flat[p] == c:
            n += 1; p += 1
        cnts.append(n); c = 1 - c
        if p >= len(flat): break
    return cnts
def to_string(cnts):
    s = []
    for i in range(len(cnts)):
        x = cnts[i]
        if i > 2: x -= cnts[i - 2]
        more = 1
        while more:
            c = x & 0x1f; x >>= 5
            more = (x != -1) if (c & 0x10) else (x != 0)
            if more: c |= 0x20
            s.append(chr(c + 48))
    return ''.join(s)
for line in open(sys.argv[1]):
    h, w, bits = line.split()
    h, w = int(h), int(w)
    mask = [[int(bits[y * w + x]) for x in range(w)] for y in range(h)]
    print(to_string(encode(mask, h, w)))
)PY";

TEST(CocoRle, MatchesPythonTranscriptionOfPycocotools) {
  const std::string dir = fresh_test_dir("rle_");
  std::ofstream(dir + "/rle.py") << kPython;
  std::mt19937 rng(11);
  std::vector<std::string> ours;
  {
    std::ofstream masks(dir + "/masks.txt");
    for (int t = 0; t < 30; ++t) {
      const int h = 1 + rng() % 64, w = 1 + rng() % 64;
      // Blobs (long runs, large differences of both signs) and noise.
      std::vector<uint8_t> m(h * w);
      const int cx = rng() % w, cy = rng() % h, r = 1 + rng() % 30;
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          m[y * w + x] =
              t % 3 == 0 ? (rng() % 2) : ((x - cx) * (x - cx) + (y - cy) * (y - cy) < r * r);
      std::string bits;
      for (uint8_t b : m) bits.push_back(b ? '1' : '0');
      masks << h << " " << w << " " << bits << "\n";
      ours.push_back(rle_counts_to_string(rle_encode(m.data(), h, w).counts));
    }
  }
  FILE* p = popen(("/usr/bin/python3 " + dir + "/rle.py " + dir + "/masks.txt").c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  while (fgets(buf, sizeof buf, p)) out += buf;
  ASSERT_EQ(pclose(p), 0) << out;
  std::vector<std::string> theirs;
  size_t a = 0;
  for (size_t b; (b = out.find('\n', a)) != std::string::npos; a = b + 1)
    theirs.push_back(out.substr(a, b - a));
  ASSERT_EQ(theirs.size(), ours.size());
  for (size_t i = 0; i < ours.size(); ++i) EXPECT_EQ(ours[i], theirs[i]) << "mask " << i;
}

TEST(CocoRle, Errors) {
  expect_error(
      [] { rle_counts_from_string("11~", "f.json: annotation id 3: field 'dp_masks'[2]"); },
      {"f.json", "annotation id 3", "dp_masks", "'~'", "'0'..'o'"});
  // 'P' continues the number, but the string ends.
  expect_error([] { rle_counts_from_string("1P", "x"); }, {"x", "ends inside a number"});
  // 0 − 8 < 0 cannot be a run length.
  expect_error([] { rle_counts_from_string("000H", "x"); }, {"run 3", "decodes to -8"});
  expect_error([] { rle_decode(RleMask{2, 2, {1, 2}}); }, {"sum to 3", "2·2 = 4"});
}

}  // namespace
}  // namespace dc
