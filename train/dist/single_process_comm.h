// The world-size-1 communicator: every collective is the identity, with full argument checks.
#pragma once

#include <memory>

#include "train/dist/comm.h"

namespace dc {

std::shared_ptr<Communicator> make_single_process_communicator(const CommOptions& options = {});

}  // namespace dc
