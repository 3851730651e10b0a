#include "train/optim/host_scalars.h"

#include <map>

#include "autograd/grad_mode.h"
#include "core/error.h"
#include "ops/join.h"

namespace dc {

std::vector<double> host_scalars(const std::vector<Tensor>& scalars) {
  NoGradGuard no_grad;
  std::vector<double> out(scalars.size());
  // Positions of the device tensors, per device (a job uses one, but nothing here assumes it).
  std::map<std::pair<int, int>, std::vector<size_t>> on_device;
  for (size_t i = 0; i < scalars.size(); ++i) {
    const Tensor& t = scalars[i];
    DC_CHECK(t.defined() && t.numel() == 1, "host_scalars: entry ", i, " is ",
             t.defined() ? t.str() : std::string("undefined"), ", expected one element");
    if (t.device().is_cpu()) {
      out[i] = t.item<double>();
    } else {
      on_device[{static_cast<int>(t.device().type), t.device().index}].push_back(i);
    }
  }
  for (const auto& [device, positions] : on_device) {
    // f64 holds every f32, f16 and bf16 value exactly, so the values equal item<double>()'s.
    std::vector<Tensor> parts;
    parts.reserve(positions.size());
    for (size_t i : positions) parts.push_back(scalars[i].detach().reshape({1}).to(DType::f64));
    const std::vector<double> values = cat(parts).to(kCPU).to_vector();
    for (size_t k = 0; k < positions.size(); ++k) out[positions[k]] = values[k];
  }
  return out;
}

}  // namespace dc
