#include "data/warp.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/error.h"

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

// Element (c, y, x) of a C×H×W or H×W field lies at c·sc + y·sy + x·sx from its first element.
struct Planes {
  int64_t channels, sc, sy, sx;
};

Planes planes_of(const Tensor& t) {
  if (t.dim() == 2) return {1, 0, t.stride(0), t.stride(1)};
  return {t.size(0), t.stride(0), t.stride(1), t.stride(2)};
}

Shape out_shape(const Tensor& t, int64_t out_h, int64_t out_w) {
  if (t.dim() == 2) return {out_h, out_w};
  return {t.size(0), out_h, out_w};
}

// The source point (continuous coordinates) that output pixel (i, j)'s centre comes from.
struct RowWalker {
  const Affine& inv;
  double u0, v0;  // for j = 0
  RowWalker(const Affine& m, int64_t i)
      : inv(m), u0(m.a * 0.5 + m.b * (i + 0.5) + m.c), v0(m.d * 0.5 + m.e * (i + 0.5) + m.f) {}
  double u(int64_t j) const { return u0 + inv.a * j; }
  double v(int64_t j) const { return v0 + inv.d * j; }
};

// Bilinear resampling of a float image; see the kImage rule in warp.h.
template <typename T>
Tensor warp_image(const Tensor& src, const Affine& inv, int64_t h, int64_t w, int64_t out_h,
                  int64_t out_w) {
  const Planes p = planes_of(src);
  Tensor out = empty(out_shape(src, out_h, out_w), src.dtype());
  const T* in = src.data<T>();
  T* dst = out.data<T>();
  std::vector<int64_t> offsets(4 * out_w);
  std::vector<T> weights(4 * out_w);
  const int64_t plane = out_h * out_w;
  for (int64_t i = 0; i < out_h; ++i) {
    const RowWalker row(inv, i);
    for (int64_t j = 0; j < out_w; ++j) {
      const double u = row.u(j), v = row.v(j);
      int64_t* o = &offsets[4 * j];
      T* wt = &weights[4 * j];
      if (!(u >= 0 && u < w && v >= 0 && v < h)) {
        std::fill(o, o + 4, 0);
        std::fill(wt, wt + 4, T(0));
        continue;
      }
      const double px = u - 0.5, py = v - 0.5;
      const double fx0 = std::floor(px), fy0 = std::floor(py);
      const T fx = static_cast<T>(px - fx0), fy = static_cast<T>(py - fy0);
      const int64_t x0 = static_cast<int64_t>(fx0), y0 = static_cast<int64_t>(fy0);
      const int64_t xa = std::max<int64_t>(x0, 0), xb = std::min<int64_t>(x0 + 1, w - 1);
      const int64_t ya = std::max<int64_t>(y0, 0), yb = std::min<int64_t>(y0 + 1, h - 1);
      o[0] = ya * p.sy + xa * p.sx;
      o[1] = ya * p.sy + xb * p.sx;
      o[2] = yb * p.sy + xa * p.sx;
      o[3] = yb * p.sy + xb * p.sx;
      wt[0] = (1 - fy) * (1 - fx);
      wt[1] = (1 - fy) * fx;
      wt[2] = fy * (1 - fx);
      wt[3] = fy * fx;
    }
    for (int64_t c = 0; c < p.channels; ++c) {
      const T* s = in + c * p.sc;
      T* d = dst + c * plane + i * out_w;
      for (int64_t j = 0; j < out_w; ++j) {
        const int64_t* o = &offsets[4 * j];
        const T* wt = &weights[4 * j];
        d[j] = wt[0] * s[o[0]] + wt[1] * s[o[1]] + wt[2] * s[o[2]] + wt[3] * s[o[3]];
      }
    }
  }
  return out;
}

// Nearest-neighbour resampling of any dtype, moving elements as opaque words of sizeof(W) bytes.
template <typename Word>
Tensor warp_label(const Tensor& src, const Affine& inv, int64_t h, int64_t w, int64_t out_h,
                  int64_t out_w) {
  const Planes p = planes_of(src);
  Tensor out = empty(out_shape(src, out_h, out_w), src.dtype());
  const Word* in = static_cast<const Word*>(src.raw_data());
  Word* dst = static_cast<Word*>(out.raw_data());
  std::vector<int64_t> offsets(out_w);  // -1: outside the source
  const int64_t plane = out_h * out_w;
  for (int64_t i = 0; i < out_h; ++i) {
    const RowWalker row(inv, i);
    for (int64_t j = 0; j < out_w; ++j) {
      const double u = row.u(j), v = row.v(j);
      offsets[j] = (u >= 0 && u < w && v >= 0 && v < h)
                       ? static_cast<int64_t>(v) * p.sy + static_cast<int64_t>(u) * p.sx
                       : -1;
    }
    for (int64_t c = 0; c < p.channels; ++c) {
      const Word* s = in + c * p.sc;
      Word* d = dst + c * plane + i * out_w;
      for (int64_t j = 0; j < out_w; ++j) d[j] = offsets[j] >= 0 ? s[offsets[j]] : Word(0);
    }
  }
  return out;
}

Tensor warp_label_any(const Tensor& src, const Affine& inv, int64_t h, int64_t w, int64_t out_h,
                      int64_t out_w) {
  switch (dtype_size(src.dtype())) {
    case 1:
      return warp_label<uint8_t>(src, inv, h, w, out_h, out_w);
    case 2:
      return warp_label<uint16_t>(src, inv, h, w, out_h, out_w);
    case 4:
      return warp_label<uint32_t>(src, inv, h, w, out_h, out_w);
    case 8:
      return warp_label<uint64_t>(src, inv, h, w, out_h, out_w);
  }
  DC_FAIL("warp_label: unexpected element size of dtype ", dtype_name(src.dtype()));
}

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
  const Affine inv = map.inverse();
  // Results go to a copy of the handles, so that a failure leaves `sample` as it was.
  Sample out = sample;
  for (const auto& [name, kind] : layout) {
    const std::string what = where + ": field '" + name + "'";
    switch (kind) {
      case FieldKind::kOther:
        break;
      case FieldKind::kImage: {
        const Tensor& t = field(sample, name, where);
        out[name] = DC_DISPATCH_FLOAT(t.dtype(), what.c_str(), [&] {
          return warp_image<scalar_t>(t, inv, h, w, out_h, out_w);
        });
        break;
      }
      case FieldKind::kDenseLabel:
        out[name] = warp_label_any(field(sample, name, where), inv, h, w, out_h, out_w);
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
