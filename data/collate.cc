// collate(): samples into a Batch. The copy is serial on purpose: collate runs on loader threads,
// which must leave the shared compute pool to the training step (core/thread_pool.h).
#include <cstring>

#include "core/closest_name.h"
#include "core/error.h"
#include "core/strided_loop.h"
#include "data/loader.h"

namespace dc {
namespace {

template <typename Map>
std::string key_list(const Map& m) {
  std::string out;
  for (const auto& [key, value] : m) out += (out.empty() ? "" : ", ") + key;
  return out.empty() ? "none" : out;
}

template <typename Map>
std::vector<std::string> keys_of(const Map& m) {
  std::vector<std::string> out;
  for (const auto& [key, value] : m) out.push_back(key);
  return out;
}

// Copies `src` (any strides) into the contiguous bytes at `dst`, without parallel_for.
void copy_serial(char* dst, const Tensor& src) {
  const int64_t n = src.numel();
  if (n == 0) return;
  const size_t es = dtype_size(src.dtype());
  const char* s = static_cast<const char*>(src.raw_data());
  if (src.is_contiguous()) {
    std::memcpy(dst, s, n * es);
    return;
  }
  StridedLoop<2> loop(src.sizes(), {contiguous_strides(src.sizes()), src.strides()});
  const int64_t ds = loop.inner_stride(0), ss = loop.inner_stride(1);
  loop.run(0, n, [&](const std::array<int64_t, 2>& off, int64_t len) {
    if (ds == 1 && ss == 1) {
      std::memcpy(dst + off[0] * es, s + off[1] * es, len * es);
      return;
    }
    for (int64_t i = 0; i < len; ++i) {
      std::memcpy(dst + (off[0] + i * ds) * es, s + (off[1] + i * ss) * es, es);
    }
  });
}

}  // namespace

const Tensor& Batch::at(const std::string& name) const {
  const auto it = tensors.find(name);
  if (it != tensors.end()) return it->second;
  if (lists.count(name)) {
    DC_FAIL("Batch: '", name, "' is a list field (one tensor per sample): use list(\"", name,
            "\")");
  }
  const std::string guess = closest_name(name, keys_of(tensors));
  DC_FAIL("Batch: no stacked field '", name, "' (stacked fields: ", key_list(tensors),
          guess.empty() ? "" : "; did you mean '" + guess + "'?", ")");
}

const std::vector<Tensor>& Batch::list(const std::string& name) const {
  const auto it = lists.find(name);
  if (it != lists.end()) return it->second;
  if (tensors.count(name)) {
    DC_FAIL("Batch: '", name, "' is a stacked field, not a list field: use at(\"", name, "\")");
  }
  DC_FAIL("Batch: no list field '", name, "' (list fields: ", key_list(lists), ")");
}

Batch collate(const std::vector<Sample>& samples, const std::set<std::string>& list_fields) {
  DC_CHECK(!samples.empty(), "collate: no samples to collate");
  const Sample& first = samples[0];
  const int64_t count = static_cast<int64_t>(samples.size());
  // Every sample must carry exactly the fields of sample 0.
  for (int64_t i = 1; i < count; ++i) {
    for (const auto& [name, t] : first) {
      DC_CHECK(samples[i].count(name), "collate: field '", name,
               "' is in sample 0 but not in sample ", i, " (fields of sample ", i, ": ",
               key_list(samples[i]), ")");
    }
    for (const auto& [name, t] : samples[i]) {
      DC_CHECK(first.count(name), "collate: field '", name, "' is in sample ", i,
               " but not in sample 0 (fields of sample 0: ", key_list(first), ")");
    }
  }
  Batch batch;
  for (const auto& [name, t0] : first) {
    for (int64_t i = 0; i < count; ++i) {
      const Tensor& t = samples[i].at(name);
      DC_CHECK(t.defined(), "collate: field '", name, "' of sample ", i, " is an undefined tensor");
      DC_CHECK(t.device().is_cpu(), "collate: field '", name, "' of sample ", i, " is on ",
               t.device(), "; datasets return CPU tensors");
    }
    if (list_fields.count(name)) {
      std::vector<Tensor>& list = batch.lists[name];
      for (int64_t i = 0; i < count; ++i) list.push_back(samples[i].at(name));
      continue;
    }
    for (int64_t i = 1; i < count; ++i) {
      const Tensor& t = samples[i].at(name);
      DC_CHECK(t.sizes() == t0.sizes(), "collate: field '", name, "' has shape ",
               shape_str(t0.sizes()), " in sample 0 but ", shape_str(t.sizes()), " in sample ", i,
               "; stacking needs equal shapes (a field whose shape varies belongs in "
               "Dataset::list_fields())");
      DC_CHECK(t.dtype() == t0.dtype(), "collate: field '", name, "' has dtype ", t0.dtype(),
               " in sample 0 but ", t.dtype(), " in sample ", i);
    }
    Shape shape = t0.sizes();
    shape.insert(shape.begin(), count);
    Tensor out = empty(shape, t0.dtype());
    char* dst = static_cast<char*>(out.raw_data());
    const size_t bytes = static_cast<size_t>(t0.numel()) * dtype_size(t0.dtype());
    for (int64_t i = 0; i < count; ++i) copy_serial(dst + i * bytes, samples[i].at(name));
    batch.tensors.emplace(name, std::move(out));
  }
  // Positions in `samples`; the DataLoader replaces them with dataset indices.
  for (int64_t i = 0; i < count; ++i) batch.indices.push_back(i);
  return batch;
}

}  // namespace dc
