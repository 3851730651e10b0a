// Cases of conv2d: stride, padding, dilation, groups (and depthwise), bias or none, 1x1 and
// non-square kernels, batch 1, a non-contiguous input, and the ResNet-style benchmarks.
#include "ops/conv.h"
#include "ops/op_case.h"

namespace dc {
namespace {

using Ts = std::vector<Tensor>;
using P2 = std::array<int64_t, 2>;

struct ConvSpec {
  std::string name;
  InputSpec x;
  Shape w;
  bool bias;
  P2 stride{1, 1}, padding{0, 0}, dilation{1, 1};
  int64_t groups = 1;
};

std::string p2(const P2& v) {
  return "(" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + ")";
}

OpCase conv_case(const ConvSpec& s) {
  OpCase c;
  c.name = "conv2d/" + s.name;
  c.inputs = {s.x, normal(s.w)};
  if (s.bias) c.inputs.push_back(normal({s.w[0]}));
  c.run = [s](const Ts& x) {
    return Ts{
        conv2d(x[0], x[1], s.bias ? x[2] : Tensor(), s.stride, s.padding, s.dilation, s.groups)};
  };
  c.torch = "F.conv2d(x0, x1, " + std::string(s.bias ? "x2" : "None") + ", stride=" + p2(s.stride) +
            ", padding=" + p2(s.padding) + ", dilation=" + p2(s.dilation) +
            ", groups=" + std::to_string(s.groups) + ")";
  return c;
}

std::vector<OpCase> conv_cases() {
  const std::vector<ConvSpec> specs = {
      {"basic_3x3_bias", normal({2, 3, 5, 5}), {4, 3, 3, 3}, true},
      {"stride2_pad1", normal({2, 2, 6, 6}), {3, 2, 3, 3}, true, {2, 2}, {1, 1}},
      {"dilation2_pad2", normal({1, 2, 7, 7}), {2, 2, 3, 3}, false, {1, 1}, {2, 2}, {2, 2}},
      {"groups2_stride2", normal({2, 4, 5, 5}), {6, 2, 3, 3}, true, {2, 2}, {1, 1}, {1, 1}, 2},
      {"depthwise", normal({1, 3, 5, 5}), {3, 1, 3, 3}, false, {1, 1}, {1, 1}, {1, 1}, 3},
      {"depthwise_mult2_bias", normal({2, 2, 4, 4}), {4, 1, 3, 3}, true, {1, 1}, {1, 1}, {1, 1}, 2},
      {"1x1_bias", normal({2, 4, 4, 4}), {3, 4, 1, 1}, true},
      {"1x1_stride2", normal({1, 3, 5, 5}), {2, 3, 1, 1}, false, {2, 2}},
      {"nonsquare_kernel", normal({1, 2, 6, 7}), {3, 2, 2, 3}, true, {2, 1}, {1, 0}},
      {"nonsquare_dilation", normal({1, 2, 7, 6}), {2, 2, 3, 2}, false, {1, 2}, {0, 1}, {2, 1}},
      {"batch1_nobias", normal({1, 3, 4, 4}), {2, 3, 3, 3}, false},
      {"noncontig_input", transposed(normal({2, 2, 5, 6})), {3, 2, 3, 3}, true, {1, 1}, {1, 1}},
  };
  std::vector<OpCase> cs;
  for (const ConvSpec& s : specs) cs.push_back(conv_case(s));
  return cs;
}

OpCase perf_case(const std::string& name, Shape x, Shape w, int64_t pad, bool backward) {
  OpCase c;
  c.name = name;
  // With a bias, as scripts/bench_torch.py times PyTorch.
  c.inputs = {normal(x, backward), normal(w, backward), normal({w[0]}, backward)};
  c.run = [pad](const Ts& v) { return Ts{conv2d(v[0], v[1], v[2], {1, 1}, {pad, pad})}; };
  c.torch = "F.conv2d(x0, x1, x2, padding=" + std::to_string(pad) + ")";
  c.modes = kPerf;
  c.perf_backward = backward;
  // Same-size output (stride 1, "same" padding): 2 flops per MAC.
  const double fwd = 2.0 * x[0] * w[0] * x[2] * x[3] * w[1] * w[2] * w[3];
  c.flops = backward ? 3 * fwd : fwd;
  return c;
}

std::vector<OpCase> conv_perf_cases() {
  return {
      perf_case("conv3x3_64x56_b8_fwd", {8, 64, 56, 56}, {64, 64, 3, 3}, 1, false),
      perf_case("conv3x3_64x56_b8_fwdbwd", {8, 64, 56, 56}, {64, 64, 3, 3}, 1, true),
      perf_case("conv1x1_256to64x56_b8_fwd", {8, 256, 56, 56}, {64, 256, 1, 1}, 0, false),
  };
}

DC_OP_CASES(conv_cases());
DC_OP_CASES(conv_perf_cases());

}  // namespace
}  // namespace dc
