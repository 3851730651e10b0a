// A two-or-more-rank job in which rank 1 fails, for tests/dist/comm_mpi_test.sh:
//   comm_fault_main exit  TIMEOUT_S: rank 1 calls _exit(3) instead of the second all_reduce;
//   comm_fault_main stall TIMEOUT_S: rank 1 sleeps for 10 minutes instead.
// The other ranks wait in that all_reduce; the job must end on its own with a clear message and a
// nonzero status: either MPI reports the lost peer (a dc::Error, printed here) or the watchdog
// aborts the job after TIMEOUT_S.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/tensor.h"
#include "train/dist/comm.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: comm_fault_main exit|stall TIMEOUT_S\n");
    return 2;
  }
  const std::string mode = argv[1];
  try {
    dc::CommOptions options;
    options.timeout_s = std::atof(argv[2]);
    auto comm = dc::make_communicator(options);
    dc::Tensor t = dc::tensor_from({1, 2, 3}, {3});
    comm->all_reduce(t);  // every rank is up and connected
    if (comm->rank() == 1) {
      std::fprintf(stderr, "rank 1: failing on purpose (%s)\n", mode.c_str());
      std::fflush(stderr);
      if (mode == "exit") _exit(3);
      sleep(600);
    }
    comm->all_reduce(t);
    std::printf("rank %d: second all_reduce returned\n", comm->rank());
  } catch (const dc::Error& e) {
    std::fprintf(stderr, "densecorr: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
