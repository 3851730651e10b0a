#include "core/copy.h"

#include <cstring>

#include "core/strided_loop.h"
#include "core/thread_pool.h"

namespace dc {

Tensor broadcast_to_raw(const Tensor& t, const Shape& shape, const char* op) {
  const int64_t nd = static_cast<int64_t>(shape.size());
  DC_CHECK(t.dim() <= nd, op, ": cannot broadcast ", t.str(), " to ", shape_str(shape));
  Shape strides(nd, 0);
  for (int64_t i = 0; i < t.dim(); ++i) {
    const int64_t d = nd - t.dim() + i;
    DC_CHECK(t.size(i) == shape[d] || t.size(i) == 1, op, ": cannot broadcast ", t.str(), " to ",
             shape_str(shape));
    strides[d] = t.size(i) == shape[d] ? t.stride(i) : 0;
  }
  return t.as_strided(shape, strides, t.offset());
}

namespace {

template <typename Dst, typename Src>
void copy_typed(const Tensor& dst, const Tensor& src) {
  StridedLoop<2> loop(dst.sizes(), {dst.strides(), src.strides()});
  Dst* d = static_cast<Dst*>(dst.raw_data());
  const Src* s = static_cast<const Src*>(src.raw_data());
  const int64_t ds = loop.inner_stride(0), ss = loop.inner_stride(1);
  parallel_for(0, loop.numel(), 1 << 16, [&](int64_t b, int64_t e) {
    loop.run(b, e, [&](const std::array<int64_t, 2>& off, int64_t n) {
      Dst* dp = d + off[0];
      const Src* sp = s + off[1];
      if constexpr (std::is_same_v<Dst, Src>) {
        if (ds == 1 && ss == 1) {
          std::memcpy(dp, sp, n * sizeof(Dst));
          return;
        }
      }
      for (int64_t i = 0; i < n; ++i) {
        // Half types convert through float; everything else converts directly.
        if constexpr (std::is_same_v<Src, Half> || std::is_same_v<Src, BFloat16>) {
          const float f = convert_scalar<float>(sp[i * ss]);
          if constexpr (std::is_same_v<Dst, Half> || std::is_same_v<Dst, BFloat16>) {
            dp[i * ds] = convert_scalar<Dst>(f);
          } else {
            dp[i * ds] = static_cast<Dst>(f);
          }
        } else if constexpr (std::is_same_v<Dst, Half> || std::is_same_v<Dst, BFloat16>) {
          dp[i * ds] = convert_scalar<Dst>(static_cast<float>(sp[i * ss]));
        } else if constexpr (std::is_same_v<Dst, bool>) {
          dp[i * ds] = sp[i * ss] != Src(0);
        } else {
          dp[i * ds] = static_cast<Dst>(sp[i * ss]);
        }
      }
    });
  });
}

}  // namespace

namespace {
DeviceCopyFn* g_device_copy = nullptr;
}

void register_device_copy(DeviceCopyFn* fn) { g_device_copy = fn; }

void copy_into(const Tensor& dst, const Tensor& src) {
  const Tensor s = broadcast_to_raw(src, dst.sizes(), "copy");
  if (!dst.device().is_cpu() || !src.device().is_cpu()) {
    DC_CHECK(g_device_copy != nullptr, "copy: ", src.str(), " on ", src.device(), " to ", dst.str(),
             " on ", dst.device(), " needs the CUDA backend (this build is CPU-only)");
    if (dst.numel() > 0) g_device_copy(dst, s);
    return;
  }
  if (dst.numel() == 0) return;
  DC_DISPATCH_ALL(dst.dtype(), "copy", [&] {
    using D = scalar_t;
    DC_DISPATCH_ALL(s.dtype(), "copy", [&] { copy_typed<D, scalar_t>(dst, s); });
  });
}

void fill_(const Tensor& dst, double value) {
  Tensor v = tensor_from({value}, {}, DType::f64);
  copy_into(dst, v);
}

}  // namespace dc
