#include "train/dist/bucket_plan.h"

#include <algorithm>

namespace dc {

std::vector<Bucket> plan_buckets(const std::vector<Tensor>& tensors, int64_t bucket_bytes) {
  DC_CHECK(bucket_bytes > 0, "all_reduce_bucketed: bucket_bytes must be positive, got ",
           bucket_bytes);
  std::vector<DType> order;
  for (const Tensor& t : tensors) {
    if (std::find(order.begin(), order.end(), t.dtype()) == order.end()) order.push_back(t.dtype());
  }
  std::vector<Bucket> buckets;
  for (DType dtype : order) {
    const int64_t capacity = bucket_bytes / static_cast<int64_t>(dtype_size(dtype));
    DC_CHECK(capacity >= 1, "all_reduce_bucketed: bucket_bytes ", bucket_bytes,
             " cannot hold one element of dtype ", dtype_name(dtype), " (", dtype_size(dtype),
             " bytes)");
    Bucket current{dtype, 0, {}};
    for (int64_t i = 0; i < static_cast<int64_t>(tensors.size()); ++i) {
      if (tensors[i].dtype() != dtype) continue;
      const int64_t n = tensors[i].numel();
      for (int64_t start = 0; start < n;) {
        const int64_t take = std::min(n - start, capacity - current.count);
        current.pieces.push_back({i, start, take, current.count});
        current.count += take;
        start += take;
        if (current.count == capacity) {
          buckets.push_back(std::move(current));
          current = Bucket{dtype, 0, {}};
        }
      }
    }
    if (current.count > 0) buckets.push_back(std::move(current));
  }
  return buckets;
}

}  // namespace dc
