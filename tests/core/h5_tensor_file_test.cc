// HDF5 tensor files: bit-exact round trips of every dtype, attributes, error messages naming the
// file and key, atomic writes, and load_weights reports.
#include "core/h5_tensor_file.h"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "core/copy.h"
#include "core/load_weights.h"
#include "tests/testing/expect_error.h"
#include "tests/testing/temp_dir.h"

namespace dc {
namespace {

namespace fs = std::filesystem;

template <typename T>
Tensor make(const Shape& shape, const std::vector<T>& values) {
  Tensor t = empty(shape, DTypeOf<T>::value);
  EXPECT_EQ(static_cast<size_t>(t.numel()), values.size());
  T* out = static_cast<T*>(t.raw_data());
  for (size_t i = 0; i < values.size(); ++i) out[i] = values[i];  // vector<bool> has no data()
  return t;
}

// Bytes of a tensor in row-major order (copying non-contiguous views).
std::string bytes_of(const Tensor& t) {
  Tensor c = t;
  if (!t.is_contiguous()) {
    c = empty(t.sizes(), t.dtype());
    copy_into(c, t);
  }
  return std::string(static_cast<const char*>(c.raw_data()), c.numel() * dtype_size(t.dtype()));
}

void expect_same(const Tensor& got, const Tensor& want, const std::string& key) {
  ASSERT_TRUE(got.defined()) << key;
  EXPECT_EQ(got.dtype(), want.dtype()) << key;
  EXPECT_EQ(got.sizes(), want.sizes()) << key;
  EXPECT_EQ(bytes_of(got), bytes_of(want)) << key;
}

size_t tmp_files_in(const std::string& dir) {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().find(".tmp.") != std::string::npos) ++n;
  }
  return n;
}

TensorMap every_dtype() {
  const float fnan = std::numeric_limits<float>::quiet_NaN();
  const double dinf = std::numeric_limits<double>::infinity();
  Tensor f32 = make<float>({2, 3}, {1.5f, -0.0f, fnan, 1e-42f, -3.25e38f, 7.0f});
  Tensor f64 = make<double>({3}, {dinf, -dinf, 5e-324});
  Tensor f16 = make<Half>({4}, {{0x3c00}, {0x8000}, {0x7c00}, {0x0001}});  // 1, -0, inf, subnormal
  Tensor bf16 = make<BFloat16>({2, 2}, {{0x3f80}, {0xff80}, {0x0001}, {0x7f7f}});
  Tensor i32 = make<int32_t>({3}, {std::numeric_limits<int32_t>::min(), -1, 2147483647});
  Tensor i64 = make<int64_t>(
      {2}, {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()});
  Tensor u8 = make<uint8_t>({2, 1, 2}, {0, 1, 128, 255});
  Tensor b8 = make<bool>({3}, {true, false, true});
  Tensor scalar = make<double>({}, {-2.5});
  Tensor scalar_i64 = make<int64_t>({}, {123456789012345});  // like num_batches_tracked
  Tensor scalar_bool = make<bool>({}, {true});
  Tensor empty_f32 = make<float>({0, 3}, {});
  Tensor empty_i64 = make<int64_t>({4, 0}, {});
  // A transposed (non-contiguous) view is written in its logical row-major order.
  Tensor base = make<float>({2, 3}, {0, 1, 2, 3, 4, 5});
  Tensor transposed = base.as_strided({3, 2}, {1, 3}, 0);
  // Keys out of alphabetical order, with dots, and nested in groups.
  return {{"zeta.weight", f32},
          {"alpha.f64", f64},
          {"layer1.0.conv1.half", f16},
          {"model/bn1.bf16", bf16},
          {"model/sub/i32", i32},
          {"i64", i64},
          {"u8", u8},
          {"mask.bool", b8},
          {"scalar", scalar},
          {"num_batches_tracked", scalar_i64},
          {"scalar_bool", scalar_bool},
          {"empty_f32", empty_f32},
          {"empty_i64", empty_i64},
          {"transposed", transposed}};
}

TEST(H5TensorFile, EveryDtypeRoundTripsBitExactlyInWriteOrder) {
  const std::string path = fresh_test_dir() + "/all.h5";
  const TensorMap written = every_dtype();
  write_tensor_file(path, written);
  const TensorFileContents back = read_tensor_file(path);
  ASSERT_EQ(back.tensors.size(), written.size());
  for (size_t i = 0; i < written.size(); ++i) {
    EXPECT_EQ(back.tensors[i].first, written[i].first);  // same order, same keys
    expect_same(back.tensors[i].second, written[i].second, written[i].first);
    EXPECT_TRUE(back.tensors[i].second.is_contiguous());
  }
  EXPECT_TRUE(back.attrs.empty());

  const std::vector<TensorInfo> infos = list_tensors(path);
  ASSERT_EQ(infos.size(), written.size());
  EXPECT_EQ(infos[3].key, "model/bn1.bf16");
  EXPECT_EQ(infos[3].dtype, DType::bf16);
  EXPECT_EQ(infos[8].shape, Shape{});
  EXPECT_EQ(infos[11].shape, (Shape{0, 3}));
}

TEST(H5TensorFile, ReadsSelectedKeysInTheOrderAsked) {
  const std::string path = fresh_test_dir() + "/sel.h5";
  const TensorMap written = every_dtype();
  write_tensor_file(path, written);
  const TensorMap some = read_tensors(path, {"u8", "model/sub/i32", "scalar"});
  ASSERT_EQ(some.size(), 3u);
  EXPECT_EQ(some[1].first, "model/sub/i32");
  expect_same(some[0].second, *find_tensor(written, "u8"), "u8");
  expect_same(some[1].second, *find_tensor(written, "model/sub/i32"), "i32");
  expect_same(some[2].second, *find_tensor(written, "scalar"), "scalar");
  EXPECT_EQ(find_tensor(written, "nope"), nullptr);
}

TEST(H5TensorFile, AttributesRoundTrip) {
  const std::string path = fresh_test_dir() + "/attrs.h5";
  std::string yaml = "model:\n  name: densereg  # ünïcödé\n";
  while (yaml.size() < 200000) yaml += "  pad: " + std::to_string(yaml.size()) + "\n";
  const H5AttrMap attrs = {{"iteration", int64_t{-42}},
                           {"config_yaml", yaml},
                           {"lr", 0.1 + 1e-17},
                           {"empty", std::string()},
                           {"rng/default/seed", std::numeric_limits<uint64_t>::max()},
                           {"model/note", std::string("on a group with datasets")}};
  write_tensor_file(path, {{"model/w", make<float>({1}, {1.0f})}}, attrs);
  const H5AttrMap back = read_attrs(path);
  EXPECT_EQ(back, attrs);
  EXPECT_EQ(read_tensor_file(path).attrs, attrs);
  EXPECT_EQ(get_attr<int64_t>(back, "iteration", path), -42);
  EXPECT_EQ(get_attr<uint64_t>(back, "rng/default/seed", path),
            std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(get_attr<std::string>(back, "config_yaml", path), yaml);
  expect_contains(error_of([&] { get_attr<double>(back, "config_yaml", path); }),
                  {path, "config_yaml", "is string, expected double"});
  expect_contains(error_of([&] { get_attr<int64_t>(back, "rng/default/seed", path); }),
                  {path, "rng/default/seed", "does not fit in int64"});
  expect_contains(error_of([&] { get_attr<double>(back, "missing", path); }),
                  {path, "no attribute 'missing'"});
}

TEST(H5TensorFile, ErrorsNameTheFileAndTheKey) {
  const std::string dir = fresh_test_dir();
  const std::string missing = dir + "/missing.h5";
  expect_contains(error_of([&] { read_tensor_file(missing); }),
                  {missing, "No such file or directory"});

  const std::string text = dir + "/weights.txt";
  std::ofstream(text) << "not an hdf5 file\n";
  expect_contains(error_of([&] { list_tensors(text); }), {text, "is not an HDF5 file"});

  const std::string path = dir + "/ok.h5";
  write_tensor_file(path, {{"a.weight", make<float>({2}, {1, 2})}, {"g/b", make<float>({}, {3})}});
  expect_contains(error_of([&] {
                    read_tensors(path, {"a.weight", "b.weight"});
                  }),
                  {path, "no dataset 'b.weight'"});
  expect_contains(error_of([&] { read_tensors(path, {"g"}); }), {path, "'g' is a group"});

  // A dataset of a type no tensor has (int16, as another tool might write).
  const std::string odd = dir + "/int16.h5";
  {
    hid_t f = H5Fcreate(odd.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t n = 2;
    hid_t space = H5Screate_simple(1, &n, nullptr);
    hid_t d =
        H5Dcreate2(f, "counts.i16", H5T_STD_I16LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const int16_t v[2] = {1, 2};
    H5Dwrite(d, H5T_NATIVE_INT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Dclose(d);
    H5Sclose(space);
    H5Fclose(f);
  }
  expect_contains(
      error_of([&] { read_tensor_file(odd); }),
      {odd, "dataset 'counts.i16' has an unsupported element type", "signed 16-bit integer"});

  // Keys that would not map to one dataset path.
  for (const std::string bad : {"", "/a", "a/", "a//b", "a/../b"}) {
    expect_contains(error_of([&] {
                      write_tensor_file(dir + "/bad.h5", {{bad, make<float>({}, {1})}});
                    }),
                    {dir + "/bad.h5", "invalid key '" + bad + "'"});
  }
  expect_contains(error_of([&] {
                    write_tensor_file(dir + "/clash.h5",
                                      {{"a", make<float>({}, {1})}, {"a/b", make<float>({}, {2})}});
                  }),
                  {"clash.h5", "key 'a/b' needs 'a' to be a group, but it is a dataset"});
  EXPECT_FALSE(fs::exists(dir + "/bad.h5"));
  EXPECT_FALSE(fs::exists(dir + "/clash.h5"));
}

TEST(H5TensorFile, FailedWriteKeepsTheOldFileAndLeavesNoTemporary) {
  const std::string dir = fresh_test_dir();
  const std::string path = dir + "/weights.h5";
  const TensorMap old = {{"w", make<float>({2}, {1, 2})}};
  write_tensor_file(path, old, {{"iteration", int64_t{7}}});
  const std::string old_bytes = [&] {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();

  // Valid tensors, then an undefined one: the write fails midway.
  TensorMap broken = every_dtype();
  broken.emplace_back("not.a.tensor", Tensor());
  expect_contains(error_of([&] { write_tensor_file(path, broken); }),
                  {path, "tensor 'not.a.tensor' is undefined"});
  // Duplicate keys fail midway too.
  expect_contains(
      error_of([&] {
        write_tensor_file(path, {{"w", make<float>({1}, {0})}, {"w", make<float>({1}, {0})}});
      }),
      {path, "duplicate key 'w'"});

  std::ifstream in(path, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), old_bytes);
  expect_same(read_tensors(path, {"w"})[0].second, old[0].second, "w");
  EXPECT_EQ(tmp_files_in(dir), 0u);

  // A successful write replaces the file and leaves no temporary either.
  write_tensor_file(path, every_dtype());
  EXPECT_EQ(list_tensors(path).size(), every_dtype().size());
  EXPECT_EQ(tmp_files_in(dir), 0u);
}

TEST(LoadWeights, CopiesByNameWithDtypeConversion) {
  const std::string path = fresh_test_dir() + "/w.h5";
  write_tensor_file(path, {{"conv.weight", make<double>({2, 2}, {0.5, -1.25, 3.0, 4.0})},
                           {"bn.num_batches_tracked", make<int64_t>({}, {9})},
                           {"conv.bias", make<float>({2}, {7.0f, 8.0f})}});
  Tensor w = make<float>({2, 2}, {0, 0, 0, 0});
  Tensor b = make<float>({2}, {0, 0});
  Tensor n = make<int64_t>({}, {0});
  const LoadReport r = load_weights(
      {{"conv.weight", w}, {"conv.bias", b}, {"bn.num_batches_tracked", n}}, path, false);
  EXPECT_TRUE(r.complete());
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(r.loaded,
            (std::vector<std::string>{"conv.weight", "conv.bias", "bn.num_batches_tracked"}));
  EXPECT_EQ(w.dtype(), DType::f32);  // the target keeps its dtype and storage
  EXPECT_EQ(w.to_vector(), (std::vector<double>{0.5, -1.25, 3.0, 4.0}));
  EXPECT_EQ(b.to_vector(), (std::vector<double>{7.0, 8.0}));
  EXPECT_EQ(n.item<int64_t>(), 9);
  EXPECT_EQ(r.str(), "loaded 3 of 3 tensors");
}

TEST(LoadWeights, ReportsMissingUnexpectedAndMisshapedKeys) {
  const std::string path = fresh_test_dir() + "/w.h5";
  write_tensor_file(path, {{"a", make<float>({2}, {1, 2})},
                           {"b", make<float>({3}, {1, 2, 3})},
                           {"extra.one", make<float>({1}, {0})},
                           {"model/nested", make<float>({1}, {0})}});
  Tensor a = make<float>({2}, {0, 0});
  Tensor b = make<float>({2, 2}, {0, 0, 0, 0});
  Tensor c = make<float>({1}, {5});
  const TensorMap target = {{"a", a}, {"b", b}, {"c", c}};

  const std::string msg = error_of([&] { load_weights(target, path, false); });
  expect_contains(msg, {"load_weights: '" + path + "' does not match the target",
                        "missing in file (1): c", "unexpected in file (2): extra.one, model/nested",
                        "shape mismatch (1): b (expected [2, 2], file has [3])"});
  EXPECT_EQ(a.to_vector(), (std::vector<double>{0, 0}));  // nothing copied on error

  const LoadReport r = load_weights(target, path, true);
  EXPECT_FALSE(r.complete());
  EXPECT_EQ(r.loaded, std::vector<std::string>{"a"});
  EXPECT_EQ(r.missing, std::vector<std::string>{"c"});
  EXPECT_EQ(r.unexpected, (std::vector<std::string>{"extra.one", "model/nested"}));
  ASSERT_EQ(r.mismatched.size(), 1u);
  EXPECT_EQ(r.mismatched[0].key, "b");
  EXPECT_EQ(r.mismatched[0].expected, (Shape{2, 2}));
  EXPECT_EQ(r.mismatched[0].in_file, Shape{3});
  ASSERT_EQ(r.warnings.size(), 3u);
  EXPECT_EQ(r.warnings[0], "missing in file (1): c");
  EXPECT_EQ(a.to_vector(), (std::vector<double>{1, 2}));
  EXPECT_EQ(b.to_vector(), (std::vector<double>{0, 0, 0, 0}));  // mis-shaped: left alone
  EXPECT_EQ(c.to_vector(), std::vector<double>{5});
  expect_contains(r.str(), {"loaded 1 of 3 tensors", "shape mismatch (1)"});

  // A group of the file, as for a checkpoint's model.
  Tensor nested = make<float>({1}, {3});
  const LoadReport g = load_weights({{"nested", nested}}, path, false, "model");
  EXPECT_TRUE(g.complete());
  EXPECT_EQ(nested.to_vector(), std::vector<double>{0});
  expect_contains(error_of([&] {
                    load_weights({{"x", nested}}, path, false, "nope");
                  }),
                  {path, "no datasets in group 'nope'"});
}

TEST(LoadWeights, LongListsAreCapped) {
  const std::string path = fresh_test_dir() + "/w.h5";
  write_tensor_file(path, {{"only", make<float>({}, {1})}});
  TensorMap target;
  for (int i = 0; i < 25; ++i)
    target.emplace_back("layer" + std::to_string(i), make<float>({}, {0}));
  target.emplace_back("only", make<float>({}, {0}));
  const std::string msg = error_of([&] { load_weights(target, path, false); });
  expect_contains(msg, {"missing in file (25): layer0, layer1", "layer19 ... and 5 more"});
  EXPECT_EQ(msg.find("layer20"), std::string::npos);
}

}  // namespace
}  // namespace dc
