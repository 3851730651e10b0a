// Tensor geometry: views share storage, contiguity, strides, dtype conversions, errors.
#include "core/tensor.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/copy.h"
#include "ops/creation.h"
#include "ops/elementwise.h"

namespace dc {
namespace {

Tensor iota(const Shape& shape) {
  return arange(0, static_cast<double>(shape_numel(shape)), 1, DType::f32).reshape(shape);
}

TEST(Tensor, EmptyIsContiguousAndAligned) {
  Tensor t = empty({3, 5});
  EXPECT_EQ(t.strides(), (Shape{5, 1}));
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw_data()) % 64, 0u);
  EXPECT_EQ(t.numel(), 15);
}

TEST(Tensor, ZeroElementTensorsAreContiguousWhateverTheirStrides) {
  // As PyTorch: a tensor with no elements has nothing to lay out (the HDF5 reader relies on it).
  Tensor t = empty({4, 0});
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_TRUE(t.as_strided({4, 0}, {1, 1}, 0).is_contiguous());
  EXPECT_TRUE(t.as_strided({0, 3}, {1, 7}, 0).is_contiguous());
  EXPECT_FALSE(empty({4, 3}).transpose(0, 1).is_contiguous());
}

TEST(Tensor, ViewsShareStorage) {
  Tensor x = iota({3, 4});
  Tensor views[] = {x.transpose(0, 1), x.slice(1, 1, 3),  x.select(0, 2),   x.view({4, 3}),
                    x.unsqueeze(0),    x.permute({1, 0}), x.narrow(0, 1, 1)};
  for (const Tensor& v : views) EXPECT_EQ(v.storage().get(), x.storage().get());
  // A write through a view is seen by the base.
  fill_(x.select(0, 2), -1.0);
  EXPECT_EQ(x.to_vector()[8], -1.0);
  EXPECT_EQ(x.to_vector()[11], -1.0);
  EXPECT_EQ(x.to_vector()[7], 7.0);
}

TEST(Tensor, TransposeStridesAndContiguous) {
  Tensor x = iota({2, 3});
  Tensor t = x.transpose(0, 1);
  EXPECT_EQ(t.sizes(), (Shape{3, 2}));
  EXPECT_EQ(t.strides(), (Shape{1, 3}));
  EXPECT_FALSE(t.is_contiguous());
  Tensor c = t.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_NE(c.storage().get(), x.storage().get());
  EXPECT_EQ(c.to_vector(), (std::vector<double>{0, 3, 1, 4, 2, 5}));
  // contiguous() of a contiguous tensor is the same tensor, no copy.
  EXPECT_TRUE(x.contiguous().same(x));
}

TEST(Tensor, SliceWithStepAndNegativeBounds) {
  Tensor x = arange(10, DType::f32);
  EXPECT_EQ(x.slice(0, 1, 8, 3).to_vector(), (std::vector<double>{1, 4, 7}));
  EXPECT_EQ(x.slice(0, -3, 10).to_vector(), (std::vector<double>{7, 8, 9}));
  EXPECT_EQ(x.slice(0, 5, 2).numel(), 0);
}

TEST(Tensor, ExpandHasZeroStrides) {
  Tensor x = iota({3, 1});
  Tensor e = x.expand({2, 3, 4});
  EXPECT_EQ(e.strides(), (Shape{0, 1, 0}));
  EXPECT_EQ(e.contiguous().to_vector()[5], 1.0);
}

TEST(Tensor, ExpandIncompatibleThrows) {
  Tensor x = iota({3, 2});
  try {
    x.expand({3, 4});
    FAIL() << "expected dc::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("expand"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[3, 4]"), std::string::npos) << e.what();
  }
}

TEST(Tensor, ViewOfNonContiguousNeedsReshape) {
  Tensor t = iota({3, 4}).transpose(0, 1);
  EXPECT_THROW(t.view({12}), Error);
  EXPECT_EQ(t.reshape({12}).to_vector()[1], 4.0);
  // A view that keeps a non-contiguous dim intact works without copying.
  Tensor u = iota({2, 3, 4}).permute({1, 0, 2});
  Tensor v = u.view({3, 2, 2, 2});
  EXPECT_EQ(v.storage().get(), u.storage().get());
}

TEST(Tensor, ViewInfersOneDim) {
  Tensor x = iota({2, 6});
  EXPECT_EQ(x.view({-1, 4}).sizes(), (Shape{3, 4}));
  EXPECT_THROW(x.view({-1, 5}), Error);
  EXPECT_THROW(x.view({-1, -1}), Error);
}

TEST(Tensor, SqueezeUnsqueezeFlatten) {
  Tensor x = iota({1, 3, 1, 2});
  EXPECT_EQ(x.squeeze().sizes(), (Shape{3, 2}));
  EXPECT_EQ(x.squeeze(2).sizes(), (Shape{1, 3, 2}));
  EXPECT_EQ(x.squeeze(1).sizes(), (Shape{1, 3, 1, 2}));
  EXPECT_EQ(x.unsqueeze(-1).sizes(), (Shape{1, 3, 1, 2, 1}));
  EXPECT_EQ(x.flatten(1).sizes(), (Shape{1, 6}));
}

TEST(Tensor, SelectOutOfRangeNamesTheOp) {
  Tensor x = iota({2, 3});
  try {
    x.select(1, 3);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("select"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("f32[2, 3]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(x.transpose(0, 2), Error);
}

TEST(Tensor, DtypeConversions) {
  Tensor x = tensor_from({-1.7, 0.0, 2.5, 3.9}, {4});
  EXPECT_EQ(x.to(DType::i32).to_vector(), (std::vector<double>{-1, 0, 2, 3}));
  EXPECT_EQ(x.to(DType::i64).dtype(), DType::i64);
  EXPECT_EQ(x.to(DType::b8).to_vector(), (std::vector<double>{1, 0, 1, 1}));
  EXPECT_EQ(x.to(DType::f16).to_vector(),
            (std::vector<double>{-1.7001953125, 0, 2.5, 3.900390625}));
  EXPECT_EQ(x.to(DType::bf16).to_vector(), (std::vector<double>{-1.703125, 0, 2.5, 3.90625}));
  EXPECT_EQ(tensor_from({300}, {1}).to(DType::u8).to_vector()[0], 44);  // wraps modulo 256
  EXPECT_EQ(x.to(DType::f64).to(DType::f32).to_vector(), x.to_vector());
}

TEST(Tensor, HalfRoundTripSpecialValues) {
  const std::vector<double> v = {65504.0, 1e-7, -0.0, 6.103515625e-05, 5.960464477539063e-08};
  const std::vector<double> back = tensor_from(v, {5}).to(DType::f16).to_vector();
  EXPECT_EQ(back[0], 65504.0);
  EXPECT_EQ(back[1], 1.1920928955078125e-07);  // nearest subnormal half
  EXPECT_EQ(back[3], 6.103515625e-05);         // smallest normal half
  EXPECT_EQ(back[4], 5.960464477539063e-08);   // smallest subnormal half
  EXPECT_TRUE(std::isinf(tensor_from({70000.0}, {1}).to(DType::f16).to_vector()[0]));
  EXPECT_TRUE(std::isnan(tensor_from({NAN}, {1}).to(DType::bf16).to_vector()[0]));
}

TEST(Tensor, ItemAndErrors) {
  EXPECT_EQ(tensor_from({4.5}, {}).item<float>(), 4.5f);
  EXPECT_THROW(tensor_from({1, 2}, {2}).item<float>(), Error);
  EXPECT_THROW(tensor_from({1, 2}, {2}).data<double>(), Error);
  EXPECT_THROW(empty({2, -1}), Error);
  EXPECT_THROW(dtype_from_name("float7"), Error);
  EXPECT_EQ(dtype_from_name("bf16"), DType::bf16);
}

TEST(Tensor, DeviceWithoutBackendFailsLoudly) {
  Tensor x = iota({2});
  try {
    x.to(Device{DeviceType::CUDA, 0});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cuda:0"), std::string::npos) << e.what();
  }
}

TEST(Tensor, CopyBroadcastsSource) {
  Tensor dst = zeros({2, 3});
  copy_into(dst, tensor_from({1, 2, 3}, {3}));
  EXPECT_EQ(dst.to_vector(), (std::vector<double>{1, 2, 3, 1, 2, 3}));
  EXPECT_THROW(copy_into(dst, tensor_from({1, 2}, {2})), Error);
}

TEST(Tensor, CpuAllocatorTracksBytes) {
  const size_t before = cpu_allocator().stats().in_use;
  {
    Tensor t = empty({1000}, DType::f64);
    EXPECT_EQ(cpu_allocator().stats().in_use, before + 8000);
    EXPECT_GE(cpu_allocator().stats().peak, before + 8000);
  }
  EXPECT_EQ(cpu_allocator().stats().in_use, before);
}

}  // namespace
}  // namespace dc
