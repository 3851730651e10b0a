// Checks of dc::Error messages for the error tests: every bad input must raise a dc::Error whose
// message names the op, the offending shapes/values and what was expected, so tests assert on
// fragments of the message rather than on its exact wording.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.h"

namespace dc {

// The message of the dc::Error that f() throws. When f() returns normally, records a test failure
// and returns "" (so the caller's fragment checks fail too, naming what was missing).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected dc::Error";
  return "";
}

// Expects `msg` to contain every one of `fragments`, reporting each missing one.
inline void expect_contains(const std::string& msg, const std::vector<std::string>& fragments) {
  for (const std::string& frag : fragments) {
    EXPECT_NE(msg.find(frag), std::string::npos)
        << "message '" << msg << "' lacks '" << frag << "'";
  }
}

// Runs f(), expecting a dc::Error whose message contains every one of `fragments`.
template <typename F>
void expect_error(F&& f, const std::vector<std::string>& fragments) {
  try {
    f();
  } catch (const Error& e) {
    expect_contains(e.what(), fragments);
    return;
  }
  ADD_FAILURE() << "expected dc::Error containing '" << (fragments.empty() ? "" : fragments[0])
                << "'";
}

}  // namespace dc
