#include "train/dist/nccl_comm.h"

#include <cuda_runtime_api.h>
#include <nccl.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <thread>

#include "core/cuda/cuda_check.h"
#include "core/cuda/device.h"
#include "core/cuda/stream.h"
#include "train/dist/mpi_comm.h"

namespace dc {

namespace {

ncclDataType_t nccl_type(DType d) {
  switch (d) {
    case DType::f32:
      return ncclFloat32;
    case DType::f64:
      return ncclFloat64;
    case DType::f16:
      return ncclFloat16;
    case DType::bf16:
      return ncclBfloat16;
    case DType::i32:
      return ncclInt32;
    case DType::i64:
      return ncclInt64;
    case DType::u8:
      return ncclUint8;
    default:
      DC_FAIL("all_reduce: no NCCL datatype for dtype ", dtype_name(d));
  }
}

ncclRedOp_t nccl_op(CommReduce op) {
  switch (op) {
    case CommReduce::sum:
      return ncclSum;
    case CommReduce::mean:
      return ncclAvg;
    case CommReduce::max:
      return ncclMax;
    case CommReduce::min:
      return ncclMin;
  }
  DC_FAIL("all_reduce: unknown reduction (internal error)");
}

class NcclCommunicator final : public Communicator {
 public:
  explicit NcclCommunicator(const CommOptions& options) : Communicator(options) {
    if (launched_by_mpirun()) {
      // MPI carries the unique id and the call descriptions; its own checks are ours.
      CommOptions mpi_options = options;
      mpi_options.backend = CommBackend::mpi;
      mpi_options.check_consistency = false;
      bootstrap_ = make_mpi_communicator(mpi_options);
      rank_ = bootstrap_->rank();
      size_ = bootstrap_->world_size();
    }
    const int count = cuda_device_count();
    DC_CHECK(count > 0, "dist: rank ", rank_, " of ", size_,
             ": the NCCL backend needs a CUDA device, and none is usable (",
             cuda_unavailable_reason(), ")");
    device_ = options.cuda_device >= 0 ? options.cuda_device : nccl_device_for_rank(rank_, count);
    cuda_set_device(device_);
    DC_CUDA_CHECK(cudaEventCreateWithFlags(&done_, cudaEventDisableTiming), "dist: rank ", rank_,
                  " of ", size_, ": creating the NCCL completion event on cuda:", device_);
    ncclUniqueId id;
    std::memset(&id, 0, sizeof id);
    if (rank_ == 0) check(ncclGetUniqueId(&id), "ncclGetUniqueId", "creating the communicator");
    if (bootstrap_) {
      Tensor bytes = empty({static_cast<int64_t>(sizeof id)}, DType::u8);
      std::memcpy(bytes.raw_data(), &id, sizeof id);
      bootstrap_->broadcast(bytes, 0, "ncclUniqueId");
      std::memcpy(&id, bytes.raw_data(), sizeof id);
    }
    // Non-blocking creation: a rank that never joins cannot hang this one past the timeout.
    ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
    config.blocking = 0;
    current_ = "creating the NCCL communicator (ncclCommInitRankConfig)";
    const auto start = std::chrono::steady_clock::now();
    check(ncclCommInitRankConfig(&comm_, size_, id, rank_, &config), "ncclCommInitRankConfig",
          current_);
    wait_ready("ncclCommInitRankConfig", start);
  }

  ~NcclCommunicator() override {
    if (comm_ != nullptr && !failed_) {
      // A non-blocking communicator finalizes asynchronously: wait (bounded by the timeout) for
      // its outstanding work, then free it; one that does not finish is aborted instead.
      const auto start = std::chrono::steady_clock::now();
      ncclResult_t state = ncclCommFinalize(comm_);
      while (state == ncclInProgress && seconds_since(start) < options().timeout_s) {
        std::this_thread::yield();
        if (ncclCommGetAsyncError(comm_, &state) != ncclSuccess) break;
      }
      if (state == ncclSuccess) {
        ncclCommDestroy(comm_);
      } else {
        ncclCommAbort(comm_);
      }
    }
    if (done_ != nullptr) cudaEventDestroy(done_);
  }

  int rank() const override { return rank_; }
  int world_size() const override { return size_; }
  const char* backend_name() const override { return "nccl"; }

 protected:
  void all_reduce_raw(void* data, int64_t count, DType dtype, CommReduce op) override {
    run("ncclAllReduce", [&](cudaStream_t s) {
      return ncclAllReduce(data, data, static_cast<size_t>(count), nccl_type(dtype), nccl_op(op),
                           comm_, s);
    });
  }

  void broadcast_raw(void* data, int64_t nbytes, int root) override {
    run("ncclBroadcast", [&](cudaStream_t s) {
      return ncclBroadcast(data, data, static_cast<size_t>(nbytes), ncclUint8, root, comm_, s);
    });
  }

  void all_gather_raw(const void* send, int64_t nbytes, void* recv) override {
    run("ncclAllGather", [&](cudaStream_t s) {
      return ncclAllGather(send, recv, static_cast<size_t>(nbytes), ncclUint8, comm_, s);
    });
  }

  // NCCL has no barrier: a one-element all-reduce that every rank must join, waited for.
  void barrier_raw() override {
    if (!barrier_buf_.defined()) barrier_buf_ = empty({1}, DType::f32, gpu());
    all_reduce_raw(barrier_buf_.raw_data(), 1, DType::f32, CommReduce::sum);
  }

  void all_gather_host(const void* send, int64_t nbytes, void* recv) override {
    DC_CHECK(bootstrap_ != nullptr, "dist: NCCL host gather without MPI (internal error)");
    Tensor t = empty({nbytes}, DType::u8);
    std::memcpy(t.raw_data(), send, static_cast<size_t>(nbytes));
    const Tensor all = bootstrap_->all_gather(t, "NCCL call description");
    std::memcpy(recv, all.raw_data(), static_cast<size_t>(nbytes * size_));
  }

  bool reduces(DType d) const override {
    return Communicator::reduces(d) || d == DType::f16 || d == DType::bf16;
  }
  bool native_mean(DType d) const override { return is_floating(d); }
  bool identity_when_alone() const override { return false; }

  void collective_begin(const std::string& what) override { current_ = what; }

  // CUDA tensors on this rank's GPU, and CPU tensors (loss values, evaluation sums), which are
  // staged through the GPU.
  void check_device(const char* op, const Tensor& t, const std::string& label) const override {
    DC_CHECK(t.device().is_cpu() || t.device() == gpu(), op, ": ", label, " is on ",
             t.device().str(), "; the nccl backend of rank ", rank_, " of ", size_,
             " handles tensors on this rank's GPU ", gpu().str(),
             " (and CPU tensors, staged through it); move the model and its data to ", gpu().str());
  }
  Device staging_device(const Tensor&) const override { return gpu(); }

 private:
  Device gpu() const { return Device{DeviceType::CUDA, device_}; }

  std::string where() const {
    return "dist: rank " + std::to_string(rank_) + " of " + std::to_string(size_) +
           " (nccl, cuda:" + std::to_string(device_) + ")";
  }

  // Throws for an NCCL result other than success (or in progress, for non-blocking calls).
  void check(ncclResult_t rc, const char* call, const std::string& what) {
    if (rc == ncclSuccess || rc == ncclInProgress) return;
    fail(rc, call, what);
  }

  [[noreturn]] void fail(ncclResult_t rc, const char* call, const std::string& what) {
    const char* last = comm_ != nullptr ? ncclGetLastError(comm_) : nullptr;
    abort_comm();
    DC_FAIL(where(), ": ", call, " failed during ", what, ": ", ncclGetErrorString(rc),
            (last != nullptr && *last != '\0') ? std::string(" (") + last + ")" : std::string(),
            "; the NCCL communicator was aborted (a peer rank has probably exited; the job cannot "
            "continue)");
  }

  [[noreturn]] void fail_timeout(const char* call, const std::string& what) {
    abort_comm();
    DC_FAIL(where(), ": ", what, " (", call, ") did not complete within ", options().timeout_s,
            " s (dist timeout_s); another rank has probably died, stalled, or called a different "
            "collective. The NCCL communicator was aborted (ncclCommAbort).");
  }

  // ncclCommAbort frees the communicator (and ends its kernels): it is never touched again.
  void abort_comm() {
    if (comm_ != nullptr && !failed_) ncclCommAbort(comm_);
    failed_ = true;
  }

  double seconds_since(std::chrono::steady_clock::time_point t0) const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  // A non-blocking communicator may still be busy with the last call: wait until it is not.
  void wait_ready(const char* call, std::chrono::steady_clock::time_point start) {
    for (;;) {
      ncclResult_t state = ncclSuccess;
      const ncclResult_t rc = ncclCommGetAsyncError(comm_, &state);
      if (rc != ncclSuccess) fail(rc, "ncclCommGetAsyncError", current_);
      if (state == ncclSuccess) return;
      if (state != ncclInProgress) fail(state, call, current_);
      if (seconds_since(start) > options().timeout_s) fail_timeout(call, current_);
      std::this_thread::yield();
    }
  }

  // Enqueues one NCCL call on the current stream of this rank's device and waits for it to
  // complete on the GPU, watching NCCL's asynchronous errors and the timeout.
  void run(const char* call, const std::function<ncclResult_t(cudaStream_t)>& enqueue) {
    DC_CHECK(!failed_, where(), ": ", current_,
             ": the NCCL communicator was aborted after an earlier error or timeout");
    CudaDeviceGuard guard(device_);
    const cudaStream_t stream = current_cuda_stream(device_).handle();
    const auto start = std::chrono::steady_clock::now();
    check(enqueue(stream), call, current_);
    wait_ready(call, start);
    DC_CUDA_CHECK(cudaEventRecord(done_, stream), where(), ": ", current_);
    for (int polls = 0;; ++polls) {
      const cudaError_t q = cudaEventQuery(done_);
      if (q == cudaSuccess) return;
      if (q != cudaErrorNotReady) {
        abort_comm();
        DC_CUDA_CHECK(q, where(), ": ", call, " during ", current_);
      }
      ncclResult_t state = ncclSuccess;
      ncclCommGetAsyncError(comm_, &state);
      if (state != ncclSuccess && state != ncclInProgress) fail(state, call, current_);
      if (seconds_since(start) > options().timeout_s) fail_timeout(call, current_);
      // Spin briefly (small collectives finish in microseconds), then back off.
      if (polls > 1000) std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }

  std::shared_ptr<Communicator> bootstrap_;  // MPI under mpirun, else none (a world of one)
  int rank_ = 0;
  int size_ = 1;
  int device_ = 0;
  ncclComm_t comm_ = nullptr;
  cudaEvent_t done_ = nullptr;
  bool failed_ = false;
  std::string current_;  // the collective in progress, for error messages
  Tensor barrier_buf_;
};

[[maybe_unused]] const bool registered = register_nccl_factory(&make_nccl_communicator);

}  // namespace

std::shared_ptr<Communicator> make_nccl_communicator(const CommOptions& options) {
  return std::make_shared<NcclCommunicator>(options);
}

}  // namespace dc
