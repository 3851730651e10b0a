// dc::Error and the checks that raise it. Every failed check on user input throws dc::Error with a
// message that names the op, the tensors' shapes and dtypes and what was expected; nothing aborts.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace dc {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

namespace detail {
// Builds the message from any streamable pieces, so checks read like sentences.
template <typename... Args>
std::string concat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
}  // namespace detail

}  // namespace dc

// DC_CHECK(cond, "conv2d: weight must be 4-D, got ", shape) throws dc::Error when cond is false.
#define DC_CHECK(cond, ...)                                            \
  do {                                                                 \
    if (!(cond)) throw ::dc::Error(::dc::detail::concat(__VA_ARGS__)); \
  } while (0)

#define DC_FAIL(...) throw ::dc::Error(::dc::detail::concat(__VA_ARGS__))
