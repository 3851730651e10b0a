#include "data/formats/format_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "core/error.h"
#include "data/formats/deepfashion.h"
#include "data/formats/densepose_coco.h"
#include "data/formats/draw.h"
#include "data/formats/face_300w.h"
#include "data/formats/h36m_annot.h"
#include "data/formats/text_file.h"
#include "data/image_io.h"

namespace dc {

namespace fs = std::filesystem;

namespace {

constexpr int kTile = 256, kColumns = 4, kGap = 4;

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

struct Stat {
  double sum = 0, lo = INFINITY, hi = -INFINITY;
  int64_t n = 0;
  void add(double v) { sum += v, lo = std::min(lo, v), hi = std::max(hi, v), ++n; }
  std::string str() const {
    if (n == 0) return "none";
    return "mean " + fmt("%.4g", sum / n) + ", min " + fmt("%.4g", lo) + ", max " + fmt("%.4g", hi);
  }
};

void require_file(const fs::path& p, const std::string& who) {
  DC_CHECK(fs::exists(p), who, ": image '", p.string(), "' does not exist");
}

std::string densepose_json(const std::string& dir) {
  return fs::is_regular_file(dir) ? dir : (fs::path(dir) / "densepose.json").string();
}

fs::path images_dir(const std::string& dir) {
  return (fs::is_regular_file(dir) ? fs::path(dir).parent_path() : fs::path(dir)) / "images";
}

// DeepFashion splits present in `dir`.
std::vector<std::string> fashion_splits(const std::string& dir) {
  std::vector<std::string> splits;
  for (const char* s : {"train", "test"})
    if (fs::exists(fs::path(dir) / ("fasion-pairs-" + std::string(s) + ".csv")))
      splits.push_back(s);
  DC_CHECK(!splits.empty(), dir, ": no fasion-pairs-train.csv or fasion-pairs-test.csv");
  return splits;
}

struct FashionSplit {
  std::vector<PosePair> pairs;
  std::map<std::string, PoseKeypoints> keypoints;
};

FashionSplit read_fashion_split(const std::string& dir, const std::string& split) {
  FashionSplit out;
  const std::string pairs = (fs::path(dir) / ("fasion-pairs-" + split + ".csv")).string();
  const std::string annot = (fs::path(dir) / ("fasion-annotation-" + split + ".csv")).string();
  out.pairs = pairs_csv_from_string(read_text_file(pairs), pairs);
  for (const PoseKeypoints& r : pose_annotation_from_string(read_text_file(annot), annot)) {
    DC_CHECK(out.keypoints.emplace(r.name, r).second, annot, ": image ", r.name,
             " is annotated twice");
  }
  for (size_t i = 0; i < out.pairs.size(); ++i) {
    for (const std::string& name : {out.pairs[i].first, out.pairs[i].second}) {
      DC_CHECK(out.keypoints.count(name), pairs, ": line ", i + 2, ": image ", name,
               " has no keypoints in ", annot);
      require_file(fs::path(dir) / "images" / name, pairs);
    }
  }
  return out;
}

}  // namespace

std::string check_format_dir(DataFormat format, const std::string& dir) {
  DC_CHECK(fs::exists(dir), dir, ": no such file or directory");
  std::ostringstream r;
  r << "format " << data_format_name(format) << ", " << dir << "\n";
  if (format == DataFormat::kCocoDensePose) {
    const std::string path = densepose_json(dir);
    const DensePoseCoco d = read_densepose_coco(path);
    for (const CocoImage& im : d.images) require_file(images_dir(dir) / im.file_name, path);
    int64_t dp = 0, points = 0;
    Stat per_person, u, v, kp, masks;
    std::map<int, int64_t> per_chart;
    for (const DensePoseAnnotation& a : d.annotations) {
      if (!a.keypoints.empty()) kp.add(static_cast<double>(a.num_keypoints));
      if (!a.has_densepose) continue;
      ++dp;
      points += static_cast<int64_t>(a.dp_I.size());
      per_person.add(static_cast<double>(a.dp_I.size()));
      for (size_t i = 0; i < a.dp_I.size(); ++i) {
        ++per_chart[static_cast<int>(a.dp_I[i])];
        u.add(a.dp_U[i]);
        v.add(a.dp_V[i]);
      }
      int present = 0;
      for (const auto& m : a.dp_masks) present += m.has_value();
      masks.add(present);
    }
    r << "images: " << d.images.size() << "\n";
    r << "annotations: " << d.annotations.size() << " (" << dp << " with DensePose)\n";
    r << "points: " << points << "\n";
    r << "points per person: " << per_person.str() << "\n";
    r << "dp_U: " << u.str() << "\n";
    r << "dp_V: " << v.str() << "\n";
    r << "labelled keypoints per person: " << kp.str() << "\n";
    r << "non-empty dp_masks per person: " << masks.str() << "\n";
    r << "charts with points: " << per_chart.size() << " of 24\n";
  } else if (format == DataFormat::k300W) {
    const std::vector<std::string> stems = list_300w(dir);
    DC_CHECK(!stems.empty(), dir, ": no .pts files");
    int64_t dense = 0;
    Stat visible, face, width;
    for (const std::string& s : stems) {
      const Sample sm = read_300w_sample(dir, s);
      width.add(static_cast<double>(sm.at("image").size(2)));
      if (!sm.count("uv")) continue;
      ++dense;
      const Tensor& vis = sm.at("visible");
      visible.add(std::count(vis.data<uint8_t>(), vis.data<uint8_t>() + 68, 1));
      const Tensor& m = sm.at("mask");
      face.add(std::count(m.data<uint8_t>(), m.data<uint8_t>() + m.numel(), 1) /
               static_cast<double>(m.numel()));
    }
    r << "faces: " << stems.size() << " (" << dense << " with dense U,V)\n";
    r << "landmarks per face: 68\n";
    r << "image width: " << width.str() << "\n";
    r << "visible landmarks: " << visible.str() << "\n";
    r << "face pixels (fraction of the image): " << face.str() << "\n";
  } else if (format == DataFormat::kH36m) {
    const H36mAnnot a = read_h36m(dir);
    std::set<std::string> images(a.images.begin(), a.images.end());
    for (const std::string& im : images)
      require_file(fs::path(dir) / "images" / im, (fs::path(dir) / "images.txt").string());
    Stat root, scale, zind, mpjd;
    const double* S = a.S.data<double>();
    for (int64_t i = 0; i < a.size(); ++i) {
      root.add(S[i * 51 + 2]);
      scale.add(a.scale.data<double>()[i]);
      for (int j = 0; j < 17; ++j)
        zind.add(static_cast<double>(a.zind.data<int64_t>()[i * 17 + j]));
    }
    r << "records: " << a.size() << "\n";
    r << "images: " << images.size() << "\n";
    r << "root depth (mm): " << root.str() << "\n";
    r << "scale: " << scale.str() << "\n";
    r << "zind: " << zind.str() << "\n";
  } else {
    for (const std::string& split : fashion_splits(dir)) {
      const FashionSplit f = read_fashion_split(dir, split);
      Stat present;
      for (const auto& [name, k] : f.keypoints)
        present.add(std::count_if(k.x.begin(), k.x.end(), [](int64_t x) { return x >= 0; }));
      r << split << " pairs: " << f.pairs.size() << "\n";
      r << split << " annotated images: " << f.keypoints.size() << "\n";
      r << split << " keypoints present per image: " << present.str() << "\n";
    }
  }
  return r.str();
}

int show_format_dir(DataFormat format, const std::string& dir, const std::string& out_png,
                    int max_samples) {
  DC_CHECK(max_samples >= 1 && max_samples <= 16, "data show: max samples ", max_samples,
           " outside 1..16");
  DC_CHECK(fs::exists(dir), dir, ": no such file or directory");
  std::vector<std::function<void(Canvas&, int, int)>> tiles;
  const Rgb white{1, 1, 1}, red{1, 0.1f, 0.1f}, yellow{1, 1, 0.2f}, green{0.2f, 1, 0.2f};
  if (format == DataFormat::kCocoDensePose) {
    const std::string path = densepose_json(dir);
    const auto d = std::make_shared<DensePoseCoco>(read_densepose_coco(path));
    const fs::path images = images_dir(dir);
    for (size_t i = 0; i < d->images.size() && static_cast<int>(tiles.size()) < max_samples; ++i) {
      tiles.push_back([d, i, images, yellow, white](Canvas& cv, int ox, int oy) {
        const CocoImage& im = d->images[i];
        const Tensor img = read_image((images / im.file_name).string());
        const double s = static_cast<double>(kTile) / std::max(img.size(1), img.size(2));
        cv.blit(img, ox, oy, s);
        const CocoCategory cat = d->categories.empty() ? coco_person_category() : d->categories[0];
        for (const DensePoseAnnotation& a : d->annotations) {
          if (a.image_id != im.id) continue;
          const double x0 = ox + a.bbox[0] * s, y0 = oy + a.bbox[1] * s;
          const double x1 = x0 + a.bbox[2] * s, y1 = y0 + a.bbox[3] * s;
          cv.line(x0, y0, x1, y0, white), cv.line(x1, y0, x1, y1, white);
          cv.line(x1, y1, x0, y1, white), cv.line(x0, y1, x0, y0, white);
          const Tensor pts = densepose_point_pixels(a);
          for (int64_t k = 0; k < pts.size(0); ++k) {
            const float* p = pts.data<float>() + 2 * k;
            cv.dot(ox + (p[0] + 0.5) * s - 0.5, oy + (p[1] + 0.5) * s - 0.5, 1,
                   label_colour(static_cast<int>(a.dp_I[k])));
          }
          if (a.keypoints.size() != 51) continue;
          const auto& kp = a.keypoints;
          for (const auto& e : cat.skeleton) {
            const int p = static_cast<int>(e[0]) - 1, q = static_cast<int>(e[1]) - 1;
            if (kp[3 * p + 2] == 0 || kp[3 * q + 2] == 0) continue;
            cv.line(ox + kp[3 * p] * s, oy + kp[3 * p + 1] * s, ox + kp[3 * q] * s,
                    oy + kp[3 * q + 1] * s, yellow);
          }
        }
      });
    }
  } else if (format == DataFormat::k300W) {
    const std::vector<std::string> stems = list_300w(dir);
    for (size_t i = 0; i < stems.size() && static_cast<int>(tiles.size()) < max_samples; ++i) {
      const std::string name = stems[i];
      tiles.push_back([dir, name, white, red](Canvas& cv, int ox, int oy) {
        const Sample sm = read_300w_sample(dir, name);
        const Tensor& img = sm.at("image");
        const int64_t H = img.size(1), W = img.size(2);
        const double s = static_cast<double>(kTile) / std::max(H, W);
        cv.blit(img, ox, oy, s);
        if (sm.count("uv")) {
          const float* uv = sm.at("uv").data<float>();
          const uint8_t* m = sm.at("mask").data<uint8_t>();
          for (int y = 0; y < static_cast<int>(H * s); ++y) {
            for (int x = 0; x < static_cast<int>(W * s); ++x) {
              const int64_t p = std::min<int64_t>(H - 1, static_cast<int64_t>(y / s)) * W +
                                std::min<int64_t>(W - 1, static_cast<int64_t>(x / s));
              if (!m[p]) continue;
              const float u = uv[p], v = uv[H * W + p];
              // U,V colours with isolines every 0.1.
              const bool iso = std::fmod(u * 10, 1.0f) < 0.08f || std::fmod(v * 10, 1.0f) < 0.08f;
              cv.blend(ox + x, oy + y, iso ? Rgb{1, 1, 1} : Rgb{u, v, 0.3f}, 0.55f);
            }
          }
        }
        const float* l = sm.at("landmarks").data<float>();
        const uint8_t* vis = sm.count("visible") ? sm.at("visible").data<uint8_t>() : nullptr;
        for (int k = 0; k < 68; ++k) {
          cv.dot(ox + (l[2 * k] + 0.5) * s - 0.5, oy + (l[2 * k + 1] + 0.5) * s - 0.5, 1,
                 vis == nullptr || vis[k] ? white : red);
        }
      });
    }
  } else if (format == DataFormat::kH36m) {
    const auto a = std::make_shared<H36mAnnot>(read_h36m(dir));
    static const int kParents[17] = {-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15};
    for (int64_t i = 0; i < a->size() && static_cast<int>(tiles.size()) < max_samples; ++i) {
      tiles.push_back([a, i, dir, yellow, red, green](Canvas& cv, int ox, int oy) {
        const Tensor img = read_image((fs::path(dir) / "images" / a->images[i]).string());
        const double s = static_cast<double>(kTile) / std::max(img.size(1), img.size(2));
        cv.blit(img, ox, oy, s);
        const double* p = a->part.data<double>() + i * 34;
        auto X = [&](int j) { return ox + (p[2 * j] + 0.5) * s - 0.5; };
        auto Y = [&](int j) { return oy + (p[2 * j + 1] + 0.5) * s - 0.5; };
        for (int j = 1; j < 17; ++j) {
          // Right limbs red, left limbs green, the trunk yellow.
          const bool right = (j >= 1 && j <= 3) || j >= 14,
                     left = (j >= 4 && j <= 6) || (j >= 11 && j <= 13);
          cv.line(X(kParents[j]), Y(kParents[j]), X(j), Y(j), right ? red : left ? green : yellow);
        }
        for (int j = 0; j < 17; ++j) cv.dot(X(j), Y(j), 2, yellow);
      });
    }
  } else {
    const std::string split = fashion_splits(dir)[0];
    const auto f = std::make_shared<FashionSplit>(read_fashion_split(dir, split));
    for (size_t i = 0; i < f->pairs.size() && static_cast<int>(tiles.size()) < max_samples; ++i) {
      tiles.push_back([f, i, dir, yellow, red](Canvas& cv, int ox, int oy) {
        for (int half = 0; half < 2; ++half) {
          const std::string name = half ? f->pairs[i].second : f->pairs[i].first;
          const Tensor img = read_image((fs::path(dir) / "images" / name).string());
          const double s = static_cast<double>(kTile / 2) / std::max(img.size(1), img.size(2));
          const int bx = ox + half * kTile / 2, by = oy + kTile / 4;
          cv.blit(img, bx, by, s);
          const PoseKeypoints& k = f->keypoints.at(name);
          for (const auto& [p, q] : openpose_limbs()) {
            if (k.x[p] < 0 || k.x[q] < 0) continue;
            cv.line(bx + (k.x[p] + 0.5) * s, by + (k.y[p] + 0.5) * s, bx + (k.x[q] + 0.5) * s,
                    by + (k.y[q] + 0.5) * s, yellow);
          }
          for (int j = 0; j < kOpenPoseKeypoints; ++j)
            if (k.x[j] >= 0) cv.dot(bx + (k.x[j] + 0.5) * s, by + (k.y[j] + 0.5) * s, 1, red);
        }
      });
    }
  }
  DC_CHECK(!tiles.empty(), dir, ": no samples to show");
  const int n = static_cast<int>(tiles.size());
  const int cols = std::min(n, kColumns), rows = (n + kColumns - 1) / kColumns;
  Canvas cv(cols * (kTile + kGap) - kGap, rows * (kTile + kGap) - kGap, {0.15f, 0.15f, 0.15f});
  for (int i = 0; i < n; ++i)
    tiles[i](cv, (i % kColumns) * (kTile + kGap), (i / kColumns) * (kTile + kGap));
  write_png(out_png, cv.to_tensor());
  return n;
}

}  // namespace dc
