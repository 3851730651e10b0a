#include "data/resample.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.h"

namespace dc {
namespace {

// Element (c, y, x) of a C×H×W or H×W field lies at c·sc + y·sy + x·sx from its first element.
struct Planes {
  int64_t channels, sc, sy, sx;
};

Planes planes_of(const Tensor& t) {
  if (t.dim() == 2) return {1, 0, t.stride(0), t.stride(1)};
  return {t.size(0), t.stride(0), t.stride(1), t.stride(2)};
}

Tensor empty_out(const Tensor& t, int64_t out_h, int64_t out_w) {
  return t.dim() == 2 ? empty({out_h, out_w}, t.dtype())
                      : empty({t.size(0), out_h, out_w}, t.dtype());
}

// Source coordinate u (continuous) of an output index along one axis, and what reads it.
struct Sample1d {
  bool inside;
  int64_t nearest, lo, hi;
  double frac;
};

inline __attribute__((always_inline)) Sample1d sample_1d(double u, int64_t n) {
  Sample1d s{};
  s.inside = u >= 0 && u < n;
  if (!s.inside) return s;
  s.nearest = static_cast<int64_t>(u);                 // floor, as u >= 0
  const double p = u - 0.5;                            // pixel-centre coordinate, >= -0.5
  const int64_t p0 = static_cast<int64_t>(p + 1) - 1;  // floor without std::floor
  s.frac = p - static_cast<double>(p0);
  s.lo = std::max<int64_t>(p0, 0);
  s.hi = std::min<int64_t>(p0 + 1, n - 1);
  return s;
}

}  // namespace

ResampleTable::ResampleTable(const Affine& inv, int64_t h, int64_t w, int64_t out_h, int64_t out_w)
    : out_h_(out_h), out_w_(out_w), separable_(inv.b == 0 && inv.d == 0) {
  DC_CHECK(h * w < INT32_MAX, "warp: image ", h, "×", w, " is too large (2^31 pixels or more)");
  if (separable_) {
    auto fill = [this](Axis& axis, double scale, double offset, int64_t n_out, int64_t n_in) {
      axis.lo.resize(n_out);
      axis.hi.resize(n_out);
      axis.frac.resize(n_out);
      axis.nearest.resize(n_out);
      for (int64_t k = 0; k < n_out; ++k) {
        const Sample1d s = sample_1d(scale * (k + 0.5) + offset, n_in);
        axis.nearest[k] = s.inside ? s.nearest : -1;
        axis.lo[k] = s.inside ? s.lo : 0;
        axis.hi[k] = s.inside ? s.hi : 0;
        axis.frac[k] = s.inside ? s.frac : 0;
        on_centres_ = on_centres_ && (!s.inside || s.frac == 0);
      }
    };
    fill(xs_, inv.a, inv.c, out_w, w);
    fill(ys_, inv.e, inv.f, out_h, h);
    return;
  }
  const int64_t n = out_h * out_w;  // every entry of the tables is written below
  near_.reset(new int32_t[n]);
  x0_.reset(new int32_t[n]);
  y0_.reset(new int32_t[n]);
  fx_.reset(new float[n]);
  fy_.reset(new float[n]);
  src_h_ = h;
  src_w_ = w;
  bool on_centres = true;
  for (int64_t i = 0; i < out_h; ++i) {
    const double u0 = inv.b * (i + 0.5) + inv.c, v0 = inv.e * (i + 0.5) + inv.f;
    int32_t* near = &near_[i * out_w];
    int32_t* x0 = &x0_[i * out_w];
    int32_t* y0 = &y0_[i * out_w];
    float* fx = &fx_[i * out_w];
    float* fy = &fy_[i * out_w];
    // Branch-free in 32-bit types, so that it vectorizes: coordinates are clamped to
    // [-1, size] before the integer conversions (whose results only matter inside the source).
    // Single precision places samples within 1e-3 pixel on images up to 8192 wide, and keeps
    // quarter turns exact (half-integers times 0 or ±1).
    const float fu0 = static_cast<float>(u0), fv0 = static_cast<float>(v0);
    const float fa = static_cast<float>(inv.a), fd = static_cast<float>(inv.d);
    const float fw = static_cast<float>(w), fh = static_cast<float>(h);
    const int32_t iw = static_cast<int32_t>(w);
    for (int32_t j = 0; j < static_cast<int32_t>(out_w); ++j) {
      const float u = fu0 + fa * (static_cast<float>(j) + 0.5f);
      const float v = fv0 + fd * (static_cast<float>(j) + 0.5f);
      const bool inside = (u >= 0) & (u < fw) & (v >= 0) & (v < fh);
      const float uc = std::min(std::max(u, -1.0f), fw), vc = std::min(std::max(v, -1.0f), fh);
      const float px = uc - 0.5f, py = vc - 0.5f;  // pixel-centre coordinates
      const int32_t ix = static_cast<int32_t>(px + 1) - 1, iy = static_cast<int32_t>(py + 1) - 1;
      const float wx = px - static_cast<float>(ix), wy = py - static_cast<float>(iy);
      x0[j] = ix;
      y0[j] = iy;
      fx[j] = wx;
      fy[j] = wy;
      near[j] = inside ? static_cast<int32_t>(vc) * iw + static_cast<int32_t>(uc) : -1;
    }
    int32_t off_centre = 0;  // an int reduction, so that this loop vectorizes too
    for (int64_t j = 0; j < out_w; ++j) {
      off_centre |= (near[j] >= 0) & ((fx[j] != 0) | (fy[j] != 0));
    }
    on_centres = on_centres && off_centre == 0;
  }
  on_centres_ = on_centres;
}

template <typename T>
Tensor ResampleTable::bilinear(const Tensor& src) const {
  const Planes p = planes_of(src);
  Tensor out = empty_out(src, out_h_, out_w_);
  const T* in = src.data<T>();
  T* dst = out.data<T>();
  if (separable_) {
    // Bilinear is separable: blend the two source rows into one (a contiguous, vectorizable
    // pass over the source width), then blend neighbouring columns of that row.
    const int64_t w = src.size(-1);
    std::vector<T> row(w);
    for (int64_t c = 0; c < p.channels; ++c) {
      for (int64_t i = 0; i < out_h_; ++i) {
        T* d = dst + (c * out_h_ + i) * out_w_;
        if (ys_.nearest[i] < 0) {
          std::fill(d, d + out_w_, T(0));
          continue;
        }
        const T* r0 = in + c * p.sc + ys_.lo[i] * p.sy;
        const T* r1 = in + c * p.sc + ys_.hi[i] * p.sy;
        const T fy = static_cast<T>(ys_.frac[i]), gy = 1 - fy;
        for (int64_t x = 0; x < w; ++x) row[x] = gy * r0[x * p.sx] + fy * r1[x * p.sx];
        for (int64_t j = 0; j < out_w_; ++j) {
          const T fx = static_cast<T>(xs_.frac[j]);
          const T v = (1 - fx) * row[xs_.lo[j]] + fx * row[xs_.hi[j]];
          d[j] = xs_.nearest[j] < 0 ? T(0) : v;
        }
      }
    }
    return out;
  }
  // Pixel-major: the neighbours and weights of a pixel serve all its channels.
  const int64_t plane = out_h_ * out_w_;
  for (int64_t k = 0; k < plane; ++k) {
    if (near_[k] < 0) {
      for (int64_t c = 0; c < p.channels; ++c) dst[c * plane + k] = T(0);
      continue;
    }
    const int32_t x = x0_[k], y = y0_[k];
    const int64_t xa = std::max(x, 0) * p.sx, xb = std::min<int64_t>(x + 1, src_w_ - 1) * p.sx;
    const int64_t ya = std::max(y, 0) * p.sy, yb = std::min<int64_t>(y + 1, src_h_ - 1) * p.sy;
    const T fx = fx_[k], fy = fy_[k];
    const T w00 = (1 - fy) * (1 - fx), w01 = (1 - fy) * fx, w10 = fy * (1 - fx), w11 = fy * fx;
    const int64_t o00 = ya + xa, o01 = ya + xb, o10 = yb + xa, o11 = yb + xb;
    for (int64_t c = 0; c < p.channels; ++c) {
      const T* s = in + c * p.sc;
      dst[c * plane + k] = w00 * s[o00] + w01 * s[o01] + w10 * s[o10] + w11 * s[o11];
    }
  }
  return out;
}

template <typename Word>
Tensor ResampleTable::nearest(const Tensor& src) const {
  const Planes p = planes_of(src);
  Tensor out = empty_out(src, out_h_, out_w_);
  const Word* in = static_cast<const Word*>(src.raw_data());
  Word* dst = static_cast<Word*>(out.raw_data());
  if (separable_) {
    // Columns [first, last) read consecutive source columns forwards (a crop or a shift: one
    // memcpy per row) or backwards (a flip), the others lie outside; else a gather.
    int64_t first = 0;
    while (first < out_w_ && xs_.nearest[first] < 0) ++first;
    int64_t last = first;
    while (last < out_w_ && xs_.nearest[last] >= 0) ++last;
    int64_t step = first + 1 < last ? xs_.nearest[first + 1] - xs_.nearest[first] : 1;
    bool run = first < last && (step == 1 || step == -1);
    for (int64_t j = first; run && j < last; ++j) {
      run = xs_.nearest[j] == xs_.nearest[first] + step * (j - first);
    }
    for (int64_t j = last; run && j < out_w_; ++j) run = xs_.nearest[j] < 0;
    const int64_t base = first < out_w_ ? xs_.nearest[first] * p.sx : 0;
    step *= p.sx;
    for (int64_t c = 0; c < p.channels; ++c) {
      for (int64_t i = 0; i < out_h_; ++i) {
        Word* d = dst + (c * out_h_ + i) * out_w_;
        if (ys_.nearest[i] < 0) {
          std::fill(d, d + out_w_, Word(0));
          continue;
        }
        const Word* r = in + c * p.sc + ys_.nearest[i] * p.sy;
        if (run) {
          std::fill(d, d + first, Word(0));
          if (step == 1) {
            std::memcpy(d + first, r + base, (last - first) * sizeof(Word));
          } else {
            const Word* s = r + base;
            for (int64_t j = 0; j < last - first; ++j) d[first + j] = s[j * step];
          }
          std::fill(d + last, d + out_w_, Word(0));
          continue;
        }
        for (int64_t j = 0; j < out_w_; ++j) {
          d[j] = xs_.nearest[j] >= 0 ? r[xs_.nearest[j] * p.sx] : Word(0);
        }
      }
    }
    return out;
  }
  const int64_t plane = out_h_ * out_w_;
  if (p.sx == 1 && p.sy == src_w_) {
    // Rows of the source are contiguous: the compact index table, one gather per plane.
    for (int64_t c = 0; c < p.channels; ++c) {
      const Word* s = in + c * p.sc;
      Word* d = dst + c * plane;
      for (int64_t k = 0; k < plane; ++k) d[k] = near_[k] >= 0 ? s[near_[k]] : Word(0);
    }
    return out;
  }
  for (int64_t c = 0; c < p.channels; ++c) {
    const Word* s = in + c * p.sc;
    Word* d = dst + c * plane;
    for (int64_t k = 0; k < plane; ++k) {
      const int32_t q = near_[k];
      d[k] = q >= 0 ? s[(q / src_w_) * p.sy + (q % src_w_) * p.sx] : Word(0);
    }
  }
  return out;
}

Tensor ResampleTable::image(const Tensor& src) const {
  if (src.dtype() == DType::f32) return on_centres_ ? nearest<uint32_t>(src) : bilinear<float>(src);
  if (src.dtype() == DType::f64)
    return on_centres_ ? nearest<uint64_t>(src) : bilinear<double>(src);
  DC_FAIL("warp: an image must be f32 or f64, got ", src.str());
}

Tensor ResampleTable::label(const Tensor& src) const {
  switch (dtype_size(src.dtype())) {
    case 1:
      return nearest<uint8_t>(src);
    case 2:
      return nearest<uint16_t>(src);
    case 4:
      return nearest<uint32_t>(src);
    case 8:
      return nearest<uint64_t>(src);
  }
  DC_FAIL("warp: unexpected element size of dtype ", dtype_name(src.dtype()));
}

}  // namespace dc
