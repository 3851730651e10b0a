#include "core/cuda/stream.h"

#include <vector>

#include "core/cuda/cuda_check.h"
#include "core/cuda/device.h"

namespace dc {
namespace {

int resolve(int device) { return device < 0 ? cuda_current_device() : device; }

}  // namespace

CudaStream CudaStream::default_stream(int device) {
  check_cuda_device(Device{DeviceType::CUDA, device});
  return CudaStream(nullptr, device, nullptr);
}

CudaStream CudaStream::create(int device, bool high_priority) {
  CudaDeviceGuard guard(device);
  int least = 0, greatest = 0;
  DC_CUDA_CHECK(cudaDeviceGetStreamPriorityRange(&least, &greatest), "CudaStream::create");
  cudaStream_t s = nullptr;
  DC_CUDA_CHECK(
      cudaStreamCreateWithPriority(&s, cudaStreamNonBlocking, high_priority ? greatest : least),
      "CudaStream::create(cuda:", device, ")");
  std::shared_ptr<void> owner(static_cast<void*>(s), [device](void* p) {
    int prev = 0;
    (void)cudaGetDevice(&prev);
    (void)cudaSetDevice(device);
    (void)cudaStreamDestroy(static_cast<cudaStream_t>(p));
    (void)cudaSetDevice(prev);
  });
  return CudaStream(s, device, std::move(owner));
}

void CudaStream::synchronize() const {
  CudaDeviceGuard guard(device_);
  DC_CUDA_CHECK(cudaStreamSynchronize(handle_), "CudaStream::synchronize (cuda:", device_, ")");
}

bool CudaStream::query() const {
  CudaDeviceGuard guard(device_);
  const cudaError_t e = cudaStreamQuery(handle_);
  if (e == cudaErrorNotReady) return false;
  DC_CUDA_CHECK(e, "CudaStream::query (cuda:", device_, ")");
  return true;
}

namespace {
thread_local std::vector<CudaStream>* t_current = nullptr;

std::vector<CudaStream>& current_table() {
  if (t_current == nullptr) {
    // One table per thread, leaked with the thread (holds at most a few handles).
    t_current = new std::vector<CudaStream>();
    const int n = cuda_device_count();
    for (int d = 0; d < n; ++d) t_current->push_back(CudaStream::default_stream(d));
  }
  return *t_current;
}
}  // namespace

CudaStream current_cuda_stream(int device) {
  const int d = resolve(device);
  check_cuda_device(Device{DeviceType::CUDA, d});
  return current_table()[d];
}

void set_current_cuda_stream(const CudaStream& stream) {
  check_cuda_device(Device{DeviceType::CUDA, stream.device()});
  current_table()[stream.device()] = stream;
}

CudaStreamGuard::CudaStreamGuard(const CudaStream& stream)
    : previous_(current_cuda_stream(stream.device())), previous_device_(cuda_current_device()) {
  set_current_cuda_stream(stream);
  DC_CUDA_CHECK(cudaSetDevice(stream.device()), "CudaStreamGuard");
}

CudaStreamGuard::~CudaStreamGuard() {
  current_table()[previous_.device()] = previous_;
  (void)cudaSetDevice(previous_device_);
}

CudaEvent::CudaEvent(bool enable_timing) : timing_(enable_timing) {}

CudaEvent::~CudaEvent() {
  if (event_ != nullptr) (void)cudaEventDestroy(event_);
}

void CudaEvent::record(const CudaStream& stream) {
  CudaDeviceGuard guard(stream.device());
  if (event_ == nullptr) {
    DC_CUDA_CHECK(
        cudaEventCreateWithFlags(&event_, timing_ ? cudaEventDefault : cudaEventDisableTiming),
        "CudaEvent::record");
    device_ = stream.device();
  }
  DC_CHECK(device_ == stream.device(), "CudaEvent::record: event of cuda:", device_,
           " recorded on a stream of cuda:", stream.device());
  DC_CUDA_CHECK(cudaEventRecord(event_, stream.handle()), "CudaEvent::record");
  recorded_ = true;
}

void CudaEvent::record() { record(current_cuda_stream()); }

void CudaEvent::block(const CudaStream& stream) const {
  if (!recorded_) return;
  CudaDeviceGuard guard(stream.device());
  DC_CUDA_CHECK(cudaStreamWaitEvent(stream.handle(), event_, 0), "CudaEvent::block");
}

void CudaEvent::synchronize() const {
  if (!recorded_) return;
  DC_CUDA_CHECK(cudaEventSynchronize(event_), "CudaEvent::synchronize");
}

bool CudaEvent::query() const {
  if (!recorded_) return true;
  const cudaError_t e = cudaEventQuery(event_);
  if (e == cudaErrorNotReady) return false;
  DC_CUDA_CHECK(e, "CudaEvent::query");
  return true;
}

float CudaEvent::elapsed_ms(const CudaEvent& end) const {
  DC_CHECK(timing_ && end.timing_, "CudaEvent::elapsed_ms: both events need enable_timing");
  DC_CHECK(recorded_ && end.recorded_, "CudaEvent::elapsed_ms: both events must be recorded");
  float ms = 0;
  DC_CUDA_CHECK(cudaEventElapsedTime(&ms, event_, end.event_), "CudaEvent::elapsed_ms");
  return ms;
}

}  // namespace dc
