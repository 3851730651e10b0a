// The NCCL communicator: CUDA tensors, one process per GPU (see comm.h and docs/DISTRIBUTED.md).
// Tensors must be on this rank's GPU; CPU tensors (loss values, evaluation sums) are accepted too
// and staged through the GPU, so the trainer's host-side collectives work unchanged.
//
//   - Rank and world size come from MPI under mpirun (a world of one otherwise); this rank's GPU
//     is CommOptions::cuda_device when set (the run's device cuda:N), else nccl_device_for_rank()
//     (OMPI_COMM_WORLD_LOCAL_RANK, else rank % device count), made the current CUDA device of the
//     process.
//   - Rank 0 creates the ncclUniqueId and broadcasts it over MPI; the NCCL communicator is
//     created non-blocking, so its creation too is bounded by CommOptions::timeout_s.
//   - Collectives run on the current CUDA stream of this rank's device (the stream the tensors
//     were produced on) and the call returns once they have completed on the GPU; while waiting
//     it polls ncclCommGetAsyncError. An NCCL error, or a collective still running after
//     timeout_s seconds, aborts the NCCL communicator (ncclCommAbort) and raises a dc::Error
//     naming the rank and the collective; every later call on it fails with the same error.
//   - all_reduce takes f32, f64, f16, bf16, i32, i64 and u8; mean of floating types is NCCL's
//     ncclAvg, mean of integers a sum in int64 divided with truncation (as the MPI backend does).
//   - The call descriptions of check_consistency and the ncclUniqueId go over MPI (host memory);
//     tensor data only over NCCL.
//
// This target is a cuda_library: it exists in CUDA builds only, and registers itself with
// make_communicator() when linked (nccl_available()).
#pragma once

#include <memory>

#include "train/dist/comm.h"

namespace dc {

std::shared_ptr<Communicator> make_nccl_communicator(const CommOptions& options = {});

}  // namespace dc
