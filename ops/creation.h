// Creation ops: constant fills, ranges and random tensors (Philox, see core/philox.h).
#pragma once

#include "core/philox.h"
#include "core/tensor.h"

namespace dc {

Tensor zeros(const Shape& shape, DType dtype = DType::f32, Device device = kCPU);
Tensor ones(const Shape& shape, DType dtype = DType::f32, Device device = kCPU);
Tensor full(const Shape& shape, double value, DType dtype = DType::f32, Device device = kCPU);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);
// [start, end) in steps of step, like torch.arange.
Tensor arange(double start, double end, double step = 1, DType dtype = DType::i64);
Tensor arange(int64_t end, DType dtype = DType::i64);

// Random tensors; the generator advances by one counter per element.
Tensor rand(const Shape& shape, DType dtype = DType::f32, Generator& gen = default_generator());
Tensor randn(const Shape& shape, DType dtype = DType::f32, Generator& gen = default_generator());
// Integers uniform in [low, high).
Tensor randint(int64_t low, int64_t high, const Shape& shape, DType dtype = DType::i64,
               Generator& gen = default_generator());
// 1 with probability p (elementwise tensor of probabilities), else 0; same dtype as p.
Tensor bernoulli(const Tensor& p, Generator& gen = default_generator());

}  // namespace dc
