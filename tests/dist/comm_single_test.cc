// The single-process communicator (identities with full argument checks), the bucket planner,
// the name parsers and the watchdog: everything of train/dist that needs no mpirun.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "core/copy.h"
#include "tests/dist/comm_values.h"
#include "tests/testing/expect_error.h"
#include "train/dist/bucket_plan.h"
#include "train/dist/comm.h"
#include "train/dist/single_process_comm.h"
#include "train/dist/watchdog.h"

namespace dc {
namespace {

class FakeCudaAllocator final : public Allocator {
 public:
  void* allocate(size_t nbytes) override { return std::malloc(nbytes); }
  void deallocate(void* p, size_t) override { std::free(p); }
  Device device() const override { return Device{DeviceType::CUDA, 0}; }
};

// Host memory labelled cuda:0, so no GPU is needed to check how CUDA tensors are treated.
Tensor fake_cuda_tensor(int64_t n) {
  static FakeCudaAllocator alloc;
  return make_tensor(std::make_shared<StorageImpl>(n * 4, alloc), {n}, {1}, 0, DType::f32);
}

TEST(SingleComm, AutoPicksSingleProcessOutsideMpirun) {
  ASSERT_EQ(std::getenv("OMPI_COMM_WORLD_SIZE"), nullptr);
  EXPECT_FALSE(launched_by_mpirun());
  auto c = make_communicator();
  EXPECT_STREQ(c->backend_name(), "single");
  EXPECT_EQ(c->rank(), 0);
  EXPECT_EQ(c->world_size(), 1);
}

TEST(SingleComm, AllReduceIsTheIdentityForEveryOpAndDtype) {
  auto c = make_single_process_communicator();
  for (DType dtype : {DType::f32, DType::f64, DType::i32, DType::i64, DType::u8}) {
    for (CommReduce op : {CommReduce::sum, CommReduce::mean, CommReduce::max, CommReduce::min}) {
      const std::vector<double> v = rank_values(dtype, 0, 7);
      Tensor t = tensor_from(v, {7}, dtype);
      c->all_reduce(t, op);
      EXPECT_EQ(t.to_vector(), v) << dtype_name(dtype) << " " << comm_reduce_name(op);
      // The hand computation agrees for a world of one.
      for (int64_t i = 0; i < 7; ++i) EXPECT_EQ(expected_reduce(dtype, op, 1, i), v[i]);
    }
  }
}

TEST(SingleComm, BroadcastBarrierAndBucketsAreIdentities) {
  auto c = make_single_process_communicator();
  const std::vector<double> v = rank_values(DType::f32, 0, 5);
  Tensor t = tensor_from(v, {5}, DType::f16);
  c->broadcast(t, 0);
  EXPECT_EQ(t.to_vector(), tensor_from(v, {5}, DType::f16).to_vector());
  c->barrier();
  Tensor a = tensor_from(v, {5});
  Tensor b = tensor_from(rank_values(DType::i64, 0, 3), {3}, DType::i64);
  // 8-byte buckets: 2 f32 per bucket -> 3 buckets for a, 1 per i64 element -> 3 for b.
  EXPECT_EQ(c->all_reduce_bucketed({a, b}, CommReduce::mean, 8), 6);
  EXPECT_EQ(a.to_vector(), v);
  EXPECT_EQ(b.to_vector(), rank_values(DType::i64, 0, 3));
}

TEST(SingleComm, AllGatherAddsALeadingDimOfOne) {
  auto c = make_single_process_communicator();
  const std::vector<double> v = rank_values(DType::i32, 0, 6);
  Tensor t = tensor_from(v, {3, 2}, DType::i32).transpose(0, 1);  // non-contiguous [2, 3]
  const Tensor g = c->all_gather(t);
  ASSERT_EQ(g.sizes(), (Shape{1, 2, 3}));
  EXPECT_EQ(g.dtype(), DType::i32);
  EXPECT_TRUE(g.is_contiguous());
  EXPECT_EQ(g.to_vector(), t.contiguous().to_vector());
  EXPECT_FALSE(g.storage() == t.storage());
}

TEST(SingleComm, StatsCountCollectivesAndBytes) {
  auto c = make_single_process_communicator();
  Tensor t = empty({10}, DType::f64);
  fill_(t, 1);
  c->all_reduce(t);
  c->broadcast(t, 0);
  c->all_reduce_bucketed({t}, CommReduce::sum, 32);  // 4 f64 per bucket -> 3 buckets
  const CommStats s = c->stats();
  EXPECT_EQ(s.collectives, 5);
  EXPECT_EQ(s.bytes, 3 * 80);
  EXPECT_GE(s.seconds, 0);
  c->reset_stats();
  EXPECT_EQ(c->stats().collectives, 0);
}

TEST(SingleComm, ValidatesArgumentsLikeTheMpiBackend) {
  auto c = make_single_process_communicator();
  Tensor h = empty({3}, DType::f16);
  expect_error([&] { c->all_reduce(h, CommReduce::sum, "layer1.weight"); },
               {"all_reduce", "'layer1.weight' f16[3]", "dtype f16 is not supported",
                "f32, f64, i32, i64, u8"});
  expect_error(
      [&] {
        c->all_reduce_bucketed({empty({2}), empty({2}, DType::b8)});
      },
      {"all_reduce_bucketed", "tensor 1 bool[2]", "dtype bool is not supported"});
  expect_error([&] { c->all_reduce(Tensor()); }, {"all_reduce", "undefined"});
  expect_error([&] { c->broadcast(empty({2}), 1, "w"); },
               {"broadcast: root 1 is not a rank", "world size 1", "'w' f32[2]"});
  expect_error([&] { c->broadcast(empty({2}), -1); }, {"broadcast: root -1"});
  expect_error(
      [&] {
        c->all_reduce_bucketed({empty({2})}, CommReduce::sum, 1024, {"a", "b"});
      },
      {"all_reduce_bucketed", "2 names for 1 tensors"});
  expect_error([&] { c->all_reduce_bucketed({empty({2})}, CommReduce::sum, 0); },
               {"bucket_bytes must be positive, got 0"});
  expect_error([&] { c->all_reduce_bucketed({empty({2}, DType::f64)}, CommReduce::sum, 4); },
               {"bucket_bytes 4 cannot hold one element of dtype f64"});
}

TEST(SingleComm, CudaTensorsPassIdentitiesButNotAllGather) {
  auto c = make_single_process_communicator();
  Tensor t = fake_cuda_tensor(4);
  c->all_reduce(t, CommReduce::mean);  // no data touched for a world of one
  c->broadcast(t, 0);
  c->all_reduce_bucketed({t});
  expect_error([&] { c->all_gather(t, "logits"); },
               {"all_gather", "'logits'", "cuda:0", "single backend", "NCCL"});
}

TEST(SingleComm, NamesParse) {
  EXPECT_EQ(comm_reduce_from_name("mean"), CommReduce::mean);
  EXPECT_EQ(comm_reduce_from_name("min"), CommReduce::min);
  expect_error([] { comm_reduce_from_name("avg"); }, {"unknown reduce op 'avg'", "sum, mean"});
  EXPECT_EQ(comm_backend_from_name("mpi"), CommBackend::mpi);
  EXPECT_EQ(comm_backend_from_name("auto"), CommBackend::automatic);
  EXPECT_EQ(comm_backend_from_name("nccl"), CommBackend::nccl);
  expect_error([] { comm_backend_from_name("gloo"); },
               {"unknown communication backend 'gloo'", "auto, single, mpi, nccl"});
  CommOptions o;
  o.timeout_s = 0;
  expect_error([&] { make_communicator(o); }, {"timeout_s must be positive, got 0"});
}

TEST(BucketPlan, PacksInOrderSplitsLargeTensorsAndSeparatesDtypes) {
  // 32-byte buckets: 8 f32 or 4 f64 each.
  const std::vector<Tensor> ts = {
      empty({5}), empty({0}), empty({3}), empty({2, 5}), empty({4}, DType::f64), empty({1})};
  const std::vector<Bucket> plan = plan_buckets(ts, 32);
  ASSERT_EQ(plan.size(), 4u);
  auto piece_is = [](const BucketPiece& p, int64_t tensor, int64_t start, int64_t count,
                     int64_t offset) {
    EXPECT_EQ(p.tensor, tensor);
    EXPECT_EQ(p.start, start);
    EXPECT_EQ(p.count, count);
    EXPECT_EQ(p.offset, offset);
  };
  // f32 stream: t0 (5), t2 (3) | t3[0..8) | t3[8..10), t5 (1).
  EXPECT_EQ(plan[0].dtype, DType::f32);
  EXPECT_EQ(plan[0].count, 8);
  ASSERT_EQ(plan[0].pieces.size(), 2u);
  piece_is(plan[0].pieces[0], 0, 0, 5, 0);
  piece_is(plan[0].pieces[1], 2, 0, 3, 5);
  ASSERT_EQ(plan[1].pieces.size(), 1u);
  piece_is(plan[1].pieces[0], 3, 0, 8, 0);
  EXPECT_EQ(plan[2].count, 3);
  ASSERT_EQ(plan[2].pieces.size(), 2u);
  piece_is(plan[2].pieces[0], 3, 8, 2, 0);
  piece_is(plan[2].pieces[1], 5, 0, 1, 2);
  EXPECT_EQ(plan[3].dtype, DType::f64);
  EXPECT_EQ(plan[3].count, 4);
  ASSERT_EQ(plan[3].pieces.size(), 1u);
  piece_is(plan[3].pieces[0], 4, 0, 4, 0);
  EXPECT_TRUE(plan_buckets({empty({0})}, 32).empty());
}

TEST(Watchdog, FiresOnlyForACallStillArmedAtItsDeadline) {
  std::atomic<int> fired{0};
  std::string seen;
  std::mutex m;
  auto record = [&](const std::string& what, double timeout_s) {
    std::lock_guard<std::mutex> lock(m);
    seen = what + " after " + std::to_string(timeout_s);
    ++fired;
  };
  {
    // Disarmed right after arming: does not fire even when we wait past the deadline.
    Watchdog slow(1.0, record);
    slow.arm("quick");
    slow.disarm();
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_EQ(fired.load(), 0);
  }
  Watchdog dog(0.05, record);
  // Left armed: fires once, naming the call.
  dog.arm("all_reduce(sum) of tensor f32[7]");
  for (int i = 0; i < 500 && fired.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(fired.load(), 1);
  std::lock_guard<std::mutex> lock(m);
  EXPECT_EQ(seen.rfind("all_reduce(sum) of tensor f32[7] after 0.05", 0), 0u) << seen;
  expect_error([] { Watchdog bad(-1, [](const std::string&, double) {}); },
               {"timeout_s must be positive, got -1"});
}

// This test binary does not link //train/dist:nccl_comm, so it sees a build without NCCL.
TEST(SingleComm, NcclWithoutTheBackendLinkedSaysSo) {
  EXPECT_FALSE(nccl_available());
  CommOptions o;
  o.backend = CommBackend::nccl;
  expect_error([&] { make_communicator(o); }, {"'nccl'", "this build has no NCCL"});
  expect_error([] { resolve_comm_backend("nccl", true); },
               {"dist.backend", "this build has no NCCL"});
}

TEST(SingleComm, DistBackendKeyResolves) {
  EXPECT_EQ(resolve_comm_backend("auto", false), CommBackend::automatic);
  EXPECT_EQ(resolve_comm_backend("mpi", false), CommBackend::mpi);
  EXPECT_EQ(resolve_comm_backend("mpi", true), CommBackend::mpi);
  // No NCCL linked: a CUDA model falls back to MPI/single, as PyTorch picks gloo without NCCL.
  EXPECT_EQ(resolve_comm_backend("auto", true), CommBackend::automatic);
  expect_error([] { resolve_comm_backend("gloo", false); },
               {"dist.backend", "'gloo'", "auto, mpi, nccl"});
}

TEST(SingleComm, NcclDeviceIsTheLocalRank) {
  unsetenv("OMPI_COMM_WORLD_LOCAL_RANK");
  EXPECT_EQ(nccl_device_for_rank(0, 8), 0);
  EXPECT_EQ(nccl_device_for_rank(11, 8), 3);  // rank % device count without mpirun's local rank
  setenv("OMPI_COMM_WORLD_LOCAL_RANK", "2", 1);
  EXPECT_EQ(nccl_device_for_rank(10, 4), 2);  // the local rank wins
  expect_error([] { nccl_device_for_rank(10, 2); },
               {"rank 10 is local rank 2", "only 2 CUDA device(s)", "one rank per GPU"});
  setenv("OMPI_COMM_WORLD_LOCAL_RANK", "x", 1);
  expect_error([] { nccl_device_for_rank(0, 2); }, {"OMPI_COMM_WORLD_LOCAL_RANK is 'x'"});
  unsetenv("OMPI_COMM_WORLD_LOCAL_RANK");
  expect_error([] { nccl_device_for_rank(0, 0); }, {"no CUDA device"});
}

}  // namespace
}  // namespace dc
