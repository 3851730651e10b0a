#include "train/run_device.h"

#include "core/error.h"
#include "train/dist/comm.h"

#ifdef DC_WITH_CUDA
#include "core/cuda/device.h"
#endif

namespace dc {
namespace {

// How messages name where the value came from: a config key, or a command-line flag ("--device",
// for the commands that take the device as an option, e.g. bench train-step).
std::string source(const std::string& key) {
  return (key.rfind("--", 0) == 0 ? "option " : "config key ") + key;
}

}  // namespace

DeviceRequest parse_device_request(const std::string& value, const std::string& key) {
  DeviceRequest r;
  if (value == "cpu") return r;
  r.type = DeviceType::CUDA;
  if (value == "cuda") return r;
  const bool numbered = value.rfind("cuda:", 0) == 0 && value.size() > 5 && value.size() <= 9 &&
                        value.find_first_not_of("0123456789", 5) == std::string::npos;
  DC_CHECK(numbered, source(key), ": '", value, "' is not a device (expected cpu, cuda or ",
           "cuda:N)");
  r.index = std::stoi(value.substr(5));
  return r;
}

int usable_cuda_devices() {
#ifdef DC_WITH_CUDA
  return cuda_device_count();
#else
  return 0;
#endif
}

void check_device_usable(const std::string& value, const std::string& key) {
  const DeviceRequest r = parse_device_request(value, key);
  if (r.is_cpu()) return;
#ifndef DC_WITH_CUDA
  DC_FAIL(source(key), ": '", value,
          "': this build has no CUDA backend (no CUDA toolkit was found when it was built; see "
          "docs/CUDA.md); the only device is cpu");
#else
  const int count = cuda_device_count();
  DC_CHECK(count > 0, source(key), ": '", value, "': no CUDA device is usable on this machine (",
           cuda_unavailable_reason(), "); the only device is cpu");
  DC_CHECK(r.index < count, source(key), ": '", value, "': this machine has ", count,
           " CUDA device", count == 1 ? "" : "s", " (cpu, cuda:0",
           count > 1 ? " to cuda:" + std::to_string(count - 1) : std::string(), ")");
#endif
}

Device resolve_device(const std::string& value, int rank, const std::string& key) {
  check_device_usable(value, key);
  const DeviceRequest r = parse_device_request(value, key);
  if (r.is_cpu()) return kCPU;
  if (r.index >= 0) return Device{DeviceType::CUDA, r.index};
  return Device{DeviceType::CUDA, nccl_device_for_rank(rank, usable_cuda_devices())};
}

void use_device(Device device) {
  if (device.is_cpu()) return;
#ifdef DC_WITH_CUDA
  cuda_set_device(device.index);
#else
  DC_FAIL("device ", device, ": this build has no CUDA backend");
#endif
}

}  // namespace dc
