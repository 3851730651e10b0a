// Times the body world on one thread: scene sampling, render_body_scene() and the conversion to
// a Sample, at 256×256 with 1–6 people, and reports the stages and scenes per second (thread CPU
// time: the machine is shared). Also prints the κ of BodyGeodesics and how many pixels differ
// between flipped renders and renders of mirrored scenes.
// Usage: body_bench [scenes [supersample [kappa 0|1]]]
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "core/cpu_time.h"
#include "data/synth/body_world.h"
#include "data/synth/geodesics.h"

int main(int argc, char** argv) {
  using namespace dc;
  const int scenes = argc > 1 ? std::atoi(argv[1]) : 100;
  BodyWorldOptions opt;
  if (argc > 2) opt.supersample = std::atoi(argv[2]);
  const bool kappa = argc > 3 && std::atoi(argv[3]) != 0;
  body_topology(opt.detail);  // built once, outside the timing
  double t_sample = 0, t_render = 0, t_tensor = 0;
  int64_t people = 0, triangles = 0;
  for (int i = 0; i < scenes; ++i) {
    Generator gen(1000 + i);
    const double t0 = thread_cpu_seconds();
    const BodyScene scene = sample_body_scene(gen, opt);
    const double t1 = thread_cpu_seconds();
    const BodyRender r = render_body_scene(scene, opt);
    const double t2 = thread_cpu_seconds();
    const Sample s = body_scene_sample(r);
    const double t3 = thread_cpu_seconds();
    t_sample += t1 - t0;
    t_render += t2 - t1;
    t_tensor += t3 - t2;
    people += static_cast<int64_t>(scene.people.size());
    triangles += static_cast<int64_t>(scene.people.size()) * body_topology(opt.detail).num_faces();
  }
  const double total = t_sample + t_render + t_tensor;
  std::printf("%d scenes %dx%d, %.2f people and %.0f triangles per scene, supersample %d\n", scenes,
              opt.width, opt.height, double(people) / scenes, double(triangles) / scenes,
              opt.supersample);
  std::printf("per scene: sample %.2f ms, render %.2f ms, to tensors %.2f ms, total %.2f ms\n",
              1e3 * t_sample / scenes, 1e3 * t_render / scenes, 1e3 * t_tensor / scenes,
              1e3 * total / scenes);
  std::printf("%.1f scenes/s on one thread (thread CPU time)\n", scenes / total);

  // Flip consistency over a few scenes.
  int64_t fg = 0, bad = 0;
  for (int i = 0; i < 10; ++i) {
    Generator gen(5000 + i);
    const BodyScene scene = sample_body_scene(gen, opt);
    const BodyRender a = render_body_scene(scene, opt),
                     b = render_body_scene(mirror_body_scene(scene), opt);
    for (int y = 0; y < a.height; ++y) {
      for (int x = 0; x < a.width; ++x) {
        const int64_t p = int64_t(y) * a.width + x, q = int64_t(y) * a.width + a.width - 1 - x;
        fg += a.part[q] > 0;
        bad += b.part[p] != chart_flip_table()[a.part[q]];
      }
    }
  }
  std::printf(
      "flip: %lld of %lld foreground pixels change label between flip(render) and "
      "render(mirror) over 10 scenes (%.3f %%)\n",
      static_cast<long long>(bad), static_cast<long long>(fg), 100.0 * bad / fg);
  if (kappa) {
    const double t0 = thread_cpu_seconds();
    const BodyGeodesics geo(2);
    const double t1 = thread_cpu_seconds();
    const auto k = geo.kappa(48);
    const double t2 = thread_cpu_seconds();
    std::printf("geodesics: %lld nodes, built in %.2f s; kappa (48 sources/part) in %.2f s:\n",
                static_cast<long long>(geo.graph().num_nodes()), t1 - t0, t2 - t1);
    const char* names[9] = {"background", "torso",      "hands",      "feet", "upper legs",
                            "lower legs", "upper arms", "lower arms", "head"};
    for (int g = 1; g < 9; ++g) std::printf("  %-10s %.3f m\n", names[g], k[g]);
  }
  return 0;
}
