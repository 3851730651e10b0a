// Contact sheet and timing of the synthetic FACE world.
//
//   face_sheet [out.png [timing_samples [seed [frontal]]]]
//
// With `frontal`, the 16 faces are frontal (no yaw, pitch, roll or occluders) and the landmarks
// are drawn on the RGB panel too, for checking them against the features by eye.
// Writes 16 faces rendered at 256×256 as a 4×4 grid of tiles [RGB | U,V | parts], shown at half
// scale (128-pixel panels): U in red, V in green over the face mask; parts in a fixed palette;
// landmarks drawn on the U,V and part panels (visible white, invisible red). Then renders
// `timing_samples` more faces on this thread and prints the mean thread CPU time per stage, with
// 2×2 and without supersampling.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

#include "data/synth/face_world.h"

namespace {

using namespace dc;

constexpr int kTile = 256;

const unsigned char kPalette[kFaceNumLabels][3] = {{0, 0, 0},     {255, 200, 0}, {255, 120, 0},
                                                   {0, 160, 255}, {0, 60, 255},  {230, 0, 90},
                                                   {150, 0, 60},  {0, 200, 80},  {180, 150, 130}};

struct Sheet {
  int width, height;
  std::vector<unsigned char> rgb;
  void set(int x, int y, unsigned char r, unsigned char g, unsigned char b) {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    unsigned char* p = &rgb[3 * (static_cast<size_t>(y) * width + x)];
    p[0] = r;
    p[1] = g;
    p[2] = b;
  }
};

// Landmarks of `s` over the panel at (ox, oy) of a sheet drawn at 1/`down` scale: visible ones
// white with a black ring, invisible ones red.
void draw_landmarks(Sheet& sheet, int ox, int oy, int down, const Sample& s) {
  const float* lm = s.at("landmarks").data<float>();
  const uint8_t* vis = s.at("visible").data<uint8_t>();
  const int r = down == 1 ? 2 : 1;
  for (int k = 0; k < kFaceNumLandmarks; ++k) {
    const int x = static_cast<int>(std::lround((lm[2 * k] + 0.5) / down - 0.5));
    const int y = static_cast<int>(std::lround((lm[2 * k + 1] + 0.5) / down - 0.5));
    if (x < 0 || y < 0 || x >= kTile / down || y >= kTile / down) continue;
    for (int dy = -r; dy <= r; ++dy) {
      for (int dx = -r; dx <= r; ++dx) {
        const bool ring = r == 2 && std::max(std::abs(dx), std::abs(dy)) == 2;
        if (vis[k]) {
          ring ? sheet.set(ox + x + dx, oy + y + dy, 0, 0, 0)
               : sheet.set(ox + x + dx, oy + y + dy, 255, 255, 255);
        } else if (!ring) {
          sheet.set(ox + x + dx, oy + y + dy, 255, 0, 0);
        }
      }
    }
  }
}

// Draws the three panels of `s` at 1/`down` scale with their top-left corner at (ox, oy).
void draw_sample(Sheet& sheet, int ox, int oy, int down, bool landmarks_on_rgb, const Sample& s) {
  Sheet tile{3 * kTile, kTile, std::vector<unsigned char>(3 * 3 * kTile * kTile)};
  const int64_t N = static_cast<int64_t>(kTile) * kTile;
  const float* img = s.at("image").data<float>();
  const float* uv = s.at("uv").data<float>();
  const int64_t* part = s.at("part").data<int64_t>();
  const uint8_t* mask = s.at("mask").data<uint8_t>();
  auto byte = [](float v) {
    return static_cast<unsigned char>(std::lround(255 * std::min(1.0f, std::max(0.0f, v))));
  };
  for (int y = 0; y < kTile; ++y) {
    for (int x = 0; x < kTile; ++x) {
      const int64_t p = static_cast<int64_t>(y) * kTile + x;
      tile.set(x, y, byte(img[p]), byte(img[N + p]), byte(img[2 * N + p]));
      if (mask[p]) {
        tile.set(kTile + x, y, byte(uv[p]), byte(uv[N + p]), 90);
      } else {
        tile.set(kTile + x, y, 20, 20, 20);
      }
      const unsigned char* c = kPalette[part[p]];
      tile.set(2 * kTile + x, y, c[0], c[1], c[2]);
    }
  }
  // Box filter down to the sheet's scale.
  for (int y = 0; y < kTile / down; ++y) {
    for (int x = 0; x < 3 * kTile / down; ++x) {
      int acc[3] = {0, 0, 0};
      for (int dy = 0; dy < down; ++dy)
        for (int dx = 0; dx < down; ++dx)
          for (int c = 0; c < 3; ++c)
            acc[c] +=
                tile.rgb[3 * (static_cast<size_t>(y * down + dy) * tile.width + x * down + dx) + c];
      const int n = down * down;
      sheet.set(ox + x, oy + y, (acc[0] + n / 2) / n, (acc[1] + n / 2) / n, (acc[2] + n / 2) / n);
    }
  }
  if (landmarks_on_rgb) draw_landmarks(sheet, ox, oy, down, s);
  draw_landmarks(sheet, ox + kTile / down, oy, down, s);
  draw_landmarks(sheet, ox + 2 * kTile / down, oy, down, s);
}

void time_samples(int count, int supersample, uint64_t seed) {
  FaceWorldOptions options;
  options.supersample = supersample;
  FaceRenderTimes sum;
  for (int i = 0; i < count; ++i) {
    Generator rng(seed + 1000 + i);
    const FaceScene scene = FaceScene::sample(rng, options);
    render_face_scene(scene, options, &sum);
  }
  const double k = 1e3 / count;
  std::printf(
      "supersample %d, %d samples, mean thread CPU ms: mesh %.2f texture %.2f background %.2f "
      "render %.2f labels %.2f landmarks %.2f post %.2f tensors %.2f | total %.2f (%.0f "
      "samples/s)\n",
      supersample, count, sum.mesh * k, sum.texture * k, sum.background * k, sum.render * k,
      sum.labels * k, sum.landmarks * k, sum.post * k, sum.tensors * k, sum.total() * k,
      count / sum.total());
}

}  // namespace

int main(int argc, char** argv) {
  const std::string out = argc > 1 ? argv[1] : "synth_faces.png";
  const int timing = argc > 2 ? std::atoi(argv[2]) : 0;
  const uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;
  const bool frontal = argc > 4 && std::string(argv[4]) == "frontal";
  FaceWorldOptions options;
  if (frontal) {
    options.max_yaw = options.max_pitch = options.max_roll = 0;
    options.occluder_probability = 0;
  }
  // The committed sheet is drawn at half scale (128-pixel panels) to keep the file small;
  // `frontal` sheets are for close inspection and keep full scale.
  const int down = frontal ? 1 : 2;
  const int panel = kTile / down;
  Sheet sheet{4 * 3 * panel, 4 * panel, {}};
  sheet.rgb.assign(3 * static_cast<size_t>(sheet.width) * sheet.height, 0);
  for (int i = 0; i < 16; ++i) {
    Generator rng(seed * 7919 + i);
    const Sample s = render_face(rng, options);
    draw_sample(sheet, (i % 4) * 3 * panel, (i / 4) * panel, down, frontal, s);
  }
  if (!stbi_write_png(out.c_str(), sheet.width, sheet.height, 3, sheet.rgb.data(),
                      sheet.width * 3)) {
    std::fprintf(stderr, "face_sheet: cannot write %s\n", out.c_str());
    return 1;
  }
  std::printf("wrote %s\n", out.c_str());
  if (timing > 0) {
    time_samples(timing, 2, seed);
    time_samples(timing, 1, seed);
  }
  return 0;
}
