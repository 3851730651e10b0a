// Kernel registration: each kernel file registers its functions for (device, dtype) in the table of
// the op it implements; the op looks its kernel up at call time. A missing entry is an error that
// names the op, the device and the dtype, never a silent fallback to another device.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace dc {

// What every kernel table holds, for coverage checks (e.g. that each op with a CPU kernel has a
// CUDA one): the table's op name and its registered (device, dtype) keys.
class KernelTableInfo {
 public:
  virtual ~KernelTableInfo() = default;
  virtual const std::string& op() const = 0;
  virtual bool has(DeviceType device, DType dtype) const = 0;
};
// Every kernel table made so far, in creation order. Tables are made on first use and every
// registration uses its table, so after static initialization all registered tables are listed.
std::vector<const KernelTableInfo*> all_kernel_tables();
namespace detail {
void add_kernel_table(const KernelTableInfo* table);
}  // namespace detail

template <typename Fn>
class KernelTable final : public KernelTableInfo {
 public:
  explicit KernelTable(std::string op) : op_(std::move(op)) { detail::add_kernel_table(this); }
  const std::string& op() const override { return op_; }
  bool has(DeviceType device, DType dtype) const override {
    return kernels_.count({device, dtype}) > 0;
  }

  void add(DeviceType device, DType dtype, Fn* fn) { kernels_[{device, dtype}] = fn; }

  Fn* get(Device device, DType dtype) const {
    auto it = kernels_.find({device.type, dtype});
    if (it != kernels_.end()) return it->second;
    std::string have;
    for (const auto& [key, fn] : kernels_) {
      have += std::string(have.empty() ? "" : ", ") + Device{key.first, 0}.str().substr(0, 4) +
              "/" + dtype_name(key.second);
    }
    DC_FAIL(op_, ": no kernel for device ", device, " and dtype ", dtype_name(dtype),
            " (registered: ", have.empty() ? "none" : have, ")");
  }

 private:
  std::string op_;
  std::map<std::pair<DeviceType, DType>, Fn*> kernels_;
};

}  // namespace dc

// In the op's .cc: DC_DEFINE_KERNEL(relu_kernel, void(const Tensor&, const Tensor&));
// In its header:   DC_DECLARE_KERNEL(relu_kernel, void(const Tensor&, const Tensor&));
// Function-local statics make the table exist before any registering file's static initializer.
#define DC_DECLARE_KERNEL(name, signature) ::dc::KernelTable<signature>& name();
#define DC_DEFINE_KERNEL(name, signature)                         \
  ::dc::KernelTable<signature>& name() {                          \
    static auto* table = new ::dc::KernelTable<signature>(#name); \
    return *table;                                                \
  }
#define DC_KERNEL_CONCAT2(a, b) a##b
#define DC_KERNEL_CONCAT(a, b) DC_KERNEL_CONCAT2(a, b)
// In a kernel file: DC_REGISTER_KERNEL(relu_kernel, CPU, f32, &relu_cpu<float>);
#define DC_REGISTER_KERNEL(name, device, dtype, fn)                 \
  static const bool DC_KERNEL_CONCAT(dc_registered_, __COUNTER__) = \
      (name().add(::dc::DeviceType::device, ::dc::DType::dtype, fn), true)
