// conv2d kernels: oneDNN primitives for f32 (cached per shape), im2col + GEMM for f64, which oneDNN
// does not support and which only the finite-difference tests need.
#include <cblas.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <tuple>

#include "core/thread_pool.h"
#include "ops/conv.h"
#include "ops/cpu_gemm.h"

namespace dc {
namespace {

struct Geometry {
  int64_t n, cin, h, w, cout, kh, kw, ho, wo, groups;
  Geometry(const Tensor& x, const Tensor& wt, const Tensor& y, const Conv2dParams& p)
      : n(x.size(0)),
        cin(x.size(1)),
        h(x.size(2)),
        w(x.size(3)),
        cout(wt.size(0)),
        kh(wt.size(2)),
        kw(wt.size(3)),
        ho(y.size(2)),
        wo(y.size(3)),
        groups(p.groups) {}
};

// ---------------------------------------------------------------- im2col + GEMM (any dtype)

// col [c*kh*kw, ho*wo] gathers the input pixels each kernel tap sees (zero where padded). With
// add_back, the mapping runs the other way and accumulates col into x (col2im).
template <typename T, bool add_back>
void im2col(T* x, T* col, const Geometry& g, int64_t channels, const Conv2dParams& p) {
  const int64_t hw = g.ho * g.wo;
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t i = 0; i < g.kh; ++i) {
      for (int64_t j = 0; j < g.kw; ++j) {
        T* row = col + ((c * g.kh + i) * g.kw + j) * hw;
        for (int64_t oh = 0; oh < g.ho; ++oh) {
          const int64_t ih = oh * p.stride[0] - p.padding[0] + i * p.dilation[0];
          T* out = row + oh * g.wo;
          const bool row_in = ih >= 0 && ih < g.h;
          T* xrow = x + (c * g.h + (row_in ? ih : 0)) * g.w;
          for (int64_t ow = 0; ow < g.wo; ++ow) {
            const int64_t iw = ow * p.stride[1] - p.padding[1] + j * p.dilation[1];
            const bool in = row_in && iw >= 0 && iw < g.w;
            if (add_back) {
              if (in) xrow[iw] += out[ow];
            } else {
              out[ow] = in ? xrow[iw] : T(0);
            }
          }
        }
      }
    }
  }
}

template <typename T>
void conv2d_forward_im2col(const Tensor& y, const Tensor& x, const Tensor& w, const Tensor& bias,
                           const Conv2dParams& p) {
  const Geometry g(x, w, y, p);
  const int64_t cg = g.cin / g.groups, og = g.cout / g.groups, kk = cg * g.kh * g.kw;
  const int64_t hw = g.ho * g.wo;
  std::vector<T> col(kk * hw);
  T* px = x.data<T>();
  const T* pw = w.data<T>();
  T* py = y.data<T>();
  for (int64_t n = 0; n < g.n; ++n) {
    for (int64_t gr = 0; gr < g.groups; ++gr) {
      im2col<T, false>(px + (n * g.cin + gr * cg) * g.h * g.w, col.data(), g, cg, p);
      blas_gemm(CblasNoTrans, CblasNoTrans, og, hw, kk, pw + gr * og * kk, kk, col.data(), hw, T(0),
                py + (n * g.cout + gr * og) * hw, hw);
    }
    if (bias.defined()) {
      const T* pb = bias.data<T>();
      for (int64_t c = 0; c < g.cout; ++c) {
        T* row = py + (n * g.cout + c) * hw;
        for (int64_t k = 0; k < hw; ++k) row[k] += pb[c];
      }
    }
  }
}

template <typename T>
void conv2d_backward_im2col(const Tensor& gx, const Tensor& gw, const Tensor& gb, const Tensor& gy,
                            const Tensor& x, const Tensor& w, const Conv2dParams& p) {
  const Geometry g(x, w, gy, p);
  const int64_t cg = g.cin / g.groups, og = g.cout / g.groups, kk = cg * g.kh * g.kw;
  const int64_t hw = g.ho * g.wo;
  std::vector<T> col(kk * hw);
  const T* pgy = gy.data<T>();
  const T* pw = w.data<T>();
  if (gx.defined()) {
    T* pgx = gx.data<T>();
    std::fill(pgx, pgx + gx.numel(), T(0));
    for (int64_t n = 0; n < g.n; ++n) {
      for (int64_t gr = 0; gr < g.groups; ++gr) {
        blas_gemm(CblasTrans, CblasNoTrans, kk, hw, og, pw + gr * og * kk, kk,
                  pgy + (n * g.cout + gr * og) * hw, hw, T(0), col.data(), hw);
        im2col<T, true>(pgx + (n * g.cin + gr * cg) * g.h * g.w, col.data(), g, cg, p);
      }
    }
  }
  if (gw.defined()) {
    T* pgw = gw.data<T>();
    T* px = x.data<T>();
    for (int64_t n = 0; n < g.n; ++n) {
      for (int64_t gr = 0; gr < g.groups; ++gr) {
        im2col<T, false>(px + (n * g.cin + gr * cg) * g.h * g.w, col.data(), g, cg, p);
        blas_gemm(CblasNoTrans, CblasTrans, og, kk, hw, pgy + (n * g.cout + gr * og) * hw, hw,
                  col.data(), hw, n == 0 ? T(0) : T(1), pgw + gr * og * kk, kk);
      }
    }
  }
  if (gb.defined()) {
    T* pgb = gb.data<T>();
    for (int64_t c = 0; c < g.cout; ++c) {
      T s = 0;
      for (int64_t n = 0; n < g.n; ++n) {
        const T* row = pgy + (n * g.cout + c) * hw;
        for (int64_t k = 0; k < hw; ++k) s += row[k];
      }
      pgb[c] = s;
    }
  }
}

// ---------------------------------------------------------------- oneDNN (f32)

using dnnl::memory;
using Dims = memory::dims;

dnnl::engine& cpu_engine() {
  static dnnl::engine* e = new dnnl::engine(dnnl::engine::kind::cpu, 0);
  return *e;
}

// oneDNN (OpenMP build) reads the calling thread's OpenMP thread count, which is per thread, so
// each calling thread is synced to the pool size before executing. Looked up at run time because
// libgomp reaches us only through libdnnl.
void sync_omp_threads() {
  using SetFn = void (*)(int);
  static SetFn set = reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
  thread_local int current = 0;
  const int n = num_threads();
  if (set != nullptr && current != n) {
    set(n);
    current = n;
  }
}

// Whether oneDNN picks its own (blocked) layouts, reached through reorders from and to NCHW, or
// runs on plain NCHW/OIHW. Measured on conv 3x3 64->64 56x56 b8, 2 threads: blocked 10.4 ms vs
// plain 15.6 ms forward, 39.5 vs 52.6 ms forward+backward; but for 1x1 256->64 plain took 4.6 ms
// and blocked 17 ms, the reorders of the large input costing more than the convolution itself.
bool use_blocked_layout(int64_t kh, int64_t kw) { return kh * kw > 1; }

struct ConvKey {
  std::array<int64_t, 14> v;
  bool operator<(const ConvKey& o) const { return v < o.v; }
};

struct ConvPrimitives {
  dnnl::convolution_forward::primitive_desc fwd_pd;
  dnnl::convolution_forward fwd;
  bool has_bwd = false;
  dnnl::convolution_backward_data::primitive_desc bwd_data_pd;
  dnnl::convolution_backward_data bwd_data;
  dnnl::convolution_backward_weights::primitive_desc bwd_w_pd;
  dnnl::convolution_backward_weights bwd_w;
};

struct ConvSetup {
  memory::desc x_md, w_md, b_md, y_md;  // the caller's plain layouts
  Dims strides, dilation, pad_l, pad_r;
};

ConvSetup make_setup(const Geometry& g, const Conv2dParams& p) {
  ConvSetup s;
  const auto f32 = memory::data_type::f32;
  s.x_md = memory::desc({g.n, g.cin, g.h, g.w}, f32, memory::format_tag::nchw);
  s.y_md = memory::desc({g.n, g.cout, g.ho, g.wo}, f32, memory::format_tag::nchw);
  s.b_md = memory::desc({g.cout}, f32, memory::format_tag::x);
  if (g.groups == 1) {
    s.w_md = memory::desc({g.cout, g.cin, g.kh, g.kw}, f32, memory::format_tag::oihw);
  } else {
    s.w_md = memory::desc({g.groups, g.cout / g.groups, g.cin / g.groups, g.kh, g.kw}, f32,
                          memory::format_tag::goihw);
  }
  s.strides = {p.stride[0], p.stride[1]};
  s.dilation = {p.dilation[0] - 1, p.dilation[1] - 1};  // oneDNN counts the gaps
  s.pad_l = {p.padding[0], p.padding[1]};
  s.pad_r = s.pad_l;
  return s;
}

memory::desc maybe_any(const memory::desc& md, bool blocked) {
  if (!blocked) return md;
  return memory::desc(md.dims(), md.data_type(), memory::format_tag::any);
}

// Creating primitive descriptors costs far more than a small convolution, so they live per shape.
std::shared_ptr<ConvPrimitives> get_primitives(const Geometry& g, const Conv2dParams& p, bool bias,
                                               bool backward) {
  static std::mutex mu;
  static auto* cache = new std::map<ConvKey, std::shared_ptr<ConvPrimitives>>();
  const ConvKey key{{g.n, g.cin, g.h, g.w, g.cout, g.kh, g.kw, p.stride[0], p.stride[1],
                     p.padding[0], p.padding[1], p.dilation[0] * 1000 + p.dilation[1], g.groups,
                     bias}};
  std::lock_guard<std::mutex> lock(mu);
  std::shared_ptr<ConvPrimitives>& e = (*cache)[key];
  const ConvSetup s = make_setup(g, p);
  const bool blk = use_blocked_layout(g.kh, g.kw);
  auto any_of = [blk](const memory::desc& md) { return maybe_any(md, blk); };
  const auto algo = dnnl::algorithm::convolution_direct;
  if (!e) {
    auto prims = std::make_shared<ConvPrimitives>();
    const memory::desc b_md = bias ? any_of(s.b_md) : memory::desc();
    dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_training, algo, any_of(s.x_md),
                                      any_of(s.w_md), b_md, any_of(s.y_md), s.strides, s.dilation,
                                      s.pad_l, s.pad_r);
    prims->fwd_pd = dnnl::convolution_forward::primitive_desc(d, cpu_engine());
    prims->fwd = dnnl::convolution_forward(prims->fwd_pd);
    e = prims;
  }
  if (backward && !e->has_bwd) {
    dnnl::convolution_backward_data::desc dd(algo, any_of(s.x_md), any_of(s.w_md), any_of(s.y_md),
                                             s.strides, s.dilation, s.pad_l, s.pad_r);
    e->bwd_data_pd = dnnl::convolution_backward_data::primitive_desc(dd, cpu_engine(), e->fwd_pd);
    e->bwd_data = dnnl::convolution_backward_data(e->bwd_data_pd);
    const memory::desc b_md = bias ? any_of(s.b_md) : memory::desc();
    dnnl::convolution_backward_weights::desc wd(algo, any_of(s.x_md), any_of(s.w_md), b_md,
                                                any_of(s.y_md), s.strides, s.dilation, s.pad_l,
                                                s.pad_r);
    e->bwd_w_pd = dnnl::convolution_backward_weights::primitive_desc(wd, cpu_engine(), e->fwd_pd);
    e->bwd_w = dnnl::convolution_backward_weights(e->bwd_w_pd);
    e->has_bwd = true;
  }
  return e;
}

memory user_memory(const memory::desc& md, const Tensor& t) {
  return memory(md, cpu_engine(), t.raw_data());
}

// The user's memory itself when the primitive wants its layout, else a reordered copy.
memory to_layout(memory user, const memory::desc& want, dnnl::stream& s) {
  if (user.get_desc() == want) return user;
  memory m(want, cpu_engine());
  dnnl::reorder(user, m).execute(s, user, m);
  return m;
}

// Where the primitive should write an output destined for `user`.
memory out_memory(const memory& user, const memory::desc& want) {
  return user.get_desc() == want ? user : memory(want, cpu_engine());
}

void copy_back(memory m, memory user, dnnl::stream& s) {
  if (m.get() != user.get()) dnnl::reorder(m, user).execute(s, m, user);
}

void conv2d_forward_dnnl(const Tensor& y, const Tensor& x, const Tensor& w, const Tensor& bias,
                         const Conv2dParams& p) {
  sync_omp_threads();
  const Geometry g(x, w, y, p);
  const ConvSetup su = make_setup(g, p);
  auto prims = get_primitives(g, p, bias.defined(), false);
  const auto& pd = prims->fwd_pd;
  dnnl::stream s(cpu_engine());
  const memory ux = user_memory(su.x_md, x), uw = user_memory(su.w_md, w),
               uy = user_memory(su.y_md, y);
  const memory mx = to_layout(ux, pd.src_desc(), s), mw = to_layout(uw, pd.weights_desc(), s);
  const memory my = out_memory(uy, pd.dst_desc());
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, mx}, {DNNL_ARG_WEIGHTS, mw}, {DNNL_ARG_DST, my}};
  if (bias.defined()) {
    args[DNNL_ARG_BIAS] = to_layout(user_memory(su.b_md, bias), pd.bias_desc(), s);
  }
  prims->fwd.execute(s, args);
  copy_back(my, uy, s);
  s.wait();
}

void conv2d_backward_dnnl(const Tensor& gx, const Tensor& gw, const Tensor& gb, const Tensor& gy,
                          const Tensor& x, const Tensor& w, const Conv2dParams& p) {
  sync_omp_threads();
  const Geometry g(x, w, gy, p);
  const ConvSetup su = make_setup(g, p);
  auto prims = get_primitives(g, p, gb.defined(), true);
  dnnl::stream s(cpu_engine());
  const memory ugy = user_memory(su.y_md, gy);
  memory gy_done = ugy;  // gy in the layout the data gradient read it in, for reuse
  if (gx.defined()) {
    const auto& pd = prims->bwd_data_pd;
    const memory mgy = to_layout(ugy, pd.diff_dst_desc(), s);
    gy_done = mgy;
    const memory mw = to_layout(user_memory(su.w_md, w), pd.weights_desc(), s);
    const memory ugx = user_memory(su.x_md, gx);
    const memory mgx = out_memory(ugx, pd.diff_src_desc());
    prims->bwd_data.execute(
        s, {{DNNL_ARG_DIFF_DST, mgy}, {DNNL_ARG_WEIGHTS, mw}, {DNNL_ARG_DIFF_SRC, mgx}});
    copy_back(mgx, ugx, s);
  }
  if (gw.defined() || gb.defined()) {
    // A bias gradient nobody asked for is still produced by the cached primitive; it goes to a
    // scratch buffer, as does the weight gradient when only the bias wants one.
    const auto& pd = prims->bwd_w_pd;
    const memory mgy =
        pd.diff_dst_desc() == gy_done.get_desc() ? gy_done : to_layout(ugy, pd.diff_dst_desc(), s);
    const memory mx = to_layout(user_memory(su.x_md, x), pd.src_desc(), s);
    const memory ugw = gw.defined() ? user_memory(su.w_md, gw) : memory(su.w_md, cpu_engine());
    const memory mgw = out_memory(ugw, pd.diff_weights_desc());
    std::unordered_map<int, memory> args{
        {DNNL_ARG_DIFF_DST, mgy}, {DNNL_ARG_SRC, mx}, {DNNL_ARG_DIFF_WEIGHTS, mgw}};
    memory ugb, mgb;
    if (gb.defined()) {
      ugb = user_memory(su.b_md, gb);
      mgb = out_memory(ugb, pd.diff_bias_desc());
      args[DNNL_ARG_DIFF_BIAS] = mgb;
    }
    prims->bwd_w.execute(s, args);
    copy_back(mgw, ugw, s);
    if (gb.defined()) copy_back(mgb, ugb, s);
  }
  s.wait();
}

DC_REGISTER_KERNEL(conv2d_forward_kernel, CPU, f32, &conv2d_forward_dnnl);
DC_REGISTER_KERNEL(conv2d_backward_kernel, CPU, f32, &conv2d_backward_dnnl);
DC_REGISTER_KERNEL(conv2d_forward_kernel, CPU, f64, &conv2d_forward_im2col<double>);
DC_REGISTER_KERNEL(conv2d_backward_kernel, CPU, f64, &conv2d_backward_im2col<double>);

}  // namespace
}  // namespace dc
