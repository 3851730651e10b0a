// scripts/convert_torch_weights.py end to end: a small PyTorch module's state dict (saved inside a
// checkpoint dict, with nn.DataParallel's "module." prefix) is converted and loaded with
// load_weights, and every tensor is compared byte for byte with what torch itself dumped.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/load_weights.h"
#include "tests/testing/temp_dir.h"

namespace dc {
namespace {

namespace fs = std::filesystem;

const char* kMakeModule = R"PY(
import sys, torch
d = sys.argv[1]
torch.manual_seed(0)
m = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Flatten(),
                        torch.nn.Linear(4 * 6 * 6, 5))
m.train()
m(torch.randn(2, 3, 8, 8))  # running statistics and num_batches_tracked move off their defaults
m.register_buffer('extra_f64', torch.randn(3, dtype=torch.float64))
m.register_buffer('extra_f16', torch.randn(2, 2).half())
m.register_buffer('extra_bool', torch.tensor([True, False, True]))
m.register_buffer('extra_u8', torch.arange(250, 255, dtype=torch.uint8))
m.register_buffer('extra_i32', torch.tensor(-7, dtype=torch.int32))
m.register_buffer('extra_empty', torch.zeros(0, 2))
sd = m.state_dict()
torch.save({'state_dict': {'module.' + k: v for k, v in sd.items()}, 'epoch': 3}, d + '/in.pth')
with open(d + '/manifest.txt', 'w') as f:
    for k, v in sd.items():
        v = v.contiguous()
        f.write(' '.join([k, str(v.dtype).replace('torch.', ''), str(v.dim())] +
                         [str(s) for s in v.shape]) + '\n')
        with open(d + '/' + k + '.bin', 'wb') as b:
            b.write(v.numpy().tobytes())
torch.save({'w': torch.zeros(2, dtype=torch.int16)}, d + '/int16.pth')
)PY";

DType dtype_of(const std::string& torch_name) {
  if (torch_name == "float32") return DType::f32;
  if (torch_name == "float64") return DType::f64;
  if (torch_name == "float16") return DType::f16;
  if (torch_name == "int32") return DType::i32;
  if (torch_name == "int64") return DType::i64;
  if (torch_name == "uint8") return DType::u8;
  if (torch_name == "bool") return DType::b8;
  ADD_FAILURE() << "unexpected torch dtype " << torch_name;
  return DType::f32;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

int run(const std::string& cmd) { return std::system((cmd + " 2>&1").c_str()); }

TEST(ConvertTorchWeights, StateDictRoundTripsExactly) {
  if (run("/usr/bin/python3 -c 'import torch, h5py'") != 0) {
    const char* ci = std::getenv("CI");
    if (ci && std::string(ci) == "true") FAIL() << "/usr/bin/python3 lacks torch or h5py";
    GTEST_SKIP() << "/usr/bin/python3 lacks torch or h5py (scripts/setup.sh installs them)";
  }
  const std::string dir = fresh_test_dir("convert_");
  std::ofstream(dir + "/make.py") << kMakeModule;
  ASSERT_EQ(run("/usr/bin/python3 " + dir + "/make.py " + dir), 0);
  const std::string script = "scripts/convert_torch_weights.py";
  ASSERT_TRUE(fs::exists(script));
  const std::string out = dir + "/out.h5";
  ASSERT_EQ(
      run("/usr/bin/python3 " + script + " " + dir + "/in.pth " + out + " --strip-prefix module."),
      0);

  // The target: tensors of the manifest's dtypes and shapes, zero-filled.
  TensorMap target;
  std::vector<std::string> expected_bytes;
  std::ifstream manifest(dir + "/manifest.txt");
  std::string line;
  while (std::getline(manifest, line)) {
    std::istringstream is(line);
    std::string key, dt;
    int64_t ndim = 0;
    is >> key >> dt >> ndim;
    Shape shape(ndim);
    for (int64_t& s : shape) is >> s;
    Tensor t = empty(shape, dtype_of(dt));
    std::memset(t.raw_data(), 0, t.numel() * dtype_size(t.dtype()));
    target.emplace_back(key, t);
    expected_bytes.push_back(read_file(dir + "/" + key + ".bin"));
  }
  ASSERT_EQ(target.size(), 15u);  // 2 conv + 5 bn + 2 linear + 6 extra

  const LoadReport r = load_weights(target, out, false);
  EXPECT_TRUE(r.complete()) << r.str();
  EXPECT_EQ(r.loaded.size(), target.size());
  for (size_t i = 0; i < target.size(); ++i) {
    const Tensor& t = target[i].second;
    EXPECT_EQ(
        std::string(static_cast<const char*>(t.raw_data()), t.numel() * dtype_size(t.dtype())),
        expected_bytes[i])
        << target[i].first;
  }
  // The file keeps the state dict's order and dtypes.
  const std::vector<TensorInfo> infos = list_tensors(out);
  ASSERT_EQ(infos.size(), target.size());
  for (size_t i = 0; i < infos.size(); ++i) {
    EXPECT_EQ(infos[i].key, target[i].first);
    EXPECT_EQ(infos[i].dtype, target[i].second.dtype()) << infos[i].key;
  }
  EXPECT_EQ(find_tensor(target, "1.num_batches_tracked")->dtype(), DType::i64);

  // A dtype densecorr has no tensor for fails, naming the key, and leaves no file behind.
  const std::string bad = dir + "/int16.h5";
  EXPECT_NE(run("/usr/bin/python3 " + script + " " + dir + "/int16.pth " + bad), 0);
  EXPECT_FALSE(fs::exists(bad));
  for (const auto& e : fs::directory_iterator(dir)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
  }
}

}  // namespace
}  // namespace dc
