// Times render() at 256×256 of a UV sphere of about 20k triangles filling most of the image,
// textured, with 2×2 supersampling, plus the U,V and part label maps: the per-image cost of the
// rasterizer in the synthetic world. Single thread (the data loader renders one sample per
// worker). Usage: render_bench [iterations [cull_back_faces: 0|1 [profile]]]
#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/cpu_time.h"
#include "data/synth/render_tensors.h"
#include "data/synth/shading.h"

// Seconds of CPU time of this thread: the machine is shared, so wall time would count other
// processes' time slices.
int main(int argc, char** argv) {
  using namespace dc;
  const int iters = argc > 1 ? std::atoi(argv[1]) : 50;
  // Sphere of radius 1 with `rings` latitude bands and `segs` longitude segments.
  const int rings = 100, segs = 101;
  Mesh m;
  std::vector<float> uv, part;
  for (int i = 0; i <= rings; ++i) {
    for (int j = 0; j <= segs; ++j) {
      const double th = M_PI * i / rings, ph = 2 * M_PI * j / segs;
      m.add_vertex({std::sin(th) * std::cos(ph), std::cos(th), std::sin(th) * std::sin(ph)});
      uv.push_back(float(j) / segs);
      uv.push_back(float(i) / rings);
      part.push_back(float(1 + (i * 4) / (rings + 1) * 4 + (j * 4) / (segs + 1)));
    }
  }
  for (int i = 0; i < rings; ++i) {
    for (int j = 0; j < segs; ++j) {
      const int a = i * (segs + 1) + j, b = a + 1, c = a + segs + 1, d = c + 1;
      if (i > 0) m.add_face(a, b, c);
      if (i + 1 < rings) m.add_face(b, d, c);
    }
  }
  m.set_vertex_attribute("uv", 2, uv);
  m.set_vertex_attribute("part", 1, part, Interp::kNearestVertex);
  compute_vertex_normals(m);
  Texture tex;
  tex.height = tex.width = 256;
  for (int y = 0; y < 256; ++y)
    for (int x = 0; x < 256; ++x)
      for (int c = 0; c < 3; ++c) tex.rgb.push_back(((x / 16 + y / 16 + c) % 3) * 0.4f + 0.1f);

  Camera cam = make_camera(256, 256, focal_from_fov(256, 40));
  look_at(cam, {0.3, 0.5, -3.2}, {0, 0, 0}, {0, 1, 0});
  ShadingOptions opt;
  opt.texture = &tex;
  opt.light.direction = {0.3, 0.6, -1};
  opt.supersample = 2;

  RasterOptions raster;
  raster.cull_back_faces = argc > 2 && std::atoi(argv[2]) != 0;
  if (argc > 3) {  // profiling mode: render() only
    for (int it = 0; it < iters; ++it) render(m, cam, opt, raster);
    return 0;
  }
  double best = 1e30, total = 0;
  int64_t covered = 0;
  for (int it = 0; it < iters; ++it) {
    const auto t0 = thread_cpu_seconds();
    const Render r = render(m, cam, opt, raster);
    const std::vector<float> uvs = interpolate(m, r.fragments, "uv");
    const std::vector<float> parts = interpolate(m, r.fragments, "part");
    const auto t1 = thread_cpu_seconds();
    const double ms = (t1 - t0) * 1e3;
    best = std::min(best, ms);
    total += ms;
    covered = 0;
    for (int32_t f : r.fragments.face) covered += f >= 0;
  }
  {
    double tr = 1e30, tr2 = 1e30;
    for (int it = 0; it < iters; ++it) {
      auto t0 = thread_cpu_seconds();
      Fragments f = rasterize(m, cam, raster);
      auto t1 = thread_cpu_seconds();
      Fragments f2 = rasterize(m, supersampled(cam, 2), raster);
      auto t2 = thread_cpu_seconds();
      tr = std::min(tr, (t1 - t0) * 1e3);
      tr2 = std::min(tr2, (t2 - t1) * 1e3);
    }
    std::printf("rasterize 1x %.2f ms, 2x %.2f ms\n", tr, tr2);
  }
  std::printf("sphere: %lld triangles, 256x256, 2x2 SSAA, %lld covered pixels, back faces %s\n",
              static_cast<long long>(m.num_faces()), static_cast<long long>(covered),
              raster.cull_back_faces ? "culled" : "drawn");
  std::printf("render + uv + part: best %.2f ms, mean %.2f ms over %d runs (thread CPU time)\n",
              best, total / iters, iters);
  return 0;
}
