#include "train/dist/single_process_comm.h"

namespace dc {

namespace {

class SingleProcessCommunicator final : public Communicator {
 public:
  explicit SingleProcessCommunicator(const CommOptions& options) : Communicator(options) {}
  int rank() const override { return 0; }
  int world_size() const override { return 1; }
  const char* backend_name() const override { return "single"; }

 protected:
  // The base class never calls the data primitives with a world of one.
  void all_reduce_raw(void*, int64_t, DType, CommReduce) override {}
  void broadcast_raw(void*, int64_t, int) override {}
  void all_gather_raw(const void*, int64_t, void*) override {}
  void barrier_raw() override {}

  // all_reduce and broadcast leave the data alone here, so a one-GPU run may pass CUDA tensors;
  // all_gather returns a copy and takes host data only (the NCCL backend gathers CUDA tensors).
  void check_device(const char* op, const Tensor& t, const std::string& label) const override {
    if (std::string(op) == "all_gather") Communicator::check_device(op, t, label);
  }
};

}  // namespace

std::shared_ptr<Communicator> make_single_process_communicator(const CommOptions& options) {
  return std::make_shared<SingleProcessCommunicator>(options);
}

}  // namespace dc
