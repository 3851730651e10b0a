// One list of test cases per op, used three ways (ggml's test-backend-ops, llm.c's dev/cuda): the
// oracle mode compares outputs and gradients with PyTorch, the grad mode checks gradients by finite
// differences, the perf mode times the registered kernel (`densecorr bench ops`). A case names its
// inputs, how to run our op, and the PyTorch expression that computes the same thing.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace dc {

struct InputSpec {
  enum class Init { kNormal, kUniform, kPositive, kInteger, kBool };
  Shape shape;
  DType dtype = DType::f32;
  bool requires_grad = true;
  Init init = Init::kNormal;
  double low = -1, high = 1;  // kUniform / kInteger range ([low, high) for integers)
  bool transposed = false;    // store as the transpose of the last two dims: a non-contiguous view
};

// Shorthands for specs.
InputSpec normal(Shape shape, bool requires_grad = true);
InputSpec uniform(Shape shape, double low, double high, bool requires_grad = true);
InputSpec positive(Shape shape, bool requires_grad = true);  // in [0.5, 2)
InputSpec integers(Shape shape, int64_t low, int64_t high, DType dtype = DType::i64);
InputSpec booleans(Shape shape);
InputSpec transposed(InputSpec spec);

enum CaseMode : unsigned { kOracle = 1, kGrad = 2, kPerf = 4, kAllModes = 7 };

struct OpCase {
  std::string name;  // "family/variant", stable: benchmarks are named by it
  std::vector<InputSpec> inputs;
  // Runs our op; returns every output (all floating outputs are differentiated).
  std::function<std::vector<Tensor>(const std::vector<Tensor>&)> run;
  // PyTorch expression (or block assigning `out`) over x0, x1, ..., torch, F and tv (torchvision).
  std::string torch;
  unsigned modes = kOracle | kGrad;
  double atol = 1e-5, rtol = 1e-4;  // oracle tolerances for f32
  double grad_atol = 1e-6, grad_rtol = 1e-4;
  bool perf_backward = false;  // perf mode times forward + backward
  double flops = 0;            // per forward (or forward+backward when perf_backward), for GFLOP/s
};

// The common shape of a case: inputs, our call returning every output, the PyTorch expression.
OpCase make_case(const std::string& name, std::vector<InputSpec> inputs,
                 std::function<std::vector<Tensor>(const std::vector<Tensor>&)> run,
                 const std::string& torch, unsigned modes = kOracle | kGrad);

// A case of a two-input, one-output op (oracle and grad modes).
OpCase binary_case(const std::string& name, InputSpec a, InputSpec b,
                   std::function<Tensor(const Tensor&, const Tensor&)> f, const std::string& torch);

// Registers cases at static-initialization time (from the ops/cases/*.cc files).
bool register_op_cases(const std::vector<OpCase>& cases);
const std::vector<OpCase>& all_op_cases();
// Makes the inputs of a case deterministically from `seed` (the same values on every run).
std::vector<Tensor> make_case_inputs(const OpCase& c, uint64_t seed, DType float_dtype);

}  // namespace dc

#define DC_OP_CASES(...)                                          \
  static const bool DC_KERNEL_CONCAT(dc_op_cases_, __COUNTER__) = \
      ::dc::register_op_cases(__VA_ARGS__)
#ifndef DC_KERNEL_CONCAT
#define DC_KERNEL_CONCAT2(a, b) a##b
#define DC_KERNEL_CONCAT(a, b) DC_KERNEL_CONCAT2(a, b)
#endif
