// Label-aware transforms: every field moves with the image (a planted label pixel, its U,V and a
// point at the same pixel stay together), nearest resampling never invents label values, flips
// apply the dataset's permutations and undo themselves, identities are exact, the image path
// matches F.interpolate (through ops/upsample.h), jitter touches images only and is seeded.
#include "data/transforms.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "ops/creation.h"
#include "ops/grid_sample.h"
#include "ops/upsample.h"
#include "tests/testing/expect_error.h"

namespace dc {
namespace {

constexpr int64_t kS = 20;  // square test images, so that quarter turns keep the size

SampleLayout full_layout() {
  return {{"image", FieldKind::kImage},      {"part", FieldKind::kDenseLabel},
          {"uv", FieldKind::kDenseLabel},    {"mask", FieldKind::kDenseLabel},
          {"landmarks", FieldKind::kPoints}, {"visible", FieldKind::kOther},
          {"boxes", FieldKind::kBoxes},      {"label", FieldKind::kOther}};
}

// Multiples of 1/1024: exact under 1 − u, so that a U mirror applied twice is the identity.
Tensor dyadic_rand(const Shape& shape, Generator& gen) {
  Tensor t = rand(shape, DType::f32, gen);
  for (int64_t i = 0; i < t.numel(); ++i) {
    t.data<float>()[i] = std::floor(t.data<float>()[i] * 1024) / 1024;
  }
  return t;
}

Sample random_sample(uint64_t seed, int64_t h = kS, int64_t w = kS) {
  Generator gen(seed);
  Sample s;
  s["image"] = rand({3, h, w}, DType::f32, gen);
  s["part"] = randint(0, 5, {h, w}, DType::i64, gen);
  s["uv"] = dyadic_rand({2, h, w}, gen);
  s["mask"] = randint(0, 2, {h, w}, DType::u8, gen);
  // Positions laid out for 20×20, scaled to h×w on a quarter-pixel grid (exact under flips).
  auto sx = [w](double v) { return std::floor(v * w / kS * 4) / 4; };
  auto sy = [h](double v) { return std::floor(v * h / kS * 4) / 4; };
  s["landmarks"] = tensor_from({sx(1), sy(2), sx(15), sy(4.5), sx(9.25), sy(17)}, {3, 2});
  s["visible"] = tensor_from({1, 1, 0}, {3}, DType::u8);
  s["boxes"] = tensor_from({sx(2), sy(3), sx(7), sy(9), sx(10.5), 0, sx(19), sy(12)}, {2, 4});
  s["label"] = tensor_from({4}, {}, DType::i64);
  return s;
}

// A black image with one white pixel at (px, py), where the part label is 7, U,V is
// (0.125, 0.75) and the only landmark lies.
Sample planted_sample(int64_t px, int64_t py) {
  Sample s;
  s["image"] = zeros({3, kS, kS});
  s["part"] = zeros({kS, kS}, DType::i64);
  s["uv"] = zeros({2, kS, kS});
  s["mask"] = zeros({kS, kS}, DType::u8);
  for (int64_t c = 0; c < 3; ++c) s["image"].data<float>()[(c * kS + py) * kS + px] = 1;
  s["part"].data<int64_t>()[py * kS + px] = 7;
  s["uv"].data<float>()[py * kS + px] = 0.125f;
  s["uv"].data<float>()[(kS + py) * kS + px] = 0.75f;
  s["mask"].data<uint8_t>()[py * kS + px] = 1;
  s["landmarks"] = tensor_from({static_cast<double>(px), static_cast<double>(py)}, {1, 2});
  s["visible"] = tensor_from({1}, {1}, DType::u8);
  s["boxes"] = tensor_from({static_cast<double>(px), static_cast<double>(py),
                            static_cast<double>(px + 1), static_cast<double>(py + 1)},
                           {1, 4});
  s["label"] = tensor_from({4}, {}, DType::i64);
  return s;
}

void expect_same_fields(const Sample& got, const Sample& want, const std::string& context) {
  ASSERT_EQ(got.size(), want.size()) << context;
  for (const auto& [name, t] : want) {
    ASSERT_TRUE(got.count(name)) << context << ": " << name;
    const Tensor& g = got.at(name);
    EXPECT_EQ(g.sizes(), t.sizes()) << context << ": " << name;
    EXPECT_EQ(g.dtype(), t.dtype()) << context << ": " << name;
    EXPECT_EQ(g.to_vector(), t.to_vector()) << context << ": " << name;
  }
}

struct Case {
  std::string what;
  TransformPtr transform;
  bool exact;   // the map sends pixel squares onto (unions of) pixel squares
  bool copies;  // ... one to one, so that bilinear sampling copies image values too
};

TEST(Transforms, PlantedLabelPointAndBoxMoveTogether) {
  const std::vector<Case> cases = {
      {"scale 2", std::make_shared<RandomScale>(std::vector<double>{2.0}), true, false},
      {"scale 1.5", std::make_shared<RandomScale>(std::vector<double>{1.5}), false, false},
      {"crop", std::make_shared<Crop>(12, 14), true, true},
      {"crop with padding", std::make_shared<Crop>(26, 31), true, true},
      {"crop centre", std::make_shared<Crop>(13, 26, CropPosition::kCenter), true, true},
      {"rotate 90", std::make_shared<RandomRotation>(90, 90), true, true},
      {"rotate -90", std::make_shared<RandomRotation>(-90, -90), true, true},
      {"rotate 180", std::make_shared<RandomRotation>(180, 180), true, true},
      {"flip", std::make_shared<HorizontalFlip>(1.0), true, true},
  };
  const SampleLayout layout = full_layout();
  for (const Case& c : cases) {
    for (uint64_t seed = 0; seed < 4; ++seed) {
      const std::string context = c.what + ", seed " + std::to_string(seed);
      Sample s = planted_sample(8, 9);
      Generator rng(seed);
      c.transform->apply(s, layout, rng);
      const Tensor& part = s.at("part");
      const int64_t h = part.size(0), w = part.size(1);
      ASSERT_EQ(s.at("image").sizes(), (Shape{3, h, w})) << context;
      // Every pixel labelled 7 carries the planted U,V and mask exactly; others are 0.
      double sum_x = 0, sum_y = 0;
      int64_t count = 0;
      for (int64_t y = 0; y < h; ++y) {
        for (int64_t x = 0; x < w; ++x) {
          const int64_t i = y * w + x;
          const bool labelled = part.data<int64_t>()[i] == 7;
          ASSERT_TRUE(labelled || part.data<int64_t>()[i] == 0) << context;
          EXPECT_EQ(s.at("uv").data<float>()[i], labelled ? 0.125f : 0.0f) << context;
          EXPECT_EQ(s.at("uv").data<float>()[h * w + i], labelled ? 0.75f : 0.0f) << context;
          EXPECT_EQ(s.at("mask").data<uint8_t>()[i], labelled ? 1 : 0) << context;
          if (!labelled) continue;
          sum_x += x;
          sum_y += y;
          ++count;
        }
      }
      ASSERT_GT(count, 0) << context;
      const float px = s.at("landmarks").data<float>()[0], py = s.at("landmarks").data<float>()[1];
      EXPECT_EQ(s.at("visible").data<uint8_t>()[0], 1) << context;
      // The point lies on the label: at the centroid of its pixels when the map is exact.
      EXPECT_NEAR(sum_x / count, px, c.exact ? 1e-5 : 0.5) << context;
      EXPECT_NEAR(sum_y / count, py, c.exact ? 1e-5 : 0.5) << context;
      const int64_t rx = std::lround(px), ry = std::lround(py);
      EXPECT_EQ(part.data<int64_t>()[ry * w + rx], 7) << context;
      // The white pixel went to the same place (blended with its black neighbours by bilinear
      // sampling when scaled).
      const float white = s.at("image").data<float>()[ry * w + rx];
      if (c.copies) {
        EXPECT_EQ(white, 1.0f) << context;
      } else {
        EXPECT_GT(white, 0.5f) << context;
      }
      // The pixel's box covers exactly the labelled pixels when the map is exact.
      const float* box = s.at("boxes").data<float>();
      if (c.exact) {
        EXPECT_NEAR((box[0] + box[2]) / 2, px + 0.5, 1e-5) << context;
        EXPECT_NEAR((box[1] + box[3]) / 2, py + 0.5, 1e-5) << context;
        EXPECT_NEAR((box[2] - box[0]) * (box[3] - box[1]), count, 1e-4) << context;
      } else {
        EXPECT_LE(box[0], px + 0.5);
        EXPECT_GE(box[2], px + 0.5);
        EXPECT_LE(box[1], py + 0.5);
        EXPECT_GE(box[3], py + 0.5);
      }
      EXPECT_EQ(s.at("label").item<int64_t>(), 4) << context;
    }
  }
}

TEST(Transforms, QuarterTurnMovesPixelsExactly) {
  Sample s = random_sample(1);
  const Tensor in = s.at("image");
  Generator rng(0);
  RandomRotation(90, 90).apply(s, full_layout(), rng);
  const Tensor& out = s.at("image");
  // Counter-clockwise on screen: the right edge becomes the top edge.
  for (int64_t c = 0; c < 3; ++c) {
    for (int64_t y = 0; y < kS; ++y) {
      for (int64_t x = 0; x < kS; ++x) {
        ASSERT_EQ(out.data<float>()[(c * kS + y) * kS + x],
                  in.data<float>()[(c * kS + x) * kS + (kS - 1 - y)])
            << c << " " << y << " " << x;
      }
    }
  }
  // Box (2, 3, 7, 9): x' = y, y' = 20 − x.
  EXPECT_EQ(s.at("boxes").to_vector()[0], 3);
  EXPECT_EQ(s.at("boxes").to_vector()[1], 13);
  EXPECT_EQ(s.at("boxes").to_vector()[2], 9);
  EXPECT_EQ(s.at("boxes").to_vector()[3], 18);
  // Landmark (1, 2) -> (2, 18).
  EXPECT_EQ(s.at("landmarks").to_vector()[0], 2);
  EXPECT_EQ(s.at("landmarks").to_vector()[1], 18);
}

FlipRules face_rules() {
  FlipRules rules;
  rules.label_permutation["part"] = {0, 2, 1, 3, 4};
  rules.point_permutation["landmarks"] = {1, 0, 2};
  // Parts 1 and 2 are charts whose U runs the other way once mirrored.
  rules.after_flip = [](Sample& s) {
    Tensor uv = s.at("uv").clone();
    const Tensor& part = s.at("part");
    const int64_t plane = part.numel();
    for (int64_t i = 0; i < plane; ++i) {
      const int64_t p = part.data<int64_t>()[i];
      if (p == 1 || p == 2) uv.data<float>()[i] = 1 - uv.data<float>()[i];
    }
    s["uv"] = uv;
  };
  return rules;
}

TEST(Transforms, FlipTwiceIsTheIdentityOnEveryField) {
  const HorizontalFlip flip(1.0, face_rules());
  for (const auto& [h, w] : std::vector<std::pair<int64_t, int64_t>>{{kS, kS}, {7, 12}}) {
    const Sample original = random_sample(3, h, w);
    Sample s = original;
    Generator rng(0);
    flip.apply(s, full_layout(), rng);
    EXPECT_NE(s.at("image").to_vector(), original.at("image").to_vector());
    flip.apply(s, full_layout(), rng);
    expect_same_fields(s, original, "flip twice " + std::to_string(w));
  }
}

TEST(Transforms, FlipAppliesThePermutationsAndTheBoxConvention) {
  const int64_t h = 4, w = 6;
  Sample s;
  s["image"] = zeros({3, h, w});
  s["part"] = zeros({h, w}, DType::i64);
  s["part"].data<int64_t>()[0 * w + 0] = 1;
  s["part"].data<int64_t>()[3 * w + 5] = 2;
  s["part"].data<int64_t>()[1 * w + 2] = 3;
  s["landmarks"] = tensor_from({0, 0, 5, 1, 2, 3}, {3, 2});
  s["visible"] = tensor_from({1, 0, 1}, {3}, DType::u8);
  s["boxes"] = tensor_from({1, 0.5, 3, 2}, {1, 4});
  const SampleLayout layout = {{"image", FieldKind::kImage},
                               {"part", FieldKind::kDenseLabel},
                               {"landmarks", FieldKind::kPoints},
                               {"visible", FieldKind::kOther},
                               {"boxes", FieldKind::kBoxes}};
  FlipRules rules;
  rules.label_permutation["part"] = {0, 2, 1, 3};
  rules.point_permutation["landmarks"] = {1, 0, 2};
  int hook_calls = 0;
  rules.after_flip = [&hook_calls](Sample& sample) {
    ++hook_calls;
    // The hook sees the flipped, permuted sample.
    EXPECT_EQ(sample.at("part").data<int64_t>()[0 * 6 + 5], 2);
  };
  Generator rng(0);
  HorizontalFlip(1.0, rules).apply(s, layout, rng);
  EXPECT_EQ(hook_calls, 1);
  std::vector<double> part(h * w, 0);
  part[0 * w + 5] = 2;  // value 1 at x = 0 moved to x = 5 and became 2
  part[3 * w + 0] = 1;
  part[1 * w + 3] = 3;
  EXPECT_EQ(s.at("part").to_vector(), part);
  // Mirrored (x -> 5 − x): (5, 0), (0, 1), (3, 3); then point i is mirrored point table[i].
  EXPECT_EQ(s.at("landmarks").to_vector(), (std::vector<double>{0, 1, 5, 0, 3, 3}));
  EXPECT_EQ(s.at("visible").to_vector(), (std::vector<double>{0, 1, 1}));
  // (x1, x2) -> (W − x2, W − x1).
  EXPECT_EQ(s.at("boxes").to_vector(), (std::vector<double>{3, 0.5, 5, 2}));

  // p = 0 never flips, and never calls the hook; either way one counter is drawn.
  Sample t = s;
  Generator rng0(0);
  HorizontalFlip(0.0, rules).apply(t, layout, rng0);
  EXPECT_EQ(hook_calls, 1);
  EXPECT_EQ(rng0.offset(), 1u);
  expect_same_fields(t, s, "p = 0");
}

TEST(Transforms, FlipWithProbabilityHalfFlipsAboutHalfTheTime) {
  const HorizontalFlip flip(0.5);
  int flipped = 0;
  for (uint64_t seed = 0; seed < 400; ++seed) {
    Sample s = planted_sample(2, 5);
    Generator rng(seed);
    flip.apply(s, full_layout(), rng);
    EXPECT_EQ(rng.offset(), 1u);
    flipped += s.at("landmarks").data<float>()[0] == kS - 1 - 2;
  }
  EXPECT_GT(flipped, 150);
  EXPECT_LT(flipped, 250);
}

TEST(Transforms, NearestResamplingNeverInventsLabelValues) {
  Generator gen(9);
  Tensor part = randint(0, 4, {kS, kS}, DType::i64, gen);
  const std::vector<int64_t> values = {0, 3, 17, 42};
  for (int64_t i = 0; i < part.numel(); ++i) {
    part.data<int64_t>()[i] = values[part.data<int64_t>()[i]];
  }
  Sample base = random_sample(4);
  base["part"] = part;
  std::set<double> uv_values = {0.0};
  for (const double v : base.at("uv").to_vector()) uv_values.insert(v);
  const Compose pipeline({std::make_shared<RandomScale>(std::vector<double>{0.5, 0.75, 1.25, 1.5}),
                          std::make_shared<RandomRotation>(37), std::make_shared<Crop>(17, 15)});
  int64_t kept = 0;
  for (uint64_t seed = 0; seed < 10; ++seed) {
    Sample s = base;
    Generator rng(seed);
    pipeline.apply(s, full_layout(), rng);
    for (const double v : s.at("part").to_vector()) {
      ASSERT_TRUE(v == 0 || v == 3 || v == 17 || v == 42) << v;
      kept += v != 0;
    }
    for (const double v : s.at("uv").to_vector()) ASSERT_TRUE(uv_values.count(v)) << v;
    for (const double v : s.at("mask").to_vector()) ASSERT_TRUE(v == 0 || v == 1) << v;
  }
  EXPECT_GT(kept, 0);
}

TEST(Transforms, ZeroRotationUnitScaleAndFullCentreCropAreIdentities) {
  const Sample original = random_sample(5);
  const std::vector<TransformPtr> identities = {
      std::make_shared<RandomRotation>(0), std::make_shared<RandomScale>(std::vector<double>{1}),
      std::make_shared<Crop>(kS, kS, CropPosition::kCenter), std::make_shared<HorizontalFlip>(0.0)};
  for (const TransformPtr& t : identities) {
    Sample s = original;
    Generator rng(2);
    t->apply(s, full_layout(), rng);
    expect_same_fields(s, original, t->name());
  }
}

TEST(Transforms, ScaledImageMatchesBilinearInterpolate) {
  for (const double factor : {1.5, 0.5, 1.25}) {
    Sample s = random_sample(6);
    const Tensor in = s.at("image");
    Generator rng(0);
    RandomScale({factor}).apply(s, full_layout(), rng);
    const int64_t out = std::llround(kS * factor);
    ASSERT_EQ(s.at("image").sizes(), (Shape{3, out, out}));
    const std::vector<double> want =
        upsample_bilinear2d(in.unsqueeze(0), {out, out}, false).to_vector();
    const std::vector<double> got = s.at("image").to_vector();
    for (size_t i = 0; i < want.size(); ++i)
      ASSERT_NEAR(got[i], want[i], 1e-5) << factor << " " << i;
    // Points scale about the pixel-centre convention: x' = (x + ½)·s − ½.
    EXPECT_FLOAT_EQ(s.at("landmarks").data<float>()[2], (15 + 0.5) * factor - 0.5);
    EXPECT_FLOAT_EQ(s.at("boxes").data<float>()[2], 7 * factor);
  }
}

// A rotation by an arbitrary angle against grid_sample (border padding: edge pixels clamped),
// zeroed where the source point falls outside the image, with the grid built from the documented
// map: output continuous point q reads the source at R⁻¹(q − c) + c, c the image centre.
TEST(Transforms, RotatedImageMatchesGridSample) {
  for (const auto& [h, w, degrees] : std::vector<std::tuple<int64_t, int64_t, double>>{
           {kS, kS, 30}, {12, 17, -41.5}, {15, 9, 123}}) {
    Sample s = random_sample(13, h, w);
    const Tensor in = s.at("image");
    Generator rng(0);
    RandomRotation(degrees, degrees).apply(s, full_layout(), rng);
    const double t = degrees * M_PI / 180, cx = w / 2.0, cy = h / 2.0;
    Tensor grid = empty({1, h, w, 2});
    std::vector<bool> inside(h * w);
    for (int64_t i = 0; i < h; ++i) {
      for (int64_t j = 0; j < w; ++j) {
        // Counter-clockwise on screen by t, so the inverse turns clockwise.
        const double qx = j + 0.5 - cx, qy = i + 0.5 - cy;
        const double u = std::cos(t) * qx - std::sin(t) * qy + cx;
        const double v = std::sin(t) * qx + std::cos(t) * qy + cy;
        grid.data<float>()[(i * w + j) * 2] = static_cast<float>(2 * u / w - 1);
        grid.data<float>()[(i * w + j) * 2 + 1] = static_cast<float>(2 * v / h - 1);
        inside[i * w + j] = u >= 0 && u < w && v >= 0 && v < h;
      }
    }
    const std::vector<double> want = grid_sample(in.unsqueeze(0), grid, GridSampleMode::kBilinear,
                                                 GridSamplePadding::kBorder, false)
                                         .to_vector();
    const std::vector<double> got = s.at("image").to_vector();
    int64_t zeros = 0;
    for (int64_t k = 0; k < 3 * h * w; ++k) {
      const bool in_source = inside[k % (h * w)];
      zeros += !in_source;
      ASSERT_NEAR(got[k], in_source ? want[k] : 0.0, 2e-5) << degrees << " " << k;
    }
    EXPECT_GT(zeros, 0) << degrees;  // the corners came from outside the source
  }
}

// Fields given as strided views move exactly as their contiguous copies.
TEST(Transforms, StridedFieldsMoveLikeContiguousOnes) {
  const Sample dense = random_sample(14);
  Sample strided = dense;
  // The same values, stored transposed and viewed back.
  for (const char* name : {"image", "uv", "part", "mask"}) {
    const Tensor t = dense.at(name);
    const Tensor stored = t.dim() == 3 ? t.transpose(1, 2).contiguous() : t.t().contiguous();
    strided[name] = t.dim() == 3 ? stored.transpose(1, 2) : stored.t();
    ASSERT_FALSE(strided[name].is_contiguous());
    ASSERT_EQ(strided[name].to_vector(), t.to_vector());
  }
  for (const TransformPtr& t : std::vector<TransformPtr>{
           std::make_shared<RandomRotation>(25),
           std::make_shared<RandomScale>(std::vector<double>{1.5}), std::make_shared<Crop>(11, 13),
           std::make_shared<HorizontalFlip>(1.0, face_rules()),
           std::make_shared<ColorJitter>(0.3, 0.3, 0.3)}) {
    Sample a = dense, b = strided;
    Generator ra(4), rb(4);
    t->apply(a, full_layout(), ra);
    t->apply(b, full_layout(), rb);
    expect_same_fields(b, a, t->name());
  }
}

TEST(Transforms, PointsLeavingTheImageBecomeInvisibleAndBoxesAreClipped) {
  Sample s = random_sample(7);
  s["landmarks"] = tensor_from({2, 2, 9, 9, 14.5, 5, 14.6, 5}, {4, 2});
  s["visible"] = tensor_from({1, 1, 1, 1}, {4}, DType::u8);
  s["boxes"] = tensor_from({3, 3, 8, 8, 0, 0, 4, 4}, {2, 4});
  Generator rng(0);
  Crop(10, 10, CropPosition::kCenter).apply(s, full_layout(), rng);  // offset (5, 5)
  EXPECT_EQ(s.at("landmarks").to_vector(),
            (std::vector<double>{-3, -3, 4, 4, 9.5, 0, static_cast<float>(14.6) - 5.0f, 0}));
  EXPECT_EQ(s.at("visible").to_vector(), (std::vector<double>{0, 1, 1, 0}));
  EXPECT_EQ(s.at("boxes").to_vector(), (std::vector<double>{0, 0, 3, 3, 0, 0, 0, 0}));

  // "<name>_visible" takes precedence over "visible".
  Sample t = random_sample(7);
  t["landmarks_visible"] = tensor_from({1, 1, 1}, {3}, DType::u8);
  SampleLayout layout = full_layout();
  layout["landmarks_visible"] = FieldKind::kOther;
  Generator rng2(0);
  Crop(14, 14, CropPosition::kCenter).apply(t, layout, rng2);  // offset (3, 3)
  EXPECT_EQ(t.at("landmarks_visible").to_vector(), (std::vector<double>{0, 1, 0}));
  EXPECT_EQ(t.at("visible").to_vector(), (std::vector<double>{1, 1, 0}));
}

TEST(Transforms, CropPlacesAnImageSmallerThanTheWindowAndPadsWithZero) {
  Sample s = random_sample(8, 4, 5);
  const Tensor in = s.at("image");
  Generator rng(0);
  Crop(6, 9, CropPosition::kCenter).apply(s, full_layout(), rng);  // offsets −1 and −2
  const Tensor& out = s.at("image");
  ASSERT_EQ(out.sizes(), (Shape{3, 6, 9}));
  for (int64_t y = 0; y < 6; ++y) {
    for (int64_t x = 0; x < 9; ++x) {
      const bool inside = y >= 1 && y < 5 && x >= 2 && x < 7;
      const float want = inside ? in.data<float>()[(y - 1) * 5 + (x - 2)] : 0.0f;
      ASSERT_EQ(out.data<float>()[y * 9 + x], want) << y << " " << x;
      ASSERT_EQ(s.at("part").data<int64_t>()[y * 9 + x] == 0 || inside, true);
    }
  }
}

TEST(Transforms, ColorJitterChangesImagesOnlyAndIsSeeded) {
  const Sample original = random_sample(10);
  const ColorJitter jitter(0.4, 0.4, 0.4);
  Sample a = original, b = original, c = original;
  Generator ra(1), rb(1), rc(2);
  jitter.apply(a, full_layout(), ra);
  jitter.apply(b, full_layout(), rb);
  jitter.apply(c, full_layout(), rc);
  expect_same_fields(a, b, "same seed");
  EXPECT_NE(a.at("image").to_vector(), c.at("image").to_vector());
  EXPECT_NE(a.at("image").to_vector(), original.at("image").to_vector());
  for (const char* name : {"part", "uv", "mask", "landmarks", "visible", "boxes", "label"}) {
    EXPECT_TRUE(a.at(name).same(original.at(name))) << name;
  }
  for (const double v : a.at("image").to_vector()) ASSERT_TRUE(v >= 0 && v <= 1) << v;
}

TEST(Transforms, ColorJitterFactorsFollowTheirClosedForms) {
  Generator gen(11);
  // Values in [0.4, 0.6]: no clamping for factors in [0.5, 1.5].
  Tensor img = rand({3, 8, 9}, DType::f32, gen);
  for (int64_t i = 0; i < img.numel(); ++i)
    img.data<float>()[i] = 0.4f + 0.2f * img.data<float>()[i];
  const std::vector<double> in = img.to_vector();
  const int64_t plane = 72;
  const SampleLayout layout = {{"image", FieldKind::kImage}};
  // Brightness: one factor f in [0.5, 1.5] for every value.
  {
    Sample s = {{"image", img}};
    Generator rng(3);
    ColorJitter(0.5, 0, 0).apply(s, layout, rng);
    const std::vector<double> out = s.at("image").to_vector();
    const double f = out[0] / in[0];
    EXPECT_GE(f, 0.5);
    EXPECT_LE(f, 1.5);
    EXPECT_GT(std::abs(f - 1), 1e-4);
    for (size_t i = 0; i < in.size(); ++i) ASSERT_NEAR(out[i], in[i] * f, 1e-6);
  }
  // Contrast: every value moves towards (or away from) the mean grey level by one factor.
  {
    double mean = 0;
    for (int64_t i = 0; i < plane; ++i) {
      mean += 0.2989 * in[i] + 0.587 * in[plane + i] + 0.114 * in[2 * plane + i];
    }
    mean /= plane;
    Sample s = {{"image", img}};
    Generator rng(4);
    ColorJitter(0, 0.5, 0).apply(s, layout, rng);
    const std::vector<double> out = s.at("image").to_vector();
    size_t far = 0;  // the value farthest from the mean gives the factor most precisely
    for (size_t i = 0; i < in.size(); ++i) {
      if (std::abs(in[i] - mean) > std::abs(in[far] - mean)) far = i;
    }
    const double f = (out[far] - mean) / (in[far] - mean);
    EXPECT_GE(f, 0.5);
    EXPECT_LE(f, 1.5);
    for (size_t i = 0; i < in.size(); ++i) ASSERT_NEAR(out[i], f * in[i] + (1 - f) * mean, 1e-5);
  }
  // Saturation: per pixel towards its grey level; a grey image is left as it is.
  {
    Sample s = {{"image", img}};
    Generator rng(5);
    ColorJitter(0, 0, 0.5).apply(s, layout, rng);
    const std::vector<double> out = s.at("image").to_vector();
    auto grey_of = [&](int64_t i) {
      return 0.2989 * in[i] + 0.587 * in[plane + i] + 0.114 * in[2 * plane + i];
    };
    int64_t far = 0;  // the red value farthest from its grey gives the factor most precisely
    for (int64_t i = 0; i < plane; ++i) {
      if (std::abs(in[i] - grey_of(i)) > std::abs(in[far] - grey_of(far))) far = i;
    }
    const double f = (out[far] - grey_of(far)) / (in[far] - grey_of(far));
    EXPECT_GE(f, 0.5);
    EXPECT_LE(f, 1.5);
    for (int64_t i = 0; i < plane; ++i) {
      const double g = grey_of(i);
      for (int64_t c = 0; c < 3; ++c) {
        ASSERT_NEAR(out[c * plane + i], f * in[c * plane + i] + (1 - f) * g, 1e-5);
      }
    }
    // A grey RGB image barely changes (the weights sum to 0.9999, as torchvision's); a
    // one-channel image not at all.
    Tensor grey = img.clone();
    for (int64_t c = 1; c < 3; ++c) {
      for (int64_t i = 0; i < plane; ++i) grey.data<float>()[c * plane + i] = in[i];
    }
    Sample gs = {{"image", grey}};
    Generator rng2(5);
    ColorJitter(0, 0, 0.5).apply(gs, layout, rng2);
    for (int64_t i = 0; i < 3 * plane; ++i) {
      ASSERT_NEAR(gs.at("image").data<float>()[i], in[i % plane], 1e-4);
    }
    const Tensor one = img.narrow(0, 0, 1).clone();
    Sample os = {{"image", one}};
    Generator rng3(5);
    ColorJitter(0, 0, 0.5).apply(os, layout, rng3);
    EXPECT_EQ(os.at("image").to_vector(), one.to_vector());
  }
}

TEST(Transforms, InputTensorsAreNeverWritten) {
  const Sample original = random_sample(12);
  std::map<std::string, std::vector<double>> before;
  for (const auto& [name, t] : original) before[name] = t.to_vector();
  Sample s = original;
  const Compose all({std::make_shared<RandomScale>(std::vector<double>{1.0, 1.25}),
                     std::make_shared<Crop>(kS, kS), std::make_shared<RandomRotation>(10),
                     std::make_shared<HorizontalFlip>(1.0, face_rules()),
                     std::make_shared<ColorJitter>(0.3, 0.3, 0.3)});
  EXPECT_EQ(all.name(), "Compose(RandomScale, Crop, RandomRotation, HorizontalFlip, ColorJitter)");
  Generator rng(1);
  all.apply(s, full_layout(), rng);
  for (const auto& [name, t] : original) EXPECT_EQ(t.to_vector(), before[name]) << name;
  // And the result is a function of the seed alone.
  Sample again = original;
  Generator rng2(1);
  all.apply(again, full_layout(), rng2);
  expect_same_fields(again, s, "same seed");
}

TEST(Transforms, ErrorsNameTheFieldAndWhatWasExpected) {
  const SampleLayout layout = full_layout();
  Generator rng(0);
  {
    Sample s = random_sample(0);
    s.erase("part");
    expect_error([&] { RandomRotation(10).apply(s, layout, rng); },
                 {"RandomRotation", "no field 'part'"});
    expect_error([&] { HorizontalFlip(1.0).apply(s, layout, rng); },
                 {"HorizontalFlip", "no field 'part'"});
  }
  {
    Sample s = random_sample(0);
    s.erase("boxes");
    expect_error([&] { Crop(5, 5).apply(s, layout, rng); }, {"Crop", "no field 'boxes'"});
    s.erase("image");
    expect_error([&] { ColorJitter(0.1, 0.1, 0.1).apply(s, layout, rng); },
                 {"ColorJitter", "no field 'image'"});
  }
  {
    Sample s = random_sample(0);
    s["depth"] = zeros({kS, kS});
    expect_error([&] { RandomScale({2}).apply(s, layout, rng); },
                 {"RandomScale", "'depth'", "no kind in the layout"});
  }
  {
    Sample s = random_sample(0);
    s["mask"] = zeros({kS, kS + 1}, DType::u8);
    expect_error([&] { RandomScale({2}).apply(s, layout, rng); },
                 {"RandomScale", "'mask'", "u8[20, 21]", "disagree"});
    s["mask"] = zeros({kS, kS}, DType::u8);
    s["landmarks"] = zeros({3, 3});
    expect_error([&] { RandomScale({2}).apply(s, layout, rng); },
                 {"RandomScale", "'landmarks'", "f32[3, 3]", "K×2"});
    s["landmarks"] = zeros({4, 2});
    expect_error([&] { Crop(10, 10, CropPosition::kCenter).apply(s, layout, rng); },
                 {"visibility field 'visible'", "u8[3]", "4 entries"});
    s["landmarks"] = zeros({3, 2});
    s["image"] = zeros({3, kS, kS}, DType::i64);
    expect_error([&] { RandomScale({2}).apply(s, layout, rng); },
                 {"RandomScale", "'image'", "i64"});
  }
  expect_error([&] { RandomScale({}); }, {"RandomScale", "empty"});
  expect_error([&] { RandomScale({1, -2}); }, {"RandomScale", "-2"});
  expect_error([&] { Crop(0, 4); }, {"Crop", "0×4"});
  expect_error([&] { RandomRotation(-5); }, {"RandomRotation", "[5, -5]"});
  expect_error([&] { HorizontalFlip(1.5); }, {"HorizontalFlip", "1.5"});
  expect_error([&] { ColorJitter(0.1, -1, 0); }, {"ColorJitter", "contrast"});
  {
    FlipRules rules;
    rules.label_permutation["part"] = {0, 2, 2};
    expect_error([&] { HorizontalFlip(1.0, rules); },
                 {"label_permutation", "'part'", "not a permutation", "entry 2", "repeated"});
  }
  {
    FlipRules rules;
    rules.point_permutation["landmarks"] = {0, 3, 1};
    expect_error([&] { HorizontalFlip(1.0, rules); },
                 {"point_permutation", "'landmarks'", "out of range"});
  }
  {
    FlipRules rules;
    rules.label_permutation["image"] = {0, 1};
    Sample s = random_sample(0);
    expect_error([&] { HorizontalFlip(1.0, rules).apply(s, layout, rng); },
                 {"'image'", "kImage", "expected kDenseLabel"});
    FlipRules small;
    small.label_permutation["part"] = {1, 0};  // part holds values up to 4
    expect_error([&] { HorizontalFlip(1.0, small).apply(s, layout, rng); },
                 {"field 'part'", "outside its label permutation (2 entries)"});
    FlipRules floats;
    floats.label_permutation["uv"] = {1, 0};
    expect_error([&] { HorizontalFlip(1.0, floats).apply(s, layout, rng); },
                 {"'uv'", "integer labels", "f32"});
    FlipRules points;
    points.point_permutation["landmarks"] = {1, 0};
    expect_error([&] { HorizontalFlip(1.0, points).apply(s, layout, rng); },
                 {"'landmarks'", "2 entries", "f32[3, 2]"});
  }
  {
    Sample s = {{"visible", zeros({3})}};
    expect_error(
        [&] {
          RandomRotation(3).apply(s, {{"visible", FieldKind::kOther}}, rng);
        },
        {"RandomRotation", "no kImage or kDenseLabel"});
  }
}

}  // namespace
}  // namespace dc
