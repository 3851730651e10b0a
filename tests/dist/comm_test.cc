// The MPI communicator under `mpirun -np N` (run by tests/dist/comm_mpi_test.sh with N = 2 and 3):
// every rank runs these tests in the same order and checks the collectives' results against the
// hand computation from each rank's known inputs (comm_values.h).
#include "train/dist/comm.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/copy.h"
#include "tests/dist/comm_values.h"
#include "tests/testing/expect_error.h"
#include "tests/testing/temp_dir.h"
#include "train/dist/bucket_plan.h"

namespace dc {
namespace {

Communicator& comm() {
  static std::shared_ptr<Communicator> c = [] {
    CommOptions o;
    o.timeout_s = 120;  // far beyond any collective here; only a real hang reaches it
    return make_communicator(o);
  }();
  return *c;
}

const DType kReduceDTypes[] = {DType::f32, DType::f64, DType::i32, DType::i64, DType::u8};
const CommReduce kOps[] = {CommReduce::sum, CommReduce::mean, CommReduce::max, CommReduce::min};
const int64_t kSizes[] = {1, 7, 1001};

// Host memory that claims to be on cuda:0: lets the tests build a "CUDA" tensor without a GPU,
// which the communicator must reject before touching its data.
class FakeCudaAllocator final : public Allocator {
 public:
  void* allocate(size_t nbytes) override { return std::malloc(nbytes); }
  void deallocate(void* p, size_t) override { std::free(p); }
  Device device() const override { return Device{DeviceType::CUDA, 0}; }
};

Tensor fake_cuda_tensor(int64_t n) {
  static FakeCudaAllocator alloc;
  return make_tensor(std::make_shared<StorageImpl>(n * 4, alloc), {n}, {1}, 0, DType::f32);
}

TEST(MpiComm, RunsOnTheWorldMpirunStarted) {
  const char* want = std::getenv("DC_TEST_WORLD_SIZE");
  ASSERT_NE(want, nullptr) << "run me through tests/dist/comm_mpi_test.sh";
  EXPECT_TRUE(launched_by_mpirun());
  EXPECT_STREQ(comm().backend_name(), "mpi");
  EXPECT_EQ(comm().world_size(), std::atoi(want));
  EXPECT_EQ(comm().rank(), std::atoi(std::getenv("OMPI_COMM_WORLD_RANK")));
}

TEST(MpiComm, AllReduceEveryOpDtypeAndOddSize) {
  const int w = comm().world_size(), r = comm().rank();
  for (DType dtype : kReduceDTypes) {
    for (CommReduce op : kOps) {
      for (int64_t n : kSizes) {
        Tensor t = tensor_from(rank_values(dtype, r, n), {n}, dtype);
        comm().all_reduce(t, op);
        const std::vector<double> got = t.to_vector();
        int bad = 0;
        for (int64_t i = 0; i < n && bad < 3; ++i) {
          const double want = expected_reduce(dtype, op, w, i);
          if (got[i] != want) {
            ++bad;
            ADD_FAILURE() << dtype_name(dtype) << " " << comm_reduce_name(op) << " n=" << n
                          << " element " << i << ": got " << got[i] << ", expected " << want;
          }
        }
      }
    }
  }
}

TEST(MpiComm, AllReduceOfANonContiguousViewWritesThroughTheView) {
  const int w = comm().world_size(), r = comm().rank();
  // base is [3, 5]; the transposed view [5, 3] is reduced in place.
  Tensor base = tensor_from(rank_values(DType::f64, r, 15), {3, 5}, DType::f64);
  Tensor view = base.as_strided({5, 3}, {1, 5}, 0);
  ASSERT_FALSE(view.is_contiguous());
  comm().all_reduce(view, CommReduce::sum);
  const std::vector<double> got = base.to_vector();
  for (int64_t i = 0; i < 15; ++i) {
    EXPECT_EQ(got[i], expected_reduce(DType::f64, CommReduce::sum, w, i)) << i;
  }
}

TEST(MpiComm, BroadcastFromEveryRootAndByteDtypes) {
  const int w = comm().world_size(), r = comm().rank();
  for (int root = 0; root < w; ++root) {
    for (DType dtype : {DType::f32, DType::f64, DType::i32, DType::i64, DType::u8, DType::f16,
                        DType::bf16, DType::b8}) {
      for (int64_t n : kSizes) {
        // Values exact in f16/bf16 (multiples of 1/4 up to 11); b8 gets the nonzero pattern.
        const DType src = dtype == DType::u8 ? DType::u8 : DType::f32;
        Tensor t = tensor_from(rank_values(src, r, n), {n}, dtype);
        const std::vector<double> want =
            tensor_from(rank_values(src, root, n), {n}, dtype).to_vector();
        comm().broadcast(t, root);
        EXPECT_EQ(t.to_vector(), want) << dtype_name(dtype) << " root " << root << " n=" << n;
      }
    }
  }
}

TEST(MpiComm, BroadcastIntoANonContiguousView) {
  const int r = comm().rank();
  Tensor base = tensor_from(rank_values(DType::i32, r, 12), {3, 4}, DType::i32);
  Tensor col = base.as_strided({3}, {4}, 1);  // column 1
  comm().broadcast(col, 0);
  const std::vector<double> mine = rank_values(DType::i32, r, 12);
  const std::vector<double> root = rank_values(DType::i32, 0, 12);
  const std::vector<double> got = base.to_vector();
  for (int64_t i = 0; i < 12; ++i) EXPECT_EQ(got[i], i % 4 == 1 ? root[i] : mine[i]) << i;
}

TEST(MpiComm, AllGatherStacksRanksAlongANewLeadingDim) {
  const int w = comm().world_size(), r = comm().rank();
  for (DType dtype : {DType::f32, DType::i64, DType::u8, DType::f16}) {
    const DType src = dtype == DType::u8 ? DType::u8 : DType::f32;
    Tensor t = tensor_from(rank_values(src, r, 6), {2, 3}, dtype);
    const Tensor g = comm().all_gather(t);
    ASSERT_EQ(g.sizes(), (Shape{w, 2, 3})) << dtype_name(dtype);
    EXPECT_EQ(g.dtype(), dtype);
    const std::vector<double> got = g.to_vector();
    for (int q = 0; q < w; ++q) {
      const std::vector<double> want = tensor_from(rank_values(src, q, 6), {6}, dtype).to_vector();
      for (int64_t i = 0; i < 6; ++i) {
        EXPECT_EQ(got[q * 6 + i], want[i]) << dtype_name(dtype) << " rank " << q << " " << i;
      }
    }
  }
}

TEST(MpiComm, BucketedAllReduceSplitsTensorsLargerThanABucket) {
  const int w = comm().world_size(), r = comm().rank();
  // 400-byte buckets hold 100 f32: the 1001-element tensor spans 11 buckets and the f64 and i32
  // tensors get buckets of their own dtype.
  const std::vector<std::pair<DType, int64_t>> specs = {
      {DType::f32, 1}, {DType::f32, 7},  {DType::f64, 5}, {DType::f32, 1001},
      {DType::f32, 0}, {DType::i32, 13}, {DType::f32, 99}};
  for (CommReduce op : {CommReduce::sum, CommReduce::mean, CommReduce::max}) {
    std::vector<Tensor> ts;
    for (const auto& [dtype, n] : specs)
      ts.push_back(tensor_from(rank_values(dtype, r, n), {n}, dtype));
    // One member is a strided view, staged through a contiguous copy.
    Tensor base = tensor_from(rank_values(DType::f32, r, 14), {7, 2}, DType::f32);
    ts.push_back(base.as_strided({7}, {2}, 0));
    const int64_t planned = static_cast<int64_t>(plan_buckets(ts, 400).size());
    const int64_t before = comm().stats().collectives;
    const int64_t buckets = comm().all_reduce_bucketed(ts, op, 400);
    EXPECT_EQ(buckets, planned);
    EXPECT_EQ(comm().stats().collectives - before, buckets);
    for (size_t k = 0; k < specs.size(); ++k) {
      const auto [dtype, n] = specs[k];
      const std::vector<double> got = ts[k].to_vector();
      for (int64_t i = 0; i < n; ++i) {
        ASSERT_EQ(got[i], expected_reduce(dtype, op, w, i))
            << "tensor " << k << " " << comm_reduce_name(op) << " element " << i;
      }
    }
    const std::vector<double> strided = base.to_vector();
    for (int64_t i = 0; i < 14; ++i) {
      const double want =
          i % 2 == 0 ? expected_reduce(DType::f32, op, w, i) : rank_value(DType::f32, r, i);
      EXPECT_EQ(strided[i], want) << "strided element " << i;
    }
  }
}

TEST(MpiComm, BarrierWaitsForEveryRank) {
  // Each rank leaves a file before the barrier; after it, every rank must see all of them.
  const std::filesystem::path dir = test_tmp_root() / "barrier";
  std::filesystem::create_directories(dir);
  for (int round = 0; round < 3; ++round) {
    const std::string tag = "round" + std::to_string(round) + "_rank";
    std::ofstream(dir / (tag + std::to_string(comm().rank()))) << "here";
    comm().barrier();
    for (int q = 0; q < comm().world_size(); ++q) {
      EXPECT_TRUE(std::filesystem::exists(dir / (tag + std::to_string(q))))
          << "rank " << comm().rank() << " passed barrier " << round << " before rank " << q;
    }
  }
}

TEST(MpiComm, RejectsCudaTensorsNamingNccl) {
  Tensor t = fake_cuda_tensor(4);
  expect_error([&] { comm().all_reduce(t, CommReduce::sum, "fc.weight.grad"); },
               {"all_reduce", "'fc.weight.grad'", "cuda:0", "CPU tensors only", "NCCL"});
  expect_error([&] { comm().broadcast(t, 0); }, {"broadcast", "cuda:0", "NCCL"});
  expect_error([&] { comm().all_gather(t); }, {"all_gather", "cuda:0", "NCCL"});
  expect_error([&] { comm().all_reduce_bucketed({t}, CommReduce::sum, 1024, {"fc.bias.grad"}); },
               {"all_reduce_bucketed", "'fc.bias.grad'", "cuda:0", "NCCL"});
}

TEST(MpiComm, RejectsDtypesThatCannotBeReduced) {
  for (DType dtype : {DType::f16, DType::bf16, DType::b8}) {
    Tensor t = empty({3}, dtype);
    expect_error([&] { comm().all_reduce(t, CommReduce::sum, "g"); },
                 {"all_reduce", "'g'", std::string("dtype ") + dtype_name(dtype), "not supported"});
  }
}

TEST(MpiComm, MismatchedSizesFailOnEveryRankInsteadOfHanging) {
  const int r = comm().rank();
  // Rank 0 holds 7 elements, the others 8: every rank must get the same error.
  Tensor t = tensor_from(rank_values(DType::f32, r, r == 0 ? 7 : 8), {r == 0 ? 7 : 8});
  expect_error([&] { comm().all_reduce(t); },
               {"all_reduce: ranks disagree", "rank 0 called all_reduce", "7 elements",
                "rank 1 called all_reduce", "8 elements"});
}

TEST(MpiComm, MismatchedCollectivesAndRootsFailOnEveryRank) {
  const int r = comm().rank();
  Tensor t = tensor_from(rank_values(DType::f32, r, 5), {5});
  // Rank 0 broadcasts while the others all-reduce.
  const std::string msg = error_of([&] {
    if (r == 0) {
      comm().broadcast(t, 0);
    } else {
      comm().all_reduce(t);
    }
  });
  expect_contains(msg, {"ranks disagree", "rank 0 called broadcast", "rank 1 called all_reduce"});
  // Same call, different roots.
  expect_error([&] { comm().broadcast(t, r == 0 ? 0 : 1); },
               {"broadcast: ranks disagree", "param 0", "param 1"});
  // Same dtype and element count, different shapes.
  Tensor s = empty(r == 0 ? Shape{2, 3} : Shape{3, 2}, DType::f32);
  fill_(s, 1);
  expect_error([&] { comm().all_reduce(s); }, {"all_reduce: ranks disagree", "layout hash"});
  // The communicator stays usable after the errors above.
  Tensor ok = tensor_from(rank_values(DType::f32, r, 3), {3});
  comm().all_reduce(ok, CommReduce::max);
  for (int64_t i = 0; i < 3; ++i) {
    EXPECT_EQ(ok.to_vector()[i],
              expected_reduce(DType::f32, CommReduce::max, comm().world_size(), i));
  }
}

TEST(MpiComm, RejectsARootOutsideTheWorld) {
  Tensor t = empty({2}, DType::f32);
  const int w = comm().world_size();
  expect_error([&] { comm().broadcast(t, w); },
               {"broadcast: root " + std::to_string(w), "world size " + std::to_string(w)});
}

}  // namespace
}  // namespace dc
