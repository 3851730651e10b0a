#include <time.h>
#include <cstdio>
#include <algorithm>
#include "data/synth/raster_pass.h"
#include "data/synth/shade_pass.h"
#include "data/synth/shading.h"
#include "data/synth/tmp_scenes.h"
using namespace dc;
static double now() { timespec ts; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); return ts.tv_sec + 1e-9 * ts.tv_nsec; }
int main() {
  Mesh s = uv_sphere({0, 0, 0}, 1.0, 100, 101);
  Camera cam = make_camera(256, 256, focal_from_fov(256, 40));
  look_at(cam, {0.3, 0.5, -3.2}, {0, 0, 0}, {0, 1, 0});
  RasterOptions ro;
  raster::RasterPass pass;
  std::vector<Vec3> camv;
  double t[8] = {1e9,1e9,1e9,1e9,1e9,1e9,1e9,1e9};
  Texture tex; tex.height = tex.width = 256;
  for (int y = 0; y < 256; ++y) for (int x = 0; x < 256; ++x) for (int c = 0; c < 3; ++c) tex.rgb.push_back(((x / 16 + y / 16 + c) % 3) * 0.4f + 0.1f);
  ShadingOptions opt; opt.texture = &tex; opt.light.direction = {0.3, 0.6, -1};
  double v7 = 0;
  for (int it = 0; it < 100; ++it) {
    double a = now();
    s.validate();
    double b = now();
    raster::camera_vertices(s, cam, camv);
    double c = now();
    pass.run(s, camv, cam, ro);
    double d = now();
    Fragments f; pass.resolve(f, false);
    double e = now();
    pass.run(s, camv, supersampled(cam, 2), ro);
    double g = now();
    std::vector<float> rgb; shading::Shader sh(s, opt);
    shading::shade_pass(sh, pass, 2, 256, 256, false, rgb);
    double h = now();
    auto uv = interpolate(s, f, "uv"); auto vid = interpolate(s, f, "vid");
    double i2 = now();
    v7 = i2 - h;
    double v[] = {b-a, c-b, d-c, e-d, g-e, h-g, v7};
    for (int k = 0; k < 7; ++k) t[k] = std::min(t[k], v[k]);
  }
  printf("validate %.3f camv %.3f run1 %.3f resolve1 %.3f run2 %.3f shade %.3f interp %.3f ms\n", t[0]*1e3, t[1]*1e3, t[2]*1e3, t[3]*1e3, t[4]*1e3, t[5]*1e3, t[6]*1e3);
}
