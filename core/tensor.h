// Tensor: a reference-counted handle to a strided view of a storage, with the autograd fields.
//
// Layering note: this header declares the differentiable methods (view, transpose, to, backward,
// ...) so that users write x.transpose(0, 1) as in PyTorch; their definitions live in ops/ and
// autograd/, which record the graph. core/ itself only implements geometry and raw data access.
#pragma once

#include <memory>
#include <vector>

#include "core/device.h"
#include "core/dtype.h"
#include "core/shape.h"
#include "core/storage.h"

namespace dc {

class Node;  // autograd/node.h
struct TensorImpl;

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // --- metadata ---
  bool defined() const { return impl_ != nullptr; }
  const Shape& sizes() const;
  const Shape& strides() const;
  Shape shape() const { return sizes(); }
  int64_t dim() const { return static_cast<int64_t>(sizes().size()); }
  int64_t size(int64_t d) const;
  int64_t stride(int64_t d) const;
  int64_t numel() const;
  int64_t offset() const;  // in elements, into the storage
  DType dtype() const;
  Device device() const;
  bool is_contiguous() const;
  const Storage& storage() const;
  std::string str() const;  // "f32[2, 3]" for messages
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool same(const Tensor& o) const { return impl_ == o.impl_; }

  // --- raw data (CPU) ---
  void* raw_data() const;  // pointer to element 0 of the view
  template <typename T>
  T* data() const {
    DC_CHECK(DTypeOf<T>::value == dtype(), "data<", dtype_name(DTypeOf<T>::value),
             ">() called on a tensor of dtype ", dtype_name(dtype()));
    return static_cast<T*>(raw_data());
  }
  template <typename T>
  T item() const;                         // the single element, converted to T
  std::vector<double> to_vector() const;  // all elements in row-major order, as double

  // --- raw views: share storage, never recorded by autograd (kernels and internals use these) ---
  Tensor as_strided(const Shape& sizes, const Shape& strides, int64_t offset) const;
  Tensor detach() const;  // same data, no grad history

  // --- differentiable views and copies (defined in ops/view.cc and ops/copy.cc) ---
  Tensor view(const Shape& shape) const;     // requires compatible strides; -1 infers one dim
  Tensor reshape(const Shape& shape) const;  // view when possible, else a contiguous copy
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor transpose(int64_t d0, int64_t d1) const;
  Tensor t() const { return transpose(0, 1); }
  Tensor permute(const std::vector<int64_t>& dims) const;
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor expand(const Shape& shape) const;  // -1 keeps a dim
  Tensor unsqueeze(int64_t dim) const;
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor contiguous() const;
  Tensor clone() const;
  Tensor to(DType dtype) const;
  Tensor to(Device device) const;

  // --- autograd (defined in autograd/) ---
  bool requires_grad() const;
  Tensor& set_requires_grad(bool value);  // only on leaves
  bool is_leaf() const;
  Tensor grad() const;
  void zero_grad();  // drops the accumulated gradient
  const std::shared_ptr<Node>& grad_fn() const;
  void backward(const Tensor& grad_output = Tensor(), bool retain_graph = false) const;

 private:
  std::shared_ptr<TensorImpl> impl_;
};

struct TensorImpl {
  Storage storage;
  int64_t offset = 0;
  Shape sizes;
  Shape strides;
  DType dtype = DType::f32;
  // Autograd state. A tensor with requires_grad and no grad_fn is a leaf whose .grad is
  // accumulated.
  bool requires_grad = false;
  std::shared_ptr<Node> grad_fn;
  int output_nr = 0;  // which output of grad_fn this tensor is
  std::shared_ptr<TensorImpl> grad;
};

// A new tensor with fresh, uninitialized storage (contiguous).
Tensor empty(const Shape& shape, DType dtype = DType::f32, Device device = kCPU);
Tensor empty_like(const Tensor& t);
// A tensor viewing `storage` with the given geometry.
Tensor make_tensor(Storage storage, const Shape& sizes, const Shape& strides, int64_t offset,
                   DType dtype);

// A tensor holding a copy of host values, converted to dtype (f32 by default).
Tensor tensor_from(const std::vector<double>& values, const Shape& shape, DType dtype = DType::f32);

std::ostream& operator<<(std::ostream& os, const Tensor& t);

}  // namespace dc
