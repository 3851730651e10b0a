#include "train/synth_faces_split.h"

#include "core/error.h"
#include "data/loader.h"
#include "data/synth/face_template.h"

namespace dc {

FlipRules face_flip_rules() {
  FlipRules rules;
  const auto& parts = face_part_flip();
  rules.label_permutation["part"] = std::vector<int64_t>(parts.begin(), parts.end());
  const auto& points = face_landmark_flip();
  rules.point_permutation["landmarks"] = std::vector<int64_t>(points.begin(), points.end());
  // The chart is mirror-symmetric about the front: a mirrored face shows (1 − U, V). Loops, not
  // ops: flip rules run on loader threads and must not touch the thread pool.
  rules.after_flip = [](Sample& s) {
    const Tensor uv = field(s, "uv", "face flip").contiguous();
    const Tensor mask = field(s, "mask", "face flip").to(DType::u8).contiguous();
    DC_CHECK(uv.dtype() == DType::f32 && uv.dim() == 3 && uv.size(0) == 2 &&
                 uv.size(1) == mask.size(0) && uv.size(2) == mask.size(1),
             "face flip: uv ", uv.str(), " must be f32 [2, H, W] matching mask ", mask.str());
    Tensor out = empty(uv.sizes(), DType::f32);
    const int64_t hw = mask.numel();
    const float* src = uv.data<float>();
    const uint8_t* m = mask.data<uint8_t>();
    float* dst = out.data<float>();
    for (int64_t i = 0; i < hw; ++i) {
      dst[i] = m[i] != 0 ? face_flip_u(src[i]) : src[i];
      dst[hw + i] = src[hw + i];
    }
    s["uv"] = out;
  };
  return rules;
}

SynthFacesSplit::SynthFacesSplit(SynthFacesSplitOptions options) : options_(std::move(options)) {
  const std::string where = "synth_faces (" + options_.split + ")";
  DC_CHECK(options_.split == "train" || options_.split == "test",
           "synth_faces: split must be "
           "train or test, got '",
           options_.split, "'");
  DC_CHECK(options_.num_samples >= 1, where, ": num_samples must be >= 1, got ",
           options_.num_samples);
  options_.world.validate();
  if (options_.split == "train") {
    DC_CHECK(!options_.scales.empty(), where, ": data.synth_faces.scales must not be empty");
    for (double s : options_.scales) {
      DC_CHECK(s > 0, where, ": every scale in data.synth_faces.scales must be > 0, got ", s);
    }
    const int64_t side = options_.world.size;
    std::vector<TransformPtr> t{std::make_shared<RandomScale>(options_.scales),
                                std::make_shared<Crop>(side, side, CropPosition::kRandom)};
    if (options_.flip) t.push_back(std::make_shared<HorizontalFlip>(0.5, face_flip_rules()));
    augment_ = std::make_shared<Compose>(std::move(t));
  }
}

Sample SynthFacesSplit::get(int64_t index, Generator& rng) const {
  DC_CHECK(index >= 0 && index < size(), name(), ": index ", index, " out of range [0, ", size(),
           ")");
  if (!augment_) {
    Generator face_rng(sample_seed(options_.test_seed, kTestStream, index));
    return render_face(face_rng, options_.world);
  }
  Generator face_rng(sample_seed(rng.seed(), kTrainStream, 0));
  Sample s = render_face(face_rng, options_.world);
  augment_->apply(s, layout(), rng);
  return s;
}

}  // namespace dc
