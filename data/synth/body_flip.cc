#include "data/synth/body_flip.h"

#include <string>
#include <vector>

#include "core/error.h"
#include "data/synth/body_template.h"

namespace dc {
namespace {

// Reorders blocks of 17 rows of `t` (rows: the last dimension is the row width, e.g. (17·N)×2,
// N×17×3 or (17·N)): row i of each block takes the old row table[i] of the same block. A new
// tensor, as the transform contract asks.
template <typename T>
Tensor permute_blocks(const Tensor& t, const std::vector<int>& table, const std::string& name) {
  const Tensor src = t.contiguous();
  const int64_t width = src.dim() >= 2 ? src.size(src.dim() - 1) : 1;
  const int64_t rows = width > 0 ? src.numel() / width : 0;
  const int64_t block = static_cast<int64_t>(table.size());
  DC_CHECK(rows % block == 0, "body_flip_rules: field '", name, "' is ", src.str(),
           ", expected blocks of ", block, " rows");
  Tensor out = empty(src.sizes(), src.dtype());
  const T* s = src.data<T>();
  T* d = out.data<T>();
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t from = r - r % block + table[r % block];
    for (int64_t c = 0; c < width; ++c) d[r * width + c] = s[from * width + c];
  }
  return out;
}

void flip_sample(Sample& s, const std::string& prefix) {
  auto has = [&](const char* f) { return s.count(prefix + f) > 0; };
  if (has("uv") && has("part")) {
    const Tensor uv = s.at(prefix + "uv").contiguous();
    const Tensor part = s.at(prefix + "part").contiguous();
    DC_CHECK(part.dtype() == DType::i64 && uv.dim() == 3 && uv.size(0) == 2 &&
                 uv.numel() == 2 * part.numel(),
             "body_flip_rules: fields '", prefix, "uv' ", uv.str(), " and '", prefix, "part' ",
             part.str(), " do not match (expected 2×H×W f32 and H×W i64)");
    Tensor out = uv.clone();
    float* u = out.data<float>();
    const int64_t* p = part.data<int64_t>();
    for (int64_t i = 0; i < part.numel(); ++i) {
      if (p[i] > 0) u[i] = static_cast<float>(flip_u(static_cast<int>(p[i]), u[i]));
    }
    s[prefix + "uv"] = out;
  }
  const std::vector<int> coco(coco_keypoint_flip().begin(), coco_keypoint_flip().end());
  const std::vector<int> h36m(body_joint_flip().begin(), body_joint_flip().end());
  for (const char* f : {"keypoints", "joints2d"}) {
    if (has(f)) {
      s[prefix + f] =
          permute_blocks<float>(s.at(prefix + f), f[0] == 'k' ? coco : h36m, prefix + f);
    }
  }
  if (has("keypoints_visible")) {
    s[prefix + "keypoints_visible"] = permute_blocks<uint8_t>(s.at(prefix + "keypoints_visible"),
                                                              coco, prefix + "keypoints_visible");
  }
  if (has("joints3d")) {
    Tensor j = permute_blocks<float>(s.at(prefix + "joints3d"), h36m, prefix + "joints3d");
    float* d = j.data<float>();
    for (int64_t i = 0; i < j.numel(); i += 3) d[i] = -d[i];
    s[prefix + "joints3d"] = j;
  }
}

}  // namespace

FlipRules body_flip_rules(bool pairs) {
  FlipRules r;
  const std::vector<int64_t> fine(chart_flip_table().begin(), chart_flip_table().end());
  const std::vector<int64_t> coarse(coarse_flip_table().begin(), coarse_flip_table().end());
  if (pairs) {
    r.label_permutation = {{"part", fine}, {"target_part", fine}};
  } else {
    r.label_permutation = {{"part", fine}, {"coarse", coarse}};
  }
  r.after_flip = [](Sample& s) {
    flip_sample(s, "");
    flip_sample(s, "target_");
  };
  return r;
}

}  // namespace dc
