#include "train/config/yaml_scalar.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <regex>

namespace dc {
namespace yaml_scalar {
namespace {

bool any_of(const std::string& s, std::initializer_list<const char*> forms) {
  for (const char* f : forms) {
    if (s == f) return true;
  }
  return false;
}

// YAML 1.2 core schema, decimal forms only (0x/0o ints are strings here: nobody writes them in a
// training config, and a strict reading is less surprising than a partial one).
const std::regex& int_re() {
  static const std::regex re("[-+]?[0-9]+");
  return re;
}
const std::regex& float_re() {
  static const std::regex re("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  return re;
}

bool is_inf(const std::string& s) {
  return any_of(s, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"});
}
bool is_nan(const std::string& s) { return any_of(s, {".nan", ".NaN", ".NAN"}); }

}  // namespace

Kind classify(const std::string& s) {
  if (any_of(s, {"", "~", "null", "Null", "NULL"})) return Kind::kNull;
  if (any_of(s, {"true", "True", "TRUE", "false", "False", "FALSE"})) return Kind::kBool;
  if (std::regex_match(s, int_re())) return Kind::kInt;
  if (is_inf(s) || is_nan(s) || std::regex_match(s, float_re())) return Kind::kFloat;
  return Kind::kString;
}

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "double";
    case Kind::kString:
      return "string";
  }
  return "?";
}

bool parse_bool(const std::string& s) { return s[0] == 't' || s[0] == 'T'; }

bool parse_int(const std::string& s, int64_t* out) {
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno == ERANGE || *end != '\0') return false;
  *out = v;
  return true;
}

double parse_float(const std::string& s) {
  if (is_nan(s)) return std::nan("");
  if (is_inf(s)) return s[0] == '-' ? -INFINITY : INFINITY;
  return std::strtod(s.c_str(), nullptr);
}

std::string format_double(double v) {
  if (std::isnan(v)) return ".nan";
  if (std::isinf(v)) return v < 0 ? "-.inf" : ".inf";
  char buf[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  // "1" or "-3" would read back as an int; "1e+20" already reads as a float.
  if (classify(s) == Kind::kInt) s += ".0";
  return s;
}

std::string format_string(const std::string& s) {
  bool plain = classify(s) == Kind::kString && s.front() != ' ' && s.back() != ' ';
  // Indicator characters that start a non-plain token, and sequences that end a plain one.
  if (plain && std::string("-?:,[]{}#&*!|>'\"%@`").find(s.front()) != std::string::npos) {
    plain = false;
  }
  for (size_t i = 0; plain && i < s.size(); ++i) {
    const unsigned char c = s[i];
    if (c < 0x20 || c == 0x7f || c == ',' || c == '[' || c == ']' || c == '{' || c == '}' ||
        c == '"' || c == '\\') {
      plain = false;  // flow indicators would break `[a, b]` lists; escapes need quoting
    } else if (c == ':' && (i + 1 == s.size() || s[i + 1] == ' ')) {
      plain = false;
    } else if (c == '#' && i > 0 && s[i - 1] == ' ') {
      plain = false;
    }
  }
  if (plain) return s;
  std::string out = "\"";
  for (const char ch : s) {
    const unsigned char c = ch;
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

}  // namespace yaml_scalar
}  // namespace dc
