#include "core/tensor.h"

#include <ostream>
#include <sstream>

#include "core/copy.h"

namespace dc {

const Shape& Tensor::sizes() const {
  DC_CHECK(impl_, "use of an undefined tensor");
  return impl_->sizes;
}
const Shape& Tensor::strides() const {
  DC_CHECK(impl_, "use of an undefined tensor");
  return impl_->strides;
}
int64_t Tensor::size(int64_t d) const { return sizes()[wrap_dim(d, dim(), "size")]; }
int64_t Tensor::stride(int64_t d) const { return strides()[wrap_dim(d, dim(), "stride")]; }
int64_t Tensor::numel() const { return shape_numel(sizes()); }
int64_t Tensor::offset() const { return impl_->offset; }
DType Tensor::dtype() const {
  DC_CHECK(impl_, "use of an undefined tensor");
  return impl_->dtype;
}
Device Tensor::device() const {
  DC_CHECK(impl_, "use of an undefined tensor");
  return impl_->storage ? impl_->storage->device() : kCPU;
}
const Storage& Tensor::storage() const { return impl_->storage; }

bool Tensor::is_contiguous() const {
  if (numel() == 0) return true;  // nothing to lay out, whatever the strides say (as PyTorch)
  int64_t expected = 1;
  for (int64_t i = dim() - 1; i >= 0; --i) {
    if (impl_->sizes[i] == 1) continue;
    if (impl_->strides[i] != expected) return false;
    expected *= impl_->sizes[i];
  }
  return true;
}

std::string Tensor::str() const {
  if (!impl_) return "undefined";
  return std::string(dtype_name(dtype())) + shape_str(sizes());
}

void* Tensor::raw_data() const {
  DC_CHECK(impl_, "use of an undefined tensor");
  if (!impl_->storage || impl_->storage->data() == nullptr) return nullptr;
  return static_cast<char*>(impl_->storage->data()) + impl_->offset * dtype_size(impl_->dtype);
}

std::vector<double> Tensor::to_vector() const {
  DC_CHECK(device().is_cpu(), "to_vector: tensor is on ", device(), "; move it to cpu first");
  Tensor out = empty(sizes(), DType::f64);
  copy_into(out, *this);
  const double* p = out.data<double>();
  return std::vector<double>(p, p + out.numel());
}

template <typename T>
T Tensor::item() const {
  DC_CHECK(numel() == 1, "item: expected a tensor with one element, got ", str());
  return static_cast<T>(to_vector()[0]);
}
template float Tensor::item<float>() const;
template double Tensor::item<double>() const;
template int64_t Tensor::item<int64_t>() const;
template int32_t Tensor::item<int32_t>() const;
template bool Tensor::item<bool>() const;

Tensor Tensor::as_strided(const Shape& sizes, const Shape& strides, int64_t offset) const {
  DC_CHECK(sizes.size() == strides.size(), "as_strided: ", sizes.size(), " sizes but ",
           strides.size(), " strides");
  return make_tensor(impl_->storage, sizes, strides, offset, impl_->dtype);
}

Tensor Tensor::detach() const {
  return make_tensor(impl_->storage, impl_->sizes, impl_->strides, impl_->offset, impl_->dtype);
}

Tensor make_tensor(Storage storage, const Shape& sizes, const Shape& strides, int64_t offset,
                   DType dtype) {
  for (int64_t s : sizes) DC_CHECK(s >= 0, "negative size in shape ", shape_str(sizes));
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::move(storage);
  impl->sizes = sizes;
  impl->strides = strides;
  impl->offset = offset;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor empty(const Shape& shape, DType dtype, Device device) {
  for (int64_t s : shape) DC_CHECK(s >= 0, "empty: negative size in shape ", shape_str(shape));
  const size_t nbytes = static_cast<size_t>(shape_numel(shape)) * dtype_size(dtype);
  auto storage = std::make_shared<StorageImpl>(nbytes, allocator_for(device));
  return make_tensor(std::move(storage), shape, contiguous_strides(shape), 0, dtype);
}

Tensor empty_like(const Tensor& t) { return empty(t.sizes(), t.dtype(), t.device()); }

Tensor tensor_from(const std::vector<double>& values, const Shape& shape, DType dtype) {
  DC_CHECK(static_cast<int64_t>(values.size()) == shape_numel(shape),
           "tensor_from: ", values.size(), " values for shape ", shape_str(shape));
  Tensor src = empty(shape, DType::f64);
  std::copy(values.begin(), values.end(), static_cast<double*>(src.raw_data()));
  if (dtype == DType::f64) return src;
  Tensor out = empty(shape, dtype);
  copy_into(out, src);
  return out;
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  os << "tensor(" << t.str();
  if (t.defined() && t.device().is_cpu() && t.numel() <= 64) {
    os << ", [";
    const auto v = t.to_vector();
    for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
    os << "]";
  }
  return os << ")";
}

}  // namespace dc
