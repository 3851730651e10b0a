#include "data/transforms.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/error.h"

namespace dc {
namespace {

// Uniform in [0, 1) from one Philox counter of `rng`.
double uniform01(Generator& rng) {
  const auto b = rng.block(rng.advance(1));
  return uints_to_unit_double(b[0], b[1]);
}

// Uniform integer in [lo, hi].
int64_t uniform_int(Generator& rng, int64_t lo, int64_t hi) {
  const double u = uniform01(rng);
  return std::min(hi, lo + static_cast<int64_t>(std::floor(u * static_cast<double>(hi - lo + 1))));
}

// A dc::Error unless `table` holds each of 0 .. size − 1 exactly once.
void check_permutation(const std::vector<int64_t>& table, const std::string& what) {
  std::vector<bool> seen(table.size(), false);
  for (size_t i = 0; i < table.size(); ++i) {
    const int64_t v = table[i];
    DC_CHECK(v >= 0 && v < static_cast<int64_t>(table.size()) && !seen[v], what,
             " is not a permutation of 0..", table.size() - 1, ": entry ", i, " is ", v,
             v >= 0 && v < static_cast<int64_t>(table.size()) ? " (repeated)" : " (out of range)");
    seen[v] = true;
  }
}

const char* kind_name(FieldKind kind) {
  switch (kind) {
    case FieldKind::kImage:
      return "kImage";
    case FieldKind::kDenseLabel:
      return "kDenseLabel";
    case FieldKind::kPoints:
      return "kPoints";
    case FieldKind::kBoxes:
      return "kBoxes";
    case FieldKind::kOther:
      return "kOther";
  }
  return "?";
}

void check_rule_field(const SampleLayout& layout, const std::string& name, FieldKind want,
                      const char* table) {
  const auto it = layout.find(name);
  DC_CHECK(it != layout.end(), "HorizontalFlip: FlipRules.", table, " names field '", name,
           "', which the layout does not have");
  DC_CHECK(it->second == want, "HorizontalFlip: FlipRules.", table, " names field '", name,
           "', whose kind is ", kind_name(it->second), ", expected ", kind_name(want));
}

// out[i] = table[in[i]] over an integer label field.
template <typename T>
Tensor permute_labels(const Tensor& labels, const std::vector<int64_t>& table,
                      const std::string& name) {
  DC_CHECK(table.size() <= static_cast<size_t>(std::numeric_limits<T>::max()) + 1,
           "HorizontalFlip: the label permutation of field '", name, "' has ", table.size(),
           " entries, more than dtype ", dtype_name(labels.dtype()), " can hold");
  DC_CHECK(labels.is_contiguous(), "HorizontalFlip: field '", name, "' must be contiguous");
  Tensor out = empty(labels.sizes(), labels.dtype());
  const T* in = labels.data<T>();
  T* dst = out.data<T>();
  const int64_t n = static_cast<int64_t>(table.size()), count = labels.numel();
  for (int64_t i = 0; i < count; ++i) {
    const int64_t v = static_cast<int64_t>(in[i]);
    DC_CHECK(v >= 0 && v < n, "HorizontalFlip: field '", name, "' holds the value ", v,
             ", outside its label permutation (", n, " entries)");
    dst[i] = static_cast<T>(table[v]);
  }
  return out;
}

// Rows of `t` (first dim) reordered: out[i] = t[table[i]], any dtype.
Tensor permute_rows(const Tensor& t, const std::vector<int64_t>& table) {
  DC_CHECK(t.is_contiguous(), "permute_rows: expected a contiguous tensor, got ", t.str());
  Tensor out = empty(t.sizes(), t.dtype());
  const size_t row = dtype_size(t.dtype()) * static_cast<size_t>(t.numel() / t.size(0));
  for (size_t i = 0; i < table.size(); ++i) {
    std::memcpy(static_cast<char*>(out.raw_data()) + i * row,
                static_cast<const char*>(t.raw_data()) + table[i] * row, row);
  }
  return out;
}

// A contiguous copy of a C×H×W or H×W field on this thread (Tensor::clone may use the shared
// pool, which loader threads must not wait on).
template <typename T>
Tensor serial_copy(const Tensor& t) {
  Tensor out = empty(t.sizes(), t.dtype());
  T* dst = out.data<T>();
  const T* src = t.data<T>();
  if (t.is_contiguous()) {
    std::memcpy(dst, src, sizeof(T) * t.numel());
    return out;
  }
  const int64_t c_n = t.dim() == 3 ? t.size(0) : 1, sc = t.dim() == 3 ? t.stride(0) : 0;
  const int64_t h = t.size(-2), w = t.size(-1), sy = t.stride(-2), sx = t.stride(-1);
  for (int64_t c = 0; c < c_n; ++c) {
    for (int64_t y = 0; y < h; ++y) {
      for (int64_t x = 0; x < w; ++x) *dst++ = src[c * sc + y * sy + x * sx];
    }
  }
  return out;
}

// The photometric operations of ColorJitter on a contiguous C×H×W (C = 1 or 3) image, in place.
template <typename T>
struct Jitter {
  T* data;
  int64_t channels, plane;

  static T clamp01(T v) { return std::min(std::max(v, T(0)), T(1)); }
  T grey(int64_t i) const {
    if (channels == 1) return data[i];
    return T(0.2989) * data[i] + T(0.587) * data[plane + i] + T(0.114) * data[2 * plane + i];
  }
  void brightness(T f) const {
    for (int64_t i = 0; i < channels * plane; ++i) data[i] = clamp01(data[i] * f);
  }
  void contrast(T f) const {
    double sum = 0;
    for (int64_t i = 0; i < plane; ++i) sum += grey(i);
    const T offset = (1 - f) * static_cast<T>(sum / static_cast<double>(plane));
    for (int64_t i = 0; i < channels * plane; ++i) data[i] = clamp01(f * data[i] + offset);
  }
  void saturation(T f) const {
    if (channels == 1) return;
    for (int64_t i = 0; i < plane; ++i) {
      const T g = (1 - f) * grey(i);
      for (int64_t c = 0; c < 3; ++c) data[c * plane + i] = clamp01(f * data[c * plane + i] + g);
    }
  }
};

}  // namespace

// --- Compose ---

Compose::Compose(std::vector<TransformPtr> transforms) : transforms_(std::move(transforms)) {
  for (size_t i = 0; i < transforms_.size(); ++i) {
    DC_CHECK(transforms_[i] != nullptr, "Compose: transform ", i, " is null");
  }
}

void Compose::apply(Sample& sample, const SampleLayout& layout, Generator& rng) const {
  for (const TransformPtr& t : transforms_) t->apply(sample, layout, rng);
}

std::string Compose::name() const {
  std::string names;
  for (const TransformPtr& t : transforms_) names += (names.empty() ? "" : ", ") + t->name();
  return "Compose(" + names + ")";
}

// --- RandomScale ---

RandomScale::RandomScale(std::vector<double> factors) : factors_(std::move(factors)) {
  DC_CHECK(!factors_.empty(), "RandomScale: the list of factors is empty");
  for (const double s : factors_) {
    DC_CHECK(s > 0 && std::isfinite(s), "RandomScale: factor ", s, " must be positive and finite");
  }
}

void RandomScale::apply(Sample& sample, const SampleLayout& layout, Generator& rng) const {
  check_sample_layout(sample, layout, name());
  const auto [h, w] = sample_image_size(sample, layout, name());
  const double s = factors_[uniform_int(rng, 0, static_cast<int64_t>(factors_.size()) - 1)];
  const int64_t out_h = std::max<int64_t>(1, std::llround(s * h));
  const int64_t out_w = std::max<int64_t>(1, std::llround(s * w));
  warp_sample(sample, layout,
              Affine::scaling(static_cast<double>(out_w) / w, static_cast<double>(out_h) / h),
              out_h, out_w, name());
}

// --- Crop ---

Crop::Crop(int64_t out_h, int64_t out_w, CropPosition position)
    : out_h_(out_h), out_w_(out_w), position_(position) {
  DC_CHECK(out_h > 0 && out_w > 0, "Crop: output size ", out_h, "×", out_w, " must be positive");
}

void Crop::apply(Sample& sample, const SampleLayout& layout, Generator& rng) const {
  check_sample_layout(sample, layout, name());
  const auto [h, w] = sample_image_size(sample, layout, name());
  // Offsets of the window in the image; negative where the image is smaller and gets padded.
  int64_t y0 = (h - out_h_) / 2, x0 = (w - out_w_) / 2;  // truncation: extra row at the bottom
  if (position_ == CropPosition::kRandom) {
    y0 = uniform_int(rng, std::min<int64_t>(0, h - out_h_), std::max<int64_t>(0, h - out_h_));
    x0 = uniform_int(rng, std::min<int64_t>(0, w - out_w_), std::max<int64_t>(0, w - out_w_));
  }
  warp_sample(sample, layout,
              Affine::translation(-static_cast<double>(x0), -static_cast<double>(y0)), out_h_,
              out_w_, name());
}

// --- RandomRotation ---

RandomRotation::RandomRotation(double degrees) : RandomRotation(-degrees, degrees) {}

RandomRotation::RandomRotation(double min_degrees, double max_degrees)
    : min_degrees_(min_degrees), max_degrees_(max_degrees) {
  DC_CHECK(std::isfinite(min_degrees) && std::isfinite(max_degrees) && min_degrees <= max_degrees,
           "RandomRotation: the angle range [", min_degrees, ", ", max_degrees,
           "] must be finite and ordered (a single degrees argument must be >= 0)");
}

void RandomRotation::apply(Sample& sample, const SampleLayout& layout, Generator& rng) const {
  check_sample_layout(sample, layout, name());
  const auto [h, w] = sample_image_size(sample, layout, name());
  const double u = uniform01(rng);
  const double degrees = min_degrees_ == max_degrees_
                             ? min_degrees_
                             : min_degrees_ + u * (max_degrees_ - min_degrees_);
  warp_sample(sample, layout, Affine::rotation(degrees, w / 2.0, h / 2.0), h, w, name());
}

// --- HorizontalFlip ---

HorizontalFlip::HorizontalFlip(double p, FlipRules rules) : p_(p), rules_(std::move(rules)) {
  DC_CHECK(p >= 0 && p <= 1, "HorizontalFlip: probability p = ", p, " must lie in [0, 1]");
  for (const auto& [name, table] : rules_.label_permutation) {
    check_permutation(table, "HorizontalFlip: FlipRules.label_permutation of field '" + name + "'");
  }
  for (const auto& [name, table] : rules_.point_permutation) {
    check_permutation(table, "HorizontalFlip: FlipRules.point_permutation of field '" + name + "'");
  }
}

void HorizontalFlip::apply(Sample& sample, const SampleLayout& layout, Generator& rng) const {
  check_sample_layout(sample, layout, name());
  for (const auto& entry : rules_.label_permutation) {
    check_rule_field(layout, entry.first, FieldKind::kDenseLabel, "label_permutation");
  }
  for (const auto& entry : rules_.point_permutation) {
    check_rule_field(layout, entry.first, FieldKind::kPoints, "point_permutation");
  }
  const auto [h, w] = sample_image_size(sample, layout, name());
  if (uniform01(rng) >= p_) return;
  warp_sample(sample, layout, Affine::horizontal_flip(static_cast<double>(w)), h, w, name());

  for (const auto& [name, table] : rules_.label_permutation) {
    const Tensor& labels = field(sample, name, this->name());
    const std::string what = "HorizontalFlip: the label permutation of field '" + name + "'";
    DC_CHECK(
        labels.dtype() == DType::u8 || labels.dtype() == DType::i32 || labels.dtype() == DType::i64,
        what, " needs integer labels (u8, i32, i64), the field is ", labels.str());
    sample[name] = DC_DISPATCH_NUMERIC(labels.dtype(), what.c_str(), [&] {
      return permute_labels<scalar_t>(labels, table, name);
    });
  }
  for (const auto& [name, table] : rules_.point_permutation) {
    const Tensor& points = field(sample, name, this->name());
    DC_CHECK(points.size(0) == static_cast<int64_t>(table.size()),
             "HorizontalFlip: the point permutation of field '", name, "' has ", table.size(),
             " entries, the field is ", points.str());
    sample[name] = permute_rows(points, table);
    for (const std::string& vis : {name + "_visible", std::string("visible")}) {
      if (!sample.count(vis)) continue;
      const Tensor& v = sample.at(vis);
      DC_CHECK(v.dim() == 1 && v.size(0) == points.size(0), "HorizontalFlip: visibility field '",
               vis, "' is ", v.str(), ", expected ", points.size(0), " entries as '", name, "'");
      sample[vis] = permute_rows(v.contiguous(), table);
      break;  // the same field warp_sample uses: <name>_visible, else visible
    }
  }
  if (rules_.after_flip) rules_.after_flip(sample);
}

// --- ColorJitter ---

ColorJitter::ColorJitter(double brightness, double contrast, double saturation)
    : brightness_(brightness), contrast_(contrast), saturation_(saturation) {
  for (const auto& [what, x] : {std::pair<const char*, double>{"brightness", brightness},
                                {"contrast", contrast},
                                {"saturation", saturation}}) {
    DC_CHECK(x >= 0 && std::isfinite(x), "ColorJitter: ", what, " = ", x,
             " must be finite and >= 0");
  }
}

void ColorJitter::apply(Sample& sample, const SampleLayout& layout, Generator& rng) const {
  check_sample_layout(sample, layout, name());
  auto draw = [&](double x) {
    const double u = uniform01(rng);
    return std::max(0.0, 1 - x) + u * (1 + x - std::max(0.0, 1 - x));
  };
  const double factors[3] = {draw(brightness_), draw(contrast_), draw(saturation_)};
  static constexpr int kOrders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                        {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  const int* order = kOrders[uniform_int(rng, 0, 5)];
  for (const auto& [name, kind] : layout) {
    if (kind != FieldKind::kImage) continue;
    const Tensor& img = field(sample, name, this->name());
    const int64_t channels = img.dim() == 3 ? img.size(0) : 1;
    DC_CHECK((img.dim() == 3 && (channels == 3 || channels == 1)) || img.dim() == 2,
             "ColorJitter: field '", name, "' is ", img.str(),
             ", expected 3×H×W (RGB), 1×H×W or H×W (grey)");
    const std::string what = "ColorJitter: field '" + name + "'";
    sample[name] = DC_DISPATCH_FLOAT(img.dtype(), what.c_str(), [&] {
      Tensor out = serial_copy<scalar_t>(img);
      const Jitter<scalar_t> j{out.data<scalar_t>(), channels, img.size(-1) * img.size(-2)};
      for (int k = 0; k < 3; ++k) {
        const auto f = static_cast<scalar_t>(factors[order[k]]);
        if (order[k] == 0 && brightness_ > 0) j.brightness(f);
        if (order[k] == 1 && contrast_ > 0) j.contrast(f);
        if (order[k] == 2 && saturation_ > 0) j.saturation(f);
      }
      return out;
    });
  }
}

}  // namespace dc
