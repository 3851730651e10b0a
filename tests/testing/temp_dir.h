// Scratch locations for tests that write files (weights, checkpoints, configs). Under `bazel test`
// they live in the test's own $TEST_TMPDIR, which Bazel cleans; run by hand they go to /tmp.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace dc {

// $TEST_TMPDIR, or /tmp outside Bazel.
inline std::filesystem::path test_tmp_root() {
  const char* base = std::getenv("TEST_TMPDIR");
  return std::filesystem::path(base != nullptr ? base : "/tmp");
}

// `name` inside test_tmp_root() (nothing is created).
inline std::string temp_path(const std::string& name) { return (test_tmp_root() / name).string(); }

// An empty directory for the running test: test_tmp_root()/<prefix><test name>_<pid>, removed
// first so that a rerun starts clean; the pid keeps concurrent runs outside Bazel apart.
inline std::string fresh_test_dir(const std::string& prefix = "") {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string test = info != nullptr ? info->name() : "no_test";
  const std::filesystem::path dir =
      test_tmp_root() / (prefix + test + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

}  // namespace dc
