// Collective communication between the ranks of a data-parallel job, in the style of
// torch.distributed: every rank calls the same collectives in the same order, with tensors of the
// same dtype and shape, and each call returns once this rank's part is done.
//
// Backends:
//   - single process (world size 1): every collective is the identity (all_gather adds a leading
//     dim of 1), but arguments are validated exactly as the MPI backend validates them, so a job
//     that runs on one process fails the same way on many;
//   - MPI (OpenMPI): CPU tensors, one process per rank, launched with `mpirun -np N ...`;
//   - NCCL (GPU tensors) is not built yet: it needs the CUDA build rules.
//
// Supported dtypes: all_reduce and all_reduce_bucketed take f32, f64, i32, i64 and u8; broadcast
// and all_gather move bytes and also take f16, bf16 and b8. Any other dtype, a CUDA tensor under
// MPI, or tensors that differ across ranks (dtype, shape, op, root, or a different collective
// called) raise a dc::Error naming the collective, the tensor and what was expected.
//
// A rank that dies or stalls must not hang the others forever: under MPI every collective runs
// under a watchdog, and one that has not completed after `timeout_s` seconds prints which
// collective timed out and aborts the whole job (MPI_Abort), so mpirun exits with status 1.
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
//   zero, as C++ and NCCL's ncclAvg do; the result always fits the dtype.
enum class ReduceOp { sum, mean, max, min };
const char* reduce_op_name(ReduceOp op);
// "sum", "mean", "max", "min"; anything else is a dc::Error listing them.
ReduceOp reduce_op_from_name(const std::string& name);

enum class CommBackend { automatic, single, mpi };
const char* comm_backend_name(CommBackend backend);
// "auto", "single", "mpi". "nccl" is an error saying that backend is not built yet.
CommBackend comm_backend_from_name(const std::string& name);

struct CommOptions {
  // auto: MPI when the process was launched by OpenMPI's mpirun (OMPI_COMM_WORLD_SIZE is set),
  // else single process.
  CommBackend backend = CommBackend::automatic;
  // Seconds a single collective may take before the job is aborted (MPI only). It must cover the
  // longest time one rank can wait for the slowest one (e.g. a first broadcast while another rank
  // still loads data), so the default is generous.
  double timeout_s = 600;
  // Before each collective, the ranks exchange a small description of it (collective, op, root,
  // dtype, shape) so that mismatched calls fail with a clear error on every rank instead of
  // hanging or reducing garbage. Costs one tiny extra collective per call.
  bool check_consistency = true;
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
  void all_reduce(const Tensor& t, ReduceOp op = ReduceOp::sum, const std::string& name = "");

  // All-reduces a list of tensors through a contiguous staging buffer of at most `bucket_bytes`
  // bytes: tensors are packed in order, a tensor larger than the room left is split across
  // buckets, and each full bucket is one collective whose result is copied back. Tensors of
  // different dtypes go to separate buckets (in order of first appearance). This is the gradient
  // all-reduce of data-parallel training. Returns the number of bucket collectives run.
  // `names`, if given, labels the tensors in error messages (one per tensor).
  int64_t all_reduce_bucketed(const std::vector<Tensor>& tensors, ReduceOp op = ReduceOp::sum,
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

  // Backend primitives on contiguous host buffers; every rank calls them with equal arguments.
  // `op` is never mean (the base class builds mean from sum).
  virtual void all_reduce_raw(void* data, int64_t count, DType dtype, ReduceOp op) = 0;
  virtual void broadcast_raw(void* data, int64_t nbytes, int root) = 0;
  // Concatenates every rank's `nbytes` bytes into `recv` (world_size * nbytes) in rank order.
  virtual void all_gather_raw(const void* send, int64_t nbytes, void* recv) = 0;
  virtual void barrier_raw() = 0;
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
  // Sum/max/min through the backend; mean as sum then division (integers widened to int64).
  void reduce_buffer(void* data, int64_t count, DType dtype, ReduceOp op);

  CommOptions options_;
  mutable std::mutex mutex_;  // one collective at a time
  CommStats stats_;
};

// The communicator options.backend asks for (see CommOptions::backend). MPI is initialized on
// first use (MPI_Init_thread, once per process) and finalized when the process exits.
std::shared_ptr<Communicator> make_communicator(const CommOptions& options = {});

// True when this process was started by OpenMPI's mpirun (OMPI_COMM_WORLD_SIZE is set).
bool launched_by_mpirun();

}  // namespace dc
