// The MPI (OpenMPI) communicator: CPU tensors, one process per rank, every collective watched by
// a timeout that aborts the whole job (see comm.h).
#pragma once

#include <memory>

#include "train/dist/comm.h"

namespace dc {

// Initializes MPI on first use (MPI_Init_thread with MPI_THREAD_MULTIPLE, errors returned rather
// than fatal, MPI_Finalize registered with atexit) and wraps a duplicate of MPI_COMM_WORLD.
// Without mpirun this is a one-rank MPI world.
std::shared_ptr<Communicator> make_mpi_communicator(const CommOptions& options = {});

}  // namespace dc
