// CUDA streams and events.
//
// Every device has a current stream per thread, the one kernels, copies and the caching allocator
// use. It starts as the device's default (legacy) stream, which orders itself with all other work
// on the device, so code that never touches streams is correct; CudaStreamGuard switches to another
// stream for a scope.
#pragma once

#include <cuda_runtime_api.h>

#include <memory>

namespace dc {

class CudaStream {
 public:
  // The legacy default stream of a device.
  static CudaStream default_stream(int device);
  // A new stream (non-blocking with respect to the default stream), destroyed with its last copy.
  static CudaStream create(int device, bool high_priority = false);

  cudaStream_t handle() const { return handle_; }
  int device() const { return device_; }
  bool is_default() const { return handle_ == nullptr; }
  // Waits until all work queued on the stream has finished.
  void synchronize() const;
  // True when all work queued on the stream has finished.
  bool query() const;
  bool operator==(const CudaStream& o) const {
    return handle_ == o.handle_ && device_ == o.device_;
  }

 private:
  CudaStream(cudaStream_t handle, int device, std::shared_ptr<void> owner)
      : handle_(handle), device_(device), owner_(std::move(owner)) {}
  cudaStream_t handle_ = nullptr;
  int device_ = 0;
  std::shared_ptr<void> owner_;  // destroys an owned stream; empty for the default stream
};

// The calling thread's current stream on `device` (-1: the current device).
CudaStream current_cuda_stream(int device = -1);
void set_current_cuda_stream(const CudaStream& stream);

// Makes `stream` current on its device for a scope (and that device current), then restores both.
class CudaStreamGuard {
 public:
  explicit CudaStreamGuard(const CudaStream& stream);
  ~CudaStreamGuard();
  CudaStreamGuard(const CudaStreamGuard&) = delete;
  CudaStreamGuard& operator=(const CudaStreamGuard&) = delete;

 private:
  CudaStream previous_;
  int previous_device_;
};

// A CUDA event: a point in a stream's work to wait for or to time from.
class CudaEvent {
 public:
  // enable_timing: needed by elapsed_ms (costs a little; off for pure synchronisation).
  explicit CudaEvent(bool enable_timing = false);
  ~CudaEvent();
  CudaEvent(const CudaEvent&) = delete;
  CudaEvent& operator=(const CudaEvent&) = delete;

  // Captures the work queued on `stream` so far (the current stream when omitted).
  void record(const CudaStream& stream);
  void record();
  // Makes `stream` wait (on the device, the host does not block) for the recorded work.
  void block(const CudaStream& stream) const;
  void synchronize() const;  // host waits for the recorded work
  bool query() const;        // recorded work finished (true if never recorded)
  // Milliseconds between this event and `end`, both recorded and finished; needs enable_timing.
  float elapsed_ms(const CudaEvent& end) const;
  cudaEvent_t handle() const { return event_; }

 private:
  cudaEvent_t event_ = nullptr;
  int device_ = -1;
  bool timing_;
  bool recorded_ = false;
};

}  // namespace dc
