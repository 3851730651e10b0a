// Times the transforms on one thread, as a loader worker runs them: a 3×256×256 image with its
// part labels, U,V, mask, 68 landmarks and boxes through each transform alone and through
// scale + crop + rotate + flip + jitter. Prints the mean and median wall and
// thread CPU milliseconds per sample.
//
//   bazel run //data:transforms_bench -- [iterations [name filter]]
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "data/transforms.h"
#include "ops/creation.h"

namespace dc {
namespace {

constexpr int64_t kSize = 256;

Sample make_sample() {
  Generator gen(1);
  Sample s;
  s["image"] = rand({3, kSize, kSize}, DType::f32, gen);
  s["part"] = randint(0, 25, {kSize, kSize}, DType::i64, gen);
  s["uv"] = rand({2, kSize, kSize}, DType::f32, gen);
  s["mask"] = randint(0, 2, {kSize, kSize}, DType::u8, gen);
  s["landmarks"] = rand({68, 2}, DType::f32, gen);  // positions do not matter for the time
  s["visible"] = ones({68}, DType::u8);
  s["boxes"] = tensor_from({10, 20, 100, 200, 50, 60, 250, 240, 0, 0, 30, 30}, {3, 4});
  return s;
}

// CPU time of this thread: on a loaded machine it counts only the work done, not the waiting.
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

// Only the lines whose name contains this (argv[2]; all when empty).
std::string g_filter;

void time_it(const std::string& what, const Transform& t, const SampleLayout& layout, int iters) {
  if (what.find(g_filter) == std::string::npos) return;
  const Sample base = make_sample();
  std::vector<double> ms, cpu;
  for (int i = 0; i < iters; ++i) {
    Sample s = base;
    Generator rng(static_cast<uint64_t>(i));
    const double cpu_start = thread_cpu_ms();
    const auto start = std::chrono::steady_clock::now();
    t.apply(s, layout, rng);
    const auto stop = std::chrono::steady_clock::now();
    cpu.push_back(thread_cpu_ms() - cpu_start);
    ms.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
  }
  auto mean = [](const std::vector<double>& v) {
    double sum = 0;
    for (const double x : v) sum += x;
    return sum / v.size();
  };
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::printf("%-46s wall mean %6.3f median %6.3f ms | cpu mean %6.3f median %6.3f ms\n",
              what.c_str(), mean(ms), median(ms), mean(cpu), median(cpu));
}

int main_impl(int argc, char** argv) {
  const int iters = argc > 1 ? std::atoi(argv[1]) : 200;
  g_filter = argc > 2 ? argv[2] : "";
  set_num_threads(1);  // one core, as one loader thread
  const SampleLayout layout = {{"image", FieldKind::kImage},      {"part", FieldKind::kDenseLabel},
                               {"uv", FieldKind::kDenseLabel},    {"mask", FieldKind::kDenseLabel},
                               {"landmarks", FieldKind::kPoints}, {"visible", FieldKind::kOther},
                               {"boxes", FieldKind::kBoxes}};
  std::vector<int64_t> swap(25);
  for (int64_t i = 0; i < 25; ++i) swap[i] = i;
  std::swap(swap[1], swap[2]);
  FlipRules rules;
  rules.label_permutation["part"] = swap;
  std::vector<int64_t> points(68);
  for (int64_t i = 0; i < 68; ++i) points[i] = 67 - i;
  rules.point_permutation["landmarks"] = points;

  const auto scale = std::make_shared<RandomScale>(std::vector<double>{0.5, 0.75, 1, 1.25, 1.5});
  const auto crop = std::make_shared<Crop>(kSize, kSize);
  const auto rotate = std::make_shared<RandomRotation>(30);
  const auto flip = std::make_shared<HorizontalFlip>(0.5, rules);
  const auto jitter = std::make_shared<ColorJitter>(0.4, 0.4, 0.4);
  std::printf(
      "3x%lldx%lld image + part (i64) + uv (2 ch f32) + mask (u8) + 68 points + 3 boxes, "
      "%d samples, 1 thread\n",
      static_cast<long long>(kSize), static_cast<long long>(kSize), iters);
  time_it("RandomScale {0.5 .. 1.5}", *scale, layout, iters);
  time_it("RandomScale {1.5}", RandomScale({1.5}), layout, iters);
  time_it("Crop 256x256 (random)", *crop, layout, iters);
  time_it("RandomRotation 30", *rotate, layout, iters);
  time_it("HorizontalFlip p=1 with permutations", HorizontalFlip(1.0, rules), layout, iters);
  time_it("ColorJitter 0.4 0.4 0.4", *jitter, layout, iters);
  time_it("scale+crop+rotate+flip+jitter", Compose({scale, crop, rotate, flip, jitter}), layout,
          iters);
  time_it("scale 1.5+crop+rotate+flip p=1+jitter (worst)",
          Compose({std::make_shared<RandomScale>(std::vector<double>{1.5}), crop, rotate,
                   std::make_shared<HorizontalFlip>(1.0, rules), jitter}),
          layout, iters);
  return 0;
}

}  // namespace
}  // namespace dc

int main(int argc, char** argv) { return dc::main_impl(argc, argv); }
