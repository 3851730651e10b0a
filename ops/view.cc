// The differentiable view and copy methods of Tensor (declared in core/tensor.h). Views share
// storage; their backward maps the gradient back through the inverse geometry.
#include <algorithm>

#include "autograd/node.h"
#include "core/copy.h"
#include "ops/creation.h"
#include "ops/reduce.h"

namespace dc {
namespace {

// Records a view whose backward is `back` applied to the output gradient.
Tensor record_view(const char* name, const Tensor& x, Tensor y,
                   std::function<Tensor(const Tensor&)> back) {
  record_op(name, {x}, {y},
            [back = std::move(back)](const std::vector<Tensor>& g, const std::vector<bool>&) {
              return std::vector<Tensor>{back(g[0])};
            });
  return y;
}

Shape infer_shape(const Shape& shape, int64_t numel, const char* op, const Tensor& x) {
  Shape out = shape;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      DC_CHECK(infer < 0, op, ": only one dim can be -1, got ", shape_str(shape));
      infer = static_cast<int64_t>(i);
    } else {
      DC_CHECK(out[i] >= 0, op, ": invalid size in ", shape_str(shape));
      known *= out[i];
    }
  }
  if (infer >= 0) {
    DC_CHECK(known != 0 && numel % known == 0, op, ": cannot view ", x.str(), " as ",
             shape_str(shape));
    out[infer] = numel / known;
  }
  DC_CHECK(shape_numel(out) == numel, op, ": shape ", shape_str(shape), " is invalid for ", x.str(),
           " (", numel, " elements)");
  return out;
}

// Strides for viewing x with `shape` without a copy, if possible (PyTorch's computeStride rule).
bool view_strides(const Tensor& x, const Shape& shape, Shape* strides) {
  if (x.numel() == 0 || x.is_contiguous()) {
    *strides = contiguous_strides(shape);
    return true;
  }
  const Shape& os = x.sizes();
  const Shape& ost = x.strides();
  strides->assign(shape.size(), 0);
  int64_t view_d = static_cast<int64_t>(shape.size()) - 1;
  int64_t chunk_base_stride = ost.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(os.size()) - 1; d >= 0; --d) {
    tensor_numel *= os[d];
    if (d == 0 || (os[d - 1] != 1 && ost[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
        (*strides)[view_d] = view_numel * chunk_base_stride;
        view_numel *= shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (d > 0) {
        chunk_base_stride = ost[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}

}  // namespace

Tensor Tensor::view(const Shape& shape) const {
  const Shape s = infer_shape(shape, numel(), "view", *this);
  Shape st;
  DC_CHECK(view_strides(*this, s, &st), "view: ", str(), " with strides ", shape_str(strides()),
           " cannot be viewed as ", shape_str(s), " without a copy (use reshape)");
  const Shape in = sizes();
  return record_view("view", *this, as_strided(s, st, offset()),
                     [in](const Tensor& g) { return g.reshape(in); });
}

Tensor Tensor::reshape(const Shape& shape) const {
  const Shape s = infer_shape(shape, numel(), "reshape", *this);
  Shape st;
  if (view_strides(*this, s, &st)) return view(s);
  return contiguous().view(s);
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  if (dim() == 0) return reshape({1});
  const int64_t s = wrap_dim(start_dim, dim(), "flatten"), e = wrap_dim(end_dim, dim(), "flatten");
  DC_CHECK(s <= e, "flatten: start_dim ", start_dim, " after end_dim ", end_dim);
  Shape out(sizes().begin(), sizes().begin() + s);
  int64_t m = 1;
  for (int64_t d = s; d <= e; ++d) m *= size(d);
  out.push_back(m);
  out.insert(out.end(), sizes().begin() + e + 1, sizes().end());
  return reshape(out);
}

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  const int64_t a = wrap_dim(d0, dim(), "transpose"), b = wrap_dim(d1, dim(), "transpose");
  Shape s = sizes(), st = strides();
  if (dim() > 0) {
    std::swap(s[a], s[b]);
    std::swap(st[a], st[b]);
  }
  return record_view("transpose", *this, as_strided(s, st, offset()),
                     [a, b](const Tensor& g) { return g.transpose(a, b); });
}

Tensor Tensor::permute(const std::vector<int64_t>& dims) const {
  DC_CHECK(static_cast<int64_t>(dims.size()) == dim(), "permute: ", dims.size(), " dims given for ",
           str());
  Shape s(dim()), st(dim());
  std::vector<int64_t> inverse(dim(), -1);
  for (int64_t i = 0; i < dim(); ++i) {
    const int64_t d = wrap_dim(dims[i], dim(), "permute");
    DC_CHECK(inverse[d] < 0, "permute: dim ", dims[i], " repeated");
    inverse[d] = i;
    s[i] = size(d);
    st[i] = stride(d);
  }
  return record_view("permute", *this, as_strided(s, st, offset()),
                     [inverse](const Tensor& g) { return g.permute(inverse); });
}

Tensor Tensor::slice(int64_t d, int64_t start, int64_t end, int64_t step) const {
  const int64_t w = wrap_dim(d, dim(), "slice");
  DC_CHECK(step > 0, "slice: step must be positive, got ", step);
  const int64_t n = size(w);
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Shape s = sizes(), st = strides();
  s[w] = (end - start + step - 1) / step;
  st[w] *= step;
  Tensor y = as_strided(s, st, offset() + start * stride(w));
  const Shape in = sizes();
  const DType t = dtype();
  return record_view("slice", *this, y, [in, t, w, start, end, step](const Tensor& g) {
    Tensor z = zeros(in, t, g.device());
    copy_into(z.slice(w, start, end, step), g);
    return z;
  });
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
  const int64_t w = wrap_dim(d, dim(), "narrow");
  DC_CHECK(start >= 0 && length >= 0 && start + length <= size(w), "narrow: [", start, ", ",
           start + length, ") out of range for dim ", d, " of ", str());
  return slice(w, start, start + length);
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  const int64_t w = wrap_dim(d, dim(), "select");
  const int64_t n = size(w);
  DC_CHECK(index >= -n && index < n, "select: index ", index, " out of range for dim ", d, " of ",
           str());
  if (index < 0) index += n;
  Shape s = sizes(), st = strides();
  s.erase(s.begin() + w);
  st.erase(st.begin() + w);
  Tensor y = as_strided(s, st, offset() + index * stride(w));
  const Shape in = sizes();
  const DType t = dtype();
  return record_view("select", *this, y, [in, t, w, index](const Tensor& g) {
    Tensor z = zeros(in, t, g.device());
    copy_into(z.detach().select(w, index), g);
    return z;
  });
}

Tensor Tensor::expand(const Shape& shape) const {
  Shape target = shape;
  const int64_t lead = static_cast<int64_t>(shape.size()) - dim();
  DC_CHECK(lead >= 0, "expand: cannot expand ", str(), " to fewer dims ", shape_str(shape));
  for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i) {
    if (shape[i] == -1) {
      DC_CHECK(i >= lead, "expand: -1 not allowed for a new leading dim in ", shape_str(shape));
      target[i] = size(i - lead);
    }
  }
  Tensor y = broadcast_to_raw(*this, target, "expand");
  const Shape in = sizes();
  return record_view("expand", *this, y, [in](const Tensor& g) { return sum_to_shape(g, in); });
}

Tensor Tensor::unsqueeze(int64_t d) const {
  const int64_t w = wrap_dim(d, dim() + 1, "unsqueeze");
  Shape s = sizes();
  s.insert(s.begin() + w, 1);
  return view(s);
}

Tensor Tensor::squeeze() const {
  Shape s;
  for (int64_t v : sizes()) {
    if (v != 1) s.push_back(v);
  }
  return reshape(s);
}

Tensor Tensor::squeeze(int64_t d) const {
  const int64_t w = wrap_dim(d, dim(), "squeeze");
  if (dim() == 0 || size(w) != 1) return *this;
  Shape s = sizes();
  s.erase(s.begin() + w);
  return reshape(s);
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  Tensor y = empty(sizes(), dtype(), device());
  copy_into(y, *this);
  return record_view("clone", *this, y, [](const Tensor& g) { return g; });
}

Tensor Tensor::to(DType t) const {
  if (t == dtype()) return *this;
  Tensor y = empty(sizes(), t, device());
  copy_into(y, *this);
  if (!is_floating(t)) return y;  // integer results carry no gradient
  const DType from = dtype();
  return record_view("to", *this, y, [from](const Tensor& g) { return g.to(from); });
}

Tensor Tensor::to(Device d) const {
  if (d == device()) return *this;
  // empty() fails naming the device when this build has no CUDA backend or no such GPU.
  Tensor y = empty(sizes(), dtype(), d);
  copy_into(y, *this);
  const Device from = device();
  return record_view("to", *this, y, [from](const Tensor& g) { return g.to(from); });
}

}  // namespace dc
