// Gradient checking by central finite differences in double precision: the library utility the op
// tests use, and that users can call on their own functions.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace dc {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-6;
  double rtol = 1e-4;
  uint64_t seed = 1234;  // for the random projection of the output
};

struct GradcheckResult {
  bool ok = true;
  double max_abs_error = 0;
  std::string message;  // first mismatch: input, element, analytic vs numeric
};

// f maps the inputs to one output tensor. Every input that requires grad must be an f64 CPU leaf
// (any strides). The scalar sum(f(x) * r) with a fixed random r is differentiated both by autograd
// and by central differences with step eps, element by element.
GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, const GradcheckOptions& options = {});

}  // namespace dc
