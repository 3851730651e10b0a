#include <atomic>
#include <cstdlib>

#include "train/dist/comm.h"
#include "train/dist/mpi_comm.h"
#include "train/dist/single_process_comm.h"

namespace dc {

namespace {

// Set by nccl_comm.cc when it is linked in (a CUDA build); the dist library itself never
// depends on CUDA, so a CPU-only build still links everything else.
std::atomic<CommFactory>& nccl_factory() {
  static std::atomic<CommFactory> factory{nullptr};
  return factory;
}

}  // namespace

bool register_nccl_factory(CommFactory factory) {
  nccl_factory().store(factory);
  return true;
}

bool nccl_available() { return nccl_factory().load() != nullptr; }

std::shared_ptr<Communicator> make_communicator(const CommOptions& options) {
  DC_CHECK(options.timeout_s > 0, "dist: timeout_s must be positive, got ", options.timeout_s);
  switch (options.backend) {
    case CommBackend::single:
      return make_single_process_communicator(options);
    case CommBackend::mpi:
      return make_mpi_communicator(options);
    case CommBackend::nccl: {
      const CommFactory factory = nccl_factory().load();
      DC_CHECK(factory != nullptr,
               "communication backend 'nccl': this build has no NCCL (build with the CUDA "
               "toolkit and NCCL installed, and link //train/dist:nccl_comm; see "
               "docs/DISTRIBUTED.md), use dist.backend mpi");
      return factory(options);
    }
    case CommBackend::automatic:
      break;
  }
  return launched_by_mpirun() ? make_mpi_communicator(options)
                              : make_single_process_communicator(options);
}

int nccl_device_for_rank(int rank, int device_count) {
  DC_CHECK(device_count > 0, "dist: rank ", rank, ": no CUDA device for the NCCL backend");
  const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_RANK");
  if (local == nullptr || *local == '\0') return rank % device_count;
  char* end = nullptr;
  const long local_rank = std::strtol(local, &end, 10);
  DC_CHECK(*end == '\0' && local_rank >= 0, "dist: rank ", rank,
           ": OMPI_COMM_WORLD_LOCAL_RANK is '", local, "', expected a rank number");
  DC_CHECK(local_rank < device_count, "dist: rank ", rank, " is local rank ", local_rank,
           " on its node, but the node has only ", device_count,
           " CUDA device(s): start at most one rank per GPU (mpirun -np N, or --map-by "
           "ppr:GPUS:node across nodes)");
  return static_cast<int>(local_rank);
}

CommBackend resolve_comm_backend(const std::string& name, bool model_on_cuda) {
  DC_CHECK(name == "auto" || name == "mpi" || name == "nccl", "config key dist.backend: '", name,
           "' is not a backend (expected one of: auto, mpi, nccl)");
  if (name == "mpi") return CommBackend::mpi;
  if (name == "nccl") {
    DC_CHECK(nccl_available(),
             "config key dist.backend: nccl: this build has no NCCL (build with the CUDA toolkit "
             "and NCCL installed); use dist.backend mpi or auto");
    DC_CHECK(model_on_cuda,
             "config key dist.backend: nccl needs the model on a CUDA device (device: cuda), "
             "but the model is on the CPU; use dist.backend mpi or auto");
    return CommBackend::nccl;
  }
  return model_on_cuda && nccl_available() ? CommBackend::nccl : CommBackend::automatic;
}

}  // namespace dc
