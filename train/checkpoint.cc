// Checkpoints as HDF5 tensor files (layout in checkpoint.h).
#include "train/checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

namespace dc {
namespace {

constexpr const char* kFormat = "densecorr-checkpoint";
constexpr int64_t kFormatVersion = 1;
const std::string kModel = "model/";
const std::string kOptTensors = "optimizer/tensors/";
const std::string kOptScalars = "optimizer/scalars/";
const std::string kRng = "rng/";

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// Parses "checkpoint_<digits>.h5" into the iteration; false for any other name.
bool parse_checkpoint_name(const std::string& name, int64_t* iteration) {
  const std::string head = "checkpoint_", tail = ".h5";
  if (name.size() <= head.size() + tail.size() || !starts_with(name, head) ||
      name.compare(name.size() - tail.size(), tail.size(), tail) != 0) {
    return false;
  }
  const std::string digits = name.substr(head.size(), name.size() - head.size() - tail.size());
  if (digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  *iteration = std::stoll(digits);
  return true;
}

}  // namespace

void save_checkpoint(const std::string& path, const Checkpoint& ckpt) {
  // Tensors of a model on a device are written from host copies: a checkpoint holds no device,
  // so a run trained on CUDA resumes on the CPU and the other way round.
  auto host = [](const Tensor& t) {
    return t.defined() && !t.device().is_cpu() ? t.detach().to(kCPU) : t;
  };
  TensorMap tensors;
  tensors.reserve(ckpt.model.size() + ckpt.optimizer.tensors.size());
  for (const auto& [key, t] : ckpt.model) tensors.emplace_back(kModel + key, host(t));
  for (const auto& [key, t] : ckpt.optimizer.tensors) {
    tensors.emplace_back(kOptTensors + key, host(t));
  }
  H5AttrMap attrs;
  attrs["format"] = std::string(kFormat);
  attrs["format_version"] = kFormatVersion;
  attrs["iteration"] = ckpt.iteration;
  attrs["config_yaml"] = ckpt.config_yaml;
  for (const auto& [name, v] : ckpt.optimizer.scalars) attrs[kOptScalars + name] = v;
  for (const auto& [name, s] : ckpt.rng) {
    DC_CHECK(!name.empty() && name.find('/') == std::string::npos, "save_checkpoint: '", path,
             "': RNG name '", name, "' must be non-empty and contain no '/'");
    attrs[kRng + name + "/seed"] = s.seed;
    attrs[kRng + name + "/offset"] = s.offset;
  }
  write_tensor_file(path, tensors, attrs);
}

Checkpoint load_checkpoint(const std::string& path) {
  TensorFileContents file = read_tensor_file(path);
  const auto format = file.attrs.find("format");
  DC_CHECK(format != file.attrs.end() && format->second == H5AttrValue(std::string(kFormat)),
           "load_checkpoint: '", path,
           "' is not a densecorr checkpoint (its root attribute "
           "'format' is not \"",
           kFormat, "\")");
  const int64_t version = get_attr<int64_t>(file.attrs, "format_version", path);
  DC_CHECK(version == kFormatVersion, "load_checkpoint: '", path, "' has format_version ", version,
           "; this build reads version ", kFormatVersion);

  Checkpoint ckpt;
  ckpt.iteration = get_attr<int64_t>(file.attrs, "iteration", path);
  ckpt.config_yaml = get_attr<std::string>(file.attrs, "config_yaml", path);
  for (auto& [key, t] : file.tensors) {
    if (starts_with(key, kModel)) {
      ckpt.model.emplace_back(key.substr(kModel.size()), std::move(t));
    } else if (starts_with(key, kOptTensors)) {
      ckpt.optimizer.tensors[key.substr(kOptTensors.size())] = std::move(t);
    } else {
      DC_FAIL("load_checkpoint: '", path, "': unexpected dataset '", key,
              "' (expected model/... or optimizer/tensors/...)");
    }
  }
  for (const auto& [key, value] : file.attrs) {
    if (key == "format" || key == "format_version" || key == "iteration" || key == "config_yaml") {
      continue;
    }
    if (starts_with(key, kOptScalars)) {
      ckpt.optimizer.scalars[key.substr(kOptScalars.size())] =
          get_attr<double>(file.attrs, key, path);
      continue;
    }
    const size_t slash = key.rfind('/');
    const std::string field = slash == std::string::npos ? "" : key.substr(slash + 1);
    DC_CHECK(
        starts_with(key, kRng) && slash > kRng.size() && (field == "seed" || field == "offset"),
        "load_checkpoint: '", path, "': unexpected attribute '", key,
        "' (expected iteration, config_yaml, optimizer/scalars/..., rng/<name>/seed|offset)");
    RngState& s = ckpt.rng[key.substr(kRng.size(), slash - kRng.size())];
    (field == "seed" ? s.seed : s.offset) = get_attr<uint64_t>(file.attrs, key, path);
  }
  for (const auto& [name, s] : ckpt.rng) {
    DC_CHECK(file.attrs.count(kRng + name + "/seed") && file.attrs.count(kRng + name + "/offset"),
             "load_checkpoint: '", path, "': RNG '", name, "' lacks its seed or offset");
  }
  return ckpt;
}

std::string checkpoint_path(const std::string& run_dir, int64_t iteration) {
  DC_CHECK(iteration >= 0, "checkpoint_path: iteration must be >= 0, got ", iteration);
  char name[40];
  std::snprintf(name, sizeof(name), "checkpoint_%08lld.h5", static_cast<long long>(iteration));
  return (std::filesystem::path(run_dir) / name).string();
}

std::vector<std::pair<int64_t, std::string>> list_checkpoints(const std::string& run_dir) {
  namespace fs = std::filesystem;
  std::vector<std::pair<int64_t, std::string>> found;
  std::error_code ec;
  if (!fs::is_directory(run_dir, ec)) return found;
  for (const fs::directory_entry& e : fs::directory_iterator(run_dir, ec)) {
    const std::string name = e.path().filename().string();
    int64_t iter = 0;
    std::error_code file_ec;  // a file that vanished meanwhile is skipped, not a listing error
    // "checkpoint_00000010.h5.tmp.123" does not end in ".h5", so leftovers never match.
    if (!e.is_regular_file(file_ec) || !parse_checkpoint_name(name, &iter)) continue;
    found.emplace_back(iter, e.path().string());
  }
  DC_CHECK(!ec, "list_checkpoints: cannot list '", run_dir, "': ", ec.message());
  std::sort(found.begin(), found.end());
  return found;
}

std::optional<std::string> latest_checkpoint(const std::string& run_dir) {
  const std::vector<std::pair<int64_t, std::string>> found = list_checkpoints(run_dir);
  if (found.empty()) return std::nullopt;
  return found.back().second;
}

}  // namespace dc
