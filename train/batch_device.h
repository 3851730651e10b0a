// Moving a loader's batches to the device a model runs on (train/run_device.h): the trainer moves
// each training batch before Task::losses, and a task's evaluation moves each batch to its model's
// device before the forward pass (and copies predictions back to the host for its metrics).
#pragma once

#include "core/device.h"
#include "data/loader.h"
#include "nets/module.h"

namespace dc {

// A copy of `batch` whose tensors are on `device`: every stacked field (Batch::tensors) and every
// tensor of every list field (Batch::lists), with their dtypes and shapes. The host-only fields
// (indices, epoch) are copied as they are. A tensor already on `device` is shared, not copied, so
// batch_to(b, kCPU) of a CPU batch holds the same tensors as b. The result carries no autograd
// history (loader tensors have none). A device this build or machine cannot use is a dc::Error
// naming it and the field being moved.
//
// To a CUDA device, a tensor in pinned host memory (pin_batch) is copied asynchronously on the
// current stream, as PyTorch's to(non_blocking=True): the kernels queued after it on that stream
// see the data, and the host tensor may be dropped at once (the pinned allocator keeps its block
// until the copy has run). Other tensors are copied synchronously.
Batch batch_to(const Batch& batch, Device device);

// Replaces every tensor of `batch` (stacked and list fields) by a copy in pinned (page-locked)
// host memory, for asynchronous copies to a GPU. Runs on loader threads
// (LoaderOptions::finish_batch). A dc::Error in a build without the CUDA backend or on a machine
// without a usable GPU (pinned memory is allocated through the CUDA driver).
void pin_batch(Batch& batch);

// The device of `module`'s parameters (its first parameter, else its first buffer; the CPU for a
// module with neither). Module::to moves them all together, so one tells where the model runs.
Device module_device(const Module& module);

}  // namespace dc
