// `densecorr bench synth`: the stages it reports add up to the time of a sample, it renders what
// the worlds render, and bad options fail with messages naming them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/testing/expect_error.h"
#include "train/bench_synth_command.h"
#include "train/cli_args.h"

namespace dc {
namespace {

void expect_consistent(const bench::SynthBenchResult& r, const std::vector<std::string>& stages) {
  ASSERT_EQ(r.stages_ms.size(), stages.size()) << r.world;
  double sum = 0;
  for (size_t i = 0; i < stages.size(); ++i) {
    EXPECT_EQ(r.stages_ms[i].first, stages[i]) << r.world;
    EXPECT_GE(r.stages_ms[i].second, 0) << r.world << " " << stages[i];
    sum += r.stages_ms[i].second;
  }
  EXPECT_GT(r.cpu_ms_median, 0) << r.world;
  EXPECT_GT(r.cpu_ms_mean, 0) << r.world;
  EXPECT_GT(r.wall_ms_median, 0) << r.world;
  EXPECT_NEAR(r.samples_per_s(), 1e3 / r.cpu_ms_median, 1e-9) << r.world;
  // The stages are disjoint intervals inside the sample's interval (same clock): with one sample
  // the medians are that sample's own times, so they cannot add up to more than the total.
  if (r.count == 1) EXPECT_LE(sum, r.cpu_ms_median * (1 + 1e-9) + 1e-6) << r.world;
}

TEST(BenchSynth, FaceStagesCoverTheSample) {
  const bench::SynthBenchResult r = bench::bench_synth("face", 1, 64, 0, 7, 2, "edges");
  EXPECT_EQ(r.world, "face");
  EXPECT_EQ(r.size, 64);
  EXPECT_EQ(r.count, 1);
  EXPECT_EQ(r.supersample, 2);
  EXPECT_EQ(r.antialias, "edges");
  expect_consistent(r, {"scene", "mesh", "texture", "background", "render", "labels", "landmarks",
                        "post", "tensors"});
}

TEST(BenchSynth, BodyStagesCoverTheSample) {
  const bench::SynthBenchResult r = bench::bench_synth("body", 1, 64, 1, 3, 1, "full");
  EXPECT_EQ(r.world, "body");
  EXPECT_EQ(r.supersample, 1);
  expect_consistent(r, {"scene", "mesh", "texture", "render", "labels", "tensors"});
  const bench::SynthBenchResult three = bench::bench_synth("body", 3, 64, 0, 3, 2, "edges");
  EXPECT_EQ(three.count, 3);
  expect_consistent(three, {"scene", "mesh", "texture", "render", "labels", "tensors"});
}

TEST(BenchSynth, BadOptionsNameThemselves) {
  expect_error([] { bench::bench_synth("cat", 1, 64, 0, 1, 2, "edges"); },
               {"world 'cat'", "face or body"});
  expect_error([] { bench::bench_synth("face", 0, 64, 0, 1, 2, "edges"); }, {"count = 0"});
  expect_error([] { bench::bench_synth("face", 1, 8, 0, 1, 2, "edges"); }, {"size = 8"});
  expect_error([] { bench::bench_synth("face", 1, 64, 0, 1, 2, "some"); },
               {"antialias 'some'", "edges or full"});
  expect_error([] { bench::bench_synth("face", 1, 64, 0, 1, 9, "full"); }, {"supersample"});
  auto usage = [](const std::vector<std::string>& args) {
    try {
      bench::bench_synth_command(args);
    } catch (const cli::UsageError& e) {
      return std::string(e.what());
    }
    ADD_FAILURE() << "expected a usage error";
    return std::string();
  };
  EXPECT_NE(usage({"--world", "dog"}).find("--world 'dog'"), std::string::npos);
  EXPECT_NE(usage({"--antialias", "half"}).find("--antialias 'half'"), std::string::npos);
  EXPECT_NE(usage({"--bogus"}).find("bogus"), std::string::npos);
  EXPECT_NE(usage({"--count", "0"}).find("count"), std::string::npos);
}

}  // namespace
}  // namespace dc
