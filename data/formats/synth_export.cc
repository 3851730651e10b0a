#include "data/formats/synth_export.h"

#include <cstdio>
#include <filesystem>

#include "core/error.h"
#include "data/formats/deepfashion.h"
#include "data/formats/densepose_coco.h"
#include "data/formats/densepose_export.h"
#include "data/formats/face_300w.h"
#include "data/formats/h36m_annot.h"
#include "data/formats/text_file.h"
#include "data/image_io.h"
#include "data/synth/body_world.h"
#include "data/synth/face_world.h"

namespace dc {

namespace fs = std::filesystem;

DataFormat parse_data_format(const std::string& name) {
  if (name == "coco-densepose") return DataFormat::kCocoDensePose;
  if (name == "300w") return DataFormat::k300W;
  if (name == "h36m") return DataFormat::kH36m;
  if (name == "deepfashion") return DataFormat::kDeepFashion;
  DC_FAIL("unknown format '", name, "', expected coco-densepose, 300w, h36m or deepfashion");
}

const char* data_format_name(DataFormat f) {
  switch (f) {
    case DataFormat::kCocoDensePose:
      return "coco-densepose";
    case DataFormat::k300W:
      return "300w";
    case DataFormat::kH36m:
      return "h36m";
    case DataFormat::kDeepFashion:
      return "deepfashion";
  }
  return "?";
}

namespace {

std::string stem(int64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%06lld", static_cast<long long>(i));
  return buf;
}

Generator sample_generator(uint64_t seed, int64_t i) {
  Generator g(seed);
  g.set_state(seed, static_cast<uint64_t>(i) << 32);
  return g;
}

}  // namespace

void export_synthetic(const SynthExportOptions& o,
                      const std::function<void(int64_t, int64_t)>& progress) {
  DC_CHECK(o.world == "face" || o.world == "body", "synth: unknown world '", o.world,
           "', expected face or body");
  const bool face_format = o.format == DataFormat::k300W;
  DC_CHECK((o.world == "face") == face_format, "synth: world '", o.world, "' cannot be written as ",
           data_format_name(o.format), " (face: 300w; body: coco-densepose, h36m, deepfashion)");
  DC_CHECK(o.count >= 1, "synth: --count must be >= 1, got ", o.count);
  DC_CHECK(!o.out.empty(), "synth: no output folder (--out)");
  fs::create_directories(o.out);
  const fs::path images = fs::path(o.out) / "images";
  auto report = [&](int64_t done) {
    if (progress) progress(done, o.count);
  };

  if (o.format == DataFormat::k300W) {
    FaceWorldOptions fo;
    fo.size = o.size;
    for (int64_t i = 0; i < o.count; ++i) {
      Generator g = sample_generator(o.seed, i);
      write_300w_sample(o.out, stem(i), render_face(g, fo));
      report(i + 1);
    }
    return;
  }
  fs::create_directories(images);
  BodyWorldOptions bo;
  bo.width = bo.height = o.size;
  if (o.format == DataFormat::kCocoDensePose) {
    DensePoseCoco data;
    data.categories.push_back(coco_person_category());
    for (int64_t i = 0; i < o.count; ++i) {
      Generator g = sample_generator(o.seed, i);
      const Sample s = body_scene_sample(render_body_scene(sample_body_scene(g, bo), bo));
      const std::string name = stem(i) + ".png";
      write_png((images / name).string(), s.at("image"));
      data.images.push_back({i + 1, name, o.size, o.size});
      for (DensePoseAnnotation& a : densepose_annotations_from_sample(
               s, i + 1, static_cast<int64_t>(data.annotations.size()) + 1))
        data.annotations.push_back(std::move(a));
      report(i + 1);
    }
    write_densepose_coco((fs::path(o.out) / "densepose.json").string(), data);
  } else if (o.format == DataFormat::kH36m) {
    // Human3.6M shows one subject per image.
    bo.min_people = bo.max_people = 1;
    H36mAnnot annot;
    for (int64_t i = 0; i < o.count; ++i) {
      Generator g = sample_generator(o.seed, i);
      for (int attempt = 0;; ++attempt) {
        DC_CHECK(attempt < 100, "synth: 100 scenes in a row showed nobody (h36m sample ", i, ")");
        const BodyScene scene = sample_body_scene(g, bo);
        const Sample s = body_scene_sample(render_body_scene(scene, bo));
        if (s.at("boxes").size(0) == 0) continue;  // the person is out of view: draw again
        const std::string name = stem(i) + ".png";
        write_png((images / name).string(), s.at("image"));
        append_h36m_records(&annot, s, name, scene.camera.fx, scene.camera.fy, scene.camera.cx,
                            scene.camera.cy);
        break;
      }
      report(i + 1);
    }
    write_h36m(o.out, annot);
  } else {
    std::vector<PosePair> pairs;
    std::vector<PoseKeypoints> rows;
    for (int64_t i = 0; i < o.count; ++i) {
      Generator g = sample_generator(o.seed, i);
      const Sample s = sample_body_pair(g, bo);
      const std::string a = stem(i) + "_a.png", b = stem(i) + "_b.png";
      write_png((images / a).string(), s.at("image"));
      write_png((images / b).string(), s.at("target_image"));
      pairs.push_back({a, b});
      rows.push_back(
          openpose_from_coco(a, s.at("keypoints"), s.at("keypoints_visible"), o.size, o.size));
      rows.push_back(openpose_from_coco(b, s.at("target_keypoints"),
                                        s.at("target_keypoints_visible"), o.size, o.size));
      report(i + 1);
    }
    write_text_file((fs::path(o.out) / "fasion-pairs-train.csv").string(),
                    pairs_csv_to_string(pairs));
    write_text_file((fs::path(o.out) / "fasion-annotation-train.csv").string(),
                    pose_annotation_to_string(rows));
  }
}

}  // namespace dc
