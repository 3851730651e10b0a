#include "tests/oracle/torch_oracle.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace dc {
namespace testing {
namespace {

TorchOracle& Oracle() { return TorchOracle::instance(); }

TEST(TorchOracleTest, AddsTwoTensors) {
  DC_REQUIRE_ORACLE();
  OracleTensor a{{2, 3}, {1, 2, 3, 4, 5, 6}};
  OracleTensor b{{2, 3}, {0.5, 0.5, 0.5, -1, -1, -1}};
  const OracleResult r = Oracle().run("x0 + x1", {a, b});
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_EQ(r.outputs[0].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(r.outputs[0].dtype, "float32");
  EXPECT_EQ(r.outputs[0].data, (std::vector<double>{1.5, 2.5, 3.5, 3, 4, 5}));
  ASSERT_EQ(r.grads.size(), 2u);
  EXPECT_FALSE(r.grads[0].defined);
  EXPECT_FALSE(r.grads[1].defined);
}

TEST(TorchOracleTest, TupleOutputFromMaxWithDim) {
  DC_REQUIRE_ORACLE();
  OracleTensor x{{2, 3}, {1, 7, 3, 9, 2, 4}};
  const OracleResult r = Oracle().run("torch.max(x0, dim=a['dim'])", {x}, {{"dim", 1}});
  ASSERT_EQ(r.outputs.size(), 2u);
  EXPECT_EQ(r.outputs[0].shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(r.outputs[0].data, (std::vector<double>{7, 9}));
  EXPECT_EQ(r.outputs[1].dtype, "int64");
  EXPECT_EQ(r.outputs[1].data, (std::vector<double>{1, 0}));
}

TEST(TorchOracleTest, GradientsWithGradOutputs) {
  DC_REQUIRE_ORACLE();
  OracleTensor x0{{3}, {1, 2, 3}, "float64", /*requires_grad=*/true};
  OracleTensor x1{{3}, {4, 5, 6}, "float64", /*requires_grad=*/true};
  OracleTensor no_grad{{3}, {1, 1, 1}, "float64"};
  OracleTensor gy{{}, {2.0}, "float64"};
  const OracleResult r = Oracle().run("(x0 * x1 * x2).sum()", {x0, x1, no_grad}, {}, {gy});
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_TRUE(r.outputs[0].shape.empty());
  EXPECT_DOUBLE_EQ(r.outputs[0].data[0], 32.0);
  ASSERT_EQ(r.grads.size(), 3u);
  EXPECT_EQ(r.grads[0].data, (std::vector<double>{8, 10, 12}));
  EXPECT_EQ(r.grads[1].data, (std::vector<double>{2, 4, 6}));
  EXPECT_EQ(r.grads[0].dtype, "float64");
  EXPECT_FALSE(r.grads[2].defined);
}

TEST(TorchOracleTest, StatementBlockAndMultipleGradOutputs) {
  DC_REQUIRE_ORACLE();
  OracleTensor x{{2}, {3, -4}, "float32", true};
  const OracleResult r = Oracle().run("y = x0 * 2\nout = (y, x0.abs().argmax(), y.sum())", {x}, {},
                                      {OracleTensor{{2}, {1, 1}}, OracleTensor{{}, {10}}});
  ASSERT_EQ(r.outputs.size(), 3u);
  EXPECT_EQ(r.outputs[1].data, (std::vector<double>{1}));
  EXPECT_EQ(r.grads[0].data, (std::vector<double>{22, 22}));
}

TEST(TorchOracleTest, Int64Input) {
  DC_REQUIRE_ORACLE();
  OracleTensor idx{{4}, {3, 1, 2, 0}, "int64"};
  OracleTensor src{{4}, {10, 20, 30, 40}};
  const OracleResult r = Oracle().run("(x0 * 2, x1[x0])", {idx, src});
  ASSERT_EQ(r.outputs.size(), 2u);
  EXPECT_EQ(r.outputs[0].dtype, "int64");
  EXPECT_EQ(r.outputs[0].data, (std::vector<double>{6, 2, 4, 0}));
  EXPECT_EQ(r.outputs[1].data, (std::vector<double>{40, 20, 30, 10}));
}

TEST(TorchOracleTest, PythonNumberOutput) {
  DC_REQUIRE_ORACLE();
  const OracleResult r = Oracle().run("x0.numel() + 0.5", {OracleTensor{{2, 2}, {0, 0, 0, 0}}});
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_EQ(r.outputs[0].dtype, "float64");
  EXPECT_EQ(r.outputs[0].data, (std::vector<double>{4.5}));
}

TEST(TorchOracleTest, PythonErrorBecomesExceptionAndServerSurvives) {
  DC_REQUIRE_ORACLE();
  try {
    Oracle().run("x0 @ x1", {OracleTensor{{2, 3}, std::vector<double>(6)},
                             OracleTensor{{2, 3}, std::vector<double>(6)}});
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("RuntimeError"), std::string::npos) << what;
    EXPECT_NE(what.find("x0 @ x1"), std::string::npos) << what;
  }
  EXPECT_THROW(Oracle().run("undefined_name_xyz", {}), std::runtime_error);
  // Still alive afterwards.
  EXPECT_EQ(Oracle().run("x0 + 1", {OracleTensor{{1}, {1}}}).outputs[0].data[0], 2.0);
}

TEST(TorchOracleTest, BadInputSizeThrowsInvalidArgument) {
  DC_REQUIRE_ORACLE();
  EXPECT_THROW(Oracle().run("x0", {OracleTensor{{2, 2}, {1, 2, 3}}}), std::invalid_argument);
}

TEST(TorchOracleTest, LargeTensorRoundTrip) {
  DC_REQUIRE_ORACLE();
  constexpr int64_t kN = 2000000;
  OracleTensor x{{1000, 2000}, std::vector<double>(kN), "float64"};
  for (int64_t i = 0; i < kN; ++i) x.data[i] = static_cast<double>(i) * 0.25 - 7.0;
  const OracleResult r = Oracle().run("(x0, -x0)", {x});
  ASSERT_EQ(r.outputs.size(), 2u);
  EXPECT_EQ(r.outputs[0].shape, x.shape);
  EXPECT_EQ(r.outputs[0].data, x.data);
  for (int64_t i = 0; i < kN; ++i) {
    if (r.outputs[1].data[i] != -x.data[i]) {
      FAIL() << "mismatch at " << i;
    }
  }
}

TEST(TorchOracleTest, RequireOracleEnvParsing) {
  // Only documents the CI switch; does not modify the environment of other tests.
  const char* ci = std::getenv("CI");
  const bool expected = ci != nullptr && *ci != '\0' && std::string(ci) != "0" &&
                        std::string(ci) != "false" && std::string(ci) != "False" &&
                        std::string(ci) != "FALSE";
  EXPECT_EQ(OracleRequiredByEnv(), expected);
}

}  // namespace
}  // namespace testing
}  // namespace dc
