// Compiles and links against every //third_party wrapper and calls into each.
// clang-format off (the implementation macro must come right before stb's header)
#define STB_IMAGE_IMPLEMENTATION
#include <stb/stb_image.h>
// clang-format on

#include <H5Cpp.h>
#include <cblas.h>
#include <fmt/core.h>
#include <gtest/gtest.h>
#include <hdf5.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <oneapi/dnnl/dnnl.hpp>

TEST(ThirdParty, Links) {
  const double x[2] = {3.0, 4.0};
  EXPECT_DOUBLE_EQ(cblas_dnrm2(2, x, 1), 5.0);

  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  EXPECT_GE(dnnl_version()->major, 2);

  unsigned maj = 0, min = 0, rel = 0;
  EXPECT_GE(H5get_libversion(&maj, &min, &rel), 0);
  EXPECT_EQ(H5::PredType::NATIVE_INT.getSize(), sizeof(int));

  EXPECT_EQ(fmt::format("{}-{}", 1, "a"), "1-a");

  const unsigned char bad[4] = {0, 1, 2, 3};
  int w, h, c;
  EXPECT_EQ(stbi_load_from_memory(bad, 4, &w, &h, &c, 0), nullptr);

  EXPECT_EQ(YAML::Load("{a: 3}")["a"].as<int>(), 3);

  EXPECT_EQ(nlohmann::json::parse(R"({"b": 2})")["b"].get<int>(), 2);
}
