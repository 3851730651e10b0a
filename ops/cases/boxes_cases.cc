// Cases of the box ops and NMS. Boxes are derived from uniform or integer-valued inputs by the same
// f32 arithmetic on both sides: (x1, y1, x1 + w, y1 + h) with x1, y1 = lo + u * span and
// w, h = min + u * range. Integer-valued inputs make zero-area boxes, identical boxes, equal scores
// and IoUs exactly at the threshold; NMS indices are compared exactly.
#include <sstream>

#include "ops/boxes.h"
#include "ops/elementwise.h"
#include "ops/join.h"
#include "ops/op_case.h"

namespace dc {
namespace {

using Ts = std::vector<Tensor>;

struct BoxSpan {
  double lo, span, min_size, size_range;
};

Tensor make_boxes(const Tensor& u, const BoxSpan& r) {
  const Tensor x1 = u.select(1, 0) * r.span + r.lo;
  const Tensor y1 = u.select(1, 1) * r.span + r.lo;
  const Tensor x2 = x1 + (u.select(1, 2) * r.size_range + r.min_size);
  const Tensor y2 = y1 + (u.select(1, 3) * r.size_range + r.min_size);
  return stack({x1, y1, x2, y2}, 1);
}

// Python for the same boxes: `bx(u)`.
std::string torch_boxes_fn(const BoxSpan& r, const char* name = "bx") {
  std::ostringstream os;
  os.precision(17);
  os << "def " << name << "(u):\n"
     << "    c0 = u[:, 0] * " << r.span << " + " << r.lo << "\n"
     << "    c1 = u[:, 1] * " << r.span << " + " << r.lo << "\n"
     << "    c2 = c0 + (u[:, 2] * " << r.size_range << " + " << r.min_size << ")\n"
     << "    c3 = c1 + (u[:, 3] * " << r.size_range << " + " << r.min_size << ")\n"
     << "    return torch.stack([c0, c1, c2, c3], 1)\n";
  return os.str();
}

// Integer-valued f32 input in [lo, hi).
InputSpec ints_f32(Shape shape, int64_t lo, int64_t hi) {
  return integers(shape, lo, hi, DType::f32);
}

std::vector<OpCase> box_cases() {
  std::vector<OpCase> cs;
  const BoxSpan rnd{0, 100, 1, 40};  // random boxes on uniform [0, 1) inputs
  const BoxSpan degen{0, 3, -1, 1};  // integer inputs 0..2: sizes -1..1, zero-area boxes
  const BoxSpan grid{0, 1, 0, 2};    // integer inputs: many identical and zero-area boxes
  // --- box_area ---
  cs.push_back(make_case(
      "box_area/random", {uniform({30, 4}, 0, 1, false)},
      [rnd](const Ts& x) { return Ts{box_area(make_boxes(x[0], rnd))}; },
      torch_boxes_fn(rnd) + "out = tv.ops.box_area(bx(x0))", kOracle));
  cs.push_back(make_case(
      "box_area/degenerate", {ints_f32({24, 4}, 0, 3)},
      [degen](const Ts& x) { return Ts{box_area(make_boxes(x[0], degen))}; },
      torch_boxes_fn(degen) + "out = tv.ops.box_area(bx(x0))", kOracle));
  cs.push_back(make_case(
      "box_area/f64", {uniform({30, 4}, 0, 1, false)},
      [rnd](const Ts& x) { return Ts{box_area(make_boxes(x[0].to(DType::f64), rnd))}; },
      torch_boxes_fn(rnd) + "out = tv.ops.box_area(bx(x0.double()))", kOracle));
  // --- box_iou ---
  cs.push_back(make_case(
      "box_iou/random", {uniform({30, 4}, 0, 1, false), uniform({25, 4}, 0, 1, false)},
      [rnd](const Ts& x) { return Ts{box_iou(make_boxes(x[0], rnd), make_boxes(x[1], rnd))}; },
      torch_boxes_fn(rnd) + "out = tv.ops.box_iou(bx(x0), bx(x1))", kOracle));
  // Zero-area and negative-size boxes; two zero-area boxes give 0/0 = NaN on both sides.
  cs.push_back(make_case(
      "box_iou/degenerate", {ints_f32({20, 4}, 0, 3), ints_f32({17, 4}, 0, 3)},
      [grid](const Ts& x) { return Ts{box_iou(make_boxes(x[0], grid), make_boxes(x[1], grid))}; },
      torch_boxes_fn(grid) + "out = tv.ops.box_iou(bx(x0), bx(x1))", kOracle));
  cs.push_back(make_case(
      "box_iou/f64", {uniform({12, 4}, 0, 1, false), uniform({9, 4}, 0, 1, false)},
      [rnd](const Ts& x) {
        return Ts{
            box_iou(make_boxes(x[0].to(DType::f64), rnd), make_boxes(x[1].to(DType::f64), rnd))};
      },
      torch_boxes_fn(rnd) + "out = tv.ops.box_iou(bx(x0.double()), bx(x1.double()))", kOracle));
  cs.push_back(make_case(
      "box_iou/empty", {uniform({0, 4}, 0, 1, false), uniform({5, 4}, 0, 1, false)},
      [rnd](const Ts& x) { return Ts{box_iou(make_boxes(x[0], rnd), make_boxes(x[1], rnd))}; },
      torch_boxes_fn(rnd) + "out = tv.ops.box_iou(bx(x0), bx(x1))", kOracle));
  // --- clip_boxes ---
  cs.push_back(make_case(
      "clip_boxes/batched_4k", {uniform({3, 5, 8}, -20, 80, false)},
      [](const Ts& x) { return Ts{clip_boxes(x[0], 50, 60)}; },
      "tv.ops.clip_boxes_to_image(x0, (50, 60))", kOracle));
  cs.push_back(make_case(
      "clip_boxes/f64", {uniform({7, 4}, -20, 80, false)},
      [](const Ts& x) { return Ts{clip_boxes(x[0].to(DType::f64), 45, 30)}; },
      "tv.ops.clip_boxes_to_image(x0.double(), (45, 30))", kOracle));
  // --- encode / decode (torchvision's BoxCoder) ---
  const std::string coder = "C = tv.models.detection._utils.BoxCoder\n";
  cs.push_back(make_case(
      "encode_boxes/weights_10_10_5_5",
      {uniform({20, 4}, 0, 1, false), uniform({20, 4}, 0, 1, false)},
      [rnd](const Ts& x) {
        return Ts{encode_boxes(make_boxes(x[0], rnd), make_boxes(x[1], rnd), {10, 10, 5, 5})};
      },
      torch_boxes_fn(rnd) + coder + "out = C((10., 10., 5., 5.)).encode_single(bx(x0), bx(x1))",
      kOracle));
  cs.push_back(make_case(
      "encode_boxes/f64_weights_1", {uniform({9, 4}, 0, 1, false), uniform({9, 4}, 0, 1, false)},
      [rnd](const Ts& x) {
        return Ts{encode_boxes(make_boxes(x[0].to(DType::f64), rnd),
                               make_boxes(x[1].to(DType::f64), rnd), {1, 1, 1, 1})};
      },
      torch_boxes_fn(rnd) + coder +
          "out = C((1., 1., 1., 1.)).encode_single(bx(x0.double()), bx(x1.double()))",
      kOracle));
  // decode: deltas of 3 classes per row; some dw/dh above log(1000/16) so the clamp acts. The
  // gradient flows to the deltas and to the boxes (through the differentiable derivation).
  cs.push_back(make_case(
      "decode_boxes/3_classes_clamped", {uniform({10, 12}, -2, 6), uniform({10, 4}, 0, 1)},
      [rnd](const Ts& x) {
        return Ts{decode_boxes(x[0], make_boxes(x[1], rnd), {1, 1, 1, 1})};
      },
      torch_boxes_fn(rnd) + coder + "out = C((1., 1., 1., 1.)).decode_single(x0, bx(x1))"));
  cs.push_back(make_case(
      "decode_boxes/weights_10_10_5_5_clip2", {normal({8, 4}), uniform({8, 4}, 0, 1, false)},
      [rnd](const Ts& x) {
        return Ts{decode_boxes(x[0], make_boxes(x[1], rnd), {10, 10, 5, 5}, 0.2)};
      },
      torch_boxes_fn(rnd) + coder + "out = C((10., 10., 5., 5.), 0.2).decode_single(x0, bx(x1))"));
  return cs;
}

// NMS cases: boxes from input 0, scores from input 1 (scaled), threshold fixed per case.
struct NmsCase {
  const char* name;
  InputSpec boxes, scores;
  BoxSpan span;
  double threshold;
  const char* threshold_py;  // the same double, spelled for Python
  bool as_f64;
};

OpCase nms_case(const NmsCase& c) {
  auto run = [c](const Ts& x) {
    const DType dt = c.as_f64 ? DType::f64 : DType::f32;
    return Ts{nms(make_boxes(x[0].to(dt), c.span), x[1].to(dt), c.threshold)};
  };
  const std::string cast = c.as_f64 ? ".double()" : "";
  return make_case(std::string("nms/") + c.name, {c.boxes, c.scores}, run,
                   torch_boxes_fn(c.span) + "out = tv.ops.nms(bx(x0" + cast + "), x1" + cast +
                       ", " + c.threshold_py + ")",
                   kOracle);
}

std::vector<OpCase> nms_cases() {
  const BoxSpan rnd{0, 100, 1, 40};
  const BoxSpan dense{0, 60, 5, 30};
  const BoxSpan grid{0, 1, 0, 2};    // integer inputs 0..3: identical boxes, zero areas
  const BoxSpan strips{0, 1, 1, 1};  // integer inputs: widths 1..4, IoUs like 1/2 and 1/3 exactly
  std::vector<NmsCase> ns = {
      {"random_150", uniform({150, 4}, 0, 1, false), uniform({150}, 0, 1, false), rnd, 0.5, "0.5",
       false},
      {"random_1000_dense_07", uniform({1000, 4}, 0, 1, false), uniform({1000}, 0, 1, false), dense,
       0.7, "0.7", false},
      {"random_300_f64", uniform({300, 4}, 0, 1, false), uniform({300}, 0, 1, false), dense, 0.3,
       "0.3", true},
      // Few distinct scores: ties visited in index order.
      {"equal_scores", uniform({200, 4}, 0, 1, false), ints_f32({200}, 0, 3), dense, 0.4, "0.4",
       false},
      {"all_scores_equal", uniform({120, 4}, 0, 1, false), ints_f32({120}, 1, 2), dense, 0.5, "0.5",
       false},
      // Integer boxes in a tiny range: identical boxes (IoU 1), zero-area boxes (IoU NaN or 0).
      {"identical_and_zero_area", ints_f32({60, 4}, 0, 3), ints_f32({60}, 0, 4), grid, 0.5, "0.5",
       false},
      // IoU exactly 1/2 must not suppress at threshold 1/2; at 1/3 the f32 IoU 1/3 rounds above
      // the double 1/3 and does suppress, as in torchvision.
      {"threshold_tie_half", ints_f32({80, 4}, 0, 4), uniform({80}, 0, 1, false), strips, 0.5,
       "0.5", false},
      {"threshold_tie_third", ints_f32({80, 4}, 0, 4), uniform({80}, 0, 1, false), strips, 1.0 / 3,
       "1 / 3", false},
      {"threshold_tie_half_f64", ints_f32({80, 4}, 0, 4), ints_f32({80}, 0, 5), strips, 0.5, "0.5",
       true},
      {"empty", uniform({0, 4}, 0, 1, false), uniform({0}, 0, 1, false), rnd, 0.5, "0.5", false},
      {"single", uniform({1, 4}, 0, 1, false), uniform({1}, 0, 1, false), rnd, 0.5, "0.5", false},
  };
  std::vector<OpCase> cs;
  for (const NmsCase& n : ns) cs.push_back(nms_case(n));

  // batched_nms: boxes from input 0, scores input 1, categories input 2 (i64).
  struct B {
    const char* name;
    int64_t n, classes;
    InputSpec boxes, scores;
    BoxSpan span;
    double threshold;
    const char* threshold_py;
  };
  const B bs[] = {
      // Integer coordinates and tied scores: torchvision's coordinate-offset path (N <= 1000) is
      // then exact, and its stable order of ties is ours.
      {"5_classes_ties",
       200,
       5,
       ints_f32({200, 4}, 0, 10),
       ints_f32({200}, 0, 4),
       {0, 3, 2, 6},
       0.3,
       "0.3"},
      {"3_classes_random",
       300,
       3,
       uniform({300, 4}, 0, 1, false),
       uniform({300}, 0, 1, false),
       {0, 60, 5, 30},
       0.5,
       "0.5"},
      // Over 1000 boxes: torchvision's per-class path.
      {"10_classes_1500",
       1500,
       10,
       uniform({1500, 4}, 0, 1, false),
       uniform({1500}, 0, 1, false),
       {0, 100, 5, 40},
       0.6,
       "0.6"},
      {"empty",
       0,
       3,
       uniform({0, 4}, 0, 1, false),
       uniform({0}, 0, 1, false),
       {0, 1, 1, 1},
       0.5,
       "0.5"},
  };
  for (const B& b : bs) {
    cs.push_back(make_case(
        std::string("batched_nms/") + b.name, {b.boxes, b.scores, integers({b.n}, 0, b.classes)},
        [b](const Ts& x) {
          return Ts{batched_nms(make_boxes(x[0], b.span), x[1], x[2], b.threshold)};
        },
        torch_boxes_fn(b.span) + "out = tv.ops.batched_nms(bx(x0), x1, x2, " + b.threshold_py + ")",
        kOracle));
  }

  // Benchmark: RPN-style NMS of 2000 random boxes at IoU 0.7 (boxes up to ~1088 x 800 pixels).
  OpCase perf = make_case(
      "nms_2000", {uniform({2000, 4}, 0, 1, false), uniform({2000}, 0, 1, false)},
      [](const Ts& x) {
        const Tensor u = x[0];
        const Tensor x1 = u.select(1, 0) * 900.0, y1 = u.select(1, 1) * 650.0;
        const Tensor x2 = x1 + (u.select(1, 2) * 180.0 + 8.0);
        const Tensor y2 = y1 + (u.select(1, 3) * 140.0 + 8.0);
        return Ts{nms(stack({x1, y1, x2, y2}, 1), x[1], 0.7)};
      },
      "", kPerf);
  cs.push_back(perf);
  return cs;
}

DC_OP_CASES(box_cases());
DC_OP_CASES(nms_cases());

}  // namespace
}  // namespace dc
