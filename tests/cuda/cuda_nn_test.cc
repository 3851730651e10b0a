// GPU tests of the "dense NN" CUDA kernels (ops/cuda/softmax_loss_cuda.cu, norm_cuda.cu,
// optim_dropout_cuda.cu, pad_cuda.cu): every op run on the GPU against the same op on the CPU, on
// shapes chosen to hit each kernel path and its edges (rows that are not multiples of 32, rows
// longer than 1024, inner > 1, ignore_index, empty batches, segments split across blocks), outputs
// and the gradients autograd computes through them. Without a device, or in a CPU-only build, the
// GPU tests report SKIPPED with the reason; the registration check runs whenever CUDA is compiled.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "ops/creation.h"
#include "ops/dropout.h"
#include "ops/elementwise.h"
#include "ops/instance_group_norm.h"
#include "ops/loss.h"
#include "ops/norm.h"
#include "ops/optim_update.h"
#include "ops/reduce.h"
#include "ops/shape_ops.h"
#include "ops/softmax.h"
#include "tests/testing/cuda_testing.h"
#include "tests/testing/expect_error.h"

#ifdef DC_WITH_CUDA
#include "core/cuda/device.h"
#endif

namespace dc {
namespace {

#ifdef DC_WITH_CUDA

// Needs no GPU: linking //ops/cuda:cuda_ops brings these kernels (through :cuda_nn).
TEST(CudaNnBuild, KernelsAreRegisteredForCuda) {
  EXPECT_NE(softmax_kernel().get(kCuda0, DType::f32), nullptr);
  EXPECT_NE(softmax_backward_kernel().get(kCuda0, DType::f32), nullptr);
  EXPECT_NE(cross_entropy_kernel().get(kCuda0, DType::f32), nullptr);
  EXPECT_NE(cross_entropy_backward_kernel().get(kCuda0, DType::f32), nullptr);
  EXPECT_NE(bce_with_logits_kernel().get(kCuda0, DType::f32), nullptr);
  EXPECT_NE(bce_with_logits_backward_kernel().get(kCuda0, DType::f32), nullptr);
  EXPECT_NE(batch_norm_stats_kernel().get(kCuda0, DType::f32), nullptr);
  EXPECT_NE(batch_norm_apply_kernel().get(kCuda0, DType::f32), nullptr);
  EXPECT_NE(batch_norm_backward_kernel().get(kCuda0, DType::f32), nullptr);
  EXPECT_NE(group_norm_stats_kernel().get(kCuda0, DType::f32), nullptr);
  EXPECT_NE(group_norm_apply_kernel().get(kCuda0, DType::f32), nullptr);
  EXPECT_NE(group_norm_backward_kernel().get(kCuda0, DType::f32), nullptr);
  EXPECT_NE(dropout_kernel().get(kCuda0, DType::f32), nullptr);
  EXPECT_NE(sgd_update_kernel().get(kCuda0, DType::f32), nullptr);
  EXPECT_NE(adam_update_kernel().get(kCuda0, DType::f32), nullptr);
  for (DType t : {DType::f32, DType::f16, DType::bf16}) {
    EXPECT_NE(pad_index_kernel().get(kCuda0, t), nullptr);
    EXPECT_NE(pad_index_backward_kernel().get(kCuda0, t), nullptr);
  }
  // f64 stays CPU-only and says so.
  expect_error([] { softmax_kernel().get(kCuda0, DType::f64); },
               {"softmax_kernel", "no kernel for device cuda:0 and dtype f64", "cuda/f32"});
}

#endif

class CudaNnTest : public CudaDeviceTest {};

#ifdef DC_WITH_CUDA

Tensor uniform(const Shape& shape, double lo, double hi, uint64_t seed) {
  Generator gen(seed);
  return rand(shape, DType::f32, gen) * (hi - lo) + lo;
}

// Outputs of f and the gradients of its inputs, on one device.
struct DeviceRun {
  std::vector<Tensor> outs, grads;
};

// Copies `inputs` to `device` (as leaves; those flagged in `grad` require grad), runs f, and
// backpropagates sum_k sum(out_k * probe_k) with fixed random probes (so that softmax-like
// outputs, whose plain sum is constant, still get a nonzero gradient). Undefined inputs stay
// undefined.
DeviceRun run_on(Device device, const std::vector<Tensor>& inputs, const std::vector<bool>& grad,
                 const std::function<std::vector<Tensor>(const std::vector<Tensor>&)>& f) {
  std::vector<Tensor> leaves;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined()) {
      leaves.emplace_back();
      continue;
    }
    Tensor t = device.is_cpu() ? inputs[i].clone().detach() : inputs[i].to(device).detach();
    if (i < grad.size() && grad[i]) t.set_requires_grad(true);
    leaves.push_back(t);
  }
  DeviceRun r;
  r.outs = f(leaves);
  Tensor loss;
  for (size_t k = 0; k < r.outs.size(); ++k) {
    if (!r.outs[k].requires_grad()) continue;
    const Tensor probe = uniform(r.outs[k].sizes(), -1, 1, 500 + k).to(device);
    const Tensor term = sum(r.outs[k] * probe);
    loss = loss.defined() ? loss + term : term;
  }
  if (loss.defined()) loss.backward();
  for (size_t i = 0; i < leaves.size(); ++i) {
    if (i < grad.size() && grad[i]) r.grads.push_back(leaves[i].grad());
  }
  for (Tensor& o : r.outs) o = o.detach();
  return r;
}

// Runs f on the CPU and on the GPU and compares outputs and gradients.
void expect_same_on_gpu(const std::vector<Tensor>& inputs, const std::vector<bool>& grad,
                        const std::function<std::vector<Tensor>(const std::vector<Tensor>&)>& f,
                        double rtol, double atol, const std::string& what) {
  const DeviceRun want = run_on(kCPU, inputs, grad, f);
  const DeviceRun got = run_on(kCuda0, inputs, grad, f);
  ASSERT_EQ(got.outs.size(), want.outs.size()) << what;
  for (size_t k = 0; k < want.outs.size(); ++k) {
    EXPECT_EQ(got.outs[k].device(), kCuda0) << what;
    expect_close(got.outs[k], want.outs[k], rtol, atol, what + " output " + std::to_string(k));
  }
  ASSERT_EQ(got.grads.size(), want.grads.size()) << what;
  for (size_t i = 0; i < want.grads.size(); ++i) {
    expect_close(got.grads[i], want.grads[i], rtol, atol, what + " grad " + std::to_string(i));
  }
}

// i64 class targets in [0, C) with every `ignore_every`-th one set to ignore_index.
Tensor targets(const Shape& shape, int64_t C, int64_t ignore_every, int64_t ignore_index,
               uint64_t seed) {
  Generator gen(seed);
  std::vector<double> v = randint(0, C, shape, DType::i64, gen).to_vector();
  if (ignore_every > 0) {
    for (size_t i = 0; i < v.size(); i += ignore_every) v[i] = static_cast<double>(ignore_index);
  }
  return tensor_from(v, shape, DType::i64);
}

// Softmax and log-softmax sums run in a different order than the CPU's and use expf.
constexpr double kSoftRtol = 2e-5, kSoftAtol = 5e-6;
// Normalizations: per-channel coefficients round differently; gradients cancel terms.
constexpr double kNormRtol = 1e-4, kNormAtol = 2e-5;

TEST_F(CudaNnTest, SoftmaxAndLogSoftmaxMatchCpu) {
  struct Case {
    Shape shape;
    int64_t dim;
    const char* what;
  };
  const Case cases[] = {
      {{37, 10}, 1, "rows of 10 (warp per row, 37 rows)"},
      {{5, 3001}, 1, "rows of 3001 (block per row)"},
      {{3, 1024}, -1, "rows of exactly 1024"},
      {{3, 7, 5}, 1, "inner 5"},
      {{2, 1500, 3}, 1, "inner 3, n 1500"},
      {{4, 6, 2, 9}, 0, "dim 0 of 4-D"},
      {{0, 5}, 1, "empty batch"},
      {{6}, 0, "1-D"},
  };
  for (const Case& c : cases) {
    const Tensor x = uniform(c.shape, -8, 8, 1);
    const int64_t dim = c.dim;
    expect_same_on_gpu(
        {x}, {true},
        [dim](const std::vector<Tensor>& in) { return std::vector<Tensor>{softmax(in[0], dim)}; },
        kSoftRtol, kSoftAtol, std::string("softmax ") + c.what);
    expect_same_on_gpu(
        {x}, {true},
        [dim](const std::vector<Tensor>& in) {
          return std::vector<Tensor>{log_softmax(in[0], dim)};
        },
        kSoftRtol, kSoftAtol, std::string("log_softmax ") + c.what);
  }
  // Large logits stay finite (the row maximum is subtracted); -inf entries get probability 0.
  Tensor big = tensor_from({1000, 999, -INFINITY, 0}, {1, 4}).to(kCuda0);
  const std::vector<double> p = cpu(softmax(big, 1)).to_vector();
  EXPECT_NEAR(p[0], 1 / (1 + std::exp(-1.0)), 1e-6);
  EXPECT_NEAR(p[1], std::exp(-1.0) / (1 + std::exp(-1.0)), 1e-6);
  EXPECT_EQ(p[2], 0.0);
  EXPECT_EQ(p[3], 0.0);
}

TEST_F(CudaNnTest, CrossEntropyMatchesCpu) {
  struct Case {
    Shape logits;
    int64_t C;
    bool weight;
    int64_t ignore_every;
    const char* what;
  };
  const Case cases[] = {
      {{37, 11}, 11, true, 5, "[37, 11] weighted, ignore_index present"},
      {{37, 11}, 11, false, 0, "[37, 11]"},
      {{6, 1500}, 1500, true, 4, "[6, 1500] (block per row)"},
      {{3, 5, 4, 6}, 5, true, 7, "[3, 5, 4, 6] (inner 24)"},
      {{2, 3, 33}, 3, false, 2, "[2, 3, 33] (inner 33)"},
  };
  for (const Case& c : cases) {
    const Tensor x = uniform(c.logits, -5, 5, 2);
    Shape ts = c.logits;
    ts.erase(ts.begin() + 1);
    const Tensor t = targets(ts, c.C, c.ignore_every, -100, 3);
    const Tensor w = c.weight ? uniform({c.C}, 0.2, 2, 4) : Tensor();
    for (Reduction red : {Reduction::kNone, Reduction::kSum, Reduction::kMean}) {
      expect_same_on_gpu(
          {x, t, w}, {true, false, false},
          [red](const std::vector<Tensor>& in) {
            return std::vector<Tensor>{cross_entropy(in[0], in[1], in[2], -100, red)};
          },
          kSoftRtol, kSoftAtol,
          std::string("cross_entropy ") + c.what + " reduction " + std::to_string(int(red)));
    }
  }
  // A custom ignore_index that is a valid class, an empty batch and an all-ignored batch.
  const Tensor x = uniform({9, 4}, -3, 3, 5);
  expect_same_on_gpu(
      {x, targets({9}, 4, 3, 2, 6)}, {true, false},
      [](const std::vector<Tensor>& in) {
        return std::vector<Tensor>{cross_entropy(in[0], in[1], Tensor(), 2, Reduction::kMean)};
      },
      kSoftRtol, kSoftAtol, "cross_entropy ignore_index 2");
  expect_same_on_gpu(
      {uniform({0, 4}, -1, 1, 7), tensor_from({}, {0}, DType::i64)}, {true, false},
      [](const std::vector<Tensor>& in) {
        return std::vector<Tensor>{cross_entropy(in[0], in[1], Tensor(), -100, Reduction::kSum)};
      },
      kSoftRtol, kSoftAtol, "cross_entropy empty batch");
  const DeviceRun all_ignored = run_on(kCuda0, {x, full({9}, -100, DType::i64)}, {true, false},
                                       [](const std::vector<Tensor>& in) {
                                         return std::vector<Tensor>{cross_entropy(in[0], in[1])};
                                       });
  EXPECT_TRUE(std::isnan(cpu(all_ignored.outs[0]).item<double>()));  // 0/0, as PyTorch
  EXPECT_EQ(cpu(all_ignored.grads[0]).to_vector(), std::vector<double>(36, 0.0));
}

TEST_F(CudaNnTest, CrossEntropyRejectsOutOfRangeTargets) {
  const Tensor x = uniform({4, 3}, -1, 1, 8).to(kCuda0);
  expect_error(
      [&] {
        cross_entropy(x, tensor_from({0, 3, 1, -100}, {4}, DType::i64).to(kCuda0));
      },
      {"cross_entropy: target value 3", "out of range for 3 classes", "ignore_index -100"});
  expect_error(
      [&] {
        cross_entropy(x, tensor_from({0, 1, -1, 2}, {4}, DType::i64).to(kCuda0));
      },
      {"target value -1", "out of range"});
  // The device is still usable after the error (no sticky CUDA error).
  const Tensor ok = cross_entropy(x, tensor_from({0, 1, 2, 2}, {4}, DType::i64).to(kCuda0));
  EXPECT_TRUE(std::isfinite(cpu(ok).item<double>()));
}

TEST_F(CudaNnTest, BceWithLogitsMatchesCpu) {
  const Tensor x = uniform({37, 13}, -30, 30, 9);  // large |x|: the overflow-free forms matter
  const Tensor t = uniform({37, 13}, 0, 1, 10);
  const Tensor w = uniform({37, 13}, 0.5, 1.5, 11);
  const Tensor pw = uniform({13}, 0.5, 3, 12);
  for (Reduction red : {Reduction::kNone, Reduction::kSum, Reduction::kMean}) {
    expect_same_on_gpu(
        {x, t, w, pw}, {true, true, false, false},
        [red](const std::vector<Tensor>& in) {
          return std::vector<Tensor>{
              binary_cross_entropy_with_logits(in[0], in[1], in[2], in[3], Tensor(), red)};
        },
        1e-5, 1e-5,
        "bce_with_logits with weight and pos_weight, reduction " + std::to_string(int(red)));
    expect_same_on_gpu(
        {x, t}, {true, true},
        [red](const std::vector<Tensor>& in) {
          return std::vector<Tensor>{
              binary_cross_entropy_with_logits(in[0], in[1], Tensor(), Tensor(), Tensor(), red)};
        },
        1e-5, 1e-5, "bce_with_logits plain, reduction " + std::to_string(int(red)));
  }
  expect_same_on_gpu(
      {uniform({0, 3}, -1, 1, 13), uniform({0, 3}, 0, 1, 14)}, {true, true},
      [](const std::vector<Tensor>& in) {
        return std::vector<Tensor>{binary_cross_entropy_with_logits(
            in[0], in[1], Tensor(), Tensor(), Tensor(), Reduction::kSum)};
      },
      1e-5, 1e-6, "bce_with_logits empty");
}

TEST_F(CudaNnTest, BatchNormMatchesCpu) {
  struct Case {
    Shape shape;
    const char* what;
  };
  const Case cases[] = {
      {{5, 7, 9, 11}, "[5, 7, 9, 11]"},
      {{33, 6}, "[33, 6] (S = 1)"},
      {{2, 3, 300, 301}, "[2, 3, 300, 301] (channels split across blocks)"},
  };
  for (const Case& c : cases) {
    const int64_t C = c.shape[1];
    const Tensor x = uniform(c.shape, -2, 3, 15);
    const Tensor w = uniform({C}, 0.5, 1.5, 16), b = uniform({C}, -1, 1, 17);
    const Tensor rm = uniform({C}, -0.5, 0.5, 18), rv = uniform({C}, 0.5, 2, 19);
    for (bool training : {true, false}) {
      for (bool relu : {false, true}) {
        // The running statistics are updated in place: return them so both sides compare them.
        expect_same_on_gpu(
            {x, w, b, rm, rv}, {true, true, true, false, false},
            [training, relu](const std::vector<Tensor>& in) {
              const Tensor y = relu ? batch_norm_relu(in[0], in[1], in[2], in[3], in[4], training)
                                    : batch_norm(in[0], in[1], in[2], in[3], in[4], training);
              return std::vector<Tensor>{y, in[3], in[4]};
            },
            kNormRtol, kNormAtol,
            std::string("batch_norm ") + c.what + (training ? " train" : " eval") +
                (relu ? " relu" : ""));
      }
    }
    // No affine, no running statistics.
    expect_same_on_gpu(
        {x}, {true},
        [](const std::vector<Tensor>& in) {
          return std::vector<Tensor>{
              batch_norm(in[0], Tensor(), Tensor(), Tensor(), Tensor(), true)};
        },
        kNormRtol, kNormAtol, std::string("batch_norm no affine ") + c.what);
    expect_same_on_gpu(
        {x, w, b, rm, rv}, {true, false, false, false, false},
        [](const std::vector<Tensor>& in) {
          return std::vector<Tensor>{frozen_batch_norm(in[0], in[1], in[2], in[3], in[4])};
        },
        kNormRtol, kNormAtol, std::string("frozen_batch_norm ") + c.what);
  }
  // Eval on an empty batch: an empty output, and zero parameter gradients.
  expect_same_on_gpu(
      {uniform({0, 4, 3, 3}, -1, 1, 20), uniform({4}, 0.5, 1.5, 21), uniform({4}, -1, 1, 22),
       uniform({4}, -1, 1, 23), uniform({4}, 0.5, 2, 24)},
      {true, true, true, false, false},
      [](const std::vector<Tensor>& in) {
        return std::vector<Tensor>{batch_norm(in[0], in[1], in[2], in[3], in[4], false)};
      },
      kNormRtol, kNormAtol, "batch_norm eval, empty batch");
}

TEST_F(CudaNnTest, GroupAndInstanceNormMatchCpu) {
  struct Case {
    Shape shape;
    int64_t groups;
    const char* what;
  };
  const Case cases[] = {
      {{3, 12, 7, 9}, 4, "[3, 12, 7, 9] G 4"},
      {{2, 6, 5}, 6, "[2, 6, 5] G 6"},
      {{2, 8, 128, 129}, 2, "[2, 8, 128, 129] G 2 (groups split across blocks)"},
      {{5, 4, 1}, 1, "[5, 4, 1] G 1"},
  };
  for (const Case& c : cases) {
    const int64_t C = c.shape[1], G = c.groups;
    const Tensor x = uniform(c.shape, -2, 3, 25);
    const Tensor w = uniform({C}, 0.5, 1.5, 26), b = uniform({C}, -1, 1, 27);
    expect_same_on_gpu(
        {x, w, b}, {true, true, true},
        [G](const std::vector<Tensor>& in) {
          return std::vector<Tensor>{group_norm(in[0], G, in[1], in[2])};
        },
        kNormRtol, kNormAtol, std::string("group_norm ") + c.what);
    expect_same_on_gpu(
        {x}, {true},
        [G](const std::vector<Tensor>& in) { return std::vector<Tensor>{group_norm(in[0], G)}; },
        kNormRtol, kNormAtol, std::string("group_norm no affine ") + c.what);
  }
  const Tensor x = uniform({3, 5, 6, 7}, -1, 2, 28);
  const Tensor w = uniform({5}, 0.5, 1.5, 29), b = uniform({5}, -1, 1, 30);
  const Tensor rm = uniform({5}, -0.5, 0.5, 31), rv = uniform({5}, 0.5, 2, 32);
  for (bool use_input_stats : {true, false}) {
    expect_same_on_gpu(
        {x, w, b, rm, rv}, {true, true, true, false, false},
        [use_input_stats](const std::vector<Tensor>& in) {
          const Tensor y = instance_norm(in[0], in[1], in[2], in[3], in[4], use_input_stats);
          return std::vector<Tensor>{y, in[3], in[4]};
        },
        kNormRtol, kNormAtol,
        std::string("instance_norm") + (use_input_stats ? " input stats" : " running stats"));
  }
  expect_same_on_gpu(
      {uniform({0, 6, 4}, -1, 1, 33), uniform({6}, 0.5, 1.5, 34), uniform({6}, -1, 1, 35)},
      {true, true, true},
      [](const std::vector<Tensor>& in) {
        return std::vector<Tensor>{group_norm(in[0], 3, in[1], in[2])};
      },
      kNormRtol, kNormAtol, "group_norm empty batch");
}

TEST_F(CudaNnTest, DropoutMasksEqualTheCpuOnesForASeed) {
  for (int64_t n : {1, 1001, 65537}) {
    const Tensor x = uniform({n}, -1, 1, 36);
    Generator gc(1234), gg(1234);
    gc.advance(5);
    gg.advance(5);
    Tensor xc = x.clone().detach().set_requires_grad(true);
    Tensor xg = x.to(kCuda0).detach().set_requires_grad(true);
    const Tensor yc = dropout(xc, 0.3, true, gc);
    const Tensor yg = dropout(xg, 0.3, true, gg);
    EXPECT_EQ(gc.offset(), gg.offset());
    // Same mask, same scale: bit-identical outputs.
    EXPECT_EQ(cpu(yg).to_vector(), yc.detach().to_vector()) << n;
    const Tensor probe = uniform({n}, -1, 1, 37);
    sum(yc * probe).backward();
    sum(yg * probe.to(kCuda0)).backward();
    EXPECT_EQ(cpu(xg.grad()).to_vector(), xc.grad().to_vector()) << n;
  }
  // The kept fraction is about 1 - p, and the kept values are scaled by 1 / (1 - p).
  Generator gen(99);
  const std::vector<double> y =
      cpu(dropout(ones({100000}, DType::f32, kCuda0), 0.25, true, gen)).to_vector();
  int64_t kept = 0;
  for (double v : y) {
    if (v != 0) {
      EXPECT_FLOAT_EQ(v, 1 / 0.75);
      ++kept;
    }
  }
  EXPECT_NEAR(kept / 100000.0, 0.75, 0.01);
}

TEST_F(CudaNnTest, SgdAndAdamUpdatesMatchCpu) {
  const int64_t n = 1003;
  struct Sgd {
    double momentum, dampening, weight_decay;
    bool nesterov;
  };
  for (const Sgd& o : {Sgd{0, 0, 0, false}, Sgd{0.9, 0, 1e-2, false}, Sgd{0.9, 0.1, 0, false},
                       Sgd{0.8, 0, 1e-3, true}}) {
    Tensor pc = uniform({n}, -1, 1, 40), bc = zeros({n});
    Tensor pg = pc.to(kCuda0), bg = bc.to(kCuda0);
    for (int step = 0; step < 3; ++step) {
      const Tensor g = uniform({n}, -1, 1, 41 + step);
      const Tensor mc = o.momentum != 0 ? bc : Tensor(), mg = o.momentum != 0 ? bg : Tensor();
      sgd_update_(pc, g, mc, 0.1, o.momentum, o.dampening, o.weight_decay, o.nesterov, step == 0);
      sgd_update_(pg, g.to(kCuda0), mg, 0.1, o.momentum, o.dampening, o.weight_decay, o.nesterov,
                  step == 0);
    }
    const std::string what = "sgd momentum " + std::to_string(o.momentum) +
                             (o.nesterov ? " nesterov" : "") + " wd " +
                             std::to_string(o.weight_decay);
    expect_close(pg, pc, 1e-6, 1e-6, what + " param");
    expect_close(bg, bc, 1e-6, 1e-6, what + " momentum buffer");
  }
  struct Adam {
    double weight_decay;
    bool decoupled, amsgrad;
  };
  for (const Adam& o : {Adam{0, false, false}, Adam{1e-2, false, true}, Adam{1e-2, true, false},
                        Adam{0.1, true, true}}) {
    Tensor pc = uniform({n}, -1, 1, 50), mc = zeros({n}), vc = zeros({n}), xc = zeros({n});
    Tensor pg = pc.to(kCuda0), mg = mc.to(kCuda0), vg = vc.to(kCuda0), xg = xc.to(kCuda0);
    for (int step = 1; step <= 3; ++step) {
      const Tensor g = uniform({n}, -1, 1, 51 + step);
      adam_update_(pc, g, mc, vc, step, 1e-2, 0.9, 0.999, 1e-8, o.weight_decay, o.decoupled,
                   o.amsgrad ? xc : Tensor());
      adam_update_(pg, g.to(kCuda0), mg, vg, step, 1e-2, 0.9, 0.999, 1e-8, o.weight_decay,
                   o.decoupled, o.amsgrad ? xg : Tensor());
    }
    const std::string what = std::string(o.decoupled ? "adamw" : "adam") +
                             (o.amsgrad ? " amsgrad" : "") + " wd " +
                             std::to_string(o.weight_decay);
    expect_close(pg, pc, 1e-5, 1e-6, what + " param");
    expect_close(mg, mc, 1e-5, 1e-7, what + " exp_avg");
    expect_close(vg, vc, 1e-5, 1e-9, what + " exp_avg_sq");
    if (o.amsgrad) expect_close(xg, xc, 1e-5, 1e-9, what + " max_exp_avg_sq");
  }
}

TEST_F(CudaNnTest, ReflectAndReplicatePadMatchCpu) {
  struct Case {
    Shape shape;
    std::vector<int64_t> pads;
    PadMode mode;
    const char* what;
  };
  const Case cases[] = {
      {{2, 3, 17, 19}, {3, 2, 4, 5}, PadMode::kReflect, "reflect 2-D"},
      {{2, 3, 17, 19}, {3, 2, 4, 5}, PadMode::kReplicate, "replicate 2-D"},
      {{3, 17, 19}, {0, 18, 16, 1}, PadMode::kReflect, "reflect 2-D, pads up to size - 1"},
      {{3, 4, 5}, {40, 33, 1, 50}, PadMode::kReplicate, "replicate, pads much larger than dims"},
      {{3, 40}, {5, 7}, PadMode::kReflect, "reflect 1-D"},
      {{2, 3, 40}, {-3, 7}, PadMode::kReplicate, "replicate 1-D, negative pad crops"},
      {{0, 3, 4, 5}, {1, 1, 1, 1}, PadMode::kReflect, "reflect, empty batch"},
  };
  for (const Case& c : cases) {
    const Tensor x = uniform(c.shape, -1, 1, 60);
    const std::vector<int64_t> pads = c.pads;
    const PadMode mode = c.mode;
    // Sums of at most a few dozen f32 values in the CPU's order: exact agreement expected.
    expect_same_on_gpu(
        {x}, {true},
        [pads, mode](const std::vector<Tensor>& in) {
          return std::vector<Tensor>{pad(in[0], pads, mode)};
        },
        1e-6, 1e-7, std::string("pad ") + c.what);
  }
  // f16 and bf16 on the GPU against the f32 CPU result (values exact in both; sums rounded).
  const Tensor x = uniform({2, 5, 6}, -1, 1, 61);
  for (DType t : {DType::f16, DType::bf16}) {
    const Tensor xh = x.to(t);
    Tensor xd = xh.to(kCuda0).detach().set_requires_grad(true);
    const Tensor y = pad(xd, {2, 3, 4, 1}, PadMode::kReflect);
    EXPECT_EQ(y.dtype(), t);
    expect_close(y.to(DType::f32), pad(xh.to(DType::f32), {2, 3, 4, 1}, PadMode::kReflect), 0, 0,
                 std::string("pad ") + dtype_name(t));
    sum(y.to(DType::f32)).backward();
    // Each input element's gradient counts the outputs that read it: small integers, exact.
    Tensor xc = x.clone().detach().set_requires_grad(true);
    sum(pad(xc, {2, 3, 4, 1}, PadMode::kReflect)).backward();
    expect_close(xd.grad().to(DType::f32), xc.grad(), 0, 0,
                 std::string("pad grad ") + dtype_name(t));
  }
}

#else

// A CPU-only build: the fixture reports the reason.
TEST_F(CudaNnTest, NeedsACudaBuild) {}

#endif

}  // namespace
}  // namespace dc
