// HDF5 tensor files: ordered maps of named tensors plus scalar and string attributes, the on-disk
// format of weights (scripts/convert_torch_weights.py writes it from PyTorch) and checkpoints
// (train/checkpoint.h). Layout, documented for users in docs/WEIGHTS_AND_CHECKPOINTS.md:
//
//   * One HDF5 dataset per key. The key is the dataset's path below the root group: '/' separates
//     HDF5 groups, every other character (PyTorch's dots included) stays in the name, so
//     "layer1.0.conv1.weight" is one dataset in the root group and "model/bn1.running_mean" is the
//     dataset "bn1.running_mean" in group "model". Keys are non-empty, with no leading, trailing or
//     doubled '/'.
//   * Element types (little-endian): f32/f64 as IEEE floats, i32/i64 as signed integers, u8 as an
//     unsigned byte, bool as h5py's enum {FALSE = 0, TRUE = 1} over int8, f16 as the IEEE binary16
//     float h5py writes, bf16 as a 16-bit HDF5 float with 8 exponent and 7 mantissa bits (numpy has
//     no bfloat16, so h5py cannot read those). 0-d tensors use a scalar dataspace, empty tensors a
//     simple dataspace with a zero extent. Values round-trip bit for bit.
//   * Attributes: an attribute key "a/b/name" is the attribute "name" on group "a/b" (created if
//     needed); a key without '/' is on the root group. Values are int64, uint64 (RNG states),
//     double, or UTF-8 variable-length strings (what h5py writes for a Python str).
//   * Key order: groups are created with link creation order tracked, and reading returns keys in
//     that order (the order they were written); files whose groups do not track it (h5py without
//     track_order=True) are read in name order.
//
// Writing is atomic: the file is written as "<path>.tmp.<pid>", flushed to disk (fsync), then
// renamed over <path>. If anything fails, the temporary file is removed and an existing <path> is
// left untouched, so a crash never leaves a half-written file under the final name.
//
// Every failure throws dc::Error naming the file and, where one is involved, the key.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/tensor.h"

namespace dc {

// An ordered map from names to tensors, e.g. a module's state dict.
using TensorMap = std::vector<std::pair<std::string, Tensor>>;

using H5AttrValue = std::variant<int64_t, uint64_t, double, std::string>;
using H5AttrMap = std::map<std::string, H5AttrValue>;

struct TensorFileContents {
  TensorMap tensors;  // in file order (see above)
  H5AttrMap attrs;    // every attribute of every group, keyed "group/path/name"
};

// What a dataset holds, without its data.
struct TensorInfo {
  std::string key;
  DType dtype = DType::f32;
  Shape shape;
};

// Writes `tensors` (CPU tensors of any dtype and layout; keys unique) and `attrs` atomically to
// `path`, replacing it if it exists.
void write_tensor_file(const std::string& path, const TensorMap& tensors,
                       const H5AttrMap& attrs = {});

// Reads every dataset and every attribute. Tensors are new contiguous CPU tensors that do not
// require grad.
TensorFileContents read_tensor_file(const std::string& path);

// Reads only `keys`, in the order asked; a key that is not a dataset of the file is an error.
TensorMap read_tensors(const std::string& path, const std::vector<std::string>& keys);

// Keys, dtypes and shapes of every dataset (data is not read).
std::vector<TensorInfo> list_tensors(const std::string& path);

// Every attribute, keyed as in TensorFileContents::attrs.
H5AttrMap read_attrs(const std::string& path);

// The tensor stored under `key`, or nullptr.
const Tensor* find_tensor(const TensorMap& map, const std::string& key);

// The attribute `key` as the asked type, or a dc::Error naming `path` (for the message), the key
// and the type found. get_attr<int64_t> also accepts a uint64 that fits.
template <typename T>
T get_attr(const H5AttrMap& attrs, const std::string& key, const std::string& path);

}  // namespace dc
