// The NCCL backend (train/dist/nccl_comm.h) on CUDA tensors: every collective against the hand
// computation of tests/dist/comm_values.h for every dtype and odd sizes, non-contiguous views,
// bucketing across dtypes, CPU tensors staged through the GPU, a non-default current stream,
// error messages, and the timeout that aborts the NCCL communicator. Written for any world size;
// CI runs it as one rank (a world of one still goes through NCCL: the backend never short-cuts a
// lone rank). Without a CUDA build, a GPU or NCCL every test is SKIPPED with the reason.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "core/allocator.h"
#include "core/copy.h"
#include "core/storage.h"
#include "core/tensor.h"
#include "tests/dist/comm_values.h"
#include "tests/testing/expect_error.h"
#include "train/dist/comm.h"

#ifdef DC_WITH_CUDA
#include <cuda_runtime_api.h>

#include "core/cuda/device.h"
#include "core/cuda/stream.h"
#endif

namespace dc {
namespace {

class NcclTest : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef DC_WITH_CUDA
    GTEST_SKIP() << "built without CUDA (no toolkit found by @local_cuda), so without NCCL";
#else
    if (!cuda_is_available()) GTEST_SKIP() << "no CUDA device: " << cuda_unavailable_reason();
    ASSERT_TRUE(nccl_available()) << "a CUDA build of this test links //train/dist:nccl_comm";
#endif
  }

  static std::shared_ptr<Communicator> comm() {
    static std::shared_ptr<Communicator> c = [] {
      CommOptions o;
      o.backend = CommBackend::nccl;
      o.timeout_s = 60;
      return make_communicator(o);
    }();
    return c;
  }

  static Device gpu() {
#ifdef DC_WITH_CUDA
    return Device{DeviceType::CUDA, cuda_current_device()};
#else
    return kCPU;
#endif
  }
};

#ifdef DC_WITH_CUDA

const DType kReduceDtypes[] = {DType::f32, DType::f64, DType::f16, DType::bf16,
                               DType::i32, DType::i64, DType::u8};
const CommReduce kOps[] = {CommReduce::sum, CommReduce::mean, CommReduce::max, CommReduce::min};
const int64_t kSizes[] = {1, 7, 1001, 65537};

// Rank r's input for `dtype`, on this rank's GPU.
Tensor gpu_input(DType dtype, int rank, int64_t n, Device device) {
  return tensor_from(rank_values(dtype, rank, n), {n}, dtype).to(device);
}

TEST_F(NcclTest, BackendNameRankAndDevice) {
  EXPECT_STREQ(comm()->backend_name(), "nccl");
  EXPECT_GE(comm()->world_size(), 1);
  EXPECT_EQ(gpu().index, nccl_device_for_rank(comm()->rank(), cuda_device_count()));
}

TEST_F(NcclTest, AllReduceEveryDtypeOpAndOddSize) {
  const int w = comm()->world_size(), r = comm()->rank();
  for (DType dtype : kReduceDtypes) {
    for (CommReduce op : kOps) {
      for (int64_t n : kSizes) {
        Tensor t = gpu_input(dtype, r, n, gpu());
        comm()->all_reduce(t, op, "t");
        ASSERT_EQ(t.device().type, DeviceType::CUDA);
        const std::vector<double> got = t.to(kCPU).to_vector();
        for (int64_t i = 0; i < n; ++i) {
          ASSERT_EQ(got[i], expected_reduce(dtype, op, w, i))
              << dtype_name(dtype) << " " << comm_reduce_name(op) << " n=" << n << " i=" << i;
        }
      }
    }
  }
}

TEST_F(NcclTest, AllReduceOfANonContiguousViewWritesBackThroughTheView) {
  const int w = comm()->world_size(), r = comm()->rank();
  // A 5x3 matrix seen transposed: the collective stages it contiguously on the GPU.
  Tensor base = gpu_input(DType::f32, r, 15, gpu());
  Tensor view = base.as_strided({3, 5}, {1, 3}, 0);
  comm()->all_reduce(view, CommReduce::sum);
  const std::vector<double> got = base.to(kCPU).to_vector();
  for (int64_t i = 0; i < 15; ++i)
    EXPECT_EQ(got[i], expected_reduce(DType::f32, CommReduce::sum, w, i));
}

TEST_F(NcclTest, BucketedAllReduceAcrossDtypesAndBuckets) {
  const int w = comm()->world_size(), r = comm()->rank();
  const std::vector<DType> dtypes = {DType::f32, DType::bf16, DType::f32, DType::i64, DType::f16};
  const std::vector<int64_t> sizes = {13, 5, 101, 9, 33};
  std::vector<Tensor> ts;
  for (size_t k = 0; k < dtypes.size(); ++k) ts.push_back(gpu_input(dtypes[k], r, sizes[k], gpu()));
  // 64-byte buckets: the f32 stream alone needs several, the 101-element tensor is split.
  const int64_t buckets = comm()->all_reduce_bucketed(ts, CommReduce::mean, 64);
  EXPECT_GE(buckets, 9);
  for (size_t k = 0; k < ts.size(); ++k) {
    const std::vector<double> got = ts[k].to(kCPU).to_vector();
    for (int64_t i = 0; i < sizes[k]; ++i) {
      ASSERT_EQ(got[i], expected_reduce(dtypes[k], CommReduce::mean, w, i)) << k << " " << i;
    }
  }
}

TEST_F(NcclTest, BroadcastAndAllGatherEveryDtype) {
  const int w = comm()->world_size(), r = comm()->rank();
  for (DType dtype : kReduceDtypes) {
    for (int64_t n : {int64_t{1}, int64_t{7}, int64_t{1001}}) {
      Tensor t = gpu_input(dtype, r, n, gpu());
      comm()->broadcast(t, 0, "t");
      EXPECT_EQ(t.to(kCPU).to_vector(), rank_values(dtype, 0, n)) << dtype_name(dtype) << " " << n;

      const Tensor mine = gpu_input(dtype, r, n, gpu());
      const Tensor all = comm()->all_gather(mine, "mine");
      ASSERT_EQ(all.sizes(), (Shape{w, n}));
      ASSERT_EQ(all.device().type, DeviceType::CUDA);
      const std::vector<double> got = all.to(kCPU).to_vector();
      for (int q = 0; q < w; ++q) {
        const std::vector<double> want = rank_values(dtype, q, n);
        EXPECT_EQ(std::vector<double>(got.begin() + q * n, got.begin() + (q + 1) * n), want)
            << dtype_name(dtype) << " slice " << q;
      }
    }
  }
  // Bytes: bool too.
  Tensor flags = tensor_from({1, 0, 1}, {3}, DType::b8).to(gpu());
  comm()->broadcast(flags, 0);
  EXPECT_EQ(flags.to(kCPU).to_vector(), (std::vector<double>{1, 0, 1}));
  comm()->barrier();
}

TEST_F(NcclTest, RunsOnTheCurrentStream) {
  const int w = comm()->world_size(), r = comm()->rank();
  const CudaStream side = CudaStream::create(gpu().index);
  CudaStreamGuard guard(side);
  Tensor t = gpu_input(DType::f32, r, 4097, gpu());  // produced on the side stream
  comm()->all_reduce(t, CommReduce::max);
  const std::vector<double> got = t.to(kCPU).to_vector();
  for (int64_t i = 0; i < 4097; ++i)
    ASSERT_EQ(got[i], expected_reduce(DType::f32, CommReduce::max, w, i));
}

TEST_F(NcclTest, CpuTensorsAreStagedThroughTheGpu) {
  const int w = comm()->world_size(), r = comm()->rank();
  Tensor sums = tensor_from(rank_values(DType::f64, r, 9), {9}, DType::f64);
  comm()->all_reduce(sums, CommReduce::sum, "evaluation sums");
  ASSERT_TRUE(sums.device().is_cpu());
  for (int64_t i = 0; i < 9; ++i)
    EXPECT_EQ(sums.to_vector()[i], expected_reduce(DType::f64, CommReduce::sum, w, i));
  const Tensor states = comm()->all_gather(tensor_from({double(r), 7}, {2}, DType::i64));
  ASSERT_TRUE(states.device().is_cpu());
  for (int q = 0; q < w; ++q)
    EXPECT_EQ(states.select(0, q).to_vector(), (std::vector<double>{double(q), 7}));
  // Mixed devices in one bucketed call.
  Tensor a = gpu_input(DType::f32, r, 11, gpu());
  Tensor b = tensor_from(rank_values(DType::f32, r, 5), {5});
  comm()->all_reduce_bucketed({a, b}, CommReduce::sum, 24);
  for (int64_t i = 0; i < 11; ++i)
    EXPECT_EQ(a.to(kCPU).to_vector()[i], expected_reduce(DType::f32, CommReduce::sum, w, i));
  for (int64_t i = 0; i < 5; ++i)
    EXPECT_EQ(b.to_vector()[i], expected_reduce(DType::f32, CommReduce::sum, w, i));
}

// Host memory labelled as another GPU, so that the device check can be seen with one GPU.
class OtherGpuAllocator final : public Allocator {
 public:
  explicit OtherGpuAllocator(int index) : index_(index) {}
  void* allocate(size_t nbytes) override { return std::malloc(nbytes); }
  void deallocate(void* p, size_t) override { std::free(p); }
  Device device() const override { return Device{DeviceType::CUDA, index_}; }

 private:
  int index_;
};

TEST_F(NcclTest, RejectsOtherGpusAndOtherDtypesNamingThem) {
  static OtherGpuAllocator other(gpu().index + 1);
  const Tensor elsewhere =
      make_tensor(std::make_shared<StorageImpl>(12, other), {3}, {1}, 0, DType::f32);
  const std::string there = "cuda:" + std::to_string(gpu().index + 1);
  expect_error([&] { comm()->all_reduce(elsewhere, CommReduce::sum, "fc.weight.grad"); },
               {"all_reduce", "'fc.weight.grad'", "is on " + there, "nccl backend",
                "this rank's GPU " + gpu().str()});
  Tensor b = empty({3}, DType::b8, gpu());
  expect_error([&] { comm()->all_reduce(b, CommReduce::sum, "mask"); },
               {"all_reduce", "'mask'", "dtype b8 is not supported by the nccl backend",
                "f32, f64, f16, bf16, i32, i64, u8"});
}

// A collective that cannot finish within timeout_s (its stream is held by a host function that
// sleeps) aborts the NCCL communicator and names the rank and the collective; the communicator
// is unusable afterwards. Run last: it spends its own communicator.
void CUDART_CB sleep_on_stream(void*) { std::this_thread::sleep_for(std::chrono::seconds(3)); }

TEST_F(NcclTest, ZzTimeoutAbortsTheCommunicatorWithAClearError) {
  if (comm()->world_size() != 1) GTEST_SKIP() << "the timeout case runs as one rank";
  CommOptions o;
  o.backend = CommBackend::nccl;
  o.timeout_s = 0.5;
  auto c = make_communicator(o);
  Tensor t = gpu_input(DType::f32, 0, 5, gpu());
  const cudaStream_t stream = current_cuda_stream(gpu().index).handle();
  ASSERT_EQ(cudaLaunchHostFunc(stream, sleep_on_stream, nullptr), cudaSuccess);
  expect_error([&] { c->all_reduce(t, CommReduce::sum, "layer1.weight"); },
               {"rank 0 of 1", "all_reduce(sum) of 'layer1.weight'",
                "did not complete within 0.5 s", "ncclCommAbort"});
  expect_error([&] { c->barrier(); }, {"rank 0 of 1", "aborted after an earlier error"});
  cudaStreamSynchronize(stream);
}

#endif  // DC_WITH_CUDA

// Without a GPU the fixture skips; this case documents what a CPU-only build says.
TEST(NcclBuild, AvailabilityMatchesTheBuild) {
#ifdef DC_WITH_CUDA
  EXPECT_TRUE(nccl_available());
  EXPECT_EQ(resolve_comm_backend("auto", true), CommBackend::nccl);
  EXPECT_EQ(resolve_comm_backend("nccl", true), CommBackend::nccl);
  expect_error([] { resolve_comm_backend("nccl", false); },
               {"dist.backend", "nccl needs the model on a CUDA device"});
#else
  EXPECT_FALSE(nccl_available());
  expect_error([] { resolve_comm_backend("nccl", true); }, {"this build has no NCCL"});
#endif
  EXPECT_EQ(resolve_comm_backend("auto", false), CommBackend::automatic);
}

}  // namespace
}  // namespace dc
