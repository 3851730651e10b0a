#include "data/warp.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "data/resample.h"

namespace dc {

Affine Affine::inverse() const {
  const double det = a * e - b * d;
  DC_CHECK(det != 0 && std::isfinite(det), "Affine::inverse: the map (", a, ", ", b, ", ", c, "; ",
           d, ", ", e, ", ", f, ") is singular or not finite");
  Affine r;
  r.a = e / det;
  r.b = -b / det;
  r.d = -d / det;
  r.e = a / det;
  r.c = -(r.a * c + r.b * f);
  r.f = -(r.d * c + r.e * f);
  return r;
}

Affine Affine::then(const Affine& n) const {
  return {n.a * a + n.b * d, n.a * b + n.b * e, n.a * c + n.b * f + n.c,
          n.d * a + n.e * d, n.d * b + n.e * e, n.d * c + n.e * f + n.f};
}

Affine Affine::rotation(double degrees, double cx, double cy) {
  double cos_t = std::cos(degrees * M_PI / 180.0);
  double sin_t = std::sin(degrees * M_PI / 180.0);
  // cos(90°) is 6e-17 in floating point; exact values keep quarter turns exact on the pixel grid.
  const double turns = degrees / 90.0;
  if (turns == std::floor(turns) && std::abs(turns) < 1e15) {
    const int64_t q = ((static_cast<int64_t>(turns) % 4) + 4) % 4;
    const double cos_q[4] = {1, 0, -1, 0}, sin_q[4] = {0, 1, 0, -1};
    cos_t = cos_q[q];
    sin_t = sin_q[q];
  }
  // Counter-clockwise on screen with y pointing down: the +x axis turns towards −y.
  return {cos_t, sin_t, cx - cos_t * cx - sin_t * cy, -sin_t, cos_t, cy + sin_t * cx - cos_t * cy};
}

void check_sample_layout(const Sample& sample, const SampleLayout& layout,
                         const std::string& where) {
  for (const auto& [name, t] : sample) {
    if (layout.count(name) == 0) {
      std::string kinds;
      for (const auto& entry : layout) kinds += (kinds.empty() ? "" : ", ") + entry.first;
      DC_FAIL(where, ": the sample's field '", name,
              "' has no kind in the layout (layout: ", kinds.empty() ? "empty" : kinds,
              "); give fields that do not move FieldKind::kOther");
    }
    DC_CHECK(t.defined(), where, ": the sample's field '", name, "' is an undefined tensor");
    DC_CHECK(t.device().is_cpu(), where, ": the sample's field '", name, "' is on ",
             t.device().str(), ", transforms run on CPU samples");
  }
}

std::array<int64_t, 2> sample_image_size(const Sample& sample, const SampleLayout& layout,
                                         const std::string& where) {
  std::string first;
  std::array<int64_t, 2> hw{-1, -1};
  for (const auto& [name, kind] : layout) {
    if (kind != FieldKind::kImage && kind != FieldKind::kDenseLabel) continue;
    const Tensor& t = field(sample, name, where);
    DC_CHECK(t.dim() == 2 || t.dim() == 3, where, ": field '", name, "' is ", t.str(),
             ", expected C×H×W or H×W (", kind == FieldKind::kImage ? "an image" : "a dense label",
             ")");
    const std::array<int64_t, 2> this_hw{t.size(-2), t.size(-1)};
    if (first.empty()) {
      first = name;
      hw = this_hw;
    } else {
      DC_CHECK(this_hw == hw, where, ": fields '", first, "' (", field(sample, first, where).str(),
               ") and '", name, "' (", t.str(), ") disagree on H×W");
    }
  }
  DC_CHECK(!first.empty(), where,
           ": the layout has no kImage or kDenseLabel field, so the image size is unknown");
  return hw;
}

namespace {

// The visibility field of point field `name`, if the sample has one.
std::string visibility_field(const Sample& sample, const std::string& name) {
  if (sample.count(name + "_visible")) return name + "_visible";
  if (sample.count("visible")) return "visible";
  return "";
}

template <typename T>
Tensor warp_points(const Tensor& pts, const Affine& map, int64_t out_h, int64_t out_w,
                   std::vector<int64_t>* outside) {
  Tensor out = empty(pts.sizes(), pts.dtype());
  const T* in = pts.data<T>();
  T* dst = out.data<T>();
  for (int64_t k = 0; k < pts.size(0); ++k) {
    const double x = in[k * pts.stride(0)], y = in[k * pts.stride(0) + pts.stride(1)];
    const auto [cx, cy] = map.apply(x + 0.5, y + 0.5);
    dst[2 * k] = static_cast<T>(cx - 0.5);
    dst[2 * k + 1] = static_cast<T>(cy - 0.5);
    if (!(cx >= 0 && cx <= out_w && cy >= 0 && cy <= out_h)) outside->push_back(k);
  }
  return out;
}

template <typename T>
Tensor warp_boxes(const Tensor& boxes, const Affine& map, int64_t out_h, int64_t out_w) {
  Tensor out = empty(boxes.sizes(), boxes.dtype());
  const T* in = boxes.data<T>();
  T* dst = out.data<T>();
  const int64_t s0 = boxes.stride(0), s1 = boxes.stride(1);
  for (int64_t n = 0; n < boxes.size(0); ++n) {
    const double x1 = in[n * s0], y1 = in[n * s0 + s1], x2 = in[n * s0 + 2 * s1],
                 y2 = in[n * s0 + 3 * s1];
    double lo_x = INFINITY, lo_y = INFINITY, hi_x = -INFINITY, hi_y = -INFINITY;
    for (const auto& [x, y] : {std::array<double, 2>{x1, y1}, {x2, y1}, {x1, y2}, {x2, y2}}) {
      const auto [mx, my] = map.apply(x, y);
      lo_x = std::min(lo_x, mx);
      hi_x = std::max(hi_x, mx);
      lo_y = std::min(lo_y, my);
      hi_y = std::max(hi_y, my);
    }
    auto clip = [](double v, double hi) { return std::min(std::max(v, 0.0), hi); };
    dst[4 * n] = static_cast<T>(clip(lo_x, out_w));
    dst[4 * n + 1] = static_cast<T>(clip(lo_y, out_h));
    dst[4 * n + 2] = static_cast<T>(clip(hi_x, out_w));
    dst[4 * n + 3] = static_cast<T>(clip(hi_y, out_h));
  }
  return out;
}

}  // namespace

void warp_sample(Sample& sample, const SampleLayout& layout, const Affine& map, int64_t out_h,
                 int64_t out_w, const std::string& where) {
  DC_CHECK(out_h > 0 && out_w > 0, where, ": output size ", out_h, "×", out_w, " must be positive");
  check_sample_layout(sample, layout, where);
  const auto [h, w] = sample_image_size(sample, layout, where);
  const ResampleTable table(map.inverse(), h, w, out_h, out_w);
  // Results go to a copy of the handles, so that a failure leaves `sample` as it was.
  Sample out = sample;
  for (const auto& [name, kind] : layout) {
    const std::string what = where + ": field '" + name + "'";
    switch (kind) {
      case FieldKind::kOther:
        break;
      case FieldKind::kImage: {
        const Tensor& t = field(sample, name, where);
        DC_CHECK(t.dtype() == DType::f32 || t.dtype() == DType::f64, what, " is ", t.str(),
                 ", expected an f32 or f64 image");
        out[name] = table.image(t);
        break;
      }
      case FieldKind::kDenseLabel:
        out[name] = table.label(field(sample, name, where));
        break;
      case FieldKind::kPoints: {
        const Tensor& t = field(sample, name, where);
        DC_CHECK(t.dim() == 2 && t.size(1) == 2, what, " is ", t.str(),
                 ", expected K×2 points (x, y)");
        std::vector<int64_t> outside;
        out[name] = DC_DISPATCH_FLOAT(t.dtype(), what.c_str(), [&] {
          return warp_points<scalar_t>(t, map, out_h, out_w, &outside);
        });
        const std::string vis = visibility_field(sample, name);
        if (vis.empty() || outside.empty()) break;
        // Another point field may already have rewritten the shared visibility field.
        const Tensor& current = out.at(vis);
        DC_CHECK(current.dim() == 1 && current.size(0) == t.size(0), where, ": visibility field '",
                 vis, "' is ", current.str(), ", expected ", t.size(0), " entries as '", name,
                 "' (", t.str(), ")");
        Tensor v = current.clone();  // contiguous
        const size_t elem = dtype_size(v.dtype());
        for (const int64_t k : outside) {
          std::memset(static_cast<char*>(v.raw_data()) + k * elem, 0, elem);  // 0 in any dtype
        }
        out[vis] = v;
        break;
      }
      case FieldKind::kBoxes: {
        const Tensor& t = field(sample, name, where);
        DC_CHECK(t.dim() == 2 && t.size(1) == 4, what, " is ", t.str(),
                 ", expected N×4 boxes (x1, y1, x2, y2)");
        out[name] = DC_DISPATCH_FLOAT(t.dtype(), what.c_str(),
                                      [&] { return warp_boxes<scalar_t>(t, map, out_h, out_w); });
        break;
      }
    }
  }
  sample = std::move(out);
}

}  // namespace dc
