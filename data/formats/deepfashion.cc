#include "data/formats/deepfashion.h"

#include <cmath>
#include <set>
#include <sstream>

#include "core/error.h"

namespace dc {
namespace {

std::vector<std::string> text_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

std::array<int64_t, kOpenPoseKeypoints> parse_list(const std::string& text, const std::string& at) {
  const std::string t = trim(text);
  DC_CHECK(t.size() >= 2 && t.front() == '[' && t.back() == ']', at, " is '", t,
           "', expected a list [v0, ..., v17]");
  std::array<int64_t, kOpenPoseKeypoints> out{};
  std::istringstream in(t.substr(1, t.size() - 2));
  int count = 0;
  for (std::string item; std::getline(in, item, ',');) {
    item = trim(item);
    char* end = nullptr;
    const long long v = std::strtoll(item.c_str(), &end, 10);
    DC_CHECK(!item.empty() && end == item.c_str() + item.size(), at, " item ", count, " ('", item,
             "') is not an integer");
    DC_CHECK(v >= -1, at, " item ", count, " = ", v, ", expected a pixel index or -1");
    DC_CHECK(count < kOpenPoseKeypoints, at, " has more than 18 values");
    out[count++] = v;
  }
  DC_CHECK(count == kOpenPoseKeypoints, at, " has ", count, " values, expected 18");
  return out;
}

std::string list_string(const std::array<int64_t, kOpenPoseKeypoints>& v) {
  std::string s = "[";
  for (int i = 0; i < kOpenPoseKeypoints; ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

}  // namespace

std::string pairs_csv_to_string(const std::vector<PosePair>& pairs) {
  std::string s = "from,to\n";
  for (const PosePair& p : pairs) {
    DC_CHECK(!p.first.empty() && !p.second.empty() &&
                 p.first.find_first_of(",\n") == std::string::npos &&
                 p.second.find_first_of(",\n") == std::string::npos,
             "pairs csv: names must be non-empty without ',' or newlines, got '", p.first, "', '",
             p.second, "'");
    s += p.first + "," + p.second + "\n";
  }
  return s;
}

std::vector<PosePair> pairs_csv_from_string(const std::string& text, const std::string& where) {
  const std::vector<std::string> lines = text_lines(text);
  DC_CHECK(!lines.empty() && lines[0] == "from,to", where, ": line 1 is '",
           lines.empty() ? "" : lines[0], "', expected the header 'from,to'");
  std::vector<PosePair> pairs;
  std::set<PosePair> seen;
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t comma = lines[i].find(',');
    const bool ok = comma != std::string::npos && comma > 0 && comma + 1 < lines[i].size() &&
                    lines[i].find(',', comma + 1) == std::string::npos;
    DC_CHECK(ok, where, ": line ", i + 1, " ('", lines[i], "') is not 'from,to' with two names");
    PosePair p{lines[i].substr(0, comma), lines[i].substr(comma + 1)};
    DC_CHECK(seen.insert(p).second, where, ": line ", i + 1, ": duplicate pair ", p.first, ",",
             p.second);
    pairs.push_back(p);
  }
  return pairs;
}

std::string pose_annotation_to_string(const std::vector<PoseKeypoints>& rows) {
  std::string s = "name:keypoints_y:keypoints_x\n";
  for (const PoseKeypoints& r : rows)
    s += r.name + ": " + list_string(r.y) + ": " + list_string(r.x) + "\n";
  return s;
}

std::vector<PoseKeypoints> pose_annotation_from_string(const std::string& text,
                                                       const std::string& where) {
  const std::vector<std::string> lines = text_lines(text);
  DC_CHECK(!lines.empty() && lines[0] == "name:keypoints_y:keypoints_x", where, ": line 1 is '",
           lines.empty() ? "" : lines[0], "', expected the header 'name:keypoints_y:keypoints_x'");
  std::vector<PoseKeypoints> rows;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string at = where + ": line " + std::to_string(i + 1);
    const size_t a = lines[i].find(':');
    const size_t b = a == std::string::npos ? a : lines[i].find(':', a + 1);
    DC_CHECK(b != std::string::npos && lines[i].find(':', b + 1) == std::string::npos, at,
             " is not 'name: [y...]: [x...]'");
    PoseKeypoints r;
    r.name = trim(lines[i].substr(0, a));
    DC_CHECK(!r.name.empty(), at, ": empty name");
    r.y = parse_list(lines[i].substr(a + 1, b - a - 1), at + " (" + r.name + "): keypoints_y");
    r.x = parse_list(lines[i].substr(b + 1), at + " (" + r.name + "): keypoints_x");
    for (int k = 0; k < kOpenPoseKeypoints; ++k) {
      DC_CHECK((r.x[k] == -1) == (r.y[k] == -1), at, " (", r.name, "): keypoint ", k,
               " has only one coordinate missing (x ", r.x[k], ", y ", r.y[k], ")");
    }
    rows.push_back(r);
  }
  return rows;
}

PoseKeypoints openpose_from_coco(const std::string& name, const Tensor& keypoints,
                                 const Tensor& visible, int64_t width, int64_t height) {
  DC_CHECK(keypoints.dim() == 2 && keypoints.size(0) == 17 && keypoints.size(1) == 2 &&
               visible.numel() == 17,
           "openpose_from_coco: expected 17×2 keypoints and 17 visibilities, got ", keypoints.str(),
           ", ", visible.str());
  const std::vector<double> k = keypoints.contiguous().to_vector();
  const std::vector<double> v = visible.contiguous().to_vector();
  // OpenPose index → COCO index (−2: the neck, from the shoulders).
  static const int kFromCoco[kOpenPoseKeypoints] = {0,  -2, 6,  8,  10, 5, 7, 9, 12,
                                                    14, 16, 11, 13, 15, 2, 1, 4, 3};
  PoseKeypoints p;
  p.name = name;
  auto set = [&](int o, double x, double y) {
    const int64_t xi = static_cast<int64_t>(std::lround(x)),
                  yi = static_cast<int64_t>(std::lround(y));
    if (xi < 0 || yi < 0 || xi >= width || yi >= height) return;  // outside: missing
    p.x[o] = xi;
    p.y[o] = yi;
  };
  for (int o = 0; o < kOpenPoseKeypoints; ++o) {
    p.x[o] = p.y[o] = -1;
    const int c = kFromCoco[o];
    if (c >= 0) {
      if (v[c] > 0) set(o, k[2 * c], k[2 * c + 1]);
    } else if (v[5] > 0 && v[6] > 0) {
      set(o, 0.5 * (k[10] + k[12]), 0.5 * (k[11] + k[13]));
    }
  }
  return p;
}

const std::vector<std::pair<int, int>>& openpose_limbs() {
  static const std::vector<std::pair<int, int>> limbs = {
      {1, 2},  {2, 3},   {3, 4},   {1, 5}, {5, 6},  {6, 7},   {1, 8},  {8, 9},  {9, 10},
      {1, 11}, {11, 12}, {12, 13}, {1, 0}, {0, 14}, {14, 16}, {0, 15}, {15, 17}};
  return limbs;
}

}  // namespace dc
