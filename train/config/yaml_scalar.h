// How a plain (unquoted) YAML scalar resolves under the YAML 1.2 core schema, and the matching
// formatting. yaml-cpp hands out every scalar as text; typed config keys need to know whether `1`,
// `1.0`, `true` and `null` were written, so that `out: 2024` or `max_iter: 1.5` is a type error
// rather than a silent conversion.
#pragma once

#include <cstdint>
#include <string>

namespace dc {
namespace yaml_scalar {

enum class Kind { kNull, kBool, kInt, kFloat, kString };

// Resolution of a plain scalar: null (~, null, empty), bool (true/false in lower, Title or UPPER
// case; not yes/no/on/off), int (decimal), float (decimal with '.' or exponent, .inf, .nan).
Kind classify(const std::string& text);
const char* kind_name(Kind k);

// Parsers for scalars already classified as the kind; false on overflow.
bool parse_bool(const std::string& text);
bool parse_int(const std::string& text, int64_t* out);
double parse_float(const std::string& text);  // also accepts an int-shaped scalar

// The shortest text that parses back to exactly `v` and classifies as kFloat.
std::string format_double(double v);
// `s` as a YAML scalar: plain when it would read back as the same string, double-quoted (with
// escapes) otherwise.
std::string format_string(const std::string& s);

}  // namespace yaml_scalar
}  // namespace dc
