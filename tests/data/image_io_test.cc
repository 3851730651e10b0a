// read_image / read_image_u8 / write_png: PNG round trips, and reads of files written by
// independent encoders (a numpy+zlib PNG writer, libpng and libjpeg through torchvision.io)
// compared pixel for pixel with what those libraries hold; error messages for bad files and
// tensors.
#include "data/image_io.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "ops/creation.h"
#include "tests/testing/expect_error.h"
#include "tests/testing/temp_dir.h"

namespace dc {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kH = 13;
constexpr int64_t kW = 17;

// Writes the fixtures into argv[1]: for each PNG `<name>.png` and the raw H×W×C pixels it holds
// `<name>.raw` (16-bit samples little-endian); for each JPEG `<name>.jpg` and `<name>.raw`, the
// pixels libjpeg (torchvision.io.decode_jpeg) decodes from it.
const char* kMakeFixtures = R"PY(
import struct, sys, zlib
import numpy as np
import torch
from torchvision.io import decode_jpeg, encode_jpeg, encode_png, ImageReadMode

d = sys.argv[1]
H, W = 13, 17
rng = np.random.default_rng(7)

def chunk(kind, data):
    return (struct.pack('>I', len(data)) + kind + data +
            struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff))

def write_png(name, arr, color_type):
    depth = 16 if arr.dtype == np.uint16 else 8
    rows = arr.astype('>u2') if depth == 16 else arr
    raw = b''.join(b'\x00' + rows[y].tobytes() for y in range(H))
    with open(f'{d}/{name}.png', 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n')
        f.write(chunk(b'IHDR', struct.pack('>IIBBBBB', W, H, depth, color_type, 0, 0, 0)))
        f.write(chunk(b'IDAT', zlib.compress(raw, 9)))
        f.write(chunk(b'IEND', b''))
    arr.astype('<u2' if depth == 16 else np.uint8).tofile(f'{d}/{name}.raw')

write_png('grey8', rng.integers(0, 256, (H, W, 1), dtype=np.uint8), 0)
write_png('greyalpha8', rng.integers(0, 256, (H, W, 2), dtype=np.uint8), 4)
write_png('rgb8', rng.integers(0, 256, (H, W, 3), dtype=np.uint8), 2)
write_png('rgba8', rng.integers(0, 256, (H, W, 4), dtype=np.uint8), 6)
write_png('rgb16', rng.integers(0, 65536, (H, W, 3), dtype=np.uint16), 2)
write_png('grey16', rng.integers(0, 65536, (H, W, 1), dtype=np.uint16), 0)

# libpng through torchvision (adaptive row filters, unlike the writer above).
x = torch.from_numpy(rng.integers(0, 256, (3, H, W), dtype=np.uint8))
with open(f'{d}/libpng_rgb8.png', 'wb') as f:
    f.write(encode_png(x).numpy().tobytes())
x.permute(1, 2, 0).contiguous().numpy().tofile(f'{d}/libpng_rgb8.raw')

# Smooth content with edges, as photographs have, so that the decoders' IDCT and chroma
# upsampling differ by a few levels at most.
yy, xx = np.mgrid[0:H, 0:W].astype(np.float64)
rgb = np.stack([40 + 12 * xx, 200 - 9 * yy, 128 + 60 * np.sin(xx / 3 + yy / 4)], axis=0)
rgb[:, 4:9, 6:11] = [[[230]], [[30]], [[90]]]
rgb = torch.from_numpy(np.clip(np.round(rgb), 0, 255).astype(np.uint8))
for name, img in (('rgb', rgb), ('grey', rgb[1:2])):
    data = encode_jpeg(img, quality=95)
    with open(f'{d}/{name}.jpg', 'wb') as f:
        f.write(data.numpy().tobytes())
    decode_jpeg(data, ImageReadMode.UNCHANGED).permute(1, 2, 0).contiguous().numpy().tofile(
        f'{d}/{name}.raw')
)PY";

int run(const std::string& cmd) { return std::system((cmd + " 2>&1").c_str()); }

std::vector<unsigned char> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return std::vector<unsigned char>(std::istreambuf_iterator<char>(in), {});
}

// The fixture folder, written once per test binary (importing torch costs seconds).
class ImageFixtures : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (run("/usr/bin/python3 -c 'import numpy, torch, torchvision'") != 0) {
      skip_reason_ = "/usr/bin/python3 lacks numpy, torch or torchvision";
      return;
    }
    dir_ = (test_tmp_root() / ("image_io_fixtures_" + std::to_string(::getpid()))).string();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ + "/make.py") << kMakeFixtures;
    if (run("/usr/bin/python3 " + dir_ + "/make.py " + dir_) != 0) {
      skip_reason_ = "the fixture script failed";
    }
  }
  void SetUp() override {
    if (skip_reason_.empty()) return;
    const char* ci = std::getenv("CI");
    if (ci != nullptr && std::string(ci) == "true") FAIL() << skip_reason_;
    GTEST_SKIP() << skip_reason_ << " (scripts/setup.sh installs them)";
  }
  static std::string path(const std::string& name) { return dir_ + "/" + name; }

  static std::string dir_;
  static std::string skip_reason_;
};
std::string ImageFixtures::dir_;
std::string ImageFixtures::skip_reason_;

// H×W×C u8 of tensor `t` equals the raw bytes of `raw`.
void expect_u8_equals_raw(const Tensor& t, const std::string& raw, int64_t channels) {
  ASSERT_EQ(t.dtype(), DType::u8);
  ASSERT_EQ(t.sizes(), (Shape{kH, kW, channels}));
  const std::vector<unsigned char> want = file_bytes(raw);
  ASSERT_EQ(static_cast<int64_t>(want.size()), t.numel());
  const uint8_t* got = t.data<uint8_t>();
  int64_t mismatches = 0;
  for (int64_t i = 0; i < t.numel(); ++i) mismatches += got[i] != want[i];
  EXPECT_EQ(mismatches, 0) << raw;
}

TEST_F(ImageFixtures, ReadsEightBitPngsAsStored) {
  expect_u8_equals_raw(read_image_u8(path("grey8.png")), path("grey8.raw"), 1);
  expect_u8_equals_raw(read_image_u8(path("greyalpha8.png")), path("greyalpha8.raw"), 2);
  expect_u8_equals_raw(read_image_u8(path("rgb8.png")), path("rgb8.raw"), 3);
  expect_u8_equals_raw(read_image_u8(path("rgba8.png")), path("rgba8.raw"), 4);
  expect_u8_equals_raw(read_image_u8(path("libpng_rgb8.png")), path("libpng_rgb8.raw"), 3);
}

// read_image's RGB f32 from the stored samples: channel `src_channel[c]` of the file, / 255.
void expect_rgb_from_u8(const std::string& png, const std::string& raw, int64_t channels,
                        std::vector<int> src_channel) {
  const Tensor img = read_image(png);
  ASSERT_EQ(img.dtype(), DType::f32);
  ASSERT_EQ(img.sizes(), (Shape{3, kH, kW}));
  const std::vector<unsigned char> want = file_bytes(raw);
  const float* got = img.data<float>();
  for (int64_t c = 0; c < 3; ++c) {
    for (int64_t i = 0; i < kH * kW; ++i) {
      const float expected = want[i * channels + src_channel[c]] / 255.0f;
      ASSERT_EQ(got[c * kH * kW + i], expected) << png << " channel " << c << " pixel " << i;
    }
  }
}

TEST_F(ImageFixtures, ReadImageConvertsGreyAndAlphaToRgb) {
  expect_rgb_from_u8(path("rgb8.png"), path("rgb8.raw"), 3, {0, 1, 2});
  expect_rgb_from_u8(path("grey8.png"), path("grey8.raw"), 1, {0, 0, 0});
  expect_rgb_from_u8(path("greyalpha8.png"), path("greyalpha8.raw"), 2, {0, 0, 0});
  expect_rgb_from_u8(path("rgba8.png"), path("rgba8.raw"), 4, {0, 1, 2});
}

TEST_F(ImageFixtures, SixteenBitPngsAreScaledBy65535) {
  for (const auto& [name, channels] :
       std::vector<std::pair<std::string, int64_t>>{{"rgb16", 3}, {"grey16", 1}}) {
    const std::vector<unsigned char> bytes = file_bytes(path(name + ".raw"));
    ASSERT_EQ(static_cast<int64_t>(bytes.size()), kH * kW * channels * 2);
    auto sample = [&](int64_t i) { return bytes[2 * i] | (bytes[2 * i + 1] << 8); };
    const Tensor img = read_image(path(name + ".png"));
    ASSERT_EQ(img.sizes(), (Shape{3, kH, kW}));
    const float* got = img.data<float>();
    for (int64_t c = 0; c < 3; ++c) {
      for (int64_t i = 0; i < kH * kW; ++i) {
        const int64_t src = i * channels + (channels == 3 ? c : 0);
        ASSERT_EQ(got[c * kH * kW + i], sample(src) / 65535.0f) << name << " " << c << " " << i;
      }
    }
    // read_image_u8 keeps the high byte of each sample.
    const Tensor u8 = read_image_u8(path(name + ".png"));
    ASSERT_EQ(u8.sizes(), (Shape{kH, kW, channels}));
    for (int64_t i = 0; i < u8.numel(); ++i) {
      ASSERT_EQ(u8.data<uint8_t>()[i], sample(i) >> 8) << name << " " << i;
    }
  }
}

// stb's JPEG decoder against libjpeg's on the same files: different IDCTs and chroma upsampling
// may differ by a few levels, never more.
void expect_close_to_libjpeg(const Tensor& got, const std::vector<unsigned char>& want,
                             int64_t channels, const std::string& name) {
  ASSERT_EQ(got.sizes(), (Shape{kH, kW, channels})) << name;
  ASSERT_EQ(static_cast<int64_t>(want.size()), got.numel()) << name;
  int max_diff = 0;
  double sum_diff = 0;
  for (int64_t i = 0; i < got.numel(); ++i) {
    const int diff = std::abs(got.data<uint8_t>()[i] - want[i]);
    max_diff = std::max(max_diff, diff);
    sum_diff += diff;
  }
  EXPECT_LE(max_diff, 4) << name;
  EXPECT_LE(sum_diff / got.numel(), 1.0) << name;
}

TEST_F(ImageFixtures, ReadsJpegsLikeLibjpeg) {
  expect_close_to_libjpeg(read_image_u8(path("rgb.jpg")), file_bytes(path("rgb.raw")), 3, "rgb");
  expect_close_to_libjpeg(read_image_u8(path("grey.jpg")), file_bytes(path("grey.raw")), 1, "grey");
  // read_image: the same pixels / 255, grey replicated.
  const Tensor u8 = read_image_u8(path("grey.jpg"));
  const Tensor img = read_image(path("grey.jpg"));
  ASSERT_EQ(img.sizes(), (Shape{3, kH, kW}));
  for (int64_t c = 0; c < 3; ++c) {
    for (int64_t i = 0; i < kH * kW; ++i) {
      ASSERT_EQ(img.data<float>()[c * kH * kW + i], u8.data<uint8_t>()[i] / 255.0f);
    }
  }
}

Tensor random_u8(const Shape& shape, uint64_t seed) {
  Generator gen(seed);
  return randint(0, 256, shape, DType::u8, gen);
}

TEST(ImageIo, PngRoundTripsU8BitForBit) {
  const std::string dir = fresh_test_dir("png_u8_");
  for (const Shape& shape : {Shape{kH, kW, 1}, Shape{kH, kW, 3}, Shape{kH, kW, 4}}) {
    const Tensor img = random_u8(shape, 11 + shape[2]);
    const std::string file = dir + "/c" + std::to_string(shape[2]) + ".png";
    write_png(file, img);
    const Tensor back = read_image_u8(file);
    ASSERT_EQ(back.sizes(), shape);
    EXPECT_EQ(back.to_vector(), img.to_vector()) << shape_str(shape);
  }
  // H×W u8 is grey; a non-contiguous view is written by its logical layout.
  const Tensor grey = random_u8({kW, kH}, 5);
  const Tensor view = grey.as_strided({kH, kW}, {1, kH}, 0);  // the transpose
  write_png(dir + "/grey.png", view);
  const Tensor back = read_image_u8(dir + "/grey.png");
  ASSERT_EQ(back.sizes(), (Shape{kH, kW, 1}));
  for (int64_t y = 0; y < kH; ++y) {
    for (int64_t x = 0; x < kW; ++x) {
      ASSERT_EQ(back.data<uint8_t>()[y * kW + x], grey.data<uint8_t>()[x * kH + y]);
    }
  }
  // Only the final files remain: the temporaries were renamed.
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_EQ(entry.path().extension(), ".png") << entry.path();
    ++files;
  }
  EXPECT_EQ(files, 4);
}

TEST(ImageIo, PngRoundTripsF32WithinHalfALevel) {
  const std::string dir = fresh_test_dir("png_f32_");
  Generator gen(3);
  const Tensor img = rand({3, kH, kW}, DType::f32, gen);
  write_png(dir + "/rgb.png", img);
  const Tensor back = read_image(dir + "/rgb.png");
  ASSERT_EQ(back.sizes(), img.sizes());
  for (int64_t i = 0; i < img.numel(); ++i) {
    ASSERT_LE(std::abs(back.data<float>()[i] - img.data<float>()[i]), 0.5f / 255.0f + 1e-7f) << i;
  }
  // H×W f32 is grey: read back as three equal channels; out-of-range values are clamped.
  Tensor grey = rand({kH, kW}, DType::f32, gen);
  grey.data<float>()[0] = -0.3f;
  grey.data<float>()[1] = 1.7f;
  grey.data<float>()[2] = std::numeric_limits<float>::infinity();
  write_png(dir + "/grey.png", grey);
  const Tensor g = read_image(dir + "/grey.png");
  ASSERT_EQ(g.sizes(), (Shape{3, kH, kW}));
  EXPECT_EQ(g.data<float>()[0], 0.0f);
  EXPECT_EQ(g.data<float>()[1], 1.0f);
  EXPECT_EQ(g.data<float>()[2], 1.0f);
  for (int64_t c = 0; c < 3; ++c) {
    for (int64_t i = 3; i < kH * kW; ++i) {
      ASSERT_EQ(g.data<float>()[c * kH * kW + i], std::round(grey.data<float>()[i] * 255) / 255);
    }
  }
}

TEST(ImageIo, OverwritesAnExistingFile) {
  const std::string file = fresh_test_dir("png_over_") + "/a.png";
  write_png(file, random_u8({kH, kW, 3}, 1));
  const Tensor second = random_u8({4, 5, 3}, 2);
  write_png(file, second);
  EXPECT_EQ(read_image_u8(file).to_vector(), second.to_vector());
}

TEST(ImageIo, ReadErrorsNameTheFile) {
  const std::string dir = fresh_test_dir("png_err_");
  expect_error([&] { read_image(dir + "/missing.png"); },
               {"read_image", dir + "/missing.png", "No such file"});
  expect_error([&] { read_image_u8(dir + "/missing.png"); }, {"read_image_u8", "missing.png"});
  std::ofstream(dir + "/notes.png") << "these are notes, not pixels\n";
  expect_error([&] { read_image(dir + "/notes.png"); },
               {"read_image", "notes.png", "not a JPEG or PNG"});
  std::ofstream(dir + "/empty.jpg").close();
  expect_error([&] { read_image(dir + "/empty.jpg"); }, {"empty.jpg", "empty"});
  expect_error([&] { read_image(dir); }, {"read_image", dir});
  // A PNG cut short: the signature is right, the data is not.
  write_png(dir + "/whole.png", random_u8({kH, kW, 3}, 4));
  std::vector<unsigned char> bytes = file_bytes(dir + "/whole.png");
  bytes.resize(bytes.size() / 2);
  std::ofstream(dir + "/cut.png", std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  expect_error([&] { read_image(dir + "/cut.png"); }, {"read_image", "cut.png", "corrupt"});
}

TEST(ImageIo, WriteErrorsNameTheFileAndTheTensor) {
  const std::string dir = fresh_test_dir("png_werr_");
  const std::string file = dir + "/out.png";
  expect_error(
      [&] {
        write_png(file, empty({2, kH, kW}, DType::f32));
      },
      {"write_png", file, "f32[2, 13, 17]", "3×H×W"});
  expect_error(
      [&] {
        write_png(file, empty({kH, kW, 2}, DType::u8));
      },
      {"write_png", file, "u8[13, 17, 2]", "C = 1, 3, 4"});
  expect_error([&] { write_png(file, empty({kH, kW}, DType::i64)); }, {"write_png", "i64[13, 17]"});
  expect_error(
      [&] {
        write_png(file, empty({1, 3, kH, kW}, DType::f32));
      },
      {"write_png", "f32[1, 3, 13, 17]"});
  expect_error([&] { write_png(file, empty({0, kW}, DType::u8)); }, {"write_png", "non-empty"});
  Tensor nan = zeros({3, kH, kW});
  nan.data<float>()[kH * kW + 2 * kW + 5] = std::nanf("");
  expect_error([&] { write_png(file, nan); }, {"write_png", file, "NaN", "channel 1, y 2, x 5"});
  EXPECT_FALSE(fs::exists(file));
  expect_error(
      [&] {
        write_png(dir + "/no/such/dir/out.png", zeros({kH, kW}));
      },
      {"write_png", "no/such/dir/out.png", "No such file"});
  // A failed write leaves an existing file as it was.
  write_png(file, zeros({kH, kW}));
  const std::vector<unsigned char> before = file_bytes(file);
  expect_error([&] { write_png(file, nan); }, {"NaN"});
  EXPECT_EQ(file_bytes(file), before);
}

}  // namespace
}  // namespace dc
