#include "eval/uv_landmarks.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/thread_pool.h"
#include "data/synth/face_template.h"
#include "eval/inputs.h"

namespace dc {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

struct Field {
  int64_t height = 0, width = 0;
  std::vector<float> uv;         // U plane then V plane
  std::vector<uint8_t> mask;     // 1 foreground
  std::vector<int64_t> fg;       // row-major indices of the foreground pixels
  std::vector<double> landmark;  // K×2 template (U, V)
  int64_t count = 0;             // K
};

Field read_field(const Tensor& uv, const Tensor& mask, const Tensor& template_uv,
                 const std::string& fn) {
  Field f;
  f.uv = eval_read_uv(uv, fn + ": uv", &f.height, &f.width);
  f.mask = eval_read_mask(mask, fn + ": mask", f.height, f.width);
  f.landmark = eval_read_points(template_uv, fn + ": template_uv", &f.count);
  for (int64_t k = 0; k < f.count; ++k) {
    DC_CHECK(std::isfinite(f.landmark[2 * k]) && std::isfinite(f.landmark[2 * k + 1]), fn,
             ": template_uv row ", k, " is not finite");
  }
  for (int64_t p = 0; p < f.height * f.width; ++p) {
    if (f.mask[p]) f.fg.push_back(p);
  }
  return f;
}

double sq_distance(const Field& f, int64_t p, int64_t k) {
  const double du = static_cast<double>(f.uv[p]) - f.landmark[2 * k];
  const double dv = static_cast<double>(f.uv[f.height * f.width + p]) - f.landmark[2 * k + 1];
  return du * du + dv * dv;
}

// The foreground pixel nearest to landmark k in (U, V) (first in row-major order on ties), or -1
// when there is no foreground or every distance is NaN.
int64_t nearest_pixel(const Field& f, int64_t k) {
  int64_t best = -1;
  double best_d = std::numeric_limits<double>::infinity();
  for (int64_t p : f.fg) {
    const double d = sq_distance(f, p, k);
    if (d < best_d) {
      best_d = d;
      best = p;
    }
  }
  return best;
}

UVLandmarks make_result(int64_t count) {
  UVLandmarks r{empty({count, 2}, DType::f32), empty({count}, DType::u8)};
  float* pts = r.points.data<float>();
  for (int64_t i = 0; i < 2 * count; ++i) pts[i] = kNaN;
  uint8_t* found = r.found.data<uint8_t>();
  for (int64_t i = 0; i < count; ++i) found[i] = 0;
  return r;
}

// The centroid of landmark k's near set component chosen by `rule`, or false when there is no
// foreground pixel with a finite (U, V). `label` is scratch of H·W ints (all -1 on entry and on
// return).
bool component_centroid(const Field& f, int64_t k, const UVComponentOptions& options,
                        std::vector<int32_t>& label, double* cx, double* cy) {
  const int64_t best = nearest_pixel(f, k);
  if (best < 0) return false;
  // The near set: within `threshold` of the best match (so never empty, whatever the local
  // density of the (U, V) field in pixels).
  const double radius = std::sqrt(sq_distance(f, best, k)) + options.threshold;
  const double r2 = radius * radius;
  std::vector<int64_t> near;
  for (int64_t p : f.fg) {
    if (sq_distance(f, p, k) <= r2) near.push_back(p);
  }
  // Mark the near set, then flood-fill 8-connected components over it.
  constexpr int32_t kNear = -2;
  for (int64_t p : near) label[p] = kNear;
  struct Component {
    int64_t size = 0;
    double sum_x = 0, sum_y = 0, best_d = std::numeric_limits<double>::infinity();
    int64_t best_p = 0;
  };
  std::vector<Component> comps;
  std::vector<int64_t> stack;
  for (int64_t seed : near) {
    if (label[seed] != kNear) continue;
    const int32_t id = static_cast<int32_t>(comps.size());
    Component c;
    label[seed] = id;
    stack.push_back(seed);
    while (!stack.empty()) {
      const int64_t p = stack.back();
      stack.pop_back();
      const int64_t y = p / f.width, x = p % f.width;
      ++c.size;
      c.sum_x += static_cast<double>(x);
      c.sum_y += static_cast<double>(y);
      const double d = sq_distance(f, p, k);
      if (d < c.best_d || (d == c.best_d && p < c.best_p)) {
        c.best_d = d;
        c.best_p = p;
      }
      for (int64_t dy = -1; dy <= 1; ++dy) {
        for (int64_t dx = -1; dx <= 1; ++dx) {
          const int64_t nx = x + dx, ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= f.width || ny >= f.height) continue;
          const int64_t q = ny * f.width + nx;
          if (label[q] == kNear) {
            label[q] = id;
            stack.push_back(q);
          }
        }
      }
    }
    comps.push_back(c);
  }
  size_t chosen = 0;
  for (size_t i = 1; i < comps.size(); ++i) {
    const Component& a = comps[i];
    const Component& b = comps[chosen];
    const bool closer = a.best_d < b.best_d || (a.best_d == b.best_d && a.best_p < b.best_p);
    const bool better = options.rule == UVComponentRule::kNearest
                            ? closer
                            : (a.size > b.size || (a.size == b.size && closer));
    if (better) chosen = i;
  }
  *cx = comps[chosen].sum_x / static_cast<double>(comps[chosen].size);
  *cy = comps[chosen].sum_y / static_cast<double>(comps[chosen].size);
  for (int64_t p : near) label[p] = -1;
  return true;
}

}  // namespace

UVLandmarks landmarks_from_uv(const Tensor& uv, const Tensor& mask, const Tensor& template_uv) {
  const Field f = read_field(uv, mask, template_uv, "landmarks_from_uv");
  UVLandmarks r = make_result(f.count);
  float* pts = r.points.data<float>();
  uint8_t* found = r.found.data<uint8_t>();
  parallel_for(0, f.count, 1, [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; ++k) {
      const int64_t p = nearest_pixel(f, k);
      if (p < 0) continue;
      pts[2 * k] = static_cast<float>(p % f.width);
      pts[2 * k + 1] = static_cast<float>(p / f.width);
      found[k] = 1;
    }
  });
  return r;
}

UVLandmarks landmarks_from_uv_components(const Tensor& uv, const Tensor& mask,
                                         const Tensor& template_uv,
                                         const UVComponentOptions& options) {
  DC_CHECK(std::isfinite(options.threshold) && options.threshold >= 0,
           "landmarks_from_uv_components: options.threshold must be >= 0, got ", options.threshold);
  const Field f = read_field(uv, mask, template_uv, "landmarks_from_uv_components");
  UVLandmarks r = make_result(f.count);
  float* pts = r.points.data<float>();
  uint8_t* found = r.found.data<uint8_t>();
  parallel_for(0, f.count, 1, [&](int64_t begin, int64_t end) {
    std::vector<int32_t> label(static_cast<size_t>(f.height * f.width), -1);
    for (int64_t k = begin; k < end; ++k) {
      double cx = 0, cy = 0;
      if (!component_centroid(f, k, options, label, &cx, &cy)) continue;
      pts[2 * k] = static_cast<float>(cx);
      pts[2 * k + 1] = static_cast<float>(cy);
      found[k] = 1;
    }
  });
  return r;
}

Tensor face_landmarks_uv_tensor() {
  const auto& table = face_landmarks_uv();
  Tensor out = empty({kFaceNumLandmarks, 2}, DType::f32);
  float* p = out.data<float>();
  for (int k = 0; k < kFaceNumLandmarks; ++k) {
    p[2 * k] = table[k][0];
    p[2 * k + 1] = table[k][1];
  }
  return out;
}

}  // namespace dc
