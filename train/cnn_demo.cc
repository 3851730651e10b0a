#include "train/cnn_demo.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "autograd/grad_mode.h"
#include "core/philox.h"
#include "core/random_stream.h"
#include "core/thread_pool.h"
#include "data/shapes_dataset.h"
#include "ops/conv.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/linalg.h"
#include "ops/loss.h"
#include "ops/pool.h"
#include "ops/reduce.h"
#include "train/cli_args.h"

namespace dc {
namespace demo {

namespace {

constexpr int kSide = 16;
constexpr int kClasses = kNumShapeClasses;

struct Batch {
  Tensor images;  // [n, 1, 16, 16] f32
  Tensor labels;  // [n] i64
};

Batch make_batch(uint64_t seed, int n) {
  std::vector<float> img;
  std::vector<int64_t> lab;
  generate_shapes(seed, n, &img, &lab);
  Batch b{empty({n, 1, kSide, kSide}, DType::f32), empty({n}, DType::i64)};
  std::copy(img.begin(), img.end(), b.images.data<float>());
  std::copy(lab.begin(), lab.end(), b.labels.data<int64_t>());
  return b;
}

// Parameters are plain leaf tensors; the optimizer state (momentum buffers) sits beside them.
struct Param {
  Tensor value;
  std::vector<float> velocity;
};

// Kaiming-uniform (He et al. 2015, gain sqrt(2) for ReLU): U(-b, b) with b = sqrt(6 / fan_in),
// which keeps activation variance roughly constant through the ReLU layers.
Param kaiming_param(const Shape& shape, int64_t fan_in, Generator& gen) {
  const double bound = std::sqrt(6.0 / static_cast<double>(fan_in));
  Tensor w = (rand(shape, DType::f32, gen) * (2 * bound) - bound).detach();
  w.set_requires_grad(true);
  return Param{w, std::vector<float>(w.numel(), 0.0f)};
}

Param zero_param(const Shape& shape) {
  Tensor b = zeros(shape, DType::f32);
  b.set_requires_grad(true);
  return Param{b, std::vector<float>(b.numel(), 0.0f)};
}

struct SmallCnn {
  Param w1, b1, w2, b2, w3, b3;

  explicit SmallCnn(Generator& gen)
      : w1(kaiming_param({8, 1, 3, 3}, 1 * 9, gen)),
        b1(zero_param({8})),
        w2(kaiming_param({16, 8, 3, 3}, 8 * 9, gen)),
        b2(zero_param({16})),
        w3(kaiming_param({kClasses, 16 * 4 * 4}, 16 * 4 * 4, gen)),
        b3(zero_param({kClasses})) {}

  std::vector<Param*> params() { return {&w1, &b1, &w2, &b2, &w3, &b3}; }

  Tensor forward(const Tensor& x) {  // [n, 1, 16, 16] -> logits [n, 4]
    Tensor h = max_pool2d(relu(conv2d(x, w1.value, b1.value, {1, 1}, {1, 1})), {2, 2});  // 8x8
    h = max_pool2d(relu(conv2d(h, w2.value, b2.value, {1, 1}, {1, 1})), {2, 2});         // 4x4
    return linear(h.flatten(1), w3.value, b3.value);
  }
};

// SGD with (PyTorch-style) momentum: v = mu * v + g; p -= lr * v. Done on raw data under
// NoGradGuard because the update itself must not become part of any graph.
void sgd_step(const std::vector<Param*>& params, double lr, double momentum) {
  NoGradGuard no_grad;
  for (Param* p : params) {
    Tensor g = p->value.grad();
    if (!g.defined()) continue;
    g = g.contiguous();
    const float* gd = g.data<float>();
    float* w = p->value.data<float>();
    float* v = p->velocity.data();
    const float mu = static_cast<float>(momentum), eta = static_cast<float>(lr);
    for (int64_t i = 0, n = p->value.numel(); i < n; ++i) {
      v[i] = mu * v[i] + gd[i];
      w[i] -= eta * v[i];
    }
    p->value.zero_grad();
  }
}

double accuracy(SmallCnn& net, const Batch& test) {
  NoGradGuard no_grad;
  const Tensor pred = argmax(net.forward(test.images), 1);
  const int64_t* p = pred.contiguous().data<int64_t>();
  const int64_t* y = test.labels.data<int64_t>();
  int64_t correct = 0;
  for (int64_t i = 0; i < test.labels.numel(); ++i) correct += p[i] == y[i];
  return static_cast<double>(correct) / static_cast<double>(test.labels.numel());
}

}  // namespace

void generate_shapes(uint64_t seed, int n, std::vector<float>* images,
                     std::vector<int64_t>* labels) {
  Generator gen(seed);
  RandomStream u(gen);
  images->assign(static_cast<size_t>(n) * kSide * kSide, 0.0f);
  labels->assign(n, 0);
  for (int i = 0; i < n; ++i) {
    float* img = images->data() + static_cast<size_t>(i) * kSide * kSide;
    const int label = static_cast<int>(u.uniform_int(0, kClasses - 1));
    (*labels)[i] = label;
    draw_shape(u, label, kSide, img);
    for (int k = 0; k < kSide * kSide; ++k) img[k] += 0.15f * u.normal();  // sensor noise
  }
}

CnnDemoResult run_cnn_demo(const CnnDemoOptions& o) {
  DC_CHECK(o.iters > 0 && o.batch > 0 && o.log_every > 0 && o.test_size > 0,
           "run_cnn_demo: iters, batch, log_every and test_size must be positive");
  const auto t0 = std::chrono::steady_clock::now();
  // Separate seed streams for init, training batches and the test set, so changing one (say the
  // number of iterations) leaves the others as they were.
  Generator init_gen(o.seed * 4 + 1);
  SmallCnn net(init_gen);
  const Batch test = make_batch(o.seed * 4 + 2, o.test_size);
  const uint64_t train_seed_base = (o.seed * 4 + 3) << 24;

  CnnDemoResult result;
  double window_sum = 0;
  int window_n = 0;
  for (int it = 1; it <= o.iters; ++it) {
    const Batch b = make_batch(train_seed_base + static_cast<uint64_t>(it), o.batch);
    const Tensor loss = cross_entropy(net.forward(b.images), b.labels);
    loss.backward();
    sgd_step(net.params(), o.lr, o.momentum);
    window_sum += loss.item<double>();
    ++window_n;
    if (it % o.log_every == 0 || it == o.iters) {
      const double mean_loss = window_sum / window_n;
      result.loss_curve.emplace_back(it, mean_loss);
      if (o.log) {
        char line[80];
        std::snprintf(line, sizeof line, "iter %4d  loss %.4f\n", it, mean_loss);
        *o.log << line << std::flush;
      }
      window_sum = 0;
      window_n = 0;
    }
  }
  result.test_accuracy = accuracy(net, test);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

int cnn_demo_command(const std::vector<std::string>& args) {
  const std::vector<cli::FlagSpec> flags = {
      {"iters", true, "training iterations (default 300)"},
      {"seed", true, "seed of the data and the initialization (default 0)"},
      {"threads", true, "CPU threads (default: all cores, or DC_NUM_THREADS)"},
  };
  const cli::ParsedArgs a = cli::parse_args("train-cnn", args, flags);
  CnnDemoOptions o;
  o.iters = static_cast<int>(a.get_int("iters", o.iters, 1, 1000000));
  o.seed = static_cast<uint64_t>(a.get_int("seed", 0, 0, INT64_MAX));
  if (a.has("threads")) set_num_threads(static_cast<int>(a.get_int("threads", 1, 1, 1024)));
  o.log = &std::cout;

  std::cout << "train-cnn: 16x16 images of " << kClasses << " classes (";
  for (int k = 0; k < kClasses; ++k) std::cout << (k ? ", " : "") << kShapeClassNames[k];
  std::cout << "), batch " << o.batch << ", " << o.iters << " iterations, SGD lr " << o.lr
            << " momentum " << o.momentum << ", " << num_threads() << " threads\n";
  const CnnDemoResult r = run_cnn_demo(o);
  char line[120];
  std::snprintf(line, sizeof line, "test accuracy %.1f%% on %d held-out images (%.1f s)\n",
                100.0 * r.test_accuracy, o.test_size, r.seconds);
  std::cout << line;
  if (r.test_accuracy <= 0.9) {
    std::cerr << "train-cnn: test accuracy " << 100.0 * r.test_accuracy << "% is not above 90%\n";
    return 1;
  }
  return 0;
}

}  // namespace demo
}  // namespace dc
