#include "data/formats/densepose_coco.h"

#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/error.h"
#include "data/formats/text_file.h"

namespace dc {
namespace {

using nlohmann::json;

const char* const kKeypointNames[kCocoKeypointCount] = {
    "nose",           "left_eye",   "right_eye",   "left_ear",   "right_ear",   "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip",
    "right_hip",      "left_knee",  "right_knee",  "left_ankle", "right_ankle"};

// Where a field lives, for messages: "file.json: annotation id 12: field 'dp_U'".
struct Where {
  std::string file, record;
  std::string at(const std::string& field) const {
    return file + ": " + record + ": field '" + field + "'";
  }
};

const json& member(const json& obj, const char* key, const Where& w) {
  DC_CHECK(obj.is_object(), w.file, ": ", w.record, " is not a JSON object");
  auto it = obj.find(key);
  DC_CHECK(it != obj.end(), w.file, ": ", w.record, ": missing field '", key, "'");
  return *it;
}

int64_t get_int(const json& v, const std::string& where) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    DC_CHECK(std::floor(d) == d && std::abs(d) < 9e15, where, " is ", v.dump(),
             ", expected an integer");
    return static_cast<int64_t>(d);
  }
  DC_FAIL(where, " is ", v.dump().substr(0, 40), ", expected an integer");
}

double get_number(const json& v, const std::string& where) {
  DC_CHECK(v.is_number(), where, " is ", v.dump().substr(0, 40), ", expected a number");
  const double d = v.get<double>();
  DC_CHECK(std::isfinite(d), where, " is not finite");
  return d;
}

std::vector<double> get_numbers(const json& v, const std::string& where) {
  DC_CHECK(v.is_array(), where, " is ", v.dump().substr(0, 40), ", expected a list of numbers");
  std::vector<double> out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    out.push_back(get_number(v[i], where + "[" + std::to_string(i) + "]"));
  return out;
}

std::string get_string(const json& v, const std::string& where) {
  DC_CHECK(v.is_string(), where, " is ", v.dump().substr(0, 40), ", expected a string");
  return v.get<std::string>();
}

RleMask parse_rle(const json& v, const std::string& where, bool* compressed) {
  DC_CHECK(v.is_object(), where, " is ", v.dump().substr(0, 40), ", expected an RLE object");
  auto size = v.find("size");
  auto counts = v.find("counts");
  DC_CHECK(size != v.end() && counts != v.end(), where, " lacks 'size' or 'counts'");
  DC_CHECK(size->is_array() && size->size() == 2, where, ".size is ", size->dump(),
           ", expected [height, width]");
  RleMask rle;
  rle.height = get_int((*size)[0], where + ".size[0]");
  rle.width = get_int((*size)[1], where + ".size[1]");
  if (counts->is_string()) {
    *compressed = true;
    rle.counts = rle_counts_from_string(counts->get<std::string>(), where + ".counts");
  } else {
    *compressed = false;
    DC_CHECK(counts->is_array(), where, ".counts is neither a string nor a list");
    for (size_t i = 0; i < counts->size(); ++i) {
      const int64_t c = get_int((*counts)[i], where + ".counts[" + std::to_string(i) + "]");
      DC_CHECK(c >= 0 && c <= 0xffffffffLL, where, ".counts[", i, "] = ", c, " is out of range");
      rle.counts.push_back(static_cast<uint32_t>(c));
    }
  }
  validate_rle(rle, where);
  return rle;
}

json rle_json(const RleMask& rle, bool compressed) {
  json j;
  j["size"] = {rle.height, rle.width};
  if (compressed) {
    j["counts"] = rle_counts_to_string(rle.counts);
  } else {
    j["counts"] = json::array();
    for (uint32_t c : rle.counts) j["counts"].push_back(c);
  }
  return j;
}

CocoSegmentation parse_segmentation(const json& v, const std::string& where) {
  CocoSegmentation seg;
  if (v.is_array()) {
    seg.kind = CocoSegmentation::Kind::kPolygons;
    for (size_t i = 0; i < v.size(); ++i)
      seg.polygons.push_back(get_numbers(v[i], where + "[" + std::to_string(i) + "]"));
    return seg;
  }
  bool compressed = true;
  seg.rle = parse_rle(v, where, &compressed);
  seg.kind = compressed ? CocoSegmentation::Kind::kRle : CocoSegmentation::Kind::kUncompressedRle;
  return seg;
}

json segmentation_json(const CocoSegmentation& seg) {
  if (seg.kind == CocoSegmentation::Kind::kPolygons) {
    json j = json::array();
    for (const auto& p : seg.polygons) j.push_back(p);
    return j;
  }
  return rle_json(seg.rle, seg.kind == CocoSegmentation::Kind::kRle);
}

DensePoseAnnotation parse_annotation(const json& a, const std::string& file, size_t index) {
  Where w{file, "annotations[" + std::to_string(index) + "]"};
  DensePoseAnnotation ann;
  ann.id = get_int(member(a, "id", w), w.at("id"));
  w.record = "annotation id " + std::to_string(ann.id);
  ann.image_id = get_int(member(a, "image_id", w), w.at("image_id"));
  ann.category_id = get_int(member(a, "category_id", w), w.at("category_id"));
  if (a.contains("iscrowd")) ann.iscrowd = get_int(a["iscrowd"], w.at("iscrowd"));
  if (a.contains("area")) ann.area = get_number(a["area"], w.at("area"));
  const std::vector<double> bbox = get_numbers(member(a, "bbox", w), w.at("bbox"));
  DC_CHECK(bbox.size() == 4, w.at("bbox"), " has ", bbox.size(),
           " numbers, expected 4 (x, y, w, h)");
  for (int k = 0; k < 4; ++k) ann.bbox[k] = bbox[k];
  if (a.contains("keypoints")) ann.keypoints = get_numbers(a["keypoints"], w.at("keypoints"));
  if (a.contains("num_keypoints"))
    ann.num_keypoints = get_int(a["num_keypoints"], w.at("num_keypoints"));
  if (a.contains("segmentation"))
    ann.segmentation = parse_segmentation(a["segmentation"], w.at("segmentation"));
  static const char* const kDp[] = {"dp_I", "dp_U", "dp_V", "dp_x", "dp_y", "dp_masks"};
  int present = 0;
  for (const char* k : kDp) present += a.contains(k) ? 1 : 0;
  if (present == 0) return ann;
  for (const char* k : kDp) member(a, k, w);  // all or none
  ann.has_densepose = true;
  ann.dp_I = get_numbers(a["dp_I"], w.at("dp_I"));
  ann.dp_U = get_numbers(a["dp_U"], w.at("dp_U"));
  ann.dp_V = get_numbers(a["dp_V"], w.at("dp_V"));
  ann.dp_x = get_numbers(a["dp_x"], w.at("dp_x"));
  ann.dp_y = get_numbers(a["dp_y"], w.at("dp_y"));
  const json& masks = a["dp_masks"];
  DC_CHECK(masks.is_array(), w.at("dp_masks"), " is not a list");
  for (size_t i = 0; i < masks.size(); ++i) {
    const std::string where = w.at("dp_masks") + "[" + std::to_string(i) + "]";
    if (masks[i].is_array() && masks[i].empty()) {
      ann.dp_masks.push_back(std::nullopt);
      continue;
    }
    bool compressed = true;
    ann.dp_masks.push_back(parse_rle(masks[i], where, &compressed));
    DC_CHECK(compressed, where, " has uncompressed counts, expected a compressed RLE string");
  }
  return ann;
}

json annotation_json(const DensePoseAnnotation& ann) {
  json j;
  j["id"] = ann.id;
  j["image_id"] = ann.image_id;
  j["category_id"] = ann.category_id;
  j["iscrowd"] = ann.iscrowd;
  j["area"] = ann.area;
  j["bbox"] = ann.bbox;
  if (!ann.keypoints.empty()) {
    j["keypoints"] = ann.keypoints;
    j["num_keypoints"] = ann.num_keypoints;
  }
  j["segmentation"] = segmentation_json(ann.segmentation);
  if (ann.has_densepose) {
    j["dp_I"] = ann.dp_I;
    j["dp_U"] = ann.dp_U;
    j["dp_V"] = ann.dp_V;
    j["dp_x"] = ann.dp_x;
    j["dp_y"] = ann.dp_y;
    json masks = json::array();
    for (const auto& m : ann.dp_masks) masks.push_back(m ? rle_json(*m, true) : json::array());
    j["dp_masks"] = masks;
  }
  return j;
}

void check_in_range(const std::vector<double>& values, double lo, double hi,
                    const std::string& where) {
  for (size_t i = 0; i < values.size(); ++i) {
    DC_CHECK(values[i] >= lo && values[i] <= hi, where, "[", i, "] = ", values[i], " is outside [",
             lo, ", ", hi, "]");
  }
}

void validate_annotation(const DensePoseAnnotation& ann, const Where& w) {
  DC_CHECK(ann.iscrowd == 0 || ann.iscrowd == 1, w.at("iscrowd"), " is ", ann.iscrowd,
           ", expected 0 or 1");
  DC_CHECK(ann.bbox[2] >= 0 && ann.bbox[3] >= 0, w.at("bbox"), " has a negative size (w ",
           ann.bbox[2], ", h ", ann.bbox[3], ")");
  if (!ann.keypoints.empty()) {
    DC_CHECK(ann.keypoints.size() == 3 * kCocoKeypointCount, w.at("keypoints"), " has ",
             ann.keypoints.size(), " numbers, expected 51 (17 × x, y, v)");
    for (int k = 0; k < kCocoKeypointCount; ++k) {
      const double v = ann.keypoints[3 * k + 2];
      DC_CHECK(v == 0 || v == 1 || v == 2, w.at("keypoints"), "[", 3 * k + 2, "] (v of ",
               kKeypointNames[k], ") = ", v, ", expected 0, 1 or 2");
    }
  }
  if (ann.segmentation.kind == CocoSegmentation::Kind::kPolygons) {
    for (size_t i = 0; i < ann.segmentation.polygons.size(); ++i) {
      const size_t n = ann.segmentation.polygons[i].size();
      DC_CHECK(n >= 6 && n % 2 == 0, w.at("segmentation"), "[", i, "] has ", n,
               " coordinates, expected an even count >= 6 (x, y pairs of a polygon)");
    }
  } else {
    validate_rle(ann.segmentation.rle, w.at("segmentation"));
  }
  if (!ann.has_densepose) return;
  const size_t n = ann.dp_I.size();
  const std::pair<const char*, const std::vector<double>*> lists[] = {
      {"dp_U", &ann.dp_U}, {"dp_V", &ann.dp_V}, {"dp_x", &ann.dp_x}, {"dp_y", &ann.dp_y}};
  for (const auto& [name, list] : lists) {
    DC_CHECK(list->size() == n, w.at(name), " has ", list->size(), " values but dp_I has ", n,
             ", expected equal lengths");
  }
  for (size_t i = 0; i < n; ++i) {
    const double c = ann.dp_I[i];
    DC_CHECK(c == std::floor(c) && c >= 1 && c <= 24, w.at("dp_I"), "[", i, "] = ", c,
             ", expected an integer chart index in 1..24");
  }
  check_in_range(ann.dp_U, 0, 1, w.at("dp_U"));
  check_in_range(ann.dp_V, 0, 1, w.at("dp_V"));
  check_in_range(ann.dp_x, 0, kDensePoseMaskSize, w.at("dp_x"));
  check_in_range(ann.dp_y, 0, kDensePoseMaskSize, w.at("dp_y"));
  DC_CHECK(ann.dp_masks.size() == kDensePoseMasks, w.at("dp_masks"), " has ", ann.dp_masks.size(),
           " entries, expected 14 (one per coarse part)");
  for (size_t i = 0; i < ann.dp_masks.size(); ++i) {
    if (!ann.dp_masks[i]) continue;
    const RleMask& m = *ann.dp_masks[i];
    const std::string where = w.at("dp_masks") + "[" + std::to_string(i) + "]";
    DC_CHECK(m.height == kDensePoseMaskSize && m.width == kDensePoseMaskSize, where, " is ",
             m.height, "x", m.width, ", expected 256x256");
    validate_rle(m, where);
  }
}

}  // namespace

bool DensePoseAnnotation::operator==(const DensePoseAnnotation& o) const {
  return id == o.id && image_id == o.image_id && category_id == o.category_id &&
         iscrowd == o.iscrowd && area == o.area && bbox == o.bbox && keypoints == o.keypoints &&
         num_keypoints == o.num_keypoints && segmentation == o.segmentation &&
         has_densepose == o.has_densepose && dp_I == o.dp_I && dp_U == o.dp_U && dp_V == o.dp_V &&
         dp_x == o.dp_x && dp_y == o.dp_y && dp_masks == o.dp_masks;
}

CocoCategory coco_person_category() {
  CocoCategory c;
  for (const char* n : kKeypointNames) c.keypoints.push_back(n);
  c.skeleton = {{16, 14}, {14, 12}, {17, 15}, {15, 13}, {12, 13}, {6, 12}, {7, 13},
                {6, 7},   {6, 8},   {7, 9},   {8, 10},  {9, 11},  {2, 3},  {1, 2},
                {1, 3},   {2, 4},   {3, 5},   {4, 6},   {5, 7}};
  return c;
}

void validate_densepose_coco(const DensePoseCoco& data, const std::string& file) {
  std::set<int64_t> image_ids, category_ids, annotation_ids;
  for (size_t i = 0; i < data.images.size(); ++i) {
    const CocoImage& im = data.images[i];
    const Where w{file, "image id " + std::to_string(im.id)};
    DC_CHECK(image_ids.insert(im.id).second, file, ": images[", i, "]: duplicate image id ", im.id);
    DC_CHECK(im.width > 0 && im.height > 0, w.at("width"), "/'height' are ", im.width, "x",
             im.height, ", expected positive");
    DC_CHECK(!im.file_name.empty(), w.at("file_name"), " is empty");
  }
  for (size_t i = 0; i < data.categories.size(); ++i) {
    const Where w{file, "category id " + std::to_string(data.categories[i].id)};
    DC_CHECK(category_ids.insert(data.categories[i].id).second, file, ": categories[", i,
             "]: duplicate category id ", data.categories[i].id);
    for (const auto& e : data.categories[i].skeleton) {
      const int64_t n = static_cast<int64_t>(data.categories[i].keypoints.size());
      DC_CHECK(e[0] >= 1 && e[0] <= n && e[1] >= 1 && e[1] <= n, w.at("skeleton"), " pair [", e[0],
               ", ", e[1], "] is outside the 1-based keypoints 1..", n);
    }
  }
  for (const DensePoseAnnotation& ann : data.annotations) {
    const Where w{file, "annotation id " + std::to_string(ann.id)};
    DC_CHECK(annotation_ids.insert(ann.id).second, file, ": duplicate annotation id ", ann.id);
    DC_CHECK(image_ids.count(ann.image_id), w.at("image_id"), " = ", ann.image_id,
             " names no image of the file");
    DC_CHECK(category_ids.count(ann.category_id), w.at("category_id"), " = ", ann.category_id,
             " names no category of the file");
    validate_annotation(ann, w);
  }
}

DensePoseCoco read_densepose_coco(const std::string& path) {
  const std::string text = read_text_file(path);
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  DC_CHECK(!root.is_discarded(), path, ": not valid JSON");
  DC_CHECK(root.is_object(), path, ": expected a JSON object with images, annotations, categories");
  const Where top{path, "top level"};
  DensePoseCoco data;
  const json& images = member(root, "images", top);
  DC_CHECK(images.is_array(), path, ": 'images' is not a list");
  for (size_t i = 0; i < images.size(); ++i) {
    Where w{path, "images[" + std::to_string(i) + "]"};
    CocoImage im;
    im.id = get_int(member(images[i], "id", w), w.at("id"));
    w.record = "image id " + std::to_string(im.id);
    im.file_name = get_string(member(images[i], "file_name", w), w.at("file_name"));
    im.width = get_int(member(images[i], "width", w), w.at("width"));
    im.height = get_int(member(images[i], "height", w), w.at("height"));
    data.images.push_back(im);
  }
  const json& categories = member(root, "categories", top);
  DC_CHECK(categories.is_array(), path, ": 'categories' is not a list");
  for (size_t i = 0; i < categories.size(); ++i) {
    const Where w{path, "categories[" + std::to_string(i) + "]"};
    const json& c = categories[i];
    CocoCategory cat;
    cat.id = get_int(member(c, "id", w), w.at("id"));
    cat.name = get_string(member(c, "name", w), w.at("name"));
    if (c.contains("supercategory"))
      cat.supercategory = get_string(c["supercategory"], w.at("supercategory"));
    if (c.contains("keypoints")) {
      DC_CHECK(c["keypoints"].is_array(), w.at("keypoints"), " is not a list");
      for (size_t k = 0; k < c["keypoints"].size(); ++k)
        cat.keypoints.push_back(
            get_string(c["keypoints"][k], w.at("keypoints") + "[" + std::to_string(k) + "]"));
    }
    if (c.contains("skeleton")) {
      DC_CHECK(c["skeleton"].is_array(), w.at("skeleton"), " is not a list");
      for (size_t k = 0; k < c["skeleton"].size(); ++k) {
        const std::string where = w.at("skeleton") + "[" + std::to_string(k) + "]";
        const json& e = c["skeleton"][k];
        DC_CHECK(e.is_array() && e.size() == 2, where, " is not a pair");
        cat.skeleton.push_back({get_int(e[0], where), get_int(e[1], where)});
      }
    }
    data.categories.push_back(cat);
  }
  const json& annotations = member(root, "annotations", top);
  DC_CHECK(annotations.is_array(), path, ": 'annotations' is not a list");
  for (size_t i = 0; i < annotations.size(); ++i)
    data.annotations.push_back(parse_annotation(annotations[i], path, i));
  validate_densepose_coco(data, path);
  return data;
}

std::string densepose_coco_to_json(const DensePoseCoco& data) {
  json root;
  root["images"] = json::array();
  for (const CocoImage& im : data.images) {
    root["images"].push_back(
        {{"id", im.id}, {"file_name", im.file_name}, {"width", im.width}, {"height", im.height}});
  }
  root["categories"] = json::array();
  for (const CocoCategory& c : data.categories) {
    json j{{"id", c.id}, {"name", c.name}, {"supercategory", c.supercategory}};
    if (!c.keypoints.empty()) j["keypoints"] = c.keypoints;
    if (!c.skeleton.empty()) j["skeleton"] = c.skeleton;
    root["categories"].push_back(j);
  }
  root["annotations"] = json::array();
  for (const DensePoseAnnotation& a : data.annotations)
    root["annotations"].push_back(annotation_json(a));
  return root.dump() + "\n";
}

void write_densepose_coco(const std::string& path, const DensePoseCoco& data) {
  validate_densepose_coco(data, path);
  write_text_file(path, densepose_coco_to_json(data));
}

Tensor decode_dp_masks(const DensePoseAnnotation& ann) {
  Tensor out = empty({kDensePoseMaskSize, kDensePoseMaskSize}, DType::i64);
  int64_t* o = out.data<int64_t>();
  std::fill(o, o + kDensePoseMaskSize * kDensePoseMaskSize, 0);
  for (size_t i = 0; i < ann.dp_masks.size(); ++i) {
    if (!ann.dp_masks[i]) continue;
    const Tensor m = rle_decode(*ann.dp_masks[i]);
    DC_CHECK(m.numel() == kDensePoseMaskSize * kDensePoseMaskSize,
             "decode_dp_masks: annotation id ", ann.id, ": dp_masks[", i, "] is not 256x256");
    const uint8_t* p = m.data<uint8_t>();
    for (int64_t k = 0; k < m.numel(); ++k)
      if (p[k]) o[k] = static_cast<int64_t>(i) + 1;
  }
  return out;
}

Tensor densepose_point_pixels(const DensePoseAnnotation& ann) {
  const int64_t n = static_cast<int64_t>(ann.dp_x.size());
  Tensor out = empty({n, 2}, DType::f32);
  float* o = out.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    o[2 * i] = static_cast<float>(ann.dp_x[i] / 256.0 * ann.bbox[2] + ann.bbox[0] - 0.5);
    o[2 * i + 1] = static_cast<float>(ann.dp_y[i] / 256.0 * ann.bbox[3] + ann.bbox[1] - 0.5);
  }
  return out;
}

}  // namespace dc
