// CPU dropout kernel: one Philox block gives four elements' uniforms, so the work splits into
// blocks of four across the pool and the mask never depends on the thread count.
#include "core/philox.h"
#include "core/thread_pool.h"
#include "ops/dropout.h"

namespace dc {
namespace {

template <typename T>
void dropout_cpu(const Tensor& xt, double p, uint64_t seed, uint64_t first_counter,
                 const Tensor& maskt, const Tensor& yt) {
  const int64_t n = xt.numel();
  const T* x = xt.data<T>();
  T* mask = maskt.data<T>();
  T* y = yt.data<T>();
  const T scale = static_cast<T>(1.0 / (1.0 - p));
  Generator gen(seed);
  parallel_for(0, (n + 3) / 4, 2048, [&](int64_t b, int64_t e) {
    for (int64_t blk = b; blk < e; ++blk) {
      const std::array<uint32_t, 4> words = gen.block(first_counter + blk);
      const int64_t i0 = blk * 4;
      for (int64_t j = 0; j < 4 && i0 + j < n; ++j) {
        // 32-bit uniform in [0, 1): kept with probability 1 - p (exactly 0 kept when p = 1).
        const double u = words[j] * (1.0 / 4294967296.0);
        const T m = u >= p ? scale : T(0);
        mask[i0 + j] = m;
        y[i0 + j] = x[i0 + j] * m;
      }
    }
  });
}

DC_REGISTER_KERNEL(dropout_kernel, CPU, f32, &dropout_cpu<float>);
DC_REGISTER_KERNEL(dropout_kernel, CPU, f64, &dropout_cpu<double>);

}  // namespace
}  // namespace dc
