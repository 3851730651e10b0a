// The quickstart demo: a small CNN trained from scratch on a generated 4-class image task, end to
// end through conv2d, relu, max_pool2d, linear, cross_entropy and autograd. It doubles as an
// integration test of those ops (tests/train/cnn_demo_test.cc runs a shortened version).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace dc {
namespace demo {

struct CnnDemoOptions {
  int iters = 300;
  uint64_t seed = 0;
  int batch = 32;
  int log_every = 25;    // print (and record) the mean loss of each window of this many iterations
  int test_size = 1000;  // held-out images, from a generator stream the training never uses
  double lr = 0.02;
  double momentum = 0.9;
  std::ostream* log = nullptr;  // progress lines go here when set
};

struct CnnDemoResult {
  std::vector<std::pair<int, double>> loss_curve;  // (last iteration of window, mean loss)
  double test_accuracy = 0;                        // in [0, 1]
  double seconds = 0;                              // training + evaluation wall time
};

// Generates n images [n, 1, 16, 16] (f32) and labels [n] (i64) deterministically from `seed`,
// as raw host vectors (kept free of tensor types so tests can inspect them).
void generate_shapes(uint64_t seed, int n, std::vector<float>* images,
                     std::vector<int64_t>* labels);

CnnDemoResult run_cnn_demo(const CnnDemoOptions& options);

// `densecorr train-cnn [--iters N] [--seed S] [--threads N]`: returns the process exit status
// (nonzero when test accuracy <= 90%).
int cnn_demo_command(const std::vector<std::string>& args);

}  // namespace demo
}  // namespace dc
