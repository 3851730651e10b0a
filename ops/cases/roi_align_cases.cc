// Cases of roi_align: rois inside, partly and fully outside the feature map, zero-area and
// negative-size rois, aligned on/off, adaptive and fixed sampling, scales 1/4 and 1/16, several
// images and non-square outputs. Rois are derived from uniform inputs by the same f32 arithmetic
// on both sides: (batch, x1, y1, x1 + w, y1 + h) with x1, y1 = lo + u * span, w, h = min + u *
// range.
#include <sstream>

#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/join.h"
#include "ops/op_case.h"
#include "ops/roi_align.h"

namespace dc {
namespace {

using Ts = std::vector<Tensor>;

// Where the rois' corners and sizes are drawn from (input-image coordinates).
struct RoiSpan {
  double lo, span, min_size, size_range;
};

Tensor make_rois(const Tensor& u, const Tensor& batch, const RoiSpan& r, DType dtype) {
  const Tensor x1 = u.select(1, 0) * r.span + r.lo;
  const Tensor y1 = u.select(1, 1) * r.span + r.lo;
  const Tensor x2 = x1 + (u.select(1, 2) * r.size_range + r.min_size);
  const Tensor y2 = y1 + (u.select(1, 3) * r.size_range + r.min_size);
  return stack({batch.to(dtype), x1, y1, x2, y2}, 1);
}

std::string torch_rois(const RoiSpan& r) {
  std::ostringstream os;
  os.precision(17);
  os << "u = x1\n"
     << "c0 = u[:, 0] * " << r.span << " + " << r.lo << "\n"
     << "c1 = u[:, 1] * " << r.span << " + " << r.lo << "\n"
     << "c2 = c0 + (u[:, 2] * " << r.size_range << " + " << r.min_size << ")\n"
     << "c3 = c1 + (u[:, 3] * " << r.size_range << " + " << r.min_size << ")\n"
     << "rois = torch.stack([x2.to(x0.dtype), c0, c1, c2, c3], 1)\n";
  return os.str();
}

struct RoiCase {
  const char* name;
  Shape x;             // [N, C, H, W]
  int64_t k;           // number of rois
  int64_t b_lo, b_hi;  // batch indices drawn from [b_lo, b_hi)
  RoiSpan span;
  std::array<int64_t, 2> out;
  double scale;
  int64_t sampling;
  bool aligned;
};

OpCase roi_case(const RoiCase& c, bool as_f64) {
  auto run = [c, as_f64](const Ts& in) {
    const Tensor x = as_f64 ? in[0].to(DType::f64) : in[0];
    const Tensor rois = make_rois(as_f64 ? in[1].to(DType::f64) : in[1], in[2], c.span, x.dtype());
    return Ts{roi_align(x, rois, c.out, c.scale, c.sampling, c.aligned)};
  };
  std::ostringstream torch;
  torch.precision(17);
  if (as_f64) torch << "x0 = x0.double()\nx1 = x1.double()\n";
  torch << torch_rois(c.span) << "out = tv.ops.roi_align(x0, rois, (" << c.out[0] << ", "
        << c.out[1] << "), " << c.scale << ", " << c.sampling << ", "
        << (c.aligned ? "True" : "False") << ")\n";
  return make_case(std::string("roi_align/") + c.name + (as_f64 ? "_f64" : ""),
                   {normal(c.x), uniform({c.k, 4}, 0, 1, false), integers({c.k}, c.b_lo, c.b_hi)},
                   run, torch.str(), as_f64 ? kOracle : kOracle | kGrad);
}

std::vector<OpCase> roi_align_cases() {
  // Feature maps of 12x14 at scale 1/4 cover a 48x56 image.
  const RoiCase cs[] = {
      {"inside_aligned_sr2", {2, 3, 12, 14}, 6, 0, 2, {0, 30, 2, 20}, {3, 4}, 0.25, 2, true},
      {"inside_unaligned_adaptive",
       {2, 3, 12, 14},
       6,
       0,
       2,
       {0, 25, 4, 20},
       {4, 3},
       0.25,
       0,
       false},
      {"inside_aligned_adaptive", {2, 3, 12, 14}, 5, 0, 2, {0, 25, 4, 28}, {2, 3}, 0.25, -1, true},
      {"partly_outside_sr1", {2, 2, 12, 14}, 7, 0, 2, {-30, 70, 5, 50}, {3, 3}, 0.25, 1, true},
      {"partly_outside_unaligned_adaptive",
       {1, 2, 12, 14},
       7,
       0,
       1,
       {-30, 70, 5, 50},
       {2, 4},
       0.25,
       0,
       false},
      {"fully_outside_sr2", {1, 2, 12, 14}, 6, 0, 1, {60, 40, 2, 10}, {2, 2}, 0.25, 2, false},
      {"fully_outside_negative", {1, 2, 12, 14}, 6, 0, 1, {-60, 30, 2, 10}, {2, 3}, 0.25, 2, true},
      {"zero_area_aligned_adaptive", {1, 2, 12, 14}, 5, 0, 1, {0, 40, 0, 0}, {2, 2}, 0.25, 0, true},
      {"zero_area_aligned_sr2", {1, 2, 12, 14}, 5, 0, 1, {0, 40, 0, 0}, {2, 2}, 0.25, 2, true},
      {"zero_area_unaligned_sr2", {1, 2, 12, 14}, 5, 0, 1, {0, 40, 0, 0}, {3, 2}, 0.25, 2, false},
      {"negative_size_aligned_sr2",
       {1, 2, 12, 14},
       5,
       0,
       1,
       {10, 30, -12, 8},
       {2, 3},
       0.25,
       2,
       true},
      {"negative_size_aligned_adaptive",
       {1, 2, 12, 14},
       5,
       0,
       1,
       {10, 30, -12, 8},
       {2, 3},
       0.25,
       0,
       true},
      {"negative_size_unaligned_adaptive",
       {1, 2, 12, 14},
       5,
       0,
       1,
       {10, 30, -12, 8},
       {2, 3},
       0.25,
       0,
       false},
      {"scale16_adaptive", {2, 2, 8, 9}, 6, 0, 2, {0, 90, 8, 50}, {3, 2}, 1.0 / 16, 0, false},
      {"scale16_aligned_sr2", {2, 2, 8, 9}, 6, 0, 2, {-8, 100, 4, 60}, {2, 5}, 1.0 / 16, 2, true},
      {"batch_index_1", {2, 3, 10, 11}, 4, 1, 2, {0, 30, 3, 12}, {3, 3}, 0.25, 2, true},
      // 70 channels: one full block of 64 plus a remainder, vector groups of 8 plus a tail.
      {"channels_70", {2, 70, 5, 6}, 5, 0, 2, {-4, 20, 2, 12}, {2, 3}, 0.25, 2, true},
      {"no_rois", {2, 3, 6, 7}, 0, 0, 2, {0, 20, 2, 10}, {2, 2}, 0.25, 2, true},
      {"scale1_three_images", {3, 2, 9, 10}, 8, 0, 3, {-2, 8, 0.5, 5}, {2, 3}, 1.0, 2, false},
  };
  std::vector<OpCase> out;
  for (const RoiCase& c : cs) out.push_back(roi_case(c, false));
  // The f64 kernel against torchvision too (the grad cases check it by finite differences).
  out.push_back(roi_case(cs[0], true));
  out.push_back(roi_case(cs[3], true));
  out.push_back(roi_case(cs[1], true));

  // Benchmark: Mask R-CNN box head on one image: 1 x 256 x 200 x 272 (stride 4 of 800 x 1088),
  // 512 rois inside the image, 14 x 14 bins of 2 x 2 samples, aligned.
  for (bool backward : {false, true}) {
    OpCase p = make_case(
        std::string("roi_align_512x14x14_from_256x200x272_") + (backward ? "fwdbwd" : "fwd"),
        {normal({1, 256, 200, 272}, backward), uniform({512, 4}, 0, 1, false),
         integers({512}, 0, 1)},
        [](const Ts& in) {
          const Tensor u = in[1];
          const Tensor x1 = u.select(1, 0) * 800.0, y1 = u.select(1, 1) * 500.0;
          const Tensor x2 = x1 + (u.select(1, 2) * 256.0 + 16.0);
          const Tensor y2 = y1 + (u.select(1, 3) * 256.0 + 16.0);
          const Tensor rois = stack({in[2].to(in[0].dtype()), x1, y1, x2, y2}, 1);
          return Ts{roi_align(in[0], rois, {14, 14}, 0.25, 2, true)};
        },
        "", kPerf);
    p.perf_backward = backward;
    // 4 samples x 4 taps x (multiply + add) per bin and channel; backward the same again.
    p.flops = 512.0 * 256 * 196 * 32 * (backward ? 2 : 1);
    out.push_back(p);
  }
  return out;
}

DC_OP_CASES(roi_align_cases());

}  // namespace
}  // namespace dc
