#include "train/dist/mpi_comm.h"

#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "train/dist/watchdog.h"

namespace dc {

namespace {

int g_thread_level = MPI_THREAD_SINGLE;

void finalize_mpi() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

// MPI_Init_thread once per process. MPI initialized by someone else (a host program) is left to
// them to finalize.
void ensure_mpi_initialized() {
  static std::once_flag once;
  std::call_once(once, [] {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (initialized) {
      MPI_Query_thread(&g_thread_level);
    } else {
      const int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &g_thread_level);
      DC_CHECK(rc == MPI_SUCCESS, "dist: MPI_Init_thread failed (code ", rc, ")");
      std::atexit(finalize_mpi);
    }
    // Errors come back as return codes (turned into dc::Error) instead of killing the job
    // silently from inside MPI.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  });
}

std::string mpi_error_string(int rc) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS)
    return "MPI error code " + std::to_string(rc);
  return std::string(text, static_cast<size_t>(len));
}

MPI_Datatype mpi_type(DType d) {
  switch (d) {
    case DType::f32:
      return MPI_FLOAT;
    case DType::f64:
      return MPI_DOUBLE;
    case DType::i32:
      return MPI_INT32_T;
    case DType::i64:
      return MPI_INT64_T;
    case DType::u8:
      return MPI_UINT8_T;
    default:
      DC_FAIL("all_reduce: no MPI datatype for dtype ", dtype_name(d));
  }
}

MPI_Op mpi_op(CommReduce op) {
  switch (op) {
    case CommReduce::sum:
      return MPI_SUM;
    case CommReduce::max:
      return MPI_MAX;
    case CommReduce::min:
      return MPI_MIN;
    case CommReduce::mean:
      break;
  }
  DC_FAIL("all_reduce: the MPI backend reduces mean as a sum (internal error)");
}

// MPI counts are int: larger buffers go through several calls of at most this many items.
constexpr int64_t kMaxCount = int64_t{1} << 30;

class MpiCommunicator final : public Communicator {
 public:
  explicit MpiCommunicator(const CommOptions& options)
      : Communicator(options),
        watchdog_(options.timeout_s, [this](const std::string& what, double timeout_s) {
          on_timeout(what, timeout_s);
        }) {
    ensure_mpi_initialized();
    // A private duplicate of the world, so our traffic never matches another library's.
    check(MPI_Comm_dup(MPI_COMM_WORLD, &comm_), "MPI_Comm_dup", "creating the communicator");
    MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }

  ~MpiCommunicator() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized && comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
  }

  int rank() const override { return rank_; }
  int world_size() const override { return size_; }
  const char* backend_name() const override { return "mpi"; }

 protected:
  void all_reduce_raw(void* data, int64_t count, DType dtype, CommReduce op) override {
    if (dtype == DType::u8 && op == CommReduce::sum) {
      // OpenMPI 4.1's AVX reduction component adds 8-bit integers with saturation once a buffer
      // is long enough to vectorize (open-mpi/ompi#8045, "wontfix"): 200 + 200 gives 255, not
      // 144. Sum u8 in int32 instead and wrap modulo 256 as documented.
      uint8_t* p = static_cast<uint8_t*>(data);
      std::vector<int32_t> wide(p, p + count);
      all_reduce_raw(wide.data(), count, DType::i32, CommReduce::sum);
      for (int64_t i = 0; i < count; ++i) p[i] = static_cast<uint8_t>(wide[i] & 0xff);
      return;
    }
    const MPI_Datatype type = mpi_type(dtype);
    char* p = static_cast<char*>(data);
    for (int64_t done = 0; done < count;) {
      const int64_t n = std::min(kMaxCount, count - done);
      check(MPI_Allreduce(MPI_IN_PLACE, p + done * dtype_size(dtype), static_cast<int>(n), type,
                          mpi_op(op), comm_),
            "MPI_Allreduce", current_);
      done += n;
    }
  }

  void broadcast_raw(void* data, int64_t nbytes, int root) override {
    char* p = static_cast<char*>(data);
    for (int64_t done = 0; done < nbytes;) {
      const int64_t n = std::min(kMaxCount, nbytes - done);
      check(MPI_Bcast(p + done, static_cast<int>(n), MPI_BYTE, root, comm_), "MPI_Bcast", current_);
      done += n;
    }
  }

  void all_gather_raw(const void* send, int64_t nbytes, void* recv) override {
    if (nbytes <= kMaxCount) {
      check(MPI_Allgather(send, static_cast<int>(nbytes), MPI_BYTE, recv, static_cast<int>(nbytes),
                          MPI_BYTE, comm_),
            "MPI_Allgather", current_);
      return;
    }
    // Too large for one int count: one broadcast per rank, each rank's block in place.
    char* out = static_cast<char*>(recv);
    std::copy_n(static_cast<const char*>(send), nbytes, out + rank_ * nbytes);
    for (int r = 0; r < size_; ++r) broadcast_raw(out + r * nbytes, nbytes, r);
  }

  void barrier_raw() override { check(MPI_Barrier(comm_), "MPI_Barrier", current_); }

  void collective_begin(const std::string& what) override {
    current_ = what;
    watchdog_.arm(what);
  }
  void collective_end() override { watchdog_.disarm(); }

 private:
  void check(int rc, const char* call, const std::string& what) const {
    DC_CHECK(rc == MPI_SUCCESS, "dist: rank ", rank_, " of ", size_, ": ", call, " failed during ",
             what, ": ", mpi_error_string(rc),
             " (a peer rank has probably exited; the job cannot continue)");
  }

  // Runs on the watchdog thread while the main thread is stuck inside MPI: say what hung, then
  // take every rank down so that no process waits forever.
  void on_timeout(const std::string& what, double timeout_s) {
    std::fprintf(stderr,
                 "densecorr: error: rank %d of %d: %s did not complete within %g s (dist timeout_s)"
                 "; another rank has probably died, stalled, or called a different collective. "
                 "Aborting all ranks.\n",
                 rank_, size_, what.c_str(), timeout_s);
    std::fflush(stderr);
    // MPI_Abort may be called from this thread only with MPI_THREAD_MULTIPLE; otherwise exit
    // without finalizing, which mpirun also answers by killing the remaining ranks.
    if (g_thread_level == MPI_THREAD_MULTIPLE) MPI_Abort(MPI_COMM_WORLD, 1);
    _exit(1);
  }

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
  std::string current_;  // the collective in progress, for error messages
  Watchdog watchdog_;
};

}  // namespace

std::shared_ptr<Communicator> make_mpi_communicator(const CommOptions& options) {
  return std::make_shared<MpiCommunicator>(options);
}

}  // namespace dc
