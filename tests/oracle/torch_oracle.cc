#include "tests/oracle/torch_oracle.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>

namespace dc {
namespace testing {
namespace {

constexpr const char* kDefaultPython = "/usr/bin/python3";
constexpr const char* kDefaultWorkspace = "densecorr";
constexpr const char* kScriptRelPath = "tests/oracle/torch_oracle.py";
// Importing torch can be slow on a loaded machine; give up on the hello after this long.
constexpr int kHelloTimeoutMs = 300 * 1000;

// Thrown internally when the pipe to / from the server breaks (the server died).
struct ChannelError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return (v != nullptr && *v != '\0') ? std::string(v) : fallback;
}

bool IsFile(const std::string& path) {
  struct stat st;
  return !path.empty() && stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool HostIsLittleEndian() {
  const uint16_t probe = 1;
  unsigned char first;
  std::memcpy(&first, &probe, 1);
  return first == 1;
}

// Finds torch_oracle.py; returns "" and fills `tried` if not found.
std::string FindScript(std::string* tried) {
  std::vector<std::string> candidates;
  const std::string env_path = EnvOr("DC_TORCH_ORACLE", "");
  if (!env_path.empty()) candidates.push_back(env_path);
  const std::string workspace = EnvOr("TEST_WORKSPACE", kDefaultWorkspace);
  const std::string srcdir = EnvOr("TEST_SRCDIR", "");
  if (!srcdir.empty()) candidates.push_back(srcdir + "/" + workspace + "/" + kScriptRelPath);
  const std::string runfiles = EnvOr("RUNFILES_DIR", "");
  if (!runfiles.empty()) candidates.push_back(runfiles + "/" + workspace + "/" + kScriptRelPath);
  // A bazel-built binary run by hand: <binary>.runfiles/<workspace>/...
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    candidates.push_back(std::string(exe, n) + ".runfiles/" + workspace + "/" + kScriptRelPath);
  }
  candidates.push_back(kScriptRelPath);
  for (const std::string& c : candidates) {
    if (IsFile(c)) return c;
  }
  for (const std::string& c : candidates) *tried += "\n  " + c;
  return "";
}

void WriteAll(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t k = write(fd, p, size);
    if (k < 0) {
      if (errno == EINTR) continue;
      throw ChannelError(std::string("write to oracle server failed: ") + std::strerror(errno));
    }
    p += k;
    size -= static_cast<size_t>(k);
  }
}

// Reads exactly `size` bytes. `timeout_ms` < 0 waits forever.
void ReadAll(int fd, void* data, size_t size, int timeout_ms = -1) {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    if (timeout_ms >= 0) {
      pollfd pfd{fd, POLLIN, 0};
      const int r = poll(&pfd, 1, timeout_ms);
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) throw ChannelError("timed out waiting for the oracle server");
    }
    const ssize_t k = read(fd, p, size);
    if (k < 0) {
      if (errno == EINTR) continue;
      throw ChannelError(std::string("read from oracle server failed: ") + std::strerror(errno));
    }
    if (k == 0) throw ChannelError("oracle server closed its output (it exited)");
    p += k;
    size -= static_cast<size_t>(k);
  }
}

void WriteFrameHeader(int fd, const nlohmann::json& header) {
  const std::string blob = header.dump();
  const uint64_t len = blob.size();  // Little-endian host checked at start.
  WriteAll(fd, &len, sizeof(len));
  WriteAll(fd, blob.data(), blob.size());
}

nlohmann::json ReadFrameHeader(int fd, int timeout_ms = -1) {
  uint64_t len = 0;
  ReadAll(fd, &len, sizeof(len), timeout_ms);
  if (len > (uint64_t{1} << 32)) throw ChannelError("corrupt frame from oracle server");
  std::string blob(len, '\0');
  ReadAll(fd, &blob[0], blob.size(), timeout_ms);
  return nlohmann::json::parse(blob);
}

nlohmann::json TensorMeta(const OracleTensor& t, const char* what, size_t index) {
  if (t.defined && static_cast<int64_t>(t.data.size()) != t.numel()) {
    throw std::invalid_argument(std::string("TorchOracle::run: ") + what + "[" +
                                std::to_string(index) + "] has " + std::to_string(t.data.size()) +
                                " values but its shape holds " + std::to_string(t.numel()));
  }
  return {{"shape", t.shape},
          {"dtype", t.dtype},
          {"requires_grad", t.requires_grad},
          {"defined", t.defined}};
}

std::vector<OracleTensor> ReadTensors(int fd, const nlohmann::json& metas) {
  std::vector<OracleTensor> out;
  out.reserve(metas.size());
  for (const auto& m : metas) {
    OracleTensor t;
    t.defined = m.value("defined", true);
    t.dtype = m.value("dtype", std::string());
    if (t.defined) {
      t.shape = m.at("shape").get<std::vector<int64_t>>();
      t.data.resize(static_cast<size_t>(t.numel()));
      ReadAll(fd, t.data.data(), t.data.size() * sizeof(double));
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

bool OracleRequiredByEnv() {
  const char* ci = std::getenv("CI");
  if (ci == nullptr || *ci == '\0') return false;
  const std::string v(ci);
  return v != "0" && v != "false" && v != "False" && v != "FALSE";
}

TorchOracle& TorchOracle::instance() {
  static TorchOracle oracle;
  return oracle;
}

TorchOracle::~TorchOracle() {
  std::lock_guard<std::mutex> lock(mu_);
  StopLocked();
}

bool TorchOracle::available() {
  std::lock_guard<std::mutex> lock(mu_);
  EnsureStartedLocked();
  return state_ == State::kRunning;
}

const std::string& TorchOracle::unavailable_reason() {
  std::lock_guard<std::mutex> lock(mu_);
  EnsureStartedLocked();
  return reason_;
}

const std::string& TorchOracle::torch_version() {
  std::lock_guard<std::mutex> lock(mu_);
  EnsureStartedLocked();
  return torch_version_;
}

void TorchOracle::EnsureStartedLocked() {
  if (state_ != State::kNotStarted) return;
  try {
    StartLocked();
  } catch (const std::exception& e) {
    const std::string how = pid_ > 0 ? ReapLocked() : std::string();
    reason_ = e.what();
    if (!how.empty()) reason_ += " (python " + how + "; see its stderr above)";
    state_ = State::kUnavailable;
  }
}

void TorchOracle::StartLocked() {
  if (!HostIsLittleEndian()) throw std::runtime_error("TorchOracle needs a little-endian host");
  std::string tried;
  const std::string script = FindScript(&tried);
  if (script.empty()) {
    throw std::runtime_error("torch_oracle.py not found (set DC_TORCH_ORACLE); tried:" + tried);
  }
  const std::string python = EnvOr("DC_TORCH_ORACLE_PYTHON", kDefaultPython);
  if (access(python.c_str(), X_OK) != 0) {
    throw std::runtime_error("python interpreter " + python +
                             " is not executable: " + std::strerror(errno));
  }

  // A dead server must surface as EPIPE from write(), not kill the test binary.
  struct sigaction old_action;
  if (sigaction(SIGPIPE, nullptr, &old_action) == 0 && old_action.sa_handler == SIG_DFL) {
    signal(SIGPIPE, SIG_IGN);
  }

  int to_child[2];
  int from_child[2];
  if (pipe2(to_child, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe2 failed: ") + std::strerror(errno));
  }
  if (pipe2(from_child, O_CLOEXEC) != 0) {
    const int err = errno;
    close(to_child[0]);
    close(to_child[1]);
    throw std::runtime_error(std::string("pipe2 failed: ") + std::strerror(err));
  }

  // Everything the child needs is prepared before fork(): only async-signal-safe calls after it.
  std::vector<std::string> args = {python, "-u", script};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(&a[0]);
  argv.push_back(nullptr);
  static const char kExecFailed[] = "torch_oracle: exec of python failed\n";

  const pid_t pid = fork();
  if (pid < 0) {
    const int err = errno;
    for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1]}) close(fd);
    throw std::runtime_error(std::string("fork failed: ") + std::strerror(err));
  }
  if (pid == 0) {
    // dup2 clears O_CLOEXEC on the new descriptors; the originals close on exec. stderr inherited.
    if (dup2(to_child[0], STDIN_FILENO) < 0 || dup2(from_child[1], STDOUT_FILENO) < 0) _exit(126);
    signal(SIGPIPE, SIG_DFL);
    execv(argv[0], argv.data());
    const ssize_t ignored = write(STDERR_FILENO, kExecFailed, sizeof(kExecFailed) - 1);
    (void)ignored;
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  pid_ = pid;
  to_child_ = to_child[1];
  from_child_ = from_child[0];

  nlohmann::json hello;
  try {
    hello = ReadFrameHeader(from_child_, kHelloTimeoutMs);
  } catch (const ChannelError& e) {
    throw std::runtime_error(std::string("oracle server (") + python + " " + script +
                             ") did not say hello: " + e.what());
  }
  if (!hello.value("hello", false)) {
    throw std::runtime_error("oracle server could not import torch:\n" +
                             hello.value("error", std::string("(no error text)")));
  }
  torch_version_ = hello.value("torch", std::string());
  reason_.clear();
  state_ = State::kRunning;
}

std::string TorchOracle::ReapLocked() {
  if (to_child_ >= 0) close(to_child_);
  if (from_child_ >= 0) close(from_child_);
  to_child_ = from_child_ = -1;
  std::string how = "status unknown";
  if (pid_ > 0) {
    int status = 0;
    pid_t r = 0;
    // Closing its stdin makes a healthy server exit; give it a moment, then kill it.
    for (int i = 0; i < 200 && (r = waitpid(pid_, &status, WNOHANG)) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (r == 0) {
      kill(pid_, SIGKILL);
      r = waitpid(pid_, &status, 0);
    }
    if (r == pid_) {
      if (WIFEXITED(status)) {
        how = "exited with status " + std::to_string(WEXITSTATUS(status));
      } else if (WIFSIGNALED(status)) {
        how = "killed by signal " + std::to_string(WTERMSIG(status));
      }
    }
  }
  pid_ = -1;
  return how;
}

void TorchOracle::StopLocked() {
  if (pid_ > 0 || to_child_ >= 0 || from_child_ >= 0) ReapLocked();
}

OracleResult TorchOracle::run(const std::string& expr, const std::vector<OracleTensor>& inputs,
                              const nlohmann::json& attrs,
                              const std::vector<OracleTensor>& grad_outputs) {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::json header = {{"expr", expr},
                           {"attrs", attrs},
                           {"inputs", nlohmann::json::array()},
                           {"grad_outputs", nlohmann::json::array()}};
  for (size_t i = 0; i < inputs.size(); ++i) {
    header["inputs"].push_back(TensorMeta(inputs[i], "inputs", i));
  }
  for (size_t i = 0; i < grad_outputs.size(); ++i) {
    header["grad_outputs"].push_back(TensorMeta(grad_outputs[i], "grad_outputs", i));
  }

  EnsureStartedLocked();
  if (state_ != State::kRunning) {
    throw std::runtime_error("PyTorch oracle unavailable: " + reason_);
  }

  OracleResult result;
  nlohmann::json response;
  try {
    // The server reads the whole request before answering, so writing everything first is safe.
    WriteFrameHeader(to_child_, header);
    for (const std::vector<OracleTensor>* list : {&inputs, &grad_outputs}) {
      for (const OracleTensor& t : *list) {
        if (t.defined) WriteAll(to_child_, t.data.data(), t.data.size() * sizeof(double));
      }
    }
    response = ReadFrameHeader(from_child_);
    result.outputs = ReadTensors(from_child_, response.at("outputs"));
    result.grads = ReadTensors(from_child_, response.at("grads"));
  } catch (const ChannelError& e) {
    const std::string how = ReapLocked();
    state_ = State::kNotStarted;  // The next call starts a fresh server.
    throw std::runtime_error(std::string("PyTorch oracle server died (python ") + how + ", " +
                             e.what() + ") while evaluating: " + expr +
                             "\n(see the python stderr above)");
  }
  const auto err = response.find("error");
  if (err != response.end() && err->is_string()) {
    throw std::runtime_error("PyTorch oracle: python raised while evaluating:\n" + expr + "\n" +
                             err->get<std::string>());
  }
  return result;
}

}  // namespace testing
}  // namespace dc
