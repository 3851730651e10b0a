#include "train/bench_synth_command.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "core/cpu_time.h"
#include "core/error.h"
#include "core/philox.h"
#include "data/synth/body_world.h"
#include "data/synth/face_world.h"
#include "train/cli_args.h"

namespace dc {
namespace bench {
namespace {

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

bool known_antialias(const std::string& s) { return s == "edges" || s == "full"; }

// Times of one sample: total thread CPU, wall, and each stage (thread CPU), in seconds.
struct SampleTimes {
  double cpu = 0, wall = 0;
  std::vector<double> stages;
};

std::vector<std::string> face_stage_names() {
  return {"scene",  "mesh",      "texture", "background", "render",
          "labels", "landmarks", "post",    "tensors"};
}

SampleTimes time_face(int size, uint64_t seed, int supersample, Antialias aa) {
  FaceWorldOptions o;
  o.size = size;
  o.supersample = supersample;
  o.antialias = aa;
  SampleTimes t;
  const double w0 = wall_seconds(), c0 = thread_cpu_seconds();
  Generator rng(seed);
  const FaceScene scene = FaceScene::sample(rng, o);
  const double c1 = thread_cpu_seconds();
  FaceRenderTimes r;
  const Sample s = render_face_scene(scene, o, &r);
  t.cpu = thread_cpu_seconds() - c0;
  t.wall = wall_seconds() - w0;
  t.stages = {c1 - c0,  r.mesh,      r.texture, r.background, r.render,
              r.labels, r.landmarks, r.post,    r.tensors};
  DC_CHECK(s.count("image") == 1, "bench synth: face sample without an image");
  return t;
}

std::vector<std::string> body_stage_names() {
  return {"scene", "mesh", "texture", "render", "labels", "tensors"};
}

SampleTimes time_body(int size, uint64_t seed, int supersample, Antialias aa) {
  BodyWorldOptions o;
  o.width = o.height = size;
  o.supersample = supersample;
  o.antialias = aa;
  SampleTimes t;
  const double w0 = wall_seconds(), c0 = thread_cpu_seconds();
  Generator rng(seed);
  const BodyScene scene = sample_body_scene(rng, o);
  const double c1 = thread_cpu_seconds();
  BodyRenderTimes r;
  const BodyRender render = render_body_scene(scene, o, &r);
  const double c2 = thread_cpu_seconds();
  const Sample s = body_scene_sample(render);
  t.cpu = thread_cpu_seconds() - c0;
  t.wall = wall_seconds() - w0;
  t.stages = {c1 - c0, r.mesh, r.texture, r.render, r.labels, t.cpu - (c2 - c0)};
  DC_CHECK(s.count("image") == 1, "bench synth: body sample without an image");
  return t;
}

void print_text(const SynthBenchResult& r) {
  std::printf(
      "synth %s %dx%d, supersample %d (%s), %d samples, one thread: median %.3f ms thread CPU "
      "(mean %.3f), median %.3f ms wall -> %.1f samples/s\n",
      r.world.c_str(), r.size, r.size, r.supersample, r.antialias.c_str(), r.count, r.cpu_ms_median,
      r.cpu_ms_mean, r.wall_ms_median, r.samples_per_s());
  std::printf("  stages (median thread CPU ms):");
  for (const auto& s : r.stages_ms) std::printf(" %s %.3f", s.first.c_str(), s.second);
  std::printf("\n");
}

void print_json(const SynthBenchResult& r) {
  std::printf(
      "{\"name\": \"synth_%s\", \"world\": \"%s\", \"size\": %d, \"count\": %d, "
      "\"supersample\": %d, \"antialias\": \"%s\", \"threads\": 1, \"cpu_ms_median\": %.6g, "
      "\"cpu_ms_mean\": %.6g, \"wall_ms_median\": %.6g, \"samples_per_s\": %.6g, "
      "\"stages_ms\": {",
      r.world.c_str(), r.world.c_str(), r.size, r.count, r.supersample, r.antialias.c_str(),
      r.cpu_ms_median, r.cpu_ms_mean, r.wall_ms_median, r.samples_per_s());
  for (size_t i = 0; i < r.stages_ms.size(); ++i) {
    std::printf("%s\"%s\": %.6g", i ? ", " : "", r.stages_ms[i].first.c_str(),
                r.stages_ms[i].second);
  }
  std::printf("}}\n");
}

}  // namespace

SynthBenchResult bench_synth(const std::string& world, int count, int size, int warmup,
                             uint64_t seed, int supersample, const std::string& antialias) {
  DC_CHECK(world == "face" || world == "body", "bench synth: world '", world,
           "', expected face or body");
  DC_CHECK(count >= 1, "bench synth: count = ", count, ", expected >= 1");
  DC_CHECK(known_antialias(antialias), "bench synth: antialias '", antialias,
           "', expected edges or full");
  DC_CHECK(size >= 16 && size <= 4096, "bench synth: size = ", size, ", expected 16 to 4096");
  const Antialias aa = antialias == "edges" ? Antialias::kEdges : Antialias::kFull;
  const bool face = world == "face";
  auto one = [&](uint64_t s) {
    return face ? time_face(size, s, supersample, aa) : time_body(size, s, supersample, aa);
  };
  for (int i = 0; i < warmup; ++i) one(seed + count + i);  // first-touch of caches and tables
  std::vector<SampleTimes> times;
  times.reserve(count);
  for (int i = 0; i < count; ++i) times.push_back(one(seed + i));

  SynthBenchResult r;
  r.world = world;
  r.size = size;
  r.count = count;
  r.supersample = supersample;
  r.antialias = antialias;
  std::vector<double> cpu, wall;
  double sum = 0;
  for (const SampleTimes& t : times) {
    cpu.push_back(1e3 * t.cpu);
    wall.push_back(1e3 * t.wall);
    sum += 1e3 * t.cpu;
  }
  r.cpu_ms_median = median(cpu);
  r.cpu_ms_mean = sum / count;
  r.wall_ms_median = median(wall);
  const std::vector<std::string> names = face ? face_stage_names() : body_stage_names();
  for (size_t k = 0; k < names.size(); ++k) {
    std::vector<double> v;
    for (const SampleTimes& t : times) v.push_back(1e3 * t.stages[k]);
    r.stages_ms.push_back({names[k], median(v)});
  }
  return r;
}

int bench_synth_command(const std::vector<std::string>& args) {
  static const std::vector<cli::FlagSpec> flags = {
      {"world", true, "face or body (default: both)"},
      {"count", true, "timed samples per world (default 200)"},
      {"size", true, "image side in pixels (default 256)"},
      {"warmup", true, "untimed samples first (default 5)"},
      {"seed", true, "sample i uses Generator(seed + i) (default 1)"},
      {"supersample", true, "RGB sub-samples per pixel side, 1 to 8 (default 2)"},
      {"antialias", true,
       "edges or full (default: the world's own, edges for faces, full for bodies)"},
      {"json", false, "one JSON object per world instead of text"},
  };
  const cli::ParsedArgs a = cli::parse_args("bench synth", args, flags);
  const std::string world = a.get("world", "both");
  if (world != "face" && world != "body" && world != "both") {
    throw cli::UsageError("bench synth: --world '" + world + "', expected face or body");
  }
  const int count = static_cast<int>(a.get_int("count", 200, 1, 1 << 20));
  const int size = static_cast<int>(a.get_int("size", 256, 16, 4096));
  const int warmup = static_cast<int>(a.get_int("warmup", 5, 0, 1 << 20));
  const uint64_t seed = static_cast<uint64_t>(a.get_int("seed", 1, 0, INT64_MAX));
  const int supersample = static_cast<int>(a.get_int("supersample", 2, 1, 8));
  const std::string antialias = a.get("antialias", "");
  if (!antialias.empty() && !known_antialias(antialias)) {
    throw cli::UsageError("bench synth: --antialias '" + antialias + "', expected edges or full");
  }
  for (const std::string w : {"face", "body"}) {
    if (world != "both" && world != w) continue;
    // Each world's own default unless --antialias says otherwise.
    const std::string aa = !antialias.empty() ? antialias : w == "face" ? "edges" : "full";
    const SynthBenchResult r = bench_synth(w, count, size, warmup, seed, supersample, aa);
    a.has("json") ? print_json(r) : print_text(r);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace bench
}  // namespace dc
