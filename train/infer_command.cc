#include "train/infer_command.h"

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "core/thread_pool.h"
#include "data/image_io.h"
#include "eval/chart_textures.h"
#include "eval/uv_pictures.h"
#include "eval/visualize.h"
#include "train/checkpoint.h"
#include "train/cli_args.h"
#include "train/config/config.h"
#include "train/densereg_predictor.h"

namespace dc {
namespace cli {
namespace {

constexpr const char* kUsageLine =
    "usage: densecorr infer -c CONFIG [--weights W.h5] (--image IMG | --synth N) --out DIR "
    "[--task uv|texture-transfer] [--texture TEX] [--opacity A] [--landmarks component|argmin] "
    "[key=value ...]";

struct InferArgs {
  std::string config_file, weights, image, out, task, texture, landmarks;
  int64_t synth = 0;
  double opacity = 1.0;
  std::vector<std::string> overrides;
};

InferArgs parse_infer_args(const std::vector<std::string>& args) {
  // parse_args knows only "--long" flags; -c is the short form every densecorr user types.
  std::vector<std::string> long_form;
  for (const std::string& a : args) long_form.push_back(a == "-c" ? "--config" : a);
  static const std::vector<FlagSpec> flags = {
      {"config", true, "YAML config file (-c)"},
      {"weights", true,
       "weights or checkpoint (default: model.weights, else the latest checkpoint)"},
      {"image", true, "a PNG or JPEG to run on"},
      {"synth", true, "run on the first N held-out synthetic faces"},
      {"out", true, "folder for the pictures"},
      {"task", true, "uv (default) or texture-transfer"},
      {"texture", true, "chart texture: a PNG/JPEG, builtin:checker (default) or builtin:face"},
      {"opacity", true, "texture opacity in [0, 1] (default 1)"},
      {"landmarks", true, "landmark rule: component (default) or argmin"}};
  const ParsedArgs parsed = parse_args("infer", long_form, flags, SIZE_MAX);
  for (const char* required : {"config", "out"}) {
    if (!parsed.has(required)) {
      throw UsageError(std::string("infer: missing --") + required + " (" + kUsageLine + ")");
    }
  }
  if (parsed.has("image") == parsed.has("synth")) {
    throw UsageError(std::string("infer: give exactly one of --image IMG and --synth N (") +
                     kUsageLine + ")");
  }
  InferArgs a;
  a.config_file = parsed.get("config", "");
  a.weights = parsed.get("weights", "");
  a.image = parsed.get("image", "");
  a.out = parsed.get("out", "");
  a.task = parsed.get("task", "uv");
  a.texture = parsed.get("texture", "");
  a.landmarks = parsed.get("landmarks", "component");
  a.synth = parsed.has("synth") ? parsed.get_int("synth", 0, 1, 1000000) : 0;
  a.overrides = parsed.positional();
  if (a.task != "uv" && a.task != "texture-transfer") {
    throw UsageError("infer: --task must be uv or texture-transfer, got '" + a.task + "'");
  }
  if (a.task != "texture-transfer" && (parsed.has("texture") || parsed.has("opacity"))) {
    throw UsageError("infer: --texture and --opacity need --task texture-transfer");
  }
  if (a.task == "texture-transfer" && parsed.has("landmarks")) {
    throw UsageError("infer: --landmarks needs --task uv (texture-transfer draws no landmarks)");
  }
  if (parsed.has("opacity")) {
    const std::string v = parsed.get("opacity", "");
    char* end = nullptr;
    a.opacity = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !(a.opacity >= 0 && a.opacity <= 1)) {
      throw UsageError("infer: --opacity must be a number in [0, 1], got '" + v + "'");
    }
  }
  return a;
}

// The chart texture --texture names (checked before the model runs, so a bad file fails fast).
Tensor load_texture(const std::string& spec) {
  if (spec.empty() || spec == "builtin:checker") return checkerboard_chart_texture();
  if (spec == "builtin:face") return synth_face_chart_texture();
  DC_CHECK(spec.rfind("builtin:", 0) != 0, "infer: --texture '", spec,
           "': the built-in textures are builtin:checker and builtin:face");
  DC_CHECK(std::filesystem::is_regular_file(spec), "infer: --texture '", spec,
           "': no such file (a PNG/JPEG on the template chart, builtin:checker or builtin:face)");
  return chart_texture_from_image(read_image(spec), "'" + spec + "'");
}

// One input to run on: its picture at the network's size, its file prefix and, for a synthetic
// face, its ground truth.
struct InferInput {
  std::string prefix;
  Tensor image, gt_uv, gt_mask, gt_landmarks, gt_visible;
};

class PictureWriter {
 public:
  explicit PictureWriter(std::string dir) : dir_(std::move(dir)) {}
  void write(const std::string& name, const Tensor& picture) {
    const std::string path = (std::filesystem::path(dir_) / name).string();
    write_png(path, picture);
    std::cout << path << "\n";
  }

 private:
  std::string dir_;
};

}  // namespace

int infer_command(const std::vector<std::string>& args) {
  const InferArgs a = parse_infer_args(args);
  const Config cfg = load_config(a.config_file, a.overrides);
  if (cfg.get_int("threads") > 0) set_num_threads(static_cast<int>(cfg.get_int("threads")));
  const LandmarkRule rule = parse_landmark_rule(a.landmarks, "infer: --landmarks");
  const Tensor texture = a.task == "texture-transfer" ? load_texture(a.texture) : Tensor();
  Tensor photo;
  if (!a.image.empty()) {
    DC_CHECK(std::filesystem::is_regular_file(a.image), "infer: --image '", a.image,
             "': no such file");
    photo = read_image(a.image);
  }

  std::string weights = a.weights.empty() ? cfg.get_string("model.weights") : a.weights;
  const std::string run_dir = cfg.get_string("out");
  if (weights.empty()) weights = latest_checkpoint(run_dir).value_or("");
  DC_CHECK(!weights.empty(),
           "infer: no weights: pass --weights W.h5, set model.weights, or point out= at a run "
           "folder with a checkpoint (",
           run_dir, " has none)");
  const DenseRegPredictor predictor(cfg, weights, std::cerr);
  const int64_t s = predictor.input_size();

  std::vector<InferInput> inputs;
  if (!a.image.empty()) {
    DC_CHECK(!predictor.needs_ground_truth(), "infer: --image with densereg.mode r: that mode has ",
             "no bin classifier and decodes with the ground truth, so it runs only on --synth");
    InferInput in;
    in.prefix = std::filesystem::path(a.image).stem().string();
    in.image = fit_image_to_input(photo, s);
    std::cout << "infer: " << a.image << " (" << photo.size(2) << "×" << photo.size(1)
              << ") scaled to a shorter side of " << s << " and centre-cropped to " << s << "×" << s
              << "\n";
    inputs.push_back(in);
  } else {
    DC_CHECK(cfg.get_string("data.test.name") == "synth_faces", "infer: --synth needs ",
             "data.test.name synth_faces (the held-out synthetic faces), got '",
             cfg.get_string("data.test.name"), "'");
    const std::shared_ptr<const Dataset> test = build_dataset(cfg, "test");
    DC_CHECK(a.synth <= test->size(), "infer: --synth ", a.synth, ": the held-out set ",
             test->name(), " has ", test->size(), " faces (data.test.num_samples)");
    Generator unused(0);  // the test split renders face i from its own seed
    for (int64_t i = 0; i < a.synth; ++i) {
      const Sample sample = test->get(i, unused);
      char prefix[32];
      std::snprintf(prefix, sizeof prefix, "synth_%04lld", static_cast<long long>(i));
      inputs.push_back({prefix, sample.at("image"), sample.at("uv"), sample.at("mask"),
                        sample.at("landmarks"), sample.at("visible")});
    }
    std::cout << "infer: " << a.synth << " held-out synthetic faces (" << test->name() << ", " << s
              << "×" << s << ")\n";
  }

  std::filesystem::create_directories(a.out);
  std::cout << "infer: " << predictor.model_name() << " with " << weights << "; writing to "
            << a.out << "\n";
  PictureWriter out(a.out);
  for (const InferInput& in : inputs) {
    const DenseRegPrediction p = predictor.predict(in.image, in.gt_uv, in.gt_mask);
    out.write(in.prefix + "_input.png", in.image);
    if (a.task == "texture-transfer") {
      out.write(in.prefix + "_texture.png",
                texture_transfer(in.image, texture, p.uv, p.mask, static_cast<float>(a.opacity)));
      continue;
    }
    const UVPictures pics =
        uv_pictures(in.image, p.uv, p.mask, rule, in.gt_landmarks, in.gt_visible);
    out.write(in.prefix + "_u.png", pics.u);
    out.write(in.prefix + "_v.png", pics.v);
    out.write(in.prefix + "_isolines.png", pics.isolines);
    out.write(in.prefix + "_landmarks.png", pics.landmarks);
    out.write(in.prefix + "_parts.png", pics.parts);
  }
  return 0;
}

}  // namespace cli
}  // namespace dc
