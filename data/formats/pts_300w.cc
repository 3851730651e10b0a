#include "data/formats/pts_300w.h"

#include <cmath>
#include <sstream>
#include <vector>

#include "core/error.h"
#include "data/formats/number_text.h"
#include "data/formats/text_file.h"

namespace dc {
namespace {

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t\r") - a + 1);
}

}  // namespace

std::string pts_to_string(const Tensor& points) {
  DC_CHECK(
      points.defined() && points.dim() == 2 && points.size(1) == 2 && points.dtype() == DType::f32,
      "write_pts: expected K×2 f32 points, got ",
      points.defined() ? points.str() : std::string("an undefined tensor"));
  const Tensor p = points.contiguous();
  const float* d = p.data<float>();
  std::string s = "version: 1\nn_points:  " + std::to_string(p.size(0)) + "\n{\n";
  for (int64_t k = 0; k < p.size(0); ++k) {
    DC_CHECK(std::isfinite(d[2 * k]) && std::isfinite(d[2 * k + 1]), "write_pts: point ", k,
             " is not finite");
    // In double, x + 1 is exact for a float x of the sizes images have, so reading subtracts it
    // back exactly.
    s += shortest_double(static_cast<double>(d[2 * k]) + 1.0) + " " +
         shortest_double(static_cast<double>(d[2 * k + 1]) + 1.0) + "\n";
  }
  return s + "}\n";
}

Tensor pts_from_string(const std::string& text, const std::string& where) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    line = trim(line);
    if (!line.empty()) lines.push_back(line);
  }
  DC_CHECK(lines.size() >= 4, where, ": too short for a .pts file (", lines.size(),
           " non-empty lines; expected 'version: 1', 'n_points: N', '{', N points, '}')");
  DC_CHECK(lines[0].rfind("version:", 0) == 0, where, ": line 1 is '", lines[0],
           "', expected 'version: 1'");
  DC_CHECK(lines[1].rfind("n_points:", 0) == 0, where, ": line 2 is '", lines[1],
           "', expected 'n_points: N'");
  double n_double = 0;
  DC_CHECK(parse_double(trim(lines[1].substr(9)), &n_double) && n_double >= 0 &&
               n_double == static_cast<int64_t>(n_double),
           where, ": n_points '", trim(lines[1].substr(9)), "' is not a count");
  const int64_t n = static_cast<int64_t>(n_double);
  DC_CHECK(lines[2] == "{", where, ": expected '{' after the header, got '", lines[2], "'");
  DC_CHECK(static_cast<int64_t>(lines.size()) == n + 4 && lines.back() == "}", where,
           ": n_points is ", n, " but the file has ", static_cast<int64_t>(lines.size()) - 4,
           " point lines between '{' and '}'");
  Tensor out = empty({n, 2}, DType::f32);
  float* o = out.data<float>();
  for (int64_t k = 0; k < n; ++k) {
    std::istringstream ls(lines[3 + k]);
    std::string xs, ys, extra;
    ls >> xs >> ys;
    double x = 0, y = 0;
    DC_CHECK(!(ls >> extra) && parse_double(xs, &x) && parse_double(ys, &y), where, ": point ",
             k + 1, " ('", lines[3 + k], "') is not two finite numbers 'x y'");
    o[2 * k] = static_cast<float>(x - 1.0);
    o[2 * k + 1] = static_cast<float>(y - 1.0);
  }
  return out;
}

Tensor read_pts(const std::string& path) { return pts_from_string(read_text_file(path), path); }

void write_pts(const std::string& path, const Tensor& points) {
  write_text_file(path, pts_to_string(points));
}

}  // namespace dc
