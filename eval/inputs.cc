#include "eval/inputs.h"

#include "core/error.h"

namespace dc {
namespace {

void check_cpu(const Tensor& t, const std::string& what) {
  DC_CHECK(t.defined(), what, ": the tensor is undefined");
  DC_CHECK(t.device().is_cpu(), what, ": expected a CPU tensor, got one on ", t.device());
}

}  // namespace

std::vector<float> eval_read_uv(const Tensor& uv, const std::string& what, int64_t* height,
                                int64_t* width) {
  check_cpu(uv, what);
  DC_CHECK(uv.dim() == 3 && uv.size(0) == 2, what, ": expected a 2×H×W (U, V) field, got ",
           uv.str());
  DC_CHECK(is_floating(uv.dtype()), what, ": expected a floating dtype, got ", uv.str());
  *height = uv.size(1);
  *width = uv.size(2);
  const std::vector<double> v = uv.to_vector();
  return std::vector<float>(v.begin(), v.end());
}

std::vector<uint8_t> eval_read_mask(const Tensor& mask, const std::string& what, int64_t height,
                                    int64_t width) {
  check_cpu(mask, what);
  DC_CHECK(mask.dim() == 2 && mask.size(0) == height && mask.size(1) == width, what,
           ": expected an H×W mask of ", height, "×", width, ", got ", mask.str());
  const std::vector<double> v = mask.to_vector();
  std::vector<uint8_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = v[i] != 0 ? 1 : 0;
  return out;
}

std::vector<int64_t> eval_read_labels(const Tensor& labels, const std::string& what, int64_t height,
                                      int64_t width) {
  check_cpu(labels, what);
  DC_CHECK(labels.dim() == 2 && labels.size(0) == height && labels.size(1) == width, what,
           ": expected an H×W label map of ", height, "×", width, ", got ", labels.str());
  const DType t = labels.dtype();
  DC_CHECK(t == DType::i64 || t == DType::i32 || t == DType::u8, what,
           ": expected integer labels (i64, i32 or u8), got ", labels.str());
  const std::vector<double> v = labels.to_vector();
  return std::vector<int64_t>(v.begin(), v.end());
}

std::vector<float> eval_read_rgb(const Tensor& image, const std::string& what, int64_t* height,
                                 int64_t* width) {
  check_cpu(image, what);
  DC_CHECK(image.dim() == 3 && image.size(0) == 3, what, ": expected a 3×H×W RGB image, got ",
           image.str());
  DC_CHECK(is_floating(image.dtype()), what, ": expected a floating dtype (values in [0, 1]), got ",
           image.str());
  *height = image.size(1);
  *width = image.size(2);
  const std::vector<double> v = image.to_vector();
  return std::vector<float>(v.begin(), v.end());
}

std::vector<double> eval_read_points(const Tensor& points, const std::string& what,
                                     int64_t* count) {
  check_cpu(points, what);
  DC_CHECK(points.dim() == 2 && points.size(1) == 2, what, ": expected K×2 points, got ",
           points.str());
  DC_CHECK(is_floating(points.dtype()), what, ": expected a floating dtype, got ", points.str());
  *count = points.size(0);
  return points.to_vector();
}

Tensor eval_rgb_tensor(const std::vector<float>& rgb, int64_t height, int64_t width) {
  DC_CHECK(static_cast<int64_t>(rgb.size()) == 3 * height * width,
           "eval_rgb_tensor: internal size mismatch");
  Tensor out = empty({3, height, width}, DType::f32);
  std::copy(rgb.begin(), rgb.end(), out.data<float>());
  return out;
}

}  // namespace dc
