// The densereg task's pieces: its loss on a hand-made batch against a hand computation, the
// decoding of each mode, relative depth, the network's outputs and names, the synth_faces splits
// (disjoint, deterministic, label-aware flips), and bad inputs.
#include "nets/densereg.h"

#include <gtest/gtest.h>

#include <cmath>

#include "data/loader.h"
#include "data/synth/face_template.h"
#include "nets/registry.h"
#include "ops/creation.h"
#include "tests/testing/expect_error.h"
#include "train/densereg_loss.h"
#include "train/synth_faces_split.h"

namespace dc {
namespace {

double ce(const std::vector<double>& logits, int label) {
  double z = 0;
  for (double l : logits) z += std::exp(l);
  return std::log(z) - logits[label];
}

// One image, 1×2 pixels, K = 2: pixel 0 is face with (U, V) = (0.25, 0.75), pixel 1 background.
struct TinyBatch {
  Tensor uv = tensor_from({0.25, 0.9, 0.75, 0.1}, {1, 2, 1, 2});
  Tensor mask = tensor_from({1, 0}, {1, 1, 2}, DType::u8);
  // heads, channel-major per pixel pair
  std::vector<double> ub{0.1, 0.3, 1.2, -0.4, 0.0, 0.8};  // [1, 3, 1, 2]
  std::vector<double> vb{-0.2, 0.5, 0.3, 0.1, 0.9, -1.0};
  std::vector<double> ur{0.8, 0.0, 0.1, 0.6};  // [1, 2, 1, 2]
  std::vector<double> vr{0.2, 0.3, 0.45, 0.9};
  std::vector<Tensor> heads() const {
    return {tensor_from(ub, {1, 3, 1, 2}), tensor_from(vb, {1, 3, 1, 2}),
            tensor_from(ur, {1, 2, 1, 2}), tensor_from(vr, {1, 2, 1, 2})};
  }
};

TEST(DenseRegLoss, EqualsHandComputation) {
  const TinyBatch b;
  DenseRegLossOptions o;
  o.num_bins = 2;
  o.residual_weight = 40;
  const auto l = densereg_losses(b.heads(), b.uv, b.mask, Tensor(), o);
  ASSERT_EQ(l.size(), 4u);
  // U: pixel 0 u = 0.25 -> q = 0, label 1, r = 0.5; pixel 1 background, label 0.
  const double u_cls = 0.5 * (ce({0.1, 1.2, 0.0}, 1) + ce({0.3, -0.4, 0.8}, 0));
  // V: pixel 0 v = 0.75 -> q = 1, label 2, r = 0.5.
  const double v_cls = 0.5 * (ce({-0.2, 0.3, 0.9}, 2) + ce({0.5, 0.1, -1.0}, 0));
  // Residuals on the ground-truth bin's channel of the one face pixel: U bin 0 holds 0.8, V bin 1
  // holds 0.45; in coordinate units (bin width 1/2) smooth L1 0.5 x^2, over 1 foreground pixel,
  // times 40.
  const double u_res = 40 * 0.5 * (0.5 * (0.8 - 0.5)) * (0.5 * (0.8 - 0.5));
  const double v_res = 40 * 0.5 * (0.5 * (0.45 - 0.5)) * (0.5 * (0.45 - 0.5));
  EXPECT_NEAR(l.at("loss_u_cls").item<double>(), u_cls, 1e-5);
  EXPECT_NEAR(l.at("loss_v_cls").item<double>(), v_cls, 1e-5);
  EXPECT_NEAR(l.at("loss_u_res").item<double>(), u_res, 1e-5);
  EXPECT_NEAR(l.at("loss_v_res").item<double>(), v_res, 1e-5);
  EXPECT_NEAR(u_res, 0.45, 1e-12);

  o.mode = DenseRegMode::kBinsOnly;
  const auto q = densereg_losses(b.heads(), b.uv, b.mask, Tensor(), o);
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.count("loss_u_res"), 0u);
  o.mode = DenseRegMode::kResidualsOnly;
  const auto r = densereg_losses(b.heads(), b.uv, b.mask, Tensor(), o);
  EXPECT_EQ(r.size(), 2u);
  EXPECT_NEAR(r.at("loss_v_res").item<double>(), v_res, 1e-5);

  // Depth head: two face pixels at Z 2 and 3 -> relative depth 0 and 1.
  o.mode = DenseRegMode::kQuantizedRegression;
  o.depth_weight = 0.5;
  std::vector<Tensor> heads = b.heads();
  heads.push_back(tensor_from({0.25, 0.5}, {1, 1, 1, 2}));
  const Tensor mask2 = tensor_from({1, 1}, {1, 1, 2}, DType::u8);
  const auto d = densereg_losses(heads, b.uv, mask2, tensor_from({2.0, 3.0}, {1, 1, 2}), o);
  EXPECT_NEAR(d.at("loss_depth").item<double>(), 0.5 * (0.25 + 0.5) / 2, 1e-6);
}

TEST(DenseRegLoss, DecodeModes) {
  const TinyBatch b;
  DenseRegLossOptions o;
  o.num_bins = 2;
  // Pixel 0: U argmax over bins (1.2 vs 0.0) -> bin 0, residual 0.8 -> 0.4; V bins (0.3, 0.9) ->
  // bin 1, residual 0.45 -> 0.725.
  std::vector<double> e = densereg_decode(b.heads(), b.uv, b.mask, o).to_vector();
  EXPECT_NEAR(e[0], 0.4, 1e-6);
  EXPECT_NEAR(e[2], 0.725, 1e-6);
  o.mode = DenseRegMode::kBinsOnly;
  e = densereg_decode(b.heads(), b.uv, b.mask, o).to_vector();
  EXPECT_NEAR(e[0], 0.25, 1e-6);
  EXPECT_NEAR(e[2], 0.75, 1e-6);
  o.mode = DenseRegMode::kResidualsOnly;  // ground-truth bins: U bin 0, V bin 1
  e = densereg_decode(b.heads(), b.uv, b.mask, o).to_vector();
  EXPECT_NEAR(e[0], 0.4, 1e-6);
  EXPECT_NEAR(e[2], 0.725, 1e-6);
  EXPECT_EQ(parse_densereg_mode("q"), DenseRegMode::kBinsOnly);
  expect_error([] { parse_densereg_mode("qq"); }, {"densereg.mode", "qr, q or r", "'qq'"});
}

TEST(DenseRegLoss, RelativeDepth) {
  const Tensor z = tensor_from({0.5, 0.7, 0.6, 9.0, 1.0, 1.0}, {2, 1, 3});
  const Tensor m = tensor_from({1, 1, 1, 0, 1, 1}, {2, 1, 3}, DType::u8);
  const std::vector<double> r = relative_depth(z, m).to_vector();
  const std::vector<double> want{0.0, 1.0, 0.5, 0.0, 0.0, 0.0};  // flat second face: zeros
  for (size_t i = 0; i < r.size(); ++i) EXPECT_NEAR(r[i], want[i], 1e-6) << i;
}

TEST(DenseRegLoss, Errors) {
  const TinyBatch b;
  DenseRegLossOptions o;
  o.num_bins = 3;
  expect_error([&] { densereg_losses(b.heads(), b.uv, b.mask, Tensor(), o); },
               {"u_bins", "[1, 3, 1, 2]", "K + 1 = 4", "densereg.num_bins = 3"});
  o.num_bins = 2;
  expect_error(
      [&] {
        densereg_losses(b.heads(), zeros({1, 2, 2, 2}), b.mask, Tensor(), o);
      },
      {"'uv'", "[1, 2, 2, 2]", "[1, 2, 1, 2]"});
  std::vector<Tensor> with_depth = b.heads();
  with_depth.push_back(zeros({1, 1, 1, 2}));
  expect_error([&] { densereg_losses(with_depth, b.uv, b.mask, Tensor(), o); },
               {"depth head", "'depth'"});
}

TEST(DenseRegNet, OutputsAndNames) {
  DenseRegOptions o;
  o.num_bins = 5;
  o.depth_head = true;
  o.trunk_stages = 3;
  Generator gen(3);
  auto net = make_densereg(o, gen);
  const Tensor x = rand({2, 3, 40, 56}, DType::f32, gen);
  EXPECT_EQ(net->features(x).sizes(), (Shape{2, 256, 5, 7}));  // output stride 8
  const std::vector<Tensor> out = net->forward_multi(x);
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[0].sizes(), (Shape{2, 6, 40, 56}));
  EXPECT_EQ(out[1].sizes(), (Shape{2, 6, 40, 56}));
  EXPECT_EQ(out[2].sizes(), (Shape{2, 5, 40, 56}));
  EXPECT_EQ(out[3].sizes(), (Shape{2, 5, 40, 56}));
  EXPECT_EQ(out[4].sizes(), (Shape{2, 1, 40, 56}));
  EXPECT_EQ(net->forward(x).sizes(), (Shape{2, 23, 40, 56}));
  const NamedTensors sd = net->state_dict();
  for (const char* key : {"trunk.conv1.weight", "trunk.layer3.1.conv2.weight", "u_bins.weight",
                          "v_residual.bias", "depth.weight"}) {
    EXPECT_TRUE(find_tensor(sd, key) != nullptr) << key;
  }
  EXPECT_TRUE(find_tensor(sd, "trunk.layer4.0.conv1.weight") == nullptr);

  // The registered names: K from num_classes; resnet18_dilated8 has output stride 8 with dilated
  // BasicBlocks (layer4's 3x3 convs dilated by 4).
  ModelOptions mo;
  mo.num_classes = 3;
  ModulePtr reg = build_model("densereg_r18", mo);
  EXPECT_EQ(reg->forward_multi(zeros({1, 3, 32, 32}))[2].sizes(), (Shape{1, 3, 32, 32}));
  mo.num_classes = 0;
  ModulePtr r18 = build_model("resnet18_dilated8", mo);
  EXPECT_EQ(r18->forward(zeros({1, 3, 32, 48})).sizes(), (Shape{1, 512, 4, 6}));
  mo.num_classes = kFaceNumLabels;
  ModulePtr parts = build_model("densereg_parts_r18", mo);
  const std::vector<Tensor> p = parts->forward_multi(zeros({1, 3, 24, 24}));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].sizes(), (Shape{1, 9, 24, 24}));
  EXPECT_EQ(densereg_trunk("densereg_hg"), "hourglass");
  EXPECT_TRUE(densereg_is_parts("densereg_parts_r50"));
  expect_error([] { densereg_trunk("densereg_r34"); }, {"densereg_r34", "densereg_r18"});
  DenseRegOptions bad;
  bad.num_bins = 0;
  expect_error([&] { make_densereg(bad); }, {"DenseReg", "K", ">= 1"});
  bad.num_bins = 2;
  bad.trunk = "resnet34_dilated8";
  expect_error([&] { make_densereg(bad); }, {"unknown trunk", "resnet34_dilated8"});
}

SynthFacesSplitOptions small(const std::string& split) {
  SynthFacesSplitOptions o;
  o.split = split;
  o.num_samples = 4;
  o.world.size = 48;
  o.world.supersample = 1;
  return o;
}

bool same(const Tensor& a, const Tensor& b) { return a.to_vector() == b.to_vector(); }

TEST(SynthFacesSplit, TrainAndTestDisjointAndDeterministic) {
  const SynthFacesSplit train(small("train")), test(small("test"));
  // The test split ignores the loader's generator: the same faces for every run seed.
  Generator g1(sample_seed(1, 0, 2)), g2(sample_seed(99, 5, 2));
  EXPECT_TRUE(same(test.get(2, g1).at("image"), test.get(2, g2).at("image")));
  // Train faces are a function of the loader's generator.
  Generator a(sample_seed(7, 0, 1)), a2(sample_seed(7, 0, 1)), c(sample_seed(7, 1, 1));
  const Sample s = train.get(1, a);
  EXPECT_TRUE(same(s.at("uv"), train.get(1, a2).at("uv")));
  EXPECT_FALSE(same(s.at("uv"), train.get(1, c).at("uv")));
  // A train generator with exactly the test split's seed still renders another face.
  for (int64_t i = 0; i < 4; ++i) {
    Generator t(sample_seed(1, 0, i)), r(sample_seed(1, 0, i));
    EXPECT_FALSE(same(test.get(i, t).at("uv"), train.get(i, r).at("uv"))) << i;
  }
  EXPECT_EQ(s.at("image").sizes(), (Shape{3, 48, 48}));
  EXPECT_EQ(s.at("uv").sizes(), (Shape{2, 48, 48}));
  expect_error([] { SynthFacesSplit x(small("val")); }, {"synth_faces", "train or test", "val"});
  SynthFacesSplitOptions bad = small("train");
  bad.scales = {};
  expect_error([&] { SynthFacesSplit x(bad); }, {"data.synth_faces.scales", "empty"});
}

TEST(SynthFacesSplit, FlipMirrorsUAndSwapsParts) {
  FaceWorldOptions w;
  w.size = 48;
  w.supersample = 1;
  Generator g(11);
  const Sample s = render_face(g, w);
  const std::vector<double> uv = s.at("uv").to_vector();
  Sample f = s;
  Generator unused(0);
  HorizontalFlip(1.0, face_flip_rules()).apply(f, face_sample_layout(), unused);
  const std::vector<double> fuv = f.at("uv").to_vector();
  const std::vector<double> m = s.at("mask").to_vector(), part = s.at("part").to_vector(),
                            fpart = f.at("part").to_vector();
  const int n = 48;
  int64_t face = 0;
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      const int i = y * n + x, j = y * n + (n - 1 - x);
      ASSERT_EQ(fpart[j], face_part_flip()[static_cast<int>(part[i])]);
      if (m[i] == 0) continue;
      ++face;
      ASSERT_NEAR(fuv[j], 1.0 - uv[i], 1e-6);
      ASSERT_NEAR(fuv[n * n + j], uv[n * n + i], 1e-6);
    }
  }
  EXPECT_GT(face, 100);
  EXPECT_EQ(s.at("uv").to_vector(), uv) << "the flip must not write into the source sample";
}

}  // namespace
}  // namespace dc
