#include "data/formats/densepose_export.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace dc {
namespace {

// Farthest-point sampling of `count` pixels among `pixels` (linear indices into a W-wide image).
std::vector<int64_t> spread_points(const std::vector<int64_t>& pixels, int64_t width, int count) {
  std::vector<int64_t> chosen;
  if (pixels.empty() || count <= 0) return chosen;
  double cx = 0, cy = 0;
  for (int64_t p : pixels) cx += p % width, cy += p / width;
  cx /= pixels.size();
  cy /= pixels.size();
  std::vector<double> dist(pixels.size(), std::numeric_limits<double>::infinity());
  size_t best = 0;
  double best_d = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < pixels.size(); ++i) {
    const double dx = pixels[i] % width - cx, dy = pixels[i] / width - cy;
    if (dx * dx + dy * dy < best_d) best_d = dx * dx + dy * dy, best = i;
  }
  while (static_cast<int>(chosen.size()) < count &&
         static_cast<size_t>(chosen.size()) < pixels.size()) {
    chosen.push_back(pixels[best]);
    const double bx = pixels[best] % width, by = pixels[best] / width;
    size_t next = 0;
    double far = -1;
    for (size_t i = 0; i < pixels.size(); ++i) {
      const double dx = pixels[i] % width - bx, dy = pixels[i] / width - by;
      dist[i] = std::min(dist[i], dx * dx + dy * dy);
      if (dist[i] > far) far = dist[i], next = i;  // first of equals: deterministic
    }
    best = next;
  }
  return chosen;
}

}  // namespace

std::vector<DensePoseAnnotation> densepose_annotations_from_sample(
    const Sample& sample, int64_t image_id, int64_t first_id,
    const DensePoseExportOptions& options) {
  const char* where = "densepose export";
  const Tensor part = field(sample, "part", where).contiguous();
  const Tensor coarse = field(sample, "coarse", where).contiguous();
  const Tensor uv = field(sample, "uv", where).contiguous();
  const Tensor instance = field(sample, "instance", where).contiguous();
  const Tensor boxes = field(sample, "boxes", where).contiguous();
  const Tensor keypoints = field(sample, "keypoints", where).contiguous();
  const Tensor visible = field(sample, "keypoints_visible", where).contiguous();
  DC_CHECK(part.dim() == 2 && part.dtype() == DType::i64, where, ": 'part' is ", part.str(),
           ", expected H×W i64");
  const int64_t H = part.size(0), W = part.size(1), N = boxes.size(0);
  DC_CHECK(uv.dim() == 3 && uv.size(0) == 2 && uv.size(1) == H && uv.size(2) == W, where,
           ": 'uv' is ", uv.str(), ", expected 2×", H, "×", W);
  DC_CHECK(coarse.sizes() == part.sizes() && instance.sizes() == part.sizes(), where,
           ": 'coarse' and 'instance' must be ", H, "×", W);
  DC_CHECK(keypoints.dim() == 2 && keypoints.size(0) == 17 * N && visible.numel() == 17 * N, where,
           ": keypoints ", keypoints.str(), " and keypoints_visible ", visible.str(),
           " do not hold 17 rows per box (", N, " boxes)");
  const int64_t* I = part.data<int64_t>();
  const int64_t* C = coarse.data<int64_t>();
  const int64_t* inst = instance.data<int64_t>();
  const float* U = uv.data<float>();
  const float* V = U + H * W;
  const float* B = boxes.data<float>();
  const float* K = keypoints.data<float>();
  const uint8_t* vis = visible.data<uint8_t>();

  std::vector<DensePoseAnnotation> out;
  for (int64_t k = 0; k < N; ++k) {
    DensePoseAnnotation ann;
    ann.id = first_id + static_cast<int64_t>(out.size());
    ann.image_id = image_id;
    const double x0 = B[4 * k], y0 = B[4 * k + 1], bw = B[4 * k + 2] - x0, bh = B[4 * k + 3] - y0;
    if (!(bw > 0 && bh > 0)) continue;
    ann.bbox = {x0, y0, bw, bh};
    // Keypoints: COCO writes unlabelled ones as (0, 0, 0).
    for (int j = 0; j < 17; ++j) {
      const int v = vis[17 * k + j];
      ann.keypoints.push_back(v ? K[2 * (17 * k + j)] : 0.0);
      ann.keypoints.push_back(v ? K[2 * (17 * k + j) + 1] : 0.0);
      ann.keypoints.push_back(v);
      ann.num_keypoints += v > 0;
    }
    std::vector<uint8_t> mask(static_cast<size_t>(H * W));
    std::vector<std::vector<int64_t>> chart_pixels(25);
    for (int64_t p = 0; p < H * W; ++p) {
      mask[p] = inst[p] == k + 1;
      if (mask[p] && I[p] >= 1 && I[p] <= 24) chart_pixels[I[p]].push_back(p);
    }
    ann.segmentation.kind = CocoSegmentation::Kind::kRle;
    ann.segmentation.rle = rle_encode(mask.data(), H, W);
    ann.area = static_cast<double>(ann.segmentation.rle.area());
    // Point quotas per chart, scaled to the per-person budget.
    std::vector<int> quota(25, 0);
    int total = 0;
    for (int c = 1; c <= 24; ++c) {
      quota[c] = static_cast<int>(std::min<int64_t>(options.max_points_per_part,
                                                    static_cast<int64_t>(chart_pixels[c].size())));
      total += quota[c];
    }
    if (total > options.points_per_person) {
      const double f = static_cast<double>(options.points_per_person) / total;
      for (int c = 1; c <= 24; ++c)
        if (quota[c] > 0) quota[c] = std::max(1, static_cast<int>(std::floor(quota[c] * f)));
    }
    ann.has_densepose = true;
    for (int c = 1; c <= 24; ++c) {
      for (int64_t p : spread_points(chart_pixels[c], W, quota[c])) {
        const double px = p % W + 0.5, py = p / W + 0.5;  // continuous coordinates of the centre
        ann.dp_I.push_back(c);
        ann.dp_U.push_back(U[p]);
        ann.dp_V.push_back(V[p]);
        ann.dp_x.push_back(std::clamp((px - x0) * 256.0 / bw, 0.0, 256.0));
        ann.dp_y.push_back(std::clamp((py - y0) * 256.0 / bh, 0.0, 256.0));
      }
    }
    // Coarse masks in the box frame.
    const int S = kDensePoseMaskSize;
    std::vector<std::vector<uint8_t>> masks(kDensePoseMasks, std::vector<uint8_t>(S * S, 0));
    std::vector<bool> any(kDensePoseMasks, false);
    for (int b = 0; b < S; ++b) {
      const int64_t y =
          std::clamp<int64_t>(static_cast<int64_t>(std::floor(y0 + (b + 0.5) * bh / S)), 0, H - 1);
      for (int a = 0; a < S; ++a) {
        const int64_t x = std::clamp<int64_t>(
            static_cast<int64_t>(std::floor(x0 + (a + 0.5) * bw / S)), 0, W - 1);
        const int64_t p = y * W + x;
        if (inst[p] != k + 1 || C[p] < 1 || C[p] > kDensePoseMasks) continue;
        masks[C[p] - 1][b * S + a] = 1;
        any[C[p] - 1] = true;
      }
    }
    for (int m = 0; m < kDensePoseMasks; ++m) {
      if (any[m])
        ann.dp_masks.push_back(rle_encode(masks[m].data(), S, S));
      else
        ann.dp_masks.push_back(std::nullopt);
    }
    out.push_back(std::move(ann));
  }
  return out;
}

}  // namespace dc
