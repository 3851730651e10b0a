// Every YAML file under configs/ resolves (`densecorr config -c` would exit 0 on it), and the
// DenseReg configs say what their names say: the thesis sweep's K and mode, trainable models.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>

#include "nets/densereg.h"
#include "train/config/config.h"

namespace dc {
namespace {

std::vector<std::string> all_configs() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator("configs")) {
    if (e.path().extension() == ".yaml") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Configs, EveryFileResolves) {
  const std::vector<std::string> files = all_configs();
  ASSERT_GE(files.size(), 3u + 3u + 21u);  // classify, densereg, thesis
  std::set<std::string> thesis;
  const std::regex fig("configs/thesis/densereg_fig2_5_([0-9]+)_(q|r|qr)\\.yaml");
  for (const std::string& f : files) {
    SCOPED_TRACE(f);
    Config cfg;
    ASSERT_NO_THROW(cfg = load_config(f)) << f;
    if (cfg.get_string("task") == "densereg") {
      EXPECT_NO_THROW(densereg_trunk(cfg.get_string("model.name")));
      EXPECT_EQ(cfg.get_string("data.train.name"), "synth_faces");
    }
    std::smatch m;
    if (std::regex_match(f, m, fig)) {
      thesis.insert(m[1].str() + "_" + m[2].str());
      EXPECT_EQ(cfg.get_int("densereg.num_bins"), std::stoll(m[1].str()));
      EXPECT_EQ(cfg.get_string("densereg.mode"), m[2].str());
      EXPECT_EQ(cfg.get_double("densereg.residual_weight"), m[1].str() == "1" ? 70.0 : 40.0);
      // The same trunk and budget as the quickstart for every point of the figure.
      EXPECT_EQ(cfg.get_string("model.name"), "densereg_r18");
      EXPECT_EQ(cfg.get_int("solver.max_iter"), 800);
      EXPECT_EQ(cfg.get_string("out"),
                "runs/thesis/densereg_fig2_5_" + m[1].str() + "_" + m[2].str());
    }
  }
  EXPECT_EQ(thesis.size(), 21u);  // K in {1, 2, 4, 10, 20, 40, 60} x {q, r, qr}
  const Config cpu = load_config("configs/densereg/face_r18_q10_cpu.yaml");
  EXPECT_EQ(cpu.get_int("data.image_size"), 128);
  EXPECT_EQ(cpu.get_int("densereg.num_bins"), 10);
  EXPECT_EQ(cpu.get_string("densereg.mode"), "qr");
  const Config gpu = load_config("configs/densereg/face_r101_q10_gpu.yaml");
  EXPECT_EQ(gpu.get_string("model.name"), "densereg_r101");
  EXPECT_EQ(gpu.get_int("data.image_size"), 321);
}

}  // namespace
}  // namespace dc
