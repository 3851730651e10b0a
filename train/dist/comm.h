// Collective communication between the ranks of a data-parallel job, in the style of
// torch.distributed: every rank calls the same collectives in the same order, with tensors of the
// same dtype and shape, and each call returns once this rank's part is done.
//
// Backends:
//   - single process (world size 1): every collective is the identity (all_gather adds a leading
//     dim of 1), but arguments are validated exactly as the MPI backend validates them, so a job
//     that runs on one process fails the same way on many;
//   - MPI (OpenMPI): CPU tensors, one process per rank, launched with `mpirun -np N ...`;
//   - NCCL (train/dist/nccl_comm.h, in CUDA builds): CUDA tensors, one process per GPU, the
//     collectives enqueued on the current CUDA stream of the tensor's device.
//
// Supported dtypes: all_reduce and all_reduce_bucketed take f32, f64, i32, i64 and u8 (NCCL: also
// f16 and bf16); broadcast and all_gather move bytes and also take f16, bf16 and b8. Any other
// dtype, a CUDA tensor under MPI, a CPU tensor under NCCL, or tensors that differ across ranks
// (dtype, shape, op, root, or a different collective called) raise a dc::Error naming the
// collective, the tensor and what was expected.
//
// A rank that dies or stalls must not hang the others forever: under MPI every collective runs
// under a watchdog, and one that has not completed after `timeout_s` seconds prints which
// collective timed out and aborts the whole job (MPI_Abort), so mpirun exits with status 1. Under
// NCCL the same timeout aborts the NCCL communicator (ncclCommAbort) and raises a dc::Error naming
// the rank and the collective.
//
// Communicators are not meant to be shared between threads: calls are serialized by a mutex, but
// the order of collectives must be the same on every rank, which only one calling thread
// guarantees.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace dc {

// How all_reduce combines the ranks' values elementwise.
//   sum, max, min: as named. Integer sums wrap around like C++ unsigned arithmetic (u8 sums are
//   taken modulo 256).
//   mean: sum / world_size. Floats: the sum divided by world_size in the tensor's dtype. Integers:
//   the sum is taken in int64 (so u8 and i32 never overflow) and divided with truncation toward
//   zero, as C++ does; the result always fits the dtype.
// (Named CommReduce, not ReduceOp: dc::ReduceOp in ops/reduce.h is the kernel-level reduction.)
enum class CommReduce { sum, mean, max, min };
const char* comm_reduce_name(CommReduce op);
// "sum", "mean", "max", "min"; anything else is a dc::Error listing them.
CommReduce comm_reduce_from_name(const std::string& name);

enum class CommBackend { automatic, single, mpi, nccl };
const char* comm_backend_name(CommBackend backend);
// "auto", "single", "mpi", "nccl"; anything else is a dc::Error listing them.
CommBackend comm_backend_from_name(const std::string& name);

// True when this binary links the NCCL backend (//train/dist:nccl_comm in a CUDA build).
bool nccl_available();

struct CommOptions {
  // auto: MPI when the process was launched by OpenMPI's mpirun (OMPI_COMM_WORLD_SIZE is set),
  // else single process (never NCCL: the trainer picks NCCL itself for a model on CUDA, see
  // resolve_comm_backend). nccl: a dc::Error "this build has no NCCL" in a CPU-only build.
  CommBackend backend = CommBackend::automatic;
  // Seconds a single collective may take before the job is aborted (MPI only). It must cover the
  // longest time one rank can wait for the slowest one (e.g. a first broadcast while another rank
  // still loads data), so the default is generous.
  double timeout_s = 600;
  // Before each collective, the ranks exchange a small description of it (collective, op, root,
  // dtype, shape) so that mismatched calls fail with a clear error on every rank instead of
  // hanging or reducing garbage. Costs one tiny extra collective per call.
  bool check_consistency = true;
  // NCCL only: the CUDA device of this rank (the run's device cuda:N); -1: the rank's node-local
  // device, nccl_device_for_rank().
  int cuda_device = -1;
};

// Counters for measuring communication (e.g. communication time per training step).
struct CommStats {
  int64_t collectives = 0;  // backend collectives that moved tensor data (one per bucket)
  int64_t bytes = 0;        // tensor bytes passed to them by this rank
  double seconds = 0;       // wall time spent inside the public calls, checks included
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  virtual const char* backend_name() const = 0;
  const CommOptions& options() const { return options_; }

  // Reduces `t` elementwise across ranks, in place: afterwards every rank holds the result. `t`
  // may be a non-contiguous view (it is staged through a contiguous buffer). `name` only labels
  // error messages (e.g. a parameter name).
  void all_reduce(const Tensor& t, CommReduce op = CommReduce::sum, const std::string& name = "");

  // All-reduces a list of tensors through a contiguous staging buffer of at most `bucket_bytes`
  // bytes: tensors are packed in order, a tensor larger than the room left is split across
  // buckets, and each full bucket is one collective whose result is copied back. Tensors of
  // different dtypes go to separate buckets (in order of first appearance). This is the gradient
  // all-reduce of data-parallel training. Returns the number of bucket collectives run.
  // `names`, if given, labels the tensors in error messages (one per tensor).
  int64_t all_reduce_bucketed(const std::vector<Tensor>& tensors, CommReduce op = CommReduce::sum,
                              int64_t bucket_bytes = int64_t{25} << 20,
                              const std::vector<std::string>& names = {});

  // Copies rank `root`'s `t` into `t` on every other rank, in place.
  void broadcast(const Tensor& t, int root = 0, const std::string& name = "");

  // Returns a new contiguous tensor of shape [world_size, *t.shape] whose slice r is rank r's `t`.
  Tensor all_gather(const Tensor& t, const std::string& name = "");

  // Returns once every rank has entered the barrier.
  void barrier();

  CommStats stats() const;
  void reset_stats();

 protected:
  explicit Communicator(const CommOptions& options) : options_(options) {}

  // Backend primitives on contiguous buffers of the tensors' device (host memory for CPU tensors,
  // device memory under NCCL); every rank calls them with equal arguments. `op` is mean only
  // when native_mean(dtype) says the backend averages that dtype itself; otherwise the base
  // class builds mean from sum.
  virtual void all_reduce_raw(void* data, int64_t count, DType dtype, CommReduce op) = 0;
  virtual void broadcast_raw(void* data, int64_t nbytes, int root) = 0;
  // Concatenates every rank's `nbytes` bytes into `recv` (world_size * nbytes) in rank order.
  virtual void all_gather_raw(const void* send, int64_t nbytes, void* recv) = 0;
  virtual void barrier_raw() = 0;
  // The same gather on host memory, for the call descriptions of check_consistency (the NCCL
  // backend exchanges them over MPI).
  virtual void all_gather_host(const void* send, int64_t nbytes, void* recv) {
    all_gather_raw(send, nbytes, recv);
  }
  // Whether a world of one skips the backend (collectives are identities). The NCCL backend runs
  // its calls even alone, so that a one-GPU run exercises them.
  virtual bool identity_when_alone() const { return true; }
  // Where the data of `t` is staged for the backend: t's own device by default; the NCCL backend
  // stages CPU tensors through its GPU.
  virtual Device staging_device(const Tensor& t) const { return t.device(); }
  // Dtypes all_reduce accepts (f32, f64, i32, i64, u8 by default).
  virtual bool reduces(DType dtype) const;
  // Whether all_reduce_raw takes CommReduce::mean for `dtype` (NCCL's ncclAvg for floats).
  virtual bool native_mean(DType dtype) const {
    (void)dtype;
    return false;
  }
  // Brackets each public collective (the MPI backend arms its watchdog with `what`).
  virtual void collective_begin(const std::string& what) { (void)what; }
  virtual void collective_end() {}
  // Throws when `t` cannot be handled by this backend (the MPI backend rejects CUDA tensors).
  virtual void check_device(const char* op, const Tensor& t, const std::string& label) const;

 private:
  class Scope;
  // Exchanges `signature` with every rank and throws (on every rank alike) if they differ.
  void check_same_call(const char* op, const std::vector<int64_t>& signature,
                       const std::string& what);
  // Reduces the contiguous buffer `buf` (on the tensors' device) through the backend; mean as sum
  // then division unless the backend averages natively (integers widened to int64).
  void reduce_buffer(const Tensor& buf, CommReduce op);
  // The dtypes reduces() accepts, for error messages.
  std::string reducible_list() const;

  CommOptions options_;
  mutable std::mutex mutex_;  // one collective at a time
  CommStats stats_;
};

// The communicator options.backend asks for (see CommOptions::backend). MPI is initialized on
// first use (MPI_Init_thread, once per process) and finalized when the process exits.
std::shared_ptr<Communicator> make_communicator(const CommOptions& options = {});

// The backend the config key dist.backend (`name`: auto, mpi or nccl) selects for a model on CUDA
// (`model_on_cuda`) or on the CPU:
//   auto: nccl when the model is on CUDA and this build has NCCL, else CommBackend::automatic
//         (MPI under mpirun, the single-process backend otherwise);
//   mpi:  MPI (without mpirun, a one-rank MPI world);
//   nccl: NCCL; a dc::Error naming dist.backend for a CPU model, and "this build has no NCCL" in
//         a CPU-only build.
CommBackend resolve_comm_backend(const std::string& name, bool model_on_cuda);

// The CUDA device an NCCL rank uses: OMPI_COMM_WORLD_LOCAL_RANK when mpirun set it (the rank's
// index on its node; a dc::Error when the node has fewer devices), else rank % device_count.
int nccl_device_for_rank(int rank, int device_count);

// Used by nccl_comm.cc at static-initialization time: the NCCL factory, when it is linked in.
using CommFactory = std::shared_ptr<Communicator> (*)(const CommOptions&);
bool register_nccl_factory(CommFactory factory);

// True when this process was started by OpenMPI's mpirun (OMPI_COMM_WORLD_SIZE is set).
bool launched_by_mpirun();

}  // namespace dc
