// Checkpoints: full round trip, RNG states, latest_checkpoint and its handling of leftovers, and
// the errors of files that are not checkpoints.
#include "train/checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>

#include "core/load_weights.h"
#include "tests/testing/expect_error.h"
#include "tests/testing/temp_dir.h"

namespace dc {
namespace {

namespace fs = std::filesystem;

Checkpoint sample() {
  Checkpoint c;
  c.model = {{"conv1.weight", tensor_from({0.1, -0.2, 0.3, 1e-8}, {1, 1, 2, 2})},
             {"bn1.running_var", tensor_from({1.0, 2.0}, {2})},
             {"bn1.num_batches_tracked", tensor_from({17}, {}, DType::i64)}};
  c.optimizer.tensors["state.0.exp_avg"] = tensor_from({1e-3, 2e-3, 3e-3, 4e-3}, {1, 1, 2, 2});
  c.optimizer.tensors["state.0.exp_avg_sq"] = tensor_from({1, 2, 3, 4}, {1, 1, 2, 2}, DType::f64);
  c.optimizer.scalars = {{"num_groups", 1}, {"group.0.lr", 0.1 / 3}, {"state.0.step", 41}};
  Generator g(0xdeadbeefcafef00dull);
  g.advance(12345);
  c.rng["default"] = rng_state(g);
  c.rng["loader"] = {std::numeric_limits<uint64_t>::max(), 0};
  c.iteration = 41;
  c.config_yaml = "solver:\n  max_iter: 2000\nout: runs/x\n";
  return c;
}

TEST(Checkpoint, RoundTripsEverything) {
  const std::string path = checkpoint_path(fresh_test_dir(), 41);
  const Checkpoint c = sample();
  save_checkpoint(path, c);
  const Checkpoint back = load_checkpoint(path);
  EXPECT_EQ(back.iteration, 41);
  EXPECT_EQ(back.config_yaml, c.config_yaml);
  ASSERT_EQ(back.model.size(), c.model.size());
  for (size_t i = 0; i < c.model.size(); ++i) {
    EXPECT_EQ(back.model[i].first, c.model[i].first);  // state-dict order is kept
    EXPECT_EQ(back.model[i].second.dtype(), c.model[i].second.dtype());
    EXPECT_EQ(back.model[i].second.sizes(), c.model[i].second.sizes());
    EXPECT_EQ(back.model[i].second.to_vector(), c.model[i].second.to_vector());
  }
  ASSERT_EQ(back.optimizer.tensors.size(), 2u);
  for (const auto& [k, t] : c.optimizer.tensors) {
    ASSERT_TRUE(back.optimizer.tensors.count(k)) << k;
    EXPECT_EQ(back.optimizer.tensors.at(k).dtype(), t.dtype()) << k;
    EXPECT_EQ(back.optimizer.tensors.at(k).to_vector(), t.to_vector()) << k;
  }
  EXPECT_EQ(back.optimizer.scalars, c.optimizer.scalars);  // doubles bit for bit
  EXPECT_EQ(back.rng, c.rng);
  Generator g;
  set_rng_state(g, back.rng.at("default"));
  EXPECT_EQ(g.seed(), 0xdeadbeefcafef00dull);
  EXPECT_EQ(g.offset(), 12345u);

  // The model group is a weight file for load_weights.
  Tensor w = tensor_from({0, 0, 0, 0}, {1, 1, 2, 2});
  Tensor v = tensor_from({0, 0}, {2});
  Tensor n = tensor_from({0}, {}, DType::i64);
  const LoadReport r =
      load_weights({{"conv1.weight", w}, {"bn1.running_var", v}, {"bn1.num_batches_tracked", n}},
                   path, false, "model");
  EXPECT_TRUE(r.complete());
  EXPECT_EQ(w.to_vector(), c.model[0].second.to_vector());
  EXPECT_EQ(n.item<int64_t>(), 17);
}

TEST(Checkpoint, EmptyStateRoundTrips) {
  const std::string path = fresh_test_dir() + "/empty.h5";
  save_checkpoint(path, Checkpoint{});
  const Checkpoint back = load_checkpoint(path);
  EXPECT_TRUE(back.model.empty());
  EXPECT_TRUE(back.optimizer.tensors.empty());
  EXPECT_TRUE(back.optimizer.scalars.empty());
  EXPECT_TRUE(back.rng.empty());
  EXPECT_EQ(back.iteration, 0);
  EXPECT_EQ(back.config_yaml, "");
}

TEST(Checkpoint, LatestIgnoresTemporariesAndOtherFiles) {
  const std::string dir = fresh_test_dir();
  EXPECT_FALSE(latest_checkpoint(dir).has_value());
  EXPECT_FALSE(latest_checkpoint(dir + "/does_not_exist").has_value());
  EXPECT_EQ(checkpoint_path(dir, 10), dir + "/checkpoint_00000010.h5");
  for (int64_t it : {10, 200, 30}) {
    Checkpoint c = sample();
    c.iteration = it;
    save_checkpoint(checkpoint_path(dir, it), c);
  }
  // Leftovers of an interrupted write and unrelated files never count.
  std::ofstream(dir + "/checkpoint_00000300.h5.tmp.4242") << "half a file";
  std::ofstream(dir + "/checkpoint_latest.h5") << "x";
  std::ofstream(dir + "/checkpoint_00000999.txt") << "x";
  fs::create_directories(dir + "/checkpoint_00000500.h5");  // a directory, not a file
  const std::optional<std::string> latest = latest_checkpoint(dir);
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(*latest, checkpoint_path(dir, 200));
  EXPECT_EQ(load_checkpoint(*latest).iteration, 200);
  // Iterations beyond eight digits still sort by number.
  save_checkpoint(checkpoint_path(dir, 123456789), sample());
  EXPECT_EQ(*latest_checkpoint(dir), dir + "/checkpoint_123456789.h5");
}

TEST(Checkpoint, FilesThatAreNotCheckpointsAreErrors) {
  const std::string dir = fresh_test_dir();
  const std::string weights = dir + "/weights.h5";
  write_tensor_file(weights, {{"conv1.weight", tensor_from({1}, {1})}});
  expect_contains(error_of([&] { load_checkpoint(weights); }),
                  {weights, "is not a densecorr checkpoint"});

  const std::string odd = dir + "/odd.h5";
  write_tensor_file(odd, {{"model/w", tensor_from({1}, {1})}, {"stray", tensor_from({1}, {1})}},
                    {{"format", std::string("densecorr-checkpoint")},
                     {"format_version", int64_t{1}},
                     {"iteration", int64_t{3}},
                     {"config_yaml", std::string()}});
  expect_contains(error_of([&] { load_checkpoint(odd); }), {odd, "unexpected dataset 'stray'"});

  const std::string future = dir + "/future.h5";
  write_tensor_file(
      future, {},
      {{"format", std::string("densecorr-checkpoint")}, {"format_version", int64_t{2}}});
  expect_contains(error_of([&] { load_checkpoint(future); }),
                  {future, "format_version 2", "reads version 1"});

  const std::string no_iter = dir + "/no_iter.h5";
  write_tensor_file(no_iter, {},
                    {{"format", std::string("densecorr-checkpoint")},
                     {"format_version", int64_t{1}},
                     {"config_yaml", std::string()}});
  expect_contains(error_of([&] { load_checkpoint(no_iter); }),
                  {no_iter, "no attribute 'iteration'"});

  expect_contains(error_of([&] { load_checkpoint(dir + "/missing.h5"); }), {dir + "/missing.h5"});
  Checkpoint bad = sample();
  bad.rng["a/b"] = {};
  expect_contains(error_of([&] { save_checkpoint(dir + "/bad.h5", bad); }),
                  {"RNG name 'a/b'", "no '/'"});
}

}  // namespace
}  // namespace dc
