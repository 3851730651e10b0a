#include "train/batch_device.h"

#include "core/error.h"

#ifdef DC_WITH_CUDA
#include "core/cuda/cuda_allocator.h"
#include "core/cuda/cuda_copy.h"
#endif

namespace dc {
namespace {

Tensor moved(const Tensor& t, Device device, const std::string& field) {
  if (!t.defined() || t.device() == device) return t;
  try {
#ifdef DC_WITH_CUDA
    if (device.type == DeviceType::CUDA && is_pinned(t)) return to_device_async(t.detach(), device);
#endif
    return t.detach().to(device);
  } catch (const Error& e) {
    DC_FAIL("batch_to(", device.str(), "): field '", field, "' ", t.str(), ": ", e.what());
  }
}

}  // namespace

Batch batch_to(const Batch& batch, Device device) {
  Batch out;
  out.indices = batch.indices;
  out.epoch = batch.epoch;
  for (const auto& [name, t] : batch.tensors) out.tensors[name] = moved(t, device, name);
  for (const auto& [name, list] : batch.lists) {
    std::vector<Tensor>& dst = out.lists[name];
    dst.reserve(list.size());
    for (size_t i = 0; i < list.size(); ++i) {
      dst.push_back(moved(list[i], device, name + "[" + std::to_string(i) + "]"));
    }
  }
  return out;
}

void pin_batch(Batch& batch) {
#ifdef DC_WITH_CUDA
  for (auto& [name, t] : batch.tensors) t = pin_memory(t);
  for (auto& [name, list] : batch.lists) {
    for (Tensor& t : list) t = pin_memory(t);
  }
#else
  (void)batch;
  DC_FAIL(
      "pin_batch: this build has no CUDA backend, so there is no pinned memory (data.pin_memory "
      "applies only to a CUDA device)");
#endif
}

Device module_device(const Module& module) {
  for (const auto& [name, p] : module.named_parameters()) return p.device();
  for (const auto& [name, b] : module.named_buffers()) return b.device();
  return kCPU;
}

}  // namespace dc
