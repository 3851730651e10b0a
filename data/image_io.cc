#include "data/image_io.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "core/error.h"

// The only translation unit that compiles stb's implementations. Only the two formats the project
// reads are compiled in; files are read into memory here (so a missing file gets errno's reason),
// hence no stdio inside stb.
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
#define STBI_NO_STDIO
#include <stb/stb_image.h>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <stb/stb_image_write.h>

namespace dc {
namespace {

std::vector<unsigned char> read_bytes(const std::string& path, const char* op) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  DC_CHECK(f != nullptr, op, ": cannot open '", path, "': ", std::strerror(errno));
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(f, &std::fclose);
  std::vector<unsigned char> bytes;
  unsigned char chunk[1 << 16];
  size_t n = 0;
  while ((n = std::fread(chunk, 1, sizeof(chunk), f)) > 0)
    bytes.insert(bytes.end(), chunk, chunk + n);
  DC_CHECK(!std::ferror(f), op, ": cannot read '", path, "': ", std::strerror(errno));
  DC_CHECK(!bytes.empty(), op, ": '", path, "' is empty, not a JPEG or PNG image");
  DC_CHECK(bytes.size() <= static_cast<size_t>(INT32_MAX), op, ": '", path, "' is too large (",
           bytes.size(), " bytes)");
  return bytes;
}

// stb's reason for the last failure on this thread (thread-local in stb 2.27), made readable.
std::string stb_reason() {
  const char* r = stbi_failure_reason();
  const std::string reason = r != nullptr ? r : "unknown error";
  if (reason == "unknown image type") return "not a JPEG or PNG image";
  return "corrupt or unsupported image (" + reason + ")";
}

struct Decoded {
  std::unique_ptr<void, void (*)(void*)> pixels{nullptr, &stbi_image_free};
  int width = 0, height = 0, file_channels = 0;
};

// Decodes to `channels` interleaved channels (0: as stored), 8 or 16 bits per sample.
Decoded decode(const std::string& path, const std::vector<unsigned char>& bytes, int channels,
               bool sixteen, const char* op) {
  const int len = static_cast<int>(bytes.size());
  Decoded d;
  void* p = sixteen ? static_cast<void*>(stbi_load_16_from_memory(
                          bytes.data(), len, &d.width, &d.height, &d.file_channels, channels))
                    : static_cast<void*>(stbi_load_from_memory(
                          bytes.data(), len, &d.width, &d.height, &d.file_channels, channels));
  DC_CHECK(p != nullptr, op, ": '", path, "': ", stb_reason());
  d.pixels.reset(p);
  return d;
}

template <typename T>
Tensor hwc_to_chw_unit(const T* src, int h, int w, float scale) {
  Tensor out = empty({3, h, w}, DType::f32);
  float* dst = out.data<float>();
  const int64_t plane = static_cast<int64_t>(h) * w;
  for (int64_t i = 0; i < plane; ++i) {
    for (int c = 0; c < 3; ++c) dst[c * plane + i] = static_cast<float>(src[3 * i + c]) / scale;
  }
  return out;
}

void append_bytes(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<unsigned char>*>(context);
  const auto* p = static_cast<const unsigned char*>(data);
  out->insert(out->end(), p, p + size);
}

// Writes `bytes` to a unique temporary beside `path`, then renames it over `path`.
void write_atomically(const std::string& path, const std::vector<unsigned char>& bytes) {
  static std::atomic<uint64_t> counter{0};
  const std::string tmp =
      path + ".tmp" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  DC_CHECK(f != nullptr, "write_png: cannot create '", tmp, "' (to write '", path,
           "'): ", std::strerror(errno));
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  const int write_errno = errno;
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed) {
    const int err = !written ? write_errno : errno;
    std::remove(tmp.c_str());
    DC_FAIL("write_png: cannot write '", path, "': ", std::strerror(err));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    DC_FAIL("write_png: cannot rename '", tmp, "' to '", path, "': ", std::strerror(err));
  }
}

}  // namespace

Tensor read_image(const std::string& path) {
  const std::vector<unsigned char> bytes = read_bytes(path, "read_image");
  if (stbi_is_16_bit_from_memory(bytes.data(), static_cast<int>(bytes.size()))) {
    const Decoded d = decode(path, bytes, 3, true, "read_image");
    return hwc_to_chw_unit(static_cast<const uint16_t*>(d.pixels.get()), d.height, d.width,
                           65535.0f);
  }
  const Decoded d = decode(path, bytes, 3, false, "read_image");
  return hwc_to_chw_unit(static_cast<const uint8_t*>(d.pixels.get()), d.height, d.width, 255.0f);
}

Tensor read_image_u8(const std::string& path) {
  const Decoded d = decode(path, read_bytes(path, "read_image_u8"), 0, false, "read_image_u8");
  Tensor out = empty({d.height, d.width, d.file_channels}, DType::u8);
  std::memcpy(out.raw_data(), d.pixels.get(), static_cast<size_t>(out.numel()));
  return out;
}

void write_png(const std::string& path, const Tensor& image) {
  DC_CHECK(image.defined(), "write_png: '", path, "': the tensor is undefined");
  DC_CHECK(image.device().is_cpu(), "write_png: '", path, "': the tensor is on ",
           image.device().str(), ", expected a CPU tensor");
  const std::string expected =
      "expected f32 3×H×W or H×W in [0, 1], or u8 H×W×C (C = 1, 3, 4) or H×W";
  int64_t h = 0, w = 0, c = 0;
  // Element (y, x, channel) of the input lies at y * sy + x * sx + channel * sc.
  int64_t sy = 0, sx = 0, sc = 0;
  if (image.dtype() == DType::f32 && (image.dim() == 3 || image.dim() == 2)) {
    const bool rgb = image.dim() == 3;
    DC_CHECK(!rgb || image.size(0) == 3, "write_png: '", path, "': got ", image.str(), ", ",
             expected);
    c = rgb ? 3 : 1;
    h = image.size(rgb ? 1 : 0);
    w = image.size(rgb ? 2 : 1);
    sy = image.stride(rgb ? 1 : 0);
    sx = image.stride(rgb ? 2 : 1);
    sc = rgb ? image.stride(0) : 0;
  } else if (image.dtype() == DType::u8 && (image.dim() == 3 || image.dim() == 2)) {
    c = image.dim() == 3 ? image.size(2) : 1;
    DC_CHECK(c == 1 || c == 3 || c == 4, "write_png: '", path, "': got ", image.str(), ", ",
             expected);
    h = image.size(0);
    w = image.size(1);
    sy = image.stride(0);
    sx = image.stride(1);
    sc = image.dim() == 3 ? image.stride(2) : 0;
  } else {
    DC_FAIL("write_png: '", path, "': got ", image.str(), ", ", expected);
  }
  DC_CHECK(h > 0 && w > 0 && h <= INT32_MAX / (w * c), "write_png: '", path, "': got ", image.str(),
           ", expected a non-empty image of fewer than 2^31 bytes");

  std::vector<unsigned char> pixels(static_cast<size_t>(h * w * c));
  if (image.dtype() == DType::u8) {
    const uint8_t* src = image.data<uint8_t>();
    for (int64_t y = 0; y < h; ++y) {
      for (int64_t x = 0; x < w; ++x) {
        for (int64_t k = 0; k < c; ++k) pixels[(y * w + x) * c + k] = src[y * sy + x * sx + k * sc];
      }
    }
  } else {
    const float* src = image.data<float>();
    for (int64_t y = 0; y < h; ++y) {
      for (int64_t x = 0; x < w; ++x) {
        for (int64_t k = 0; k < c; ++k) {
          const float v = src[y * sy + x * sx + k * sc];
          DC_CHECK(!std::isnan(v), "write_png: '", path, "': the tensor holds NaN at (channel ", k,
                   ", y ", y, ", x ", x, "), expected values in [0, 1]");
          const float clamped = std::min(std::max(v, 0.0f), 1.0f);
          pixels[(y * w + x) * c + k] = static_cast<unsigned char>(std::lround(clamped * 255.0f));
        }
      }
    }
  }
  std::vector<unsigned char> png;
  const int ok =
      stbi_write_png_to_func(&append_bytes, &png, static_cast<int>(w), static_cast<int>(h),
                             static_cast<int>(c), pixels.data(), static_cast<int>(w * c));
  DC_CHECK(ok != 0 && !png.empty(), "write_png: '", path, "': PNG encoding failed");
  write_atomically(path, png);
}

}  // namespace dc
