// `densecorr infer` and the pictures of `densecorr eval` on a DenseReg model trained for a few
// iterations on tiny synthetic faces. The model's background bias is then shifted so that about
// half of the first held-out face is predicted as face: every picture is compared pixel by pixel
// with a recomputation from the network's heads (build_task, densereg_decode,
// predicted_foreground, the eval/ picture functions), so a wrong mask, a wrong decoding, a wrong
// input fit or a transposed texture fails. Bad input raises the errors that main turns into
// exit status 2 (tests/train/infer_cli_test.sh checks the exit status and the single line).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "autograd/grad_mode.h"
#include "data/image_io.h"
#include "eval/chart_textures.h"
#include "eval/dense_metrics.h"
#include "eval/image_grid.h"
#include "eval/uv_pictures.h"
#include "eval/visualize.h"
#include "nets/densereg.h"
#include "nets/quantized_regression.h"
#include "nets/weights.h"
#include "ops/creation.h"
#include "tests/testing/expect_error.h"
#include "tests/testing/temp_dir.h"
#include "train/cli_args.h"
#include "train/densereg_loss.h"
#include "train/densereg_predictor.h"
#include "train/infer_command.h"
#include "train/train_command.h"
#include "train/trainer.h"

namespace dc {
namespace {

constexpr int64_t kSize = 48;
constexpr int64_t kBins = 4;

Config tiny_config(const std::string& out) {
  Config cfg;
  cfg.set("task", "densereg");
  cfg.set("out", out);
  cfg.set("model.name", "densereg_r18");
  cfg.set("densereg.num_bins", kBins);
  cfg.set("densereg.trunk_stages", int64_t{3});
  cfg.set("data.train.name", "synth_faces");
  cfg.set("data.test.name", "synth_faces");
  cfg.set("data.train.num_samples", int64_t{16});
  cfg.set("data.test.num_samples", int64_t{6});
  cfg.set("data.image_size", kSize);
  cfg.set("data.synth_faces.supersample", int64_t{1});
  cfg.set("data.batch_size", int64_t{4});
  cfg.set("data.num_workers", int64_t{1});
  cfg.set("solver.optimizer", "adam");
  cfg.set("solver.base_lr", 0.002);
  cfg.set("solver.warmup_iters", int64_t{1});
  cfg.set("solver.max_iter", int64_t{3});
  cfg.set("solver.checkpoint_period", int64_t{3});
  return cfg;
}

// Shared by the tests: the run folder, its config file, and a weights file whose U background
// logit is lowered by the median margin of face 0 (about half of it predicted as face).
struct Run {
  std::string dir, config_file, weights;
};

Sample test_face(const Config& cfg, int64_t i) {
  Generator unused(0);
  return build_dataset(cfg, "test")->get(i, unused);
}

const Run& run() {
  static const Run r = [] {
    Run r;
    r.dir = temp_path("infer_test_run");
    std::filesystem::remove_all(r.dir);
    const Config cfg = tiny_config(r.dir);
    std::ostringstream log;
    Trainer trainer(cfg, log, false);
    trainer.train(false);
    r.config_file = r.dir + "/config.yaml";
    EXPECT_TRUE(std::filesystem::exists(r.config_file)) << log.str();
    Module& model = trainer.task().model();
    model.eval();
    NoGradGuard no_grad;
    const Tensor logits = dynamic_cast<DenseReg&>(model)
                              .forward_multi(test_face(cfg, 0).at("image").unsqueeze(0))[0]
                              .contiguous();
    const int64_t n = kSize * kSize;
    std::vector<float> margin(n);
    const float* l = logits.data<float>();
    for (int64_t p = 0; p < n; ++p) {
      float best = -INFINITY;
      for (int64_t c = 1; c <= kBins; ++c) best = std::max(best, l[c * n + p]);
      margin[p] = l[p] - best;
    }
    std::nth_element(margin.begin(), margin.begin() + n / 2, margin.end());
    for (auto& [name, p] : model.named_parameters()) {
      if (name == "u_bins.bias") p.data<float>()[0] -= margin[n / 2];
    }
    r.weights = r.dir + "/shifted.h5";
    save_weights(model, r.weights);
    return r;
  }();
  return r;
}

// The estimate recomputed from the network's heads, independently of DenseRegPredictor.
struct Recomputed {
  Tensor uv, mask;  // 2×S×S f32, S×S u8
};

Recomputed recompute(const Tensor& image) {
  const Config cfg = load_config(run().config_file);
  std::unique_ptr<Task> task = build_task(cfg);
  std::ostringstream log;
  load_model_weights(task->model(), run().weights, false, log);
  task->model().eval();
  NoGradGuard no_grad;
  const std::vector<Tensor> heads =
      dynamic_cast<DenseReg&>(task->model()).forward_multi(image.unsqueeze(0));
  DenseRegLossOptions o;
  o.num_bins = kBins;
  const Tensor est =
      densereg_decode(heads, zeros({1, 2, kSize, kSize}), zeros({1, kSize, kSize}), o);
  return {est.select(0, 0).contiguous(),
          predicted_foreground(heads[0]).select(0, 0).to(DType::u8).contiguous()};
}

// The 8-bit pixels write_png stores for a 3×H×W f32 picture, as H×W×3.
std::vector<uint8_t> stored_pixels(const Tensor& chw) {
  const int64_t h = chw.size(1), w = chw.size(2), n = h * w;
  const Tensor c = chw.contiguous();
  std::vector<uint8_t> out(3 * n);
  for (int64_t i = 0; i < n; ++i)
    for (int k = 0; k < 3; ++k)
      out[3 * i + k] = static_cast<uint8_t>(
          std::lround(255.0f * std::clamp(c.data<float>()[k * n + i], 0.0f, 1.0f)));
  return out;
}

// The PNG at `path` is `expected` (3×H×W f32) exactly, after 8-bit rounding.
void expect_png(const std::string& path, const Tensor& expected) {
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  const Tensor got = read_image_u8(path);
  ASSERT_EQ(got.sizes(), (Shape{expected.size(1), expected.size(2), 3})) << path;
  const std::vector<uint8_t> want = stored_pixels(expected);
  int64_t differ = 0;
  for (size_t i = 0; i < want.size(); ++i) differ += got.data<uint8_t>()[i] != want[i];
  EXPECT_EQ(differ, 0) << path << ": " << differ << " of " << want.size() << " values differ";
}

int infer(std::vector<std::string> args) {
  args.insert(args.begin(), {"-c", run().config_file, "--weights", run().weights});
  return cli::infer_command(args);
}

double foreground_fraction(const Tensor& mask) {
  double s = 0;
  for (int64_t i = 0; i < mask.numel(); ++i) s += mask.data<uint8_t>()[i] != 0;
  return s / static_cast<double>(mask.numel());
}

TEST(Infer, SynthFacesPicturesAreThePrediction) {
  const std::string out = fresh_test_dir();
  ASSERT_EQ(infer({"--synth", "2", "--out", out}), 0);
  const Config cfg = load_config(run().config_file);
  for (int64_t i = 0; i < 2; ++i) {
    const Sample s = test_face(cfg, i);
    const Tensor& image = s.at("image");
    const Recomputed r = recompute(image);
    if (i == 0) {
      // The shifted bias makes the mask part face, part background: the test can see it.
      EXPECT_GT(foreground_fraction(r.mask), 0.3);
      EXPECT_LT(foreground_fraction(r.mask), 0.7);
    }
    const std::string p = out + "/synth_000" + std::to_string(i);
    expect_png(p + "_input.png", image);
    expect_png(p + "_u.png", uv_color_map(r.uv, r.mask, 0));
    expect_png(p + "_v.png", uv_color_map(r.uv, r.mask, 1));
    expect_png(p + "_isolines.png", draw_uv_isolines(image, r.uv, r.mask));
    expect_png(p + "_parts.png", face_part_color_map(face_parts_from_uv(r.uv, r.mask)));
    const UVLandmarks found =
        landmarks_from_uv_components(r.uv, r.mask, face_landmarks_uv_tensor());
    LandmarkStyle white, green;
    white.colour = {1, 1, 1};
    white.radius = green.radius = 1.5;
    expect_png(p + "_landmarks.png",
               draw_landmarks(draw_landmarks(image, s.at("landmarks"), s.at("visible"), white),
                              found.points, found.found, green));
  }
  EXPECT_FALSE(std::filesystem::exists(out + "/synth_0002_u.png"));
  EXPECT_FALSE(std::filesystem::exists(out + "/synth_0000_texture.png"));
}

TEST(Infer, ArgminRuleDrawsTheArgminLandmarks) {
  const std::string out = fresh_test_dir();
  ASSERT_EQ(infer({"--synth", "1", "--out", out, "--landmarks", "argmin"}), 0);
  const Sample s = test_face(load_config(run().config_file), 0);
  const Recomputed r = recompute(s.at("image"));
  const UVLandmarks found = landmarks_from_uv(r.uv, r.mask, face_landmarks_uv_tensor());
  expect_png(out + "/synth_0000_landmarks.png",
             uv_pictures(s.at("image"), r.uv, r.mask, LandmarkRule::kArgmin, s.at("landmarks"),
                         s.at("visible"))
                 .landmarks);
  // ... which differ from the component rule's somewhere (sub-pixel centroids).
  const UVLandmarks comp = landmarks_from_uv_components(r.uv, r.mask, face_landmarks_uv_tensor());
  int differ = 0;
  for (int64_t k = 0; k < 136; ++k)
    differ += found.points.data<float>()[k] != comp.points.data<float>()[k];
  EXPECT_GT(differ, 0);
}

TEST(Infer, FitImageToInput) {
  // Already S×S: unchanged.
  Tensor a = rand({3, kSize, kSize});
  const Tensor fa = fit_image_to_input(a, kSize);
  EXPECT_EQ(fa.data<float>(), a.data<float>());
  // Wider by 3 at the right height: no scaling, columns 1 .. S of the image (the odd extra column
  // is cut at the right).
  Tensor b = rand({3, 5, 8});
  const Tensor fb = fit_image_to_input(b, 5);
  ASSERT_EQ(fb.sizes(), (Shape{3, 5, 5}));
  for (int k = 0; k < 3; ++k)
    for (int y = 0; y < 5; ++y)
      for (int x = 0; x < 5; ++x)
        ASSERT_EQ(fb.data<float>()[(k * 5 + y) * 5 + x], b.data<float>()[(k * 5 + y) * 8 + x + 1]);
  // A 2× nearest enlargement of an image comes back exactly: bilinear at ratio 2 averages two
  // equal pixels.
  Tensor c = rand({3, 6, 6});
  Tensor big = empty({3, 12, 12});
  for (int k = 0; k < 3; ++k)
    for (int y = 0; y < 12; ++y)
      for (int x = 0; x < 12; ++x)
        big.data<float>()[(k * 12 + y) * 12 + x] = c.data<float>()[(k * 6 + y / 2) * 6 + x / 2];
  const Tensor fc = fit_image_to_input(big, 6);
  for (int64_t i = 0; i < c.numel(); ++i) ASSERT_EQ(fc.data<float>()[i], c.data<float>()[i]);
  // A tall image: its width becomes S, its height S·H/W, then the centre rows.
  EXPECT_EQ(fit_image_to_input(rand({3, 70, 30}), 48).sizes(), (Shape{3, 48, 48}));
  expect_error([] { fit_image_to_input(empty({1, 4, 4}), 4); }, {"3×H×W"});
}

TEST(Infer, PngImageIsFittedThenPredicted) {
  const std::string out = fresh_test_dir();
  // Face 1 stored as 8 bits, enlarged 2× by pixel replication: the fit brings back exactly the
  // stored face, so the pictures are those of that 48×48 image.
  const Sample s = test_face(load_config(run().config_file), 1);
  write_png(out + "/small.png", s.at("image"));
  const Tensor small = read_image(out + "/small.png");
  Tensor big = empty({3, 2 * kSize, 2 * kSize});
  for (int64_t k = 0; k < 3; ++k)
    for (int64_t y = 0; y < 2 * kSize; ++y)
      for (int64_t x = 0; x < 2 * kSize; ++x)
        big.data<float>()[(k * 2 * kSize + y) * 2 * kSize + x] =
            small.data<float>()[(k * kSize + y / 2) * kSize + x / 2];
  write_png(out + "/face.png", big);
  ASSERT_EQ(infer({"--image", out + "/face.png", "--out", out + "/pictures"}), 0);
  const Recomputed r = recompute(small);
  const std::string p = out + "/pictures/face";
  expect_png(p + "_input.png", small);
  expect_png(p + "_u.png", uv_color_map(r.uv, r.mask, 0));
  expect_png(p + "_v.png", uv_color_map(r.uv, r.mask, 1));
  expect_png(p + "_parts.png", face_part_color_map(face_parts_from_uv(r.uv, r.mask)));
  // No ground truth on a photo: only the found landmarks are drawn.
  const UVLandmarks found = landmarks_from_uv_components(r.uv, r.mask, face_landmarks_uv_tensor());
  LandmarkStyle green;
  green.radius = 1.5;
  expect_png(p + "_landmarks.png", draw_landmarks(small, found.points, found.found, green));
}

TEST(Infer, TextureTransferPaintsTheTextureThroughUV) {
  const std::string out = fresh_test_dir();
  ASSERT_EQ(infer({"--synth", "1", "--out", out, "--task", "texture-transfer"}), 0);
  const Sample s = test_face(load_config(run().config_file), 0);
  const Tensor& image = s.at("image");
  const Recomputed r = recompute(image);
  expect_png(out + "/synth_0000_texture.png",
             texture_transfer(image, checkerboard_chart_texture(), r.uv, r.mask, 1.0f));
  EXPECT_FALSE(std::filesystem::exists(out + "/synth_0000_u.png"));

  // A texture file (an asymmetric 2×3 picture: a transposed lookup would differ) at opacity 0.5.
  Tensor tex = empty({3, 2, 3});
  for (int64_t i = 0; i < tex.numel(); ++i) tex.data<float>()[i] = static_cast<float>(i % 7) / 6;
  write_png(out + "/tex.png", tex);
  ASSERT_EQ(infer({"--synth", "1", "--out", out + "/file", "--task", "texture-transfer",
                   "--texture", out + "/tex.png", "--opacity", "0.5"}),
            0);
  expect_png(out + "/file/synth_0000_texture.png",
             texture_transfer(image, chart_texture_from_image(read_image(out + "/tex.png"), "tex"),
                              r.uv, r.mask, 0.5f));
  ASSERT_EQ(infer({"--synth", "1", "--out", out + "/face", "--task", "texture-transfer",
                   "--texture", "builtin:face"}),
            0);
  expect_png(out + "/face/synth_0000_texture.png",
             texture_transfer(image, synth_face_chart_texture(), r.uv, r.mask, 1.0f));
}

TEST(Infer, BadInputIsAnError) {
  const std::string out = fresh_test_dir();
  using cli::UsageError;
  expect_error(
      [&] {
        infer({"--image", out + "/missing.png", "--out", out});
      },
      {"--image", "missing.png", "no such file"});
  std::ofstream(out + "/not_an_image.png") << "hello";
  expect_error(
      [&] {
        infer({"--image", out + "/not_an_image.png", "--out", out});
      },
      {"not_an_image.png"});
  expect_error(
      [&] {
        infer({"--synth", "1", "--out", out, "--task", "texture-transfer", "--texture",
               out + "/not_an_image.png"});
      },
      {"not_an_image.png"});
  expect_error(
      [&] {
        infer({"--synth", "1", "--out", out, "--task", "texture-transfer", "--texture",
               out + "/nope.png"});
      },
      {"--texture", "nope.png", "no such file"});
  expect_error(
      [&] {
        infer({"--synth", "1", "--out", out, "--task", "texture-transfer", "--texture",
               "builtin:marble"});
      },
      {"builtin:checker and builtin:face"});
  expect_error(
      [&] {
        infer({"--synth", "7", "--out", out});
      },
      {"--synth 7", "has 6 faces", "data.test.num_samples"});
  expect_error(
      [&] {
        infer({"--synth", "1", "--out", out, "model.name=densereg_parts_r18"});
      },
      {"densereg_parts_r18", "part segmentation"});
  expect_error(
      [&] {
        infer({"--synth", "1", "--out", out, "--landmarks", "best"});
      },
      {"--landmarks", "component or argmin"});
  const std::string small = out + "/small.png";
  write_png(small, zeros({3, 8, 8}));
  expect_error(
      [&] {
        infer({"--image", small, "--out", out, "densereg.mode=r"});
      },
      {"densereg.mode r", "--synth"});
  // A classification config: not a densereg task.
  const std::string cls = out + "/cls.yaml";
  std::ofstream(cls) << "task: classify\nmodel:\n  name: resnet18\n  num_classes: 4\n"
                        "data:\n  train: {name: shapes}\n  test: {name: shapes}\n";
  expect_error(
      [&] {
        cli::infer_command({"-c", cls, "--weights", run().weights, "--synth", "1", "--out", out});
      },
      {"task is 'classify'", "densereg"});
  // Flags that contradict each other.
  EXPECT_THROW(infer({"--out", out}), UsageError);
  EXPECT_THROW(infer({"--synth", "1", "--image", small, "--out", out}), UsageError);
  EXPECT_THROW(infer({"--synth", "1"}), UsageError);
  EXPECT_THROW(infer({"--synth", "0", "--out", out}), UsageError);
  EXPECT_THROW(infer({"--synth", "1", "--out", out, "--texture", "builtin:face"}), UsageError);
  EXPECT_THROW(infer({"--synth", "1", "--out", out, "--task", "depth"}), UsageError);
  EXPECT_THROW(
      infer({"--synth", "1", "--out", out, "--task", "texture-transfer", "--opacity", "1.5"}),
      UsageError);
  // No weights anywhere: the run folder `out` of the override has no checkpoint.
  expect_error(
      [&] {
        cli::infer_command(
            {"-c", run().config_file, "--synth", "1", "--out", out, "out=" + out + "/empty_run"});
      },
      {"no weights", "empty_run"});
}

TEST(Infer, WeightsDefaultToTheLatestCheckpoint) {
  const std::string out = fresh_test_dir();
  ASSERT_EQ(cli::infer_command({"-c", run().config_file, "--synth", "1", "--out", out}), 0);
  // The trained checkpoint, not the shifted weights: recompute with it.
  const Config cfg = load_config(run().config_file);
  std::ostringstream log;
  const DenseRegPredictor predictor(cfg, run().dir + "/checkpoint_00000003.h5", log);
  const Tensor image = test_face(cfg, 0).at("image");
  const DenseRegPrediction p = predictor.predict(image);
  expect_png(out + "/synth_0000_u.png", uv_color_map(p.uv, p.mask, 0));
}

TEST(Eval, DenseRegWritesCedAndGallery) {
  const std::string out = fresh_test_dir();
  ASSERT_EQ(cli::eval_command({"-c", run().config_file, "--weights", run().weights, "out=" + out}),
            0);
  const Tensor ced = read_image_u8(out + "/eval_ced.png");
  EXPECT_EQ(ced.sizes(), (Shape{600, 900, 3}));
  // The gallery: 4 rows of image, U, V, isolines, landmarks; its U cell of face 0 is the
  // prediction's U map.
  const Tensor gallery = read_image_u8(out + "/eval_gallery.png");
  const int64_t gap = 4, cell = kSize + gap;
  ASSERT_EQ(gallery.sizes(), (Shape{gap + 20 + 4 * cell, gap + 5 * cell, 3}));
  const Sample s = test_face(load_config(run().config_file), 0);
  const Recomputed r = recompute(s.at("image"));
  const std::vector<uint8_t> u = stored_pixels(uv_color_map(r.uv, r.mask, 0));
  const int64_t ox = gap + cell, oy = gap + 20, width = gallery.size(1);
  // Pixels whose colour differs. eval runs the network on a batch of faces and the recomputation
  // on one, so the convolutions may round differently and flip a pixel at a bin or mask boundary;
  // a wrong cell (V instead of U, another face, a shifted cell) differs on most face pixels.
  int64_t differ = 0, face = 0;
  for (int64_t y = 0; y < kSize; ++y)
    for (int64_t x = 0; x < kSize; ++x) {
      bool same = true;
      for (int k = 0; k < 3; ++k)
        same = same && gallery.data<uint8_t>()[3 * ((oy + y) * width + ox + x) + k] ==
                           u[3 * (y * kSize + x) + k];
      differ += !same;
      face += r.mask.data<uint8_t>()[y * kSize + x] != 0;
    }
  ASSERT_GT(face, 50);
  EXPECT_LE(differ, 3) << "of " << face << " predicted face pixels";
  EXPECT_TRUE(std::filesystem::exists(out + "/eval.json"));
}

}  // namespace
}  // namespace dc
