// Cases of conv_transpose2d: stride 1 and 2, padding (also cropping more than the kernel adds),
// output_padding (below the stride, and at or above the stride but below the dilation), dilation,
// groups 2 and depthwise, a stride larger than the kernel (output pixels no tap reaches), 1x1 and
// non-square kernels, bias or none, batch 1 and 2, a non-contiguous input, and the DensePose-RCNN
// head deconvolution benchmarks.
#include "ops/conv_transpose.h"
#include "ops/op_case.h"

namespace dc {
namespace {

using Ts = std::vector<Tensor>;
using P2 = std::array<int64_t, 2>;

struct ConvTSpec {
  std::string name;
  InputSpec x;
  Shape w;  // [Cin, Cout/groups, kh, kw]
  bool bias;
  P2 stride{1, 1}, padding{0, 0}, output_padding{0, 0}, dilation{1, 1};
  int64_t groups = 1;
};

std::string p2(const P2& v) {
  return "(" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + ")";
}

OpCase conv_transpose_case(const ConvTSpec& s) {
  OpCase c;
  c.name = "conv_transpose2d/" + s.name;
  c.inputs = {s.x, normal(s.w)};
  if (s.bias) c.inputs.push_back(normal({s.w[1] * s.groups}));
  c.run = [s](const Ts& x) {
    return Ts{conv_transpose2d(x[0], x[1], s.bias ? x[2] : Tensor(), s.stride, s.padding,
                               s.output_padding, s.dilation, s.groups)};
  };
  c.torch = "F.conv_transpose2d(x0, x1, " + std::string(s.bias ? "x2" : "None") +
            ", stride=" + p2(s.stride) + ", padding=" + p2(s.padding) +
            ", output_padding=" + p2(s.output_padding) + ", groups=" + std::to_string(s.groups) +
            ", dilation=" + p2(s.dilation) + ")";
  return c;
}

std::vector<OpCase> conv_transpose_cases() {
  // Fields: name, x, w, bias, stride, padding, output_padding, dilation, groups.
  const std::vector<ConvTSpec> specs = {
      {"basic_3x3_bias", normal({2, 3, 4, 4}), {3, 4, 3, 3}, true},
      {"stride2_pad1", normal({2, 2, 4, 4}), {2, 3, 3, 3}, true, {2, 2}, {1, 1}},
      {"stride2_outpad1", normal({1, 2, 3, 3}), {2, 3, 3, 3}, true, {2, 2}, {1, 1}, {1, 1}},
      {"stride3_outpad2", normal({2, 2, 3, 2}), {2, 2, 3, 3}, false, {3, 3}, {1, 0}, {2, 1}},
      // output_padding 1 = stride, allowed because it is below the dilation.
      {"outpad_below_dilation",
       normal({1, 2, 4, 4}),
       {2, 2, 3, 3},
       true,
       {1, 1},
       {1, 1},
       {1, 1},
       {2, 2}},
      {"dilation2_pad2", normal({1, 2, 5, 5}), {2, 2, 3, 3}, false, {1, 1}, {2, 2}, {0, 0}, {2, 2}},
      {"pad_crops", normal({1, 2, 5, 5}), {2, 2, 3, 3}, true, {1, 1}, {2, 2}},
      // Stride above the kernel: outputs between taps get only the bias.
      {"stride_gaps", normal({1, 2, 3, 3}), {2, 2, 2, 2}, true, {3, 3}},
      {"groups2_stride2",
       normal({2, 4, 4, 4}),
       {4, 3, 3, 3},
       true,
       {2, 2},
       {1, 1},
       {1, 1},
       {1, 1},
       2},
      {"depthwise", normal({1, 3, 5, 5}), {3, 1, 3, 3}, false, {1, 1}, {1, 1}, {0, 0}, {1, 1}, 3},
      {"depthwise_mult2_bias",
       normal({2, 2, 4, 4}),
       {2, 2, 3, 3},
       true,
       {2, 2},
       {1, 1},
       {0, 0},
       {1, 1},
       2},
      {"1x1_bias", normal({2, 4, 4, 4}), {4, 3, 1, 1}, true},
      {"1x1_stride2_outpad1", normal({1, 3, 3, 3}), {3, 2, 1, 1}, false, {2, 2}, {0, 0}, {1, 1}},
      {"nonsquare_kernel", normal({1, 2, 4, 5}), {2, 3, 2, 3}, true, {2, 1}, {1, 0}, {1, 0}},
      {"nonsquare_dilation",
       normal({1, 2, 5, 4}),
       {2, 2, 3, 2},
       false,
       {1, 2},
       {0, 1},
       {1, 1},
       {2, 1}},
      {"batch1_nobias", normal({1, 3, 4, 4}), {3, 2, 3, 3}, false},
      {"noncontig_input", transposed(normal({2, 2, 5, 6})), {2, 3, 3, 3}, true, {2, 2}, {1, 1}},
      // The DensePose head's deconvolution geometry (4x4, stride 2, padding 1), small channels.
      {"4x4_stride2_pad1", normal({2, 4, 3, 3}), {4, 3, 4, 4}, true, {2, 2}, {1, 1}},
  };
  std::vector<OpCase> cs;
  for (const ConvTSpec& s : specs) cs.push_back(conv_transpose_case(s));
  return cs;
}

// DensePose-RCNN's head deconvolution: 512 -> 25 channels, 4x4, stride 2, padding 1, with a bias
// as scripts/bench_torch.py times PyTorch.
OpCase perf_case(const std::string& name, bool backward) {
  const Shape x{8, 512, 28, 28}, w{512, 25, 4, 4};
  OpCase c;
  c.name = name;
  c.inputs = {normal(x, backward), normal(w, backward), normal({w[1]}, backward)};
  c.run = [](const Ts& v) { return Ts{conv_transpose2d(v[0], v[1], v[2], {2, 2}, {1, 1})}; };
  c.torch = "F.conv_transpose2d(x0, x1, x2, stride=2, padding=1)";
  c.modes = kPerf;
  c.perf_backward = backward;
  // Every input pixel meets every weight of its channel once: 2 flops per MAC.
  const double fwd = 2.0 * x[0] * x[1] * x[2] * x[3] * w[1] * w[2] * w[3];
  c.flops = backward ? 3 * fwd : fwd;
  return c;
}

DC_OP_CASES(conv_transpose_cases());
DC_OP_CASES({perf_case("conv_transpose4x4s2_512to25x28_b8_fwd", false),
             perf_case("conv_transpose4x4s2_512to25x28_b8_fwdbwd", true)});

}  // namespace
}  // namespace dc
