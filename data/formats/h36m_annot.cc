#include "data/formats/h36m_annot.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "core/error.h"
#include "core/h5_tensor_file.h"
#include "data/formats/text_file.h"

namespace dc {
namespace {

const char* const kFloatFields[] = {"part", "center", "scale", "S", "f", "c"};

Shape expected_shape(const std::string& key, int64_t n) {
  if (key == "part") return {n, kH36mJoints, 2};
  if (key == "center" || key == "f" || key == "c") return {n, 2};
  if (key == "scale") return {n};
  if (key == "zind") return {n, kH36mJoints};
  return {n, kH36mJoints, 3};  // S
}

const Tensor& by_name(const H36mAnnot& a, const std::string& key) {
  if (key == "part") return a.part;
  if (key == "center") return a.center;
  if (key == "scale") return a.scale;
  if (key == "zind") return a.zind;
  if (key == "S") return a.S;
  if (key == "f") return a.f;
  return a.c;
}

}  // namespace

int64_t h36m_depth_bin(double dz_mm) {
  const double b = std::floor(dz_mm / kH36mBinMm) + 33;
  return static_cast<int64_t>(std::clamp(b, 1.0, static_cast<double>(kH36mDepthBins)));
}

void append_h36m_records(H36mAnnot* annot, const Sample& sample, const std::string& image_name,
                         double fx, double fy, double cx, double cy) {
  const char* where = "h36m export";
  const Tensor boxes = field(sample, "boxes", where).contiguous();
  const Tensor j3 = field(sample, "joints3d", where).contiguous();
  const Tensor j2 = field(sample, "joints2d", where).contiguous();
  const int64_t n_new = boxes.size(0);
  DC_CHECK(j3.dim() == 3 && j3.size(0) == n_new && j2.size(0) == 17 * n_new, where, ": joints3d ",
           j3.str(), " / joints2d ", j2.str(), " do not match ", n_new, " boxes");
  const int64_t n_old = annot->size(), n = n_old + n_new;
  H36mAnnot out;
  auto grow = [&](const Tensor& old, const Shape& shape, DType dt) {
    Tensor t = empty(shape, dt);
    const int64_t row = n > 0 ? t.numel() / n : 0;
    if (n_old > 0) {
      const Tensor o = old.contiguous();
      std::memcpy(t.raw_data(), o.raw_data(), row * n_old * dtype_size(dt));
    }
    return t;
  };
  out.part = grow(annot->part, {n, kH36mJoints, 2}, DType::f64);
  out.center = grow(annot->center, {n, 2}, DType::f64);
  out.scale = grow(annot->scale, {n}, DType::f64);
  out.zind = grow(annot->zind, {n, kH36mJoints}, DType::i64);
  out.S = grow(annot->S, {n, kH36mJoints, 3}, DType::f64);
  out.f = grow(annot->f, {n, 2}, DType::f64);
  out.c = grow(annot->c, {n, 2}, DType::f64);
  out.images = annot->images;
  const float* B = boxes.data<float>();
  const float* J3 = j3.data<float>();
  const float* J2 = j2.data<float>();
  for (int64_t k = 0; k < n_new; ++k) {
    const int64_t r = n_old + k;
    double* part = out.part.data<double>() + r * kH36mJoints * 2;
    double* S = out.S.data<double>() + r * kH36mJoints * 3;
    int64_t* zind = out.zind.data<int64_t>() + r * kH36mJoints;
    for (int j = 0; j < kH36mJoints; ++j) {
      part[2 * j] = J2[2 * (17 * k + j)];
      part[2 * j + 1] = J2[2 * (17 * k + j) + 1];
      for (int d = 0; d < 3; ++d) S[3 * j + d] = 1000.0 * J3[3 * (17 * k + j) + d];
    }
    for (int j = 0; j < kH36mJoints; ++j) zind[j] = h36m_depth_bin(S[3 * j + 2] - S[2]);
    const double x1 = B[4 * k], y1 = B[4 * k + 1], x2 = B[4 * k + 2], y2 = B[4 * k + 3];
    // The box is continuous ([0, W]); its centre in pixel-centre coordinates is ½ less.
    out.center.data<double>()[2 * r] = 0.5 * (x1 + x2) - 0.5;
    out.center.data<double>()[2 * r + 1] = 0.5 * (y1 + y2) - 0.5;
    out.scale.data<double>()[r] = std::max(x2 - x1, y2 - y1) / 200.0;
    out.f.data<double>()[2 * r] = fx;
    out.f.data<double>()[2 * r + 1] = fy;
    out.c.data<double>()[2 * r] = cx;
    out.c.data<double>()[2 * r + 1] = cy;
    out.images.push_back(image_name);
  }
  *annot = std::move(out);
}

void validate_h36m(const H36mAnnot& a, const std::string& where) {
  const int64_t n = a.size();
  std::vector<std::string> keys(std::begin(kFloatFields), std::end(kFloatFields));
  keys.push_back("zind");
  for (const std::string& key : keys) {
    const Tensor& t = by_name(a, key);
    DC_CHECK(t.defined(), where, ": field '", key, "' is missing");
    DC_CHECK(t.sizes() == expected_shape(key, n), where, ": field '", key, "' is ", t.str(),
             ", expected ", shape_str(expected_shape(key, n)), " (N = ", n,
             " names in images.txt)");
    DC_CHECK(t.dtype() == (key == "zind" ? DType::i64 : DType::f64), where, ": field '", key,
             "' is ", t.str(), ", expected ", key == "zind" ? "i64" : "f64");
  }
  for (const std::string& key : keys) {
    const Tensor t = by_name(a, key).contiguous();
    const int64_t row = n > 0 ? t.numel() / n : 0;
    for (int64_t i = 0; i < t.numel(); ++i) {
      const int64_t r = i / row;
      if (key == "zind") {
        const int64_t z = t.data<int64_t>()[i];
        DC_CHECK(z >= 1 && z <= kH36mDepthBins, where, ": record ", r, " (", a.images[r],
                 "): field 'zind'[", i % row, "] = ", z, ", expected a depth bin in 1..64");
        continue;
      }
      const double v = t.data<double>()[i];
      DC_CHECK(std::isfinite(v), where, ": record ", r, " (", a.images[r], "): field '", key, "'[",
               i % row, "] is not finite");
      if (key == "scale")
        DC_CHECK(v > 0, where, ": record ", r, " (", a.images[r], "): field 'scale' = ", v,
                 ", expected > 0");
      if (key == "f")
        DC_CHECK(v > 0, where, ": record ", r, " (", a.images[r], "): field 'f'[", i % row,
                 "] = ", v, ", expected a focal length > 0");
      if (key == "S" && i % 3 == 2)
        DC_CHECK(v > 0, where, ": record ", r, " (", a.images[r], "): field 'S' joint ",
                 (i % row) / 3, " has Z = ", v, " mm, expected > 0 (in front of the camera)");
    }
  }
  for (int64_t r = 0; r < n; ++r)
    DC_CHECK(!a.images[r].empty(), where, ": record ", r, ": empty image name in images.txt");
}

void write_h36m(const std::string& dir, const H36mAnnot& a) {
  const std::string h5 = (std::filesystem::path(dir) / "annot.h5").string();
  validate_h36m(a, h5);
  TensorMap map;
  for (const char* key : {"part", "center", "scale", "zind", "S", "f", "c"})
    map.emplace_back(key, by_name(a, key));
  write_tensor_file(h5, map);
  std::string names;
  for (const std::string& s : a.images) names += s + "\n";
  write_text_file((std::filesystem::path(dir) / "images.txt").string(), names);
}

H36mAnnot read_h36m(const std::string& dir) {
  const std::string h5 = (std::filesystem::path(dir) / "annot.h5").string();
  const std::string txt = (std::filesystem::path(dir) / "images.txt").string();
  DC_CHECK(std::filesystem::exists(h5), h5, ": no such file (expected the c2f-vol annot.h5)");
  H36mAnnot a;
  std::istringstream names(read_text_file(txt));
  for (std::string line; std::getline(names, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) a.images.push_back(line);
  }
  std::vector<std::string> present;
  for (const TensorInfo& info : list_tensors(h5)) present.push_back(info.key);
  for (const char* key : {"part", "center", "scale", "zind", "S", "f", "c"}) {
    DC_CHECK(std::find(present.begin(), present.end(), key) != present.end(), h5,
             ": missing dataset '", key, "'");
  }
  const TensorMap m = read_tensors(h5, {"part", "center", "scale", "zind", "S", "f", "c"});
  auto as_f64 = [&](const Tensor& t, const char* key) {
    DC_CHECK(t.dtype() == DType::f64 || t.dtype() == DType::f32 || t.dtype() == DType::f16, h5,
             ": field '", key, "' is ", t.str(), ", expected floating values");
    return t.dtype() == DType::f64 ? t : t.to(DType::f64);
  };
  a.part = as_f64(m[0].second, "part");
  a.center = as_f64(m[1].second, "center");
  a.scale = as_f64(m[2].second, "scale");
  const Tensor z = m[3].second;
  if (z.dtype() == DType::i64) {
    a.zind = z;
  } else {
    // Matlab and h5py often store the bins as doubles: accept them when they are integers.
    const std::vector<double> v = z.to_vector();
    for (size_t i = 0; i < v.size(); ++i)
      DC_CHECK(v[i] == std::floor(v[i]), h5, ": field 'zind'[", i, "] = ", v[i],
               " is not an integer depth bin");
    a.zind = z.to(DType::i64);
  }
  a.S = as_f64(m[4].second, "S");
  a.f = as_f64(m[5].second, "f");
  a.c = as_f64(m[6].second, "c");
  validate_h36m(a, h5);
  return a;
}

}  // namespace dc
