// How all_reduce_bucketed packs a list of tensors into fixed-size staging buckets.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace dc {

// `count` elements of tensor `tensor` (in row-major order, from element `start`) stored at
// element `offset` of the bucket.
struct BucketPiece {
  int64_t tensor = 0;
  int64_t start = 0;
  int64_t count = 0;
  int64_t offset = 0;
};

struct Bucket {
  DType dtype = DType::f32;
  int64_t count = 0;  // elements in the bucket
  std::vector<BucketPiece> pieces;
};

// Groups the tensors by dtype (groups in order of first appearance, tensors in list order) and
// streams each group's elements into buckets of at most bucket_bytes / dtype_size elements: every
// bucket but a group's last is full, and a tensor larger than the room left continues in the next
// bucket. Empty tensors take no room. Throws when bucket_bytes cannot hold one element of a dtype.
std::vector<Bucket> plan_buckets(const std::vector<Tensor>& tensors, int64_t bucket_bytes);

}  // namespace dc
