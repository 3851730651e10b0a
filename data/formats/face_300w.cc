#include "data/formats/face_300w.h"

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "core/h5_tensor_file.h"
#include "data/formats/pts_300w.h"
#include "data/image_io.h"

namespace dc {

namespace fs = std::filesystem;

void write_300w_sample(const std::string& dir, const std::string& name, const Sample& face) {
  const char* where = "300w export";
  write_png((fs::path(dir) / (name + ".png")).string(), field(face, "image", where));
  write_pts((fs::path(dir) / (name + ".pts")).string(), field(face, "landmarks", where));
  write_tensor_file((fs::path(dir) / (name + "_uv.h5")).string(),
                    {{"uv", field(face, "uv", where)},
                     {"part", field(face, "part", where)},
                     {"mask", field(face, "mask", where)},
                     {"visible", field(face, "visible", where)}});
}

std::vector<std::string> list_300w(const std::string& dir) {
  DC_CHECK(fs::is_directory(dir), dir, ": not a directory");
  std::vector<std::string> stems;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".pts") stems.push_back(e.path().stem().string());
  std::sort(stems.begin(), stems.end());
  return stems;
}

Sample read_300w_sample(const std::string& dir, const std::string& name) {
  Sample s;
  const std::string pts = (fs::path(dir) / (name + ".pts")).string();
  s["landmarks"] = read_pts(pts);
  DC_CHECK(s["landmarks"].size(0) == 68, pts, ": n_points is ", s["landmarks"].size(0),
           ", expected the 68 points of 300-W");
  std::string image;
  for (const char* ext : {".png", ".jpg", ".jpeg"}) {
    const fs::path p = fs::path(dir) / (name + ext);
    if (fs::exists(p)) {
      image = p.string();
      break;
    }
  }
  DC_CHECK(!image.empty(), pts, ": no image ", name, ".png or ", name, ".jpg beside it");
  s["image"] = read_image(image);
  const int64_t H = s["image"].size(1), W = s["image"].size(2);
  const std::string h5 = (fs::path(dir) / (name + "_uv.h5")).string();
  if (!fs::exists(h5)) return s;
  const TensorMap m = read_tensors(h5, {"uv", "part", "mask", "visible"});
  const Tensor& uv = m[0].second;
  const Tensor& part = m[1].second;
  const Tensor& mask = m[2].second;
  const Tensor& visible = m[3].second;
  DC_CHECK(uv.dtype() == DType::f32 && uv.sizes() == Shape({2, H, W}), h5, ": field 'uv' is ",
           uv.str(), ", expected f32[2, ", H, ", ", W, "] (the image is ", W, "x", H, ")");
  DC_CHECK(part.dtype() == DType::i64 && part.sizes() == Shape({H, W}), h5, ": field 'part' is ",
           part.str(), ", expected i64[", H, ", ", W, "]");
  DC_CHECK(mask.dtype() == DType::u8 && mask.sizes() == Shape({H, W}), h5, ": field 'mask' is ",
           mask.str(), ", expected u8[", H, ", ", W, "]");
  DC_CHECK(visible.dtype() == DType::u8 && visible.sizes() == Shape({68}), h5,
           ": field 'visible' is ", visible.str(), ", expected u8[68]");
  const float* u = uv.data<float>();
  for (int64_t i = 0; i < 2 * H * W; ++i) {
    DC_CHECK(u[i] >= 0 && u[i] <= 1, h5, ": field 'uv' ", i < H * W ? "U" : "V", " at (x ",
             (i % (H * W)) % W, ", y ", (i % (H * W)) / W, ") = ", u[i], ", expected [0, 1]");
  }
  const int64_t* pl = part.data<int64_t>();
  for (int64_t i = 0; i < H * W; ++i) {
    DC_CHECK(pl[i] >= 0 && pl[i] <= 8, h5, ": field 'part' at (x ", i % W, ", y ", i / W,
             ") = ", pl[i], ", expected a face part 0..8");
  }
  const uint8_t* v = visible.data<uint8_t>();
  for (int k = 0; k < 68; ++k)
    DC_CHECK(v[k] <= 1, h5, ": field 'visible'[", k, "] = ", int(v[k]), ", expected 0 or 1");
  s["uv"] = uv;
  s["part"] = part;
  s["mask"] = mask;
  s["visible"] = visible;
  return s;
}

}  // namespace dc
