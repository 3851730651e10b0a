#include "train/dist/comm.h"
#include "train/dist/mpi_comm.h"
#include "train/dist/single_process_comm.h"

namespace dc {

std::shared_ptr<Communicator> make_communicator(const CommOptions& options) {
  DC_CHECK(options.timeout_s > 0, "dist: timeout_s must be positive, got ", options.timeout_s);
  switch (options.backend) {
    case CommBackend::single:
      return make_single_process_communicator(options);
    case CommBackend::mpi:
      return make_mpi_communicator(options);
    case CommBackend::automatic:
      break;
  }
  return launched_by_mpirun() ? make_mpi_communicator(options)
                              : make_single_process_communicator(options);
}

}  // namespace dc
