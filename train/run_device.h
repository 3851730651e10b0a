// The device a run computes on, from the config key `device` (train, eval and infer read it):
//
//   cpu      the CPU (the default)
//   cuda     a CUDA device: in a single process cuda:0; in a job of several ranks the rank's
//            device on its node, OMPI_COMM_WORLD_LOCAL_RANK (nccl_device_for_rank in
//            train/dist/comm.h: the NCCL backend picks its device with the same function, so the
//            model and the collectives are on the same GPU)
//   cuda:N   CUDA device N, whatever the rank (one rank per node, or a chosen GPU)
//
// A value of another form, a CUDA device in a build without the CUDA backend, on a machine with no
// usable GPU, or an index past the last device is a dc::Error naming the key, the value and what
// exists (the command line exits with status 2, as for any config error). A `key` starting with
// "--" is a command-line flag (bench train-step's --device): messages then say "option --device"
// instead of "config key device".
#pragma once

#include <string>

#include "core/device.h"

namespace dc {

// What the value asks for, before any device is looked up.
struct DeviceRequest {
  DeviceType type = DeviceType::CPU;
  int index = -1;  // CUDA: N of cuda:N; -1 for plain `cuda` (the rank's device)
  bool is_cpu() const { return type == DeviceType::CPU; }
};

// Parses cpu, cuda or cuda:N (a dc::Error naming `key` otherwise).
DeviceRequest parse_device_request(const std::string& value, const std::string& key = "device");

// Throws unless `value` is cpu or a CUDA device this build and machine have (for plain `cuda`:
// any usable GPU). Needs no rank: checked before a job's communicator starts.
void check_device_usable(const std::string& value, const std::string& key = "device");

// The device `value` names for rank `rank` of the job, checked to exist in this build and on this
// machine (see above). The CPU needs no check.
Device resolve_device(const std::string& value, int rank, const std::string& key = "device");

// Makes `device` the calling thread's current CUDA device (kernels, streams and allocations of
// untagged work go there); nothing for the CPU.
void use_device(Device device);

// Number of CUDA devices this build and machine can use: 0 in a build without the CUDA backend.
int usable_cuda_devices();

}  // namespace dc
