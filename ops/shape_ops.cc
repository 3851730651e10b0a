#include "ops/shape_ops.h"

#include <algorithm>

#include "autograd/node.h"
#include "core/copy.h"
#include "ops/creation.h"

namespace dc {

DC_DEFINE_KERNEL(pad_index_kernel, PadIndexKernelFn)
DC_DEFINE_KERNEL(pad_index_backward_kernel, PadIndexBackwardKernelFn)

namespace {

const char* mode_name(PadMode m) {
  switch (m) {
    case PadMode::kConstant:
      return "constant";
    case PadMode::kReflect:
      return "reflect";
    case PadMode::kReplicate:
      return "replicate";
  }
  return "?";
}

std::string list_str(const std::vector<int64_t>& v) { return shape_str(v); }

// The part of x that survives constant padding and where it lands in the output: per dim,
// [src, src + len) of x goes to [dst, dst + len) of out.
struct Region {
  Shape src, dst, len;
  bool empty = false;
};

Region constant_region(const Shape& xs, const std::vector<int64_t>& pads) {
  Region r;
  r.src.assign(xs.size(), 0);
  r.dst.assign(xs.size(), 0);
  r.len = xs;
  const int64_t nd = static_cast<int64_t>(xs.size());
  for (size_t p = 0; p < pads.size() / 2; ++p) {
    const int64_t d = nd - 1 - static_cast<int64_t>(p);
    const int64_t l = pads[2 * p], rt = pads[2 * p + 1];
    r.src[d] = std::max<int64_t>(0, -l);
    r.dst[d] = std::max<int64_t>(0, l);
    r.len[d] = xs[d] - std::max<int64_t>(0, -l) - std::max<int64_t>(0, -rt);
    if (r.len[d] <= 0) r.empty = true;
  }
  for (int64_t s : xs) r.empty = r.empty || s == 0;
  return r;
}

Tensor narrow_all(Tensor t, const Shape& start, const Shape& len) {
  for (size_t d = 0; d < start.size(); ++d) t = t.narrow(d, start[d], len[d]);
  return t;
}

Tensor constant_pad(const Tensor& x, const std::vector<int64_t>& pads, double value) {
  Shape os = x.sizes();
  const int64_t nd = x.dim();
  for (size_t p = 0; p < pads.size() / 2; ++p) {
    const int64_t d = nd - 1 - static_cast<int64_t>(p);
    os[d] = x.size(d) + pads[2 * p] + pads[2 * p + 1];
    DC_CHECK(os[d] >= 0, "pad: pads ", list_str(pads), " make dim ", d, " of ", x.str(),
             " negative (", os[d], ")");
  }
  Tensor out = full(os, value, x.dtype(), x.device());
  const Region r = constant_region(x.sizes(), pads);
  if (!r.empty) copy_into(narrow_all(out, r.dst, r.len), narrow_all(x.detach(), r.src, r.len));
  const Shape xs = x.sizes();
  record_op("pad", {x}, {out}, [r, xs](const std::vector<Tensor>& g, const std::vector<bool>&) {
    Tensor gi = zeros(xs, g[0].dtype(), g[0].device());
    if (!r.empty) copy_into(narrow_all(gi, r.src, r.len), narrow_all(g[0], r.dst, r.len));
    return std::vector<Tensor>{gi};
  });
  return out;
}

// Source index of every output position along one dim of size n padded by (l, r).
std::vector<int64_t> pad_map(int64_t n, int64_t l, int64_t r, PadMode mode) {
  std::vector<int64_t> m(n + l + r);
  for (int64_t o = 0; o < static_cast<int64_t>(m.size()); ++o) {
    int64_t i = o - l;
    if (mode == PadMode::kReflect) {
      if (i < 0) i = -i;
      if (i >= n) i = 2 * (n - 1) - i;
    } else {
      i = std::clamp<int64_t>(i, 0, n - 1);
    }
    m[o] = i;
  }
  return m;
}

Tensor index_pad(const Tensor& x, const std::vector<int64_t>& pads, PadMode mode) {
  const char* mn = mode_name(mode);
  const int64_t np = static_cast<int64_t>(pads.size()) / 2;
  DC_CHECK(np == 1 || np == 2, "pad: ", mn,
           " mode pads the last 1 or 2 dims (2 or 4 pad values), got ", list_str(pads));
  DC_CHECK(x.dim() == np + 1 || x.dim() == np + 2, "pad: ", mn, " padding of ", np,
           " dim(s) needs a ", np + 1, "-D or ", np + 2, "-D input, got ", x.str());
  const int64_t W = x.size(-1), H = np == 2 ? x.size(-2) : 1;
  for (int64_t p = 0; p < np; ++p) {
    const int64_t d = x.dim() - 1 - p, n = x.size(d), l = pads[2 * p], r = pads[2 * p + 1];
    if (mode == PadMode::kReflect) {
      DC_CHECK(l < n && r < n, "pad: reflect padding (", l, ", ", r,
               ") must be less than the size ", n, " of dim ", d, " of ", x.str());
    } else {
      DC_CHECK(n > 0, "pad: replicate padding needs non-empty dims, dim ", d, " of ", x.str(),
               " is empty");
    }
    DC_CHECK(n + l + r > 0, "pad: ", mn, " pads (", l, ", ", r, ") leave dim ", d, " of ", x.str(),
             " with size ", n + l + r, " (expected > 0)");
  }
  const std::vector<int64_t> cols = pad_map(W, pads[0], pads[1], mode);
  const std::vector<int64_t> rows =
      np == 2 ? pad_map(H, pads[2], pads[3], mode) : std::vector<int64_t>{0};
  Shape os = x.sizes();
  os.back() = static_cast<int64_t>(cols.size());
  if (np == 2) os[os.size() - 2] = static_cast<int64_t>(rows.size());
  const int64_t planes = H * W == 0 ? 0 : x.numel() / (H * W);
  Tensor out = empty(os, x.dtype(), x.device());
  if (out.numel() > 0) {
    pad_index_kernel().get(x.device(), x.dtype())(
        out.view({planes, static_cast<int64_t>(rows.size()), static_cast<int64_t>(cols.size())}),
        x.detach().contiguous().view({planes, H, W}), rows, cols);
  }
  const Shape xs = x.sizes();
  record_op("pad", {x}, {out},
            [xs, planes, H, W, rows, cols](const std::vector<Tensor>& g, const std::vector<bool>&) {
              Tensor gi = empty(xs, g[0].dtype(), g[0].device());
              if (gi.numel() > 0) {
                pad_index_backward_kernel().get(gi.device(), gi.dtype())(
                    gi.view({planes, H, W}),
                    g[0].contiguous().view({planes, static_cast<int64_t>(rows.size()),
                                            static_cast<int64_t>(cols.size())}),
                    rows, cols);
              }
              return std::vector<Tensor>{gi};
            });
  return out;
}

// Rolls along dims[k] by shifts[k] (dims wrapped, shifts normalized to [0, n)).
Tensor roll_dims(const Tensor& x, const std::vector<int64_t>& shifts,
                 const std::vector<int64_t>& dims) {
  Tensor out = empty(x.sizes(), x.dtype(), x.device());
  const size_t k = dims.size();
  if (x.numel() > 0) {
    // Each rolled dim splits into two pieces: x[0, n-s) -> out[s, n) and x[n-s, n) -> out[0, s).
    // All 2^k combinations of pieces are copied straight from x into out.
    for (size_t combo = 0; combo < (size_t(1) << k); ++combo) {
      Tensor src = x.detach(), dst = out;
      bool empty_piece = false;
      for (size_t j = 0; j < k; ++j) {
        const int64_t d = dims[j], n = x.size(d), s = shifts[j];
        const bool second = (combo >> j) & 1;
        const int64_t len = second ? s : n - s;
        if (len == 0) empty_piece = true;
        src = src.narrow(d, second ? n - s : 0, len);
        dst = dst.narrow(d, second ? 0 : s, len);
      }
      if (!empty_piece) copy_into(dst, src);
    }
  }
  record_op("roll", {x}, {out},
            [shifts, dims](const std::vector<Tensor>& g, const std::vector<bool>&) {
              std::vector<int64_t> back(shifts.size());
              for (size_t j = 0; j < shifts.size(); ++j) back[j] = -shifts[j];
              return std::vector<Tensor>{roll(g[0], back, dims)};
            });
  return out;
}

}  // namespace

Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, PadMode mode, double value) {
  DC_CHECK(x.defined(), "pad: undefined input tensor");
  DC_CHECK(pads.size() % 2 == 0, "pad: pads must come in (left, right) pairs, got ",
           list_str(pads));
  DC_CHECK(static_cast<int64_t>(pads.size()) / 2 <= x.dim(), "pad: ", pads.size() / 2,
           " (left, right) pairs given for ", x.str(), " with only ", x.dim(), " dims");
  if (mode == PadMode::kConstant) return constant_pad(x, pads, value);
  return index_pad(x, pads, mode);
}

Tensor flip(const Tensor& x, const std::vector<int64_t>& dims) {
  DC_CHECK(x.defined(), "flip: undefined input tensor");
  std::vector<bool> seen(x.dim(), false);
  Shape st = x.strides();
  int64_t offset = x.offset();
  std::vector<int64_t> wrapped;
  for (int64_t d : dims) {
    const int64_t w = wrap_dim(d, x.dim(), "flip");
    DC_CHECK(!seen[w], "flip: dim ", d, " appears more than once in ", list_str(dims));
    seen[w] = true;
    wrapped.push_back(w);
    // A negative stride walks the dim backwards from its last element.
    if (x.size(w) > 0) offset += (x.size(w) - 1) * st[w];
    st[w] = -st[w];
  }
  Tensor out = empty(x.sizes(), x.dtype(), x.device());
  if (x.numel() > 0) copy_into(out, x.detach().as_strided(x.sizes(), st, offset));
  record_op("flip", {x}, {out}, [wrapped](const std::vector<Tensor>& g, const std::vector<bool>&) {
    return std::vector<Tensor>{flip(g[0], wrapped)};
  });
  return out;
}

Tensor roll(const Tensor& x, const std::vector<int64_t>& shifts, const std::vector<int64_t>& dims) {
  DC_CHECK(x.defined(), "roll: undefined input tensor");
  if (dims.empty()) {
    DC_CHECK(shifts.size() == 1, "roll: without dims, exactly one shift is expected, got ",
             list_str(shifts));
    return roll(x.flatten(), shifts, {0}).reshape(x.sizes());
  }
  DC_CHECK(shifts.size() == dims.size(), "roll: ", shifts.size(), " shifts ", list_str(shifts),
           " but ", dims.size(), " dims ", list_str(dims), " (one shift per dim expected)");
  std::vector<int64_t> wd, ws;
  for (size_t j = 0; j < dims.size(); ++j) {
    const int64_t d = wrap_dim(dims[j], x.dim(), "roll");
    const int64_t n = x.size(d);
    wd.push_back(d);
    ws.push_back(n == 0 ? 0 : ((shifts[j] % n) + n) % n);
  }
  return roll_dims(x, ws, wd);
}

Tensor repeat(const Tensor& x, const std::vector<int64_t>& sizes) {
  DC_CHECK(x.defined(), "repeat: undefined input tensor");
  const int64_t n = static_cast<int64_t>(sizes.size());
  DC_CHECK(n >= x.dim(), "repeat: ", n, " repeat counts ", list_str(sizes),
           " are fewer than the dims of ", x.str());
  for (int64_t r : sizes) {
    DC_CHECK(r >= 0, "repeat: repeat counts must be non-negative, got ", list_str(sizes));
  }
  // x as [1, s0, 1, s1, ...], expanded to [r0, s0, r1, s1, ...] (a zero-stride view), copied
  // once and merged pairwise: the backward of expand sums the gradient over the copies.
  Shape padded(n - x.dim(), 1);
  padded.insert(padded.end(), x.sizes().begin(), x.sizes().end());
  Shape interleaved, expanded, out_shape;
  for (int64_t i = 0; i < n; ++i) {
    interleaved.insert(interleaved.end(), {1, padded[i]});
    expanded.insert(expanded.end(), {sizes[i], padded[i]});
    out_shape.push_back(sizes[i] * padded[i]);
  }
  return x.reshape(interleaved).expand(expanded).contiguous().view(out_shape);
}

Tensor tile(const Tensor& x, const std::vector<int64_t>& reps) {
  DC_CHECK(x.defined(), "tile: undefined input tensor");
  std::vector<int64_t> r(std::max<int64_t>(0, x.dim() - static_cast<int64_t>(reps.size())), 1);
  r.insert(r.end(), reps.begin(), reps.end());
  return repeat(x, r);
}

}  // namespace dc
