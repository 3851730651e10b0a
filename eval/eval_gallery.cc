// The evaluation pictures of docs/EVAL.md and the figures behind the default near-set threshold,
// on synthetic faces with their exact (U, V) and with that (U, V) made noisy (a stand-in for a
// network's prediction):
//
//   eval_gallery OUT_DIR [num_faces [seed]]
//
// Writes OUT_DIR/eval_ced.png (CED of both landmark rules on exact and noisy U,V), and for the
// first face eval_u.png, eval_v.png, eval_isolines.png, eval_landmarks.png, eval_parts.png and
// eval_texture.png; prints the NME summaries (mean NME, AUC and failure rates at 0.08 and 0.10)
// and the component rule's mean NME at several thresholds.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/philox.h"
#include "core/random_stream.h"
#include "data/image_io.h"
#include "data/synth/face_world.h"
#include "eval/ced_plot.h"
#include "eval/chart_textures.h"
#include "eval/dense_metrics.h"
#include "eval/landmark_metrics.h"
#include "eval/uv_landmarks.h"
#include "eval/visualize.h"

namespace {

using namespace dc;

// The face's (U, V) plus Gaussian noise of sigma `sigma`, smoothed over 3×3 pixels (so that it
// looks like a blurry regression rather than salt), on the foreground.
Tensor noisy_uv(const Tensor& uv, const Tensor& mask, double sigma, uint64_t seed) {
  const int64_t h = uv.size(1), w = uv.size(2), n = h * w;
  Generator gen(seed);
  RandomStream rng(gen);
  std::vector<float> noise(2 * n);
  // x3: the 3×3 mean divides the standard deviation by 3.
  for (float& v : noise) v = static_cast<float>(rng.normal() * sigma * 3);
  Tensor out = uv.clone();
  float* o = out.data<float>();
  const uint8_t* m = mask.data<uint8_t>();
  for (int c = 0; c < 2; ++c) {
    for (int64_t y = 0; y < h; ++y) {
      for (int64_t x = 0; x < w; ++x) {
        if (!m[y * w + x]) continue;
        double s = 0;
        for (int64_t dy = -1; dy <= 1; ++dy)
          for (int64_t dx = -1; dx <= 1; ++dx)
            s += noise[c * n + std::clamp<int64_t>(y + dy, 0, h - 1) * w +
                       std::clamp<int64_t>(x + dx, 0, w - 1)];
        o[c * n + y * w + x] += static_cast<float>(s / 9);
      }
    }
  }
  return out;
}

void print_summary(const std::string& name, const std::vector<double>& nmes) {
  const NmeSummary s = summarize_nme(nmes);
  std::printf("%-32s", name.c_str());
  for (const auto& [key, value] : s.named()) std::printf(" %s %.4f", key.c_str(), value);
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: eval_gallery OUT_DIR [num_faces [seed]]\n");
    return 2;
  }
  const std::string out = argv[1];
  const int faces = argc > 2 ? std::atoi(argv[2]) : 50;
  const uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;
  try {
    std::filesystem::create_directories(out);
    FaceWorldOptions options;
    options.size = 192;
    const Tensor tmpl = face_landmarks_uv_tensor();
    const std::vector<double> thresholds = {0.005, 0.0075, 0.01, 0.015, 0.02, 0.03};
    std::vector<double> exact_argmin, exact_comp, noisy_argmin, noisy_comp;
    std::vector<std::vector<double>> sweep(thresholds.size()), exact_sweep(thresholds.size());
    UVErrorSums noisy_error;
    for (int f = 0; f < faces; ++f) {
      Generator rng(seed * 1000003 + f);
      const Sample s = render_face(rng, options);
      const Tensor& uv = s.at("uv");
      const Tensor& mask = s.at("mask");
      const Tensor& gt = s.at("landmarks");
      const Tensor& vis = s.at("visible");
      const Tensor noisy = noisy_uv(uv, mask, 0.01, seed + f);
      noisy_error.add(uv_abs_error(noisy, uv, mask));
      const UVLandmarks ea = landmarks_from_uv(uv, mask, tmpl);
      const UVLandmarks ec = landmarks_from_uv_components(uv, mask, tmpl);
      const UVLandmarks na = landmarks_from_uv(noisy, mask, tmpl);
      const UVLandmarks nc = landmarks_from_uv_components(noisy, mask, tmpl);
      // The visible landmarks: a hidden one has no pixel showing its (U, V).
      exact_argmin.push_back(landmark_nme(ea.points, gt, vis));
      exact_comp.push_back(landmark_nme(ec.points, gt, vis));
      noisy_argmin.push_back(landmark_nme(na.points, gt, vis));
      noisy_comp.push_back(landmark_nme(nc.points, gt, vis));
      for (size_t t = 0; t < thresholds.size(); ++t) {
        UVComponentOptions o;
        o.threshold = thresholds[t];
        sweep[t].push_back(
            landmark_nme(landmarks_from_uv_components(noisy, mask, tmpl, o).points, gt, vis));
        exact_sweep[t].push_back(
            landmark_nme(landmarks_from_uv_components(uv, mask, tmpl, o).points, gt, vis));
      }
      if (f == 0) {
        write_png(out + "/eval_u.png", uv_color_map(uv, mask, 0));
        write_png(out + "/eval_v.png", uv_color_map(uv, mask, 1));
        write_png(out + "/eval_isolines.png", draw_uv_isolines(s.at("image"), uv, mask));
        LandmarkStyle white;
        white.colour = {1, 1, 1};
        white.radius = 1.5;
        LandmarkStyle green;
        green.radius = 1.5;
        write_png(out + "/eval_landmarks.png",
                  draw_landmarks(draw_landmarks(s.at("image"), gt, vis, white), nc.points, nc.found,
                                 green));
        write_png(out + "/eval_parts.png", face_part_color_map(face_parts_from_uv(noisy, mask)));
        write_png(out + "/eval_texture.png",
                  texture_transfer(s.at("image"), checkerboard_chart_texture(256), uv, mask, 0.8f));
      }
    }
    std::printf("%d faces at %d px; noisy U,V: mean abs error %.4f\n", faces, options.size,
                noisy_error.mae());
    print_summary("argmin, exact U,V", exact_argmin);
    print_summary("components, exact U,V", exact_comp);
    print_summary("argmin, noisy U,V", noisy_argmin);
    print_summary("components, noisy U,V", noisy_comp);
    for (size_t t = 0; t < thresholds.size(); ++t) {
      print_summary("components t=" + std::to_string(thresholds[t]) + ", exact", exact_sweep[t]);
      print_summary("components t=" + std::to_string(thresholds[t]) + ", noisy", sweep[t]);
    }
    CedPlotOptions plot;
    plot.title = "CED on " + std::to_string(faces) + " synthetic faces (visible landmarks)";
    write_ced_png(out + "/eval_ced.png",
                  {{"argmin, exact U,V", exact_argmin},
                   {"components, exact U,V", exact_comp},
                   {"argmin, noisy U,V", noisy_argmin},
                   {"components, noisy U,V", noisy_comp}},
                  plot);
    std::printf("wrote %s/eval_*.png\n", out.c_str());
  } catch (const Error& e) {
    std::fprintf(stderr, "eval_gallery: %s\n", e.what());
    return 2;
  }
  return 0;
}
