// Contact sheet of the body world: 16 scenes, each as the RGB render beside its I/U/V labels
// with the COCO skeletons of its people drawn over them (visible keypoints as red dots, occluded
// ones as small blue dots); I/U/V labels are a colour per DensePose chart with U isolines (black)
// and V isolines (white) every 0.2.
// Usage: body_sheet [out.png [seed [pairs]]]; default docs/images/synth_bodies.png under the
// workspace. With `pairs`: 16 pose-transfer pairs (first and second pose side by side).
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "data/synth/body_world.h"

namespace {

using namespace dc;

struct Canvas {
  int width, height;
  std::vector<uint8_t> rgb;
  void put(int x, int y, const float* c) {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    for (int k = 0; k < 3; ++k) {
      rgb[3 * (static_cast<size_t>(y) * width + x) + k] =
          static_cast<uint8_t>(std::lround(std::clamp(c[k], 0.0f, 1.0f) * 255));
    }
  }
  void line(float x0, float y0, float x1, float y1, const float* c) {
    const int n = static_cast<int>(std::ceil(std::max(std::abs(x1 - x0), std::abs(y1 - y0)))) + 1;
    for (int i = 0; i <= n; ++i) {
      const float t = static_cast<float>(i) / n;
      put(static_cast<int>(std::lround(x0 + (x1 - x0) * t)),
          static_cast<int>(std::lround(y0 + (y1 - y0) * t)), c);
    }
  }
  void dot(float x, float y, int r, const float* c) {
    for (int dy = -r; dy <= r; ++dy)
      for (int dx = -r; dx <= r; ++dx)
        if (dx * dx + dy * dy <= r * r)
          put(static_cast<int>(std::lround(x)) + dx, static_cast<int>(std::lround(y)) + dy, c);
  }
};

// A distinct colour per chart (hue wheel, alternating brightness for front/back neighbours).
void chart_colour(int chart, float* c) {
  const float h = std::fmod(chart * 0.381966f, 1.0f) * 6;
  const float x = 1 - std::abs(std::fmod(h, 2.0f) - 1);
  float r = 0, g = 0, b = 0;
  if (h < 1)
    r = 1, g = x;
  else if (h < 2)
    r = x, g = 1;
  else if (h < 3)
    g = 1, b = x;
  else if (h < 4)
    g = x, b = 1;
  else if (h < 5)
    r = x, b = 1;
  else
    r = 1, b = x;
  const float v = chart % 2 ? 0.95f : 0.7f;
  c[0] = r * v;
  c[1] = g * v;
  c[2] = b * v;
}

}  // namespace

int main(int argc, char** argv) {
  std::string out = argc > 1 ? argv[1] : "docs/images/synth_bodies.png";
  const uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1;
  if (argc <= 1) {
    if (const char* ws = std::getenv("BUILD_WORKSPACE_DIRECTORY"))
      out = std::string(ws) + "/" + out;
  }
  BodyWorldOptions opt;
  // A third argument "pairs" draws pose-transfer pairs (image, target_image) instead.
  const bool pairs = argc > 3 && std::string(argv[3]) == "pairs";
  if (pairs) {
    const int S = opt.width, cols = 4, rows = 4, gap = 4;
    Canvas cv{cols * (2 * S + gap) - gap, rows * (S + gap) - gap, {}};
    cv.rgb.assign(static_cast<size_t>(cv.width) * cv.height * 3, 255);
    for (int i = 0; i < cols * rows; ++i) {
      Generator gen(seed * 1000003 + i);
      const Sample s = sample_body_pair(gen, opt);
      const int ox = (i % cols) * (2 * S + gap), oy = (i / cols) * (S + gap);
      for (int half = 0; half < 2; ++half) {
        const float* img = s.at(half ? "target_image" : "image").data<float>();
        for (int y = 0; y < S; ++y) {
          for (int x = 0; x < S; ++x) {
            const float c[3] = {img[y * S + x], img[S * S + y * S + x], img[2 * S * S + y * S + x]};
            cv.put(ox + half * S + x, oy + y, c);
          }
        }
      }
    }
    stbi_write_png(out.c_str(), cv.width, cv.height, 3, cv.rgb.data(), cv.width * 3);
    std::printf("wrote %s\n", out.c_str());
    return 0;
  }
  const int S = opt.width, cols = 4, rows = 4, gap = 4;
  Canvas cv{cols * (2 * S + gap) - gap, rows * (S + gap) - gap, {}};
  cv.rgb.assign(static_cast<size_t>(cv.width) * cv.height * 3, 255);
  for (int i = 0; i < cols * rows; ++i) {
    Generator gen(seed * 1000003 + i);
    const BodyScene scene = sample_body_scene(gen, opt);
    const BodyRender r = render_body_scene(scene, opt);
    const int ox = (i % cols) * (2 * S + gap), oy = (i / cols) * (S + gap);
    for (int y = 0; y < S; ++y) {
      for (int x = 0; x < S; ++x) {
        const int64_t p = static_cast<int64_t>(y) * S + x;
        cv.put(ox + x, oy + y, &r.rgb[3 * p]);
        float c[3] = {0.1f, 0.1f, 0.1f};
        if (r.part[p] > 0) {
          chart_colour(r.part[p], c);
          const float u = r.uv[2 * p], v = r.uv[2 * p + 1];
          // Isolines: where U or V crosses a multiple of 0.1 between this pixel and its right or
          // lower neighbour (same chart).
          auto crosses = [&](int64_t q, int ch) {
            return r.part[q] == r.part[p] &&
                   std::floor(r.uv[2 * q + ch] * 5) != std::floor(r.uv[2 * p + ch] * 5);
          };
          const bool iso_u = (x + 1 < S && crosses(p + 1, 0)) || (y + 1 < S && crosses(p + S, 0));
          const bool iso_v = (x + 1 < S && crosses(p + 1, 1)) || (y + 1 < S && crosses(p + S, 1));
          if (iso_u) c[0] = c[1] = c[2] = 0;
          if (iso_v) c[0] = c[1] = c[2] = 1;
          (void)u;
          (void)v;
        }
        cv.put(ox + S + x, oy + y, c);
      }
    }
    // Skeletons over both halves.
    for (const auto& person : r.people) {
      if (person.pixels == 0) continue;
      for (int half = 1; half < 2; ++half) {
        const float line_col[3] = {1, 1, 0.2f}, vis_col[3] = {1, 0.1f, 0.1f},
                    occ_col[3] = {0.2f, 0.4f, 1};
        const int bx = ox + half * S;
        for (const auto& e : coco_skeleton()) {
          if (person.visible[e.first] == 0 || person.visible[e.second] == 0) continue;
          cv.line(bx + person.keypoints[2 * e.first], oy + person.keypoints[2 * e.first + 1],
                  bx + person.keypoints[2 * e.second], oy + person.keypoints[2 * e.second + 1],
                  line_col);
        }
        for (int k = 0; k < kNumCocoKeypoints; ++k) {
          if (person.visible[k] == 0) continue;
          cv.dot(bx + person.keypoints[2 * k], oy + person.keypoints[2 * k + 1],
                 person.visible[k] == 2 ? 2 : 1, person.visible[k] == 2 ? vis_col : occ_col);
        }
      }
    }
  }
  if (!stbi_write_png(out.c_str(), cv.width, cv.height, 3, cv.rgb.data(), cv.width * 3)) {
    std::fprintf(stderr, "body_sheet: cannot write %s\n", out.c_str());
    return 1;
  }
  std::printf("wrote %s (%dx%d)\n", out.c_str(), cv.width, cv.height);
  return 0;
}
