// Landmarks from a (U, V) field: both rules find landmarks planted on a synthetic field exactly,
// the component rules pick the documented component, background pixels are ignored, missing
// landmarks are reported, bad inputs raise errors, and on a rendered synthetic face the argmin
// landmarks of the exact (U, V) lie within a pixel of the projected landmarks.
#include "eval/uv_landmarks.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/philox.h"
#include "data/synth/face_template.h"
#include "data/synth/face_world.h"
#include "eval/landmark_metrics.h"
#include "tests/testing/expect_error.h"

namespace dc {
namespace {

// A field mapping the [0, 1]² chart affinely onto pixels kOrigin..kOrigin+kScale:
// (U, V)(x, y) = ((x − kOrigin)/kScale, (y − kOrigin)/kScale).
constexpr int kSize = 240;
constexpr float kOrigin = 20, kScale = 200;

struct PlantedField {
  Tensor uv, mask, template_uv;
  std::vector<int> px, py;  // planted pixel of each landmark
};

float field_u(int x) { return (static_cast<float>(x) - kOrigin) / kScale; }

// The 68 face landmarks moved to the field value of their nearest pixel, so that each sits
// exactly on a pixel centre (planted at (px, py)).
PlantedField planted_face_field() {
  PlantedField f;
  f.uv = empty({2, kSize, kSize}, DType::f32);
  f.mask = empty({kSize, kSize}, DType::u8);
  float* uv = f.uv.data<float>();
  uint8_t* m = f.mask.data<uint8_t>();
  for (int y = 0; y < kSize; ++y) {
    for (int x = 0; x < kSize; ++x) {
      uv[y * kSize + x] = field_u(x);
      uv[kSize * kSize + y * kSize + x] = field_u(y);
      m[y * kSize + x] = 1;
    }
  }
  f.template_uv = empty({kFaceNumLandmarks, 2}, DType::f32);
  float* t = f.template_uv.data<float>();
  for (int k = 0; k < kFaceNumLandmarks; ++k) {
    const auto& l = face_landmarks_uv()[k];
    f.px.push_back(static_cast<int>(std::lround(kOrigin + kScale * l[0])));
    f.py.push_back(static_cast<int>(std::lround(kOrigin + kScale * l[1])));
    t[2 * k] = field_u(f.px[k]);
    t[2 * k + 1] = field_u(f.py[k]);
  }
  return f;
}

void expect_planted(const UVLandmarks& r, const PlantedField& f) {
  ASSERT_EQ(r.points.sizes(), (Shape{kFaceNumLandmarks, 2}));
  ASSERT_EQ(r.found.sizes(), (Shape{kFaceNumLandmarks}));
  const float* p = r.points.data<float>();
  for (int k = 0; k < kFaceNumLandmarks; ++k) {
    EXPECT_EQ(r.found.data<uint8_t>()[k], 1) << "landmark " << k;
    EXPECT_EQ(p[2 * k], static_cast<float>(f.px[k])) << "landmark " << k;
    EXPECT_EQ(p[2 * k + 1], static_cast<float>(f.py[k])) << "landmark " << k;
  }
}

TEST(UVLandmarks, ArgminFindsPlantedLandmarksExactly) {
  const PlantedField f = planted_face_field();
  expect_planted(landmarks_from_uv(f.uv, f.mask, f.template_uv), f);
}

TEST(UVLandmarks, ComponentsFindPlantedLandmarksExactly) {
  const PlantedField f = planted_face_field();
  // Radius 2.4 px: the near set is the symmetric disc of 21 pixels around the planted pixel, whose
  // centroid is the pixel itself (squared pixel distances 5 and 8 sit well either side of 5.76).
  for (UVComponentRule rule : {UVComponentRule::kNearest, UVComponentRule::kLargest}) {
    UVComponentOptions options;
    options.threshold = 2.4 / kScale;
    options.rule = rule;
    expect_planted(landmarks_from_uv_components(f.uv, f.mask, f.template_uv, options), f);
  }
}

TEST(UVLandmarks, FaceTemplateTableMatchesTheTensor) {
  const Tensor t = face_landmarks_uv_tensor();
  ASSERT_EQ(t.sizes(), (Shape{68, 2}));
  EXPECT_EQ(t.data<float>()[2 * 36], face_landmarks_uv()[36][0]);
  EXPECT_EQ(t.data<float>()[2 * 45 + 1], face_landmarks_uv()[45][1]);
}

// One landmark at (0.5, 0.5), planted at pixel (120, 120) of the affine field, plus a 7×7 patch
// around (40, 200) whose (U, V) is 0.006 from the landmark: inside a 0.012 threshold, bigger than
// the landmark's own 21-pixel disc but never as close as its exact pixel (nor its neighbours).
struct DistractorCase {
  Tensor uv, mask, template_uv;
};
DistractorCase distractor_case() {
  PlantedField f = planted_face_field();
  float* uv = f.uv.data<float>();
  for (int y = 197; y <= 203; ++y) {
    for (int x = 37; x <= 43; ++x) {
      uv[y * kSize + x] = 0.5f + 0.006f;
      uv[kSize * kSize + y * kSize + x] = 0.5f;
    }
  }
  return {f.uv, f.mask, tensor_from({field_u(120), field_u(120)}, {1, 2})};
}

TEST(UVLandmarks, NearestRuleTakesTheComponentOfTheClosestPixel) {
  const DistractorCase c = distractor_case();
  UVComponentOptions options;
  options.threshold = 0.012;
  const UVLandmarks r = landmarks_from_uv_components(c.uv, c.mask, c.template_uv, options);
  EXPECT_EQ(r.points.data<float>()[0], 120.0f);
  EXPECT_EQ(r.points.data<float>()[1], 120.0f);
}

TEST(UVLandmarks, LargestRuleTakesTheBiggestComponent) {
  const DistractorCase c = distractor_case();
  UVComponentOptions options;
  options.threshold = 0.012;
  options.rule = UVComponentRule::kLargest;
  const UVLandmarks r = landmarks_from_uv_components(c.uv, c.mask, c.template_uv, options);
  // The landmark's own near set is the disc of radius 2.4 px (21 pixels, squared distances up to
  // 5 < 5.76); the 49-pixel patch wins and its centroid is its centre.
  EXPECT_EQ(r.points.data<float>()[0], 40.0f);
  EXPECT_EQ(r.points.data<float>()[1], 200.0f);
}

TEST(UVLandmarks, BackgroundPixelsAreIgnored) {
  DistractorCase c = distractor_case();
  // The exact landmark pixel leaves the foreground; its 8 neighbours tie at one pixel step.
  c.mask.data<uint8_t>()[120 * kSize + 120] = 0;
  const UVLandmarks r = landmarks_from_uv(c.uv, c.mask, c.template_uv);
  EXPECT_EQ(r.found.data<uint8_t>()[0], 1);
  // Ties go to the first pixel in row-major order among the 4 at distance one step: (120, 119).
  EXPECT_EQ(r.points.data<float>()[0], 120.0f);
  EXPECT_EQ(r.points.data<float>()[1], 119.0f);
  // The components rule: the disc minus its centre is still symmetric about (120, 120).
  UVComponentOptions options;
  options.threshold = 2.4 / kScale;
  const UVLandmarks rc = landmarks_from_uv_components(c.uv, c.mask, c.template_uv, options);
  EXPECT_EQ(rc.points.data<float>()[0], 120.0f);
  EXPECT_EQ(rc.points.data<float>()[1], 120.0f);
}

TEST(UVLandmarks, SubPixelCentroidAndMissingForeground) {
  const PlantedField f = planted_face_field();
  // Landmark 0 half a pixel step from pixel (100, 100) in U and V: its four surrounding pixels tie
  // as the best match, form the near set, and their centroid is the exact sub-pixel position.
  // Landmark 1 sits on pixel (50, 60) and alone within 0.1 px of it.
  const Tensor lm = tensor_from(
      {field_u(100) + 0.5f / kScale, field_u(100) + 0.5f / kScale, field_u(50), field_u(60)},
      {2, 2});
  UVComponentOptions options;
  options.threshold = 0.1 / kScale;
  const UVLandmarks r = landmarks_from_uv_components(f.uv, f.mask, lm, options);
  EXPECT_EQ(r.found.data<uint8_t>()[0], 1);
  EXPECT_EQ(r.points.data<float>()[0], 100.5f);
  EXPECT_EQ(r.points.data<float>()[1], 100.5f);
  EXPECT_EQ(r.found.data<uint8_t>()[1], 1);
  EXPECT_EQ(r.points.data<float>()[2], 50.0f);
  EXPECT_EQ(r.points.data<float>()[3], 60.0f);

  // No foreground at all: neither rule finds anything.
  Tensor none = empty({kSize, kSize}, DType::u8);
  for (int64_t i = 0; i < none.numel(); ++i) none.data<uint8_t>()[i] = 0;
  for (const UVLandmarks& a :
       {landmarks_from_uv(f.uv, none, lm), landmarks_from_uv_components(f.uv, none, lm, options)}) {
    EXPECT_EQ(a.found.data<uint8_t>()[0], 0);
    EXPECT_EQ(a.found.data<uint8_t>()[1], 0);
    EXPECT_TRUE(std::isnan(a.points.data<float>()[0]));
    EXPECT_TRUE(std::isnan(a.points.data<float>()[3]));
  }
}

TEST(UVLandmarks, BadInputsRaiseErrors) {
  const PlantedField f = planted_face_field();
  expect_error([&] { landmarks_from_uv(f.mask, f.mask, f.template_uv); },
               {"landmarks_from_uv: uv", "2×H×W"});
  expect_error(
      [&] {
        landmarks_from_uv(f.uv, empty({3, 4}, DType::u8), f.template_uv);
      },
      {"landmarks_from_uv: mask", "240×240"});
  expect_error(
      [&] {
        landmarks_from_uv(f.uv, f.mask, empty({68, 3}));
      },
      {"landmarks_from_uv: template_uv", "K×2"});
  UVComponentOptions bad;
  bad.threshold = -0.01;
  expect_error([&] { landmarks_from_uv_components(f.uv, f.mask, f.template_uv, bad); },
               {"options.threshold", ">= 0"});
}

// The exact (U, V) of a rendered face: the argmin pixel of each visible landmark lies within about
// a pixel of its exact projection, and the NME is a fraction of a percent.
TEST(UVLandmarks, RenderedFaceLandmarksAreFoundWithinAPixel) {
  FaceWorldOptions options;
  options.size = 160;
  options.max_yaw = 20;
  options.occluder_probability = 0;
  Generator rng(7);
  const Sample s = render_face(rng, options);
  const Tensor tmpl = face_landmarks_uv_tensor();
  const UVLandmarks a = landmarks_from_uv(s.at("uv"), s.at("mask"), tmpl);
  UVComponentOptions copt;
  copt.threshold = 0.01;
  const UVLandmarks c = landmarks_from_uv_components(s.at("uv"), s.at("mask"), tmpl, copt);
  const float* gt = s.at("landmarks").data<float>();
  const uint8_t* vis = s.at("visible").data<uint8_t>();
  int visible = 0;
  for (int k = 0; k < kFaceNumLandmarks; ++k) {
    if (!vis[k]) continue;
    ++visible;
    const float* p = a.points.data<float>();
    EXPECT_LE(std::hypot(p[2 * k] - gt[2 * k], p[2 * k + 1] - gt[2 * k + 1]), 1.5) << k;
    EXPECT_EQ(c.found.data<uint8_t>()[k], 1) << k;
    const float* q = c.points.data<float>();
    EXPECT_LE(std::hypot(q[2 * k] - gt[2 * k], q[2 * k + 1] - gt[2 * k + 1]), 1.5) << k;
  }
  EXPECT_GE(visible, 60);
  EXPECT_LT(landmark_nme(a.points, s.at("landmarks"), s.at("visible")), 0.02);
}

}  // namespace
}  // namespace dc
