// Cases of binary_cross_entropy_with_logits, l1_loss and mse_loss: every reduction, weight
// broadcasting, pos_weight along the last dim, masks (same-shape float, broadcast bool, all zero:
// NaN for kMean, as smooth_l1_loss and PyTorch's sum / 0), non-contiguous inputs, large logits.
// Also the all-zero-mask case of smooth_l1_loss and more N x C x H x W cross-entropy maps.
#include "ops/cases/case_util.h"
#include "ops/loss.h"
#include "ops/op_case.h"

namespace dc {
namespace {

using Ts = std::vector<Tensor>;

enum class Mask { kNone, kFloat, kBcastBool, kZero };

// The PyTorch side of a masked loss: elementwise loss `l` times the mask `m`, reduced as ours.
std::string masked_torch(const std::string& l, const std::string& m, Reduction red) {
  const std::string lm = "(" + l + " * " + m + ".to(x0.dtype))";
  switch (red) {
    case Reduction::kNone:
      return lm;
    case Reduction::kSum:
      return lm + ".sum()";
    case Reduction::kMean:
      return lm + ".sum() / " + m + ".to(x0.dtype).expand_as(x0).sum()";
  }
  return "";
}

// Appends the mask input of kind `mask` for an input of `shape`; returns its name ("" if none).
std::string add_mask(std::vector<InputSpec>& in, const Shape& shape, Mask mask) {
  const std::string name = "x" + std::to_string(in.size());
  Shape ms = shape;
  switch (mask) {
    case Mask::kNone:
      return "";
    case Mask::kFloat:
      in.push_back(integers(ms, 0, 2, DType::f32));
      break;
    case Mask::kBcastBool:
      ms.front() = 1;
      in.push_back(booleans(ms));
      break;
    case Mask::kZero:
      in.push_back(integers(ms, 0, 1, DType::f32));  // floor of [0, 1): all zeros
      break;
  }
  return name;
}

// A 0/0 mean has NaN gradients on both sides, which finite differences cannot check.
unsigned modes_for(Mask mask, Reduction red) {
  return mask == Mask::kZero && red == Reduction::kMean ? kOracle : (kOracle | kGrad);
}

std::vector<OpCase> bce_cases() {
  std::vector<OpCase> cs;
  struct B {
    std::string name;
    InputSpec x;
    Shape weight, pos_weight;  // {} with has_* false: none
    bool has_weight, has_pos_weight;
    Mask mask;
    Reduction red;
  };
  const B bs[] = {
      {"mean", normal({4, 5}), {}, {}, false, false, Mask::kNone, Reduction::kMean},
      {"sum", normal({4, 5}), {}, {}, false, false, Mask::kNone, Reduction::kSum},
      {"none", normal({3, 4}), {}, {}, false, false, Mask::kNone, Reduction::kNone},
      {"weight_row_mean", normal({4, 5}), {5}, {}, true, false, Mask::kNone, Reduction::kMean},
      {"weight_col_sum", normal({4, 5}), {4, 1}, {}, true, false, Mask::kNone, Reduction::kSum},
      {"pos_weight_mean", normal({3, 4}), {}, {4}, false, true, Mask::kNone, Reduction::kMean},
      {"pos_weight_weight_3d_none",
       normal({2, 3, 4}),
       {3, 1},
       {4},
       true,
       true,
       Mask::kNone,
       Reduction::kNone},
      {"mask_mean", normal({4, 5}), {}, {}, false, false, Mask::kFloat, Reduction::kMean},
      {"bcast_bool_mask_pos_weight_mean",
       normal({2, 3, 4}),
       {},
       {4},
       false,
       true,
       Mask::kBcastBool,
       Reduction::kMean},
      {"mask_sum", normal({3, 4}), {3, 4}, {}, true, false, Mask::kFloat, Reduction::kSum},
      {"zero_mask_mean", normal({3, 4}), {}, {}, false, false, Mask::kZero, Reduction::kMean},
      {"noncontig_mean",
       transposed(normal({5, 3})),
       {},
       {3},
       false,
       true,
       Mask::kNone,
       Reduction::kMean},
      {"large_logits_sum",
       uniform({4, 6}, -40, 40),
       {},
       {6},
       false,
       true,
       Mask::kNone,
       Reduction::kSum},
  };
  for (const B& b : bs) {
    // x0 logits, x1 target probabilities (which get a gradient, as in PyTorch), then the
    // optional weight, pos_weight and mask.
    std::vector<InputSpec> in = {b.x, uniform(b.x.shape, 0, 1)};
    int wi = -1, pi = -1;
    if (b.has_weight) {
      wi = static_cast<int>(in.size());
      in.push_back(positive(b.weight, false));
    }
    if (b.has_pos_weight) {
      pi = static_cast<int>(in.size());
      in.push_back(positive(b.pos_weight, false));
    }
    const int mi = static_cast<int>(in.size());
    const std::string m = add_mask(in, b.x.shape, b.mask);
    const bool masked = !m.empty();
    const Reduction red = b.red;
    const std::string args = std::string(", weight=") +
                             (wi >= 0 ? "x" + std::to_string(wi) : "None") +
                             ", pos_weight=" + (pi >= 0 ? "x" + std::to_string(pi) : "None");
    const std::string torch = masked ? masked_torch("F.binary_cross_entropy_with_logits(x0, x1" +
                                                        args + ", reduction='none')",
                                                    m, red)
                                     : "F.binary_cross_entropy_with_logits(x0, x1" + args +
                                           ", reduction='" + reduction_name(red) + "')";
    cs.push_back(make_case(
        "bce_with_logits/" + b.name, in,
        [wi, pi, mi, masked, red](const Ts& x) {
          return Ts{binary_cross_entropy_with_logits(x[0], x[1], wi >= 0 ? x[wi] : Tensor(),
                                                     pi >= 0 ? x[pi] : Tensor(),
                                                     masked ? x[mi] : Tensor(), red)};
        },
        torch, modes_for(b.mask, red)));
  }
  return cs;
}

std::vector<OpCase> l1_mse_cases() {
  std::vector<OpCase> cs;
  struct L {
    std::string name;
    InputSpec x;
    Mask mask;
    Reduction red;
  };
  const L ls[] = {
      {"mean", normal({4, 5}), Mask::kNone, Reduction::kMean},
      {"sum", normal({3, 6}), Mask::kNone, Reduction::kSum},
      {"none", normal({3, 6}), Mask::kNone, Reduction::kNone},
      {"mask_mean", normal({4, 5}), Mask::kFloat, Reduction::kMean},
      {"mask_sum", normal({3, 4}), Mask::kFloat, Reduction::kSum},
      {"mask_none", normal({3, 4}), Mask::kFloat, Reduction::kNone},
      {"bcast_bool_mask_mean", normal({2, 3, 4}), Mask::kBcastBool, Reduction::kMean},
      {"zero_mask_mean", normal({3, 4}), Mask::kZero, Reduction::kMean},
      {"noncontig_mean", transposed(normal({5, 3})), Mask::kNone, Reduction::kMean},
  };
  struct Op {
    const char* name;
    Tensor (*f)(const Tensor&, const Tensor&, const Tensor&, Reduction);
    const char* torch;
  };
  const Op ops[] = {{"l1_loss", &l1_loss, "F.l1_loss"}, {"mse_loss", &mse_loss, "F.mse_loss"}};
  for (const Op& op : ops) {
    for (const L& l : ls) {
      std::vector<InputSpec> in = {l.x, normal(l.x.shape)};
      const std::string m = add_mask(in, l.x.shape, l.mask);
      const bool masked = !m.empty();
      const Reduction red = l.red;
      const std::string call = std::string(op.torch) + "(x0, x1, reduction=";
      const std::string torch =
          masked ? masked_torch(call + "'none')", m, red) : call + "'" + reduction_name(red) + "')";
      auto f = op.f;
      cs.push_back(make_case(
          std::string(op.name) + "/" + l.name, in,
          [f, masked, red](const Ts& x) {
            return Ts{f(x[0], x[1], masked ? x[2] : Tensor(), red)};
          },
          torch, modes_for(l.mask, red)));
    }
  }
  // smooth_l1_loss with an all-zero mask: kMean is 0/0 = NaN, as for the losses above.
  {
    std::vector<InputSpec> in = {uniform({3, 4}, -2, 2), uniform({3, 4}, -2, 2)};
    const std::string m = add_mask(in, {3, 4}, Mask::kZero);
    cs.push_back(make_case(
        "smooth_l1_loss/zero_mask_mean", in,
        [](const Ts& x) { return Ts{smooth_l1_loss(x[0], x[1], 1.0, x[2], Reduction::kMean)}; },
        masked_torch("F.smooth_l1_loss(x0, x1, beta=1.0, reduction='none')", m, Reduction::kMean),
        kOracle));
  }
  return cs;
}

// Segmentation-style N x C x H x W maps with ignored pixels, without class weights.
std::vector<OpCase> cross_entropy_map_cases() {
  std::vector<OpCase> cs;
  for (Reduction red : {Reduction::kMean, Reduction::kSum}) {
    cs.push_back(make_case(
        std::string("cross_entropy/4d_ignore_") + reduction_name(red),
        {normal({2, 5, 3, 4}), integers({2, 3, 4}, 0, 5)},
        [red](const Ts& x) { return Ts{cross_entropy(x[0], x[1], Tensor(), 3, red)}; },
        std::string("F.cross_entropy(x0, x1, ignore_index=3, reduction='") + reduction_name(red) +
            "')"));
  }
  return cs;
}

DC_OP_CASES(bce_cases());
DC_OP_CASES(l1_mse_cases());
DC_OP_CASES(cross_entropy_map_cases());

}  // namespace
}  // namespace dc
