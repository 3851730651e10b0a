// PyTorch oracle for densecorr tests.
//
// One Python server (tests/oracle/torch_oracle.py, run with /usr/bin/python3 or
// $DC_TORCH_ORACLE_PYTHON) is spawned lazily per test binary and kept alive for all requests; it
// talks over the child's stdin/stdout with a length-prefixed JSON header followed by raw
// little-endian float64 payloads. The child's stderr is inherited so Python errors show up in the
// test log.
#ifndef DENSECORR_TESTS_ORACLE_TORCH_ORACLE_H_
#define DENSECORR_TESTS_ORACLE_TORCH_ORACLE_H_

#include <gtest/gtest.h>
#include <sys/types.h>

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dc {
namespace testing {

struct OracleTensor {
  std::vector<int64_t> shape;
  std::vector<double> data;       // Row-major, values as double whatever the dtype.
  std::string dtype = "float32";  // float32, float64, float16, bfloat16, int8, int16, int32,
                                  // int64, uint8, bool.
  bool requires_grad = false;     // Honoured for floating dtypes only.
  bool defined = true;            // false = None.

  int64_t numel() const {
    int64_t n = 1;
    for (int64_t s : shape) n *= s;
    return n;
  }
};

struct OracleResult {
  // Every tensor output, flattened from a tensor / tuple / list result (python numbers come back
  // as 0-d float64 tensors, None as defined=false).
  std::vector<OracleTensor> outputs;
  // One per input, in input order; defined=false where the input did not require grad or got None.
  std::vector<OracleTensor> grads;
};

class TorchOracle {
 public:
  // Lazily spawns the python server on first use of available() / run().
  static TorchOracle& instance();

  // True if python + torch could be started and imported.
  bool available();
  const std::string& unavailable_reason();
  // torch.__version__ reported by the server ("" if unavailable).
  const std::string& torch_version();

  // Evaluates the python expression `expr` with the inputs bound to x0, x1, ... (and the list `x`),
  // `a` bound to `attrs` (a python dict), `torch`, `F` = torch.nn.functional, `np`, `math`.
  // `expr` may also be a statement block that assigns `out`. torch.manual_seed(0) is called before
  // every request. If grad_outputs is non-empty (one per floating output, in order), runs
  // torch.autograd.backward(floating outputs, grad_outputs) and returns the inputs' .grad.
  // Throws std::runtime_error with the python traceback if python raised, or if the server is
  // unavailable / died (the next call then tries to start a fresh server).
  OracleResult run(const std::string& expr, const std::vector<OracleTensor>& inputs,
                   const nlohmann::json& attrs = nlohmann::json::object(),
                   const std::vector<OracleTensor>& grad_outputs = {});

  TorchOracle(const TorchOracle&) = delete;
  TorchOracle& operator=(const TorchOracle&) = delete;

 private:
  TorchOracle() = default;
  ~TorchOracle();

  enum class State { kNotStarted, kRunning, kUnavailable };

  void EnsureStartedLocked();
  void StartLocked();
  void StopLocked();
  // Marks the server dead, reaps it and returns a description of how it ended.
  std::string ReapLocked();

  std::mutex mu_;
  State state_ = State::kNotStarted;
  pid_t pid_ = -1;
  int to_child_ = -1;    // Write end of the child's stdin.
  int from_child_ = -1;  // Read end of the child's stdout.
  std::string reason_;
  std::string torch_version_;
};

// True if env CI is set to a non-empty value other than "0" / "false".
bool OracleRequiredByEnv();

}  // namespace testing
}  // namespace dc

// For tests: if the oracle is unavailable, FAIL the test when env CI is set (non-empty, not "0" or
// "false"), otherwise GTEST_SKIP() with the reason. Use in a void function (e.g. a TEST body).
#define DC_REQUIRE_ORACLE()                                                        \
  do {                                                                             \
    if (!::dc::testing::TorchOracle::instance().available()) {                     \
      if (::dc::testing::OracleRequiredByEnv()) {                                  \
        FAIL() << "PyTorch oracle unavailable (required because CI is set): "      \
               << ::dc::testing::TorchOracle::instance().unavailable_reason();     \
      }                                                                            \
      GTEST_SKIP() << "PyTorch oracle unavailable: "                               \
                   << ::dc::testing::TorchOracle::instance().unavailable_reason(); \
    }                                                                              \
  } while (0)

#endif  // DENSECORR_TESTS_ORACLE_TORCH_ORACLE_H_
