// Round trips (write → read → equal; read → write → identical bytes where the format is
// canonical) and validation errors naming file, record and field, for COCO-DensePose, 300-W .pts
// folders, Human3.6M annot.h5 and DeepFashion lists; the DensePose export against the sample.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>

#include "core/h5_tensor_file.h"
#include "data/formats/deepfashion.h"
#include "data/formats/densepose_coco.h"
#include "data/formats/densepose_export.h"
#include "data/formats/face_300w.h"
#include "data/formats/h36m_annot.h"
#include "data/formats/pts_300w.h"
#include "data/formats/text_file.h"
#include "data/synth/body_world.h"
#include "data/synth/face_world.h"
#include "tests/testing/expect_error.h"
#include "tests/testing/temp_dir.h"

namespace dc {
namespace {

bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.sizes() != b.sizes()) return false;
  const Tensor x = a.contiguous(), y = b.contiguous();
  return std::memcmp(x.raw_data(), y.raw_data(), x.numel() * dtype_size(x.dtype())) == 0;
}

// One body scene (a few people) at 128×128, shared by the tests.
const Sample& body_sample(BodyScene* scene_out = nullptr) {
  static BodyWorldOptions opt = [] {
    BodyWorldOptions o;
    o.width = o.height = 128;
    o.min_people = 2;
    o.max_people = 3;
    o.min_distance = 2;
    o.max_distance = 4;
    return o;
  }();
  static BodyScene scene = [] {
    Generator g(5);
    return sample_body_scene(g, opt);
  }();
  static Sample s = body_scene_sample(render_body_scene(scene, opt));
  if (scene_out) *scene_out = scene;
  return s;
}

DensePoseCoco exported() {
  DensePoseCoco d;
  d.categories.push_back(coco_person_category());
  d.images.push_back({1, "000000.png", 128, 128});
  d.annotations = densepose_annotations_from_sample(body_sample(), 1, 1);
  return d;
}

TEST(DensePoseCoco, ExportMatchesTheSample) {
  const Sample& s = body_sample();
  const DensePoseCoco d = exported();
  ASSERT_GE(d.annotations.size(), 1u);
  ASSERT_EQ(static_cast<int64_t>(d.annotations.size()), s.at("boxes").size(0));
  const int64_t W = 128;
  const int64_t* part = s.at("part").data<int64_t>();
  const int64_t* coarse = s.at("coarse").data<int64_t>();
  const int64_t* inst = s.at("instance").data<int64_t>();
  const float* uv = s.at("uv").data<float>();
  for (size_t k = 0; k < d.annotations.size(); ++k) {
    const DensePoseAnnotation& a = d.annotations[k];
    std::vector<int> per_chart(25, 0);
    ASSERT_GT(a.dp_I.size(), 0u);
    EXPECT_LE(a.dp_I.size(), 100u + 24u);
    // Every point maps back (training convention) onto a pixel centre of this person showing
    // exactly its I, U, V.
    const Tensor px = densepose_point_pixels(a);
    for (size_t i = 0; i < a.dp_I.size(); ++i) {
      const double x = px.data<float>()[2 * i], y = px.data<float>()[2 * i + 1];
      const int64_t xi = std::lround(x), yi = std::lround(y);
      EXPECT_NEAR(x, xi, 1e-3);
      EXPECT_NEAR(y, yi, 1e-3);
      const int64_t p = yi * W + xi;
      EXPECT_EQ(inst[p], static_cast<int64_t>(k) + 1);
      EXPECT_EQ(part[p], a.dp_I[i]);
      EXPECT_EQ(static_cast<double>(uv[p]), a.dp_U[i]);
      EXPECT_EQ(static_cast<double>(uv[W * W + p]), a.dp_V[i]);
      ++per_chart[static_cast<int>(a.dp_I[i])];
    }
    for (int c = 1; c <= 24; ++c) EXPECT_LE(per_chart[c], 14) << "chart " << c;
    // Segmentation area = the person's pixels; dp_masks cell centres read the coarse labels.
    int64_t pixels = 0;
    for (int64_t p = 0; p < W * W; ++p) pixels += inst[p] == static_cast<int64_t>(k) + 1;
    EXPECT_EQ(a.area, pixels);
    const Tensor labels = decode_dp_masks(a);
    for (int b = 0; b < 256; b += 7) {
      for (int c = 0; c < 256; c += 7) {
        const int64_t x = std::floor(a.bbox[0] + (c + 0.5) * a.bbox[2] / 256);
        const int64_t y = std::floor(a.bbox[1] + (b + 0.5) * a.bbox[3] / 256);
        const int64_t p = std::min<int64_t>(y, W - 1) * W + std::min<int64_t>(x, W - 1);
        const int64_t want = inst[p] == static_cast<int64_t>(k) + 1 ? coarse[p] : 0;
        EXPECT_EQ(labels.data<int64_t>()[b * 256 + c], want);
      }
    }
  }
}

TEST(DensePoseCoco, RoundTripsBitForBit) {
  const std::string dir = fresh_test_dir("dp_");
  const DensePoseCoco d = exported();
  const std::string a = dir + "/a.json", b = dir + "/b.json";
  write_densepose_coco(a, d);
  const DensePoseCoco back = read_densepose_coco(a);
  EXPECT_TRUE(back == d);
  write_densepose_coco(b, back);
  EXPECT_EQ(read_text_file(a), read_text_file(b));
}

TEST(DensePoseCoco, ReadsRealStyleRecords) {
  // COCO writes integer boxes, polygons and [] for absent masks; a person may lack DensePose.
  const std::string dir = fresh_test_dir("dp_");
  write_text_file(dir + "/real.json", R"({"images":[{"id":7,"file_name":"x.jpg","width":640,
    "height":480}],"categories":[{"id":1,"name":"person"}],"annotations":[{"id":3,"image_id":7,
    "category_id":1,"iscrowd":0,"area":100,"bbox":[10,20,30,40],"segmentation":[[10,20,40,20,40,60]]},
    {"id":4,"image_id":7,"category_id":1,"bbox":[1,2,3,4],"segmentation":{"size":[480,640],
    "counts":[0,307200]},"iscrowd":1}]})");
  const DensePoseCoco d = read_densepose_coco(dir + "/real.json");
  ASSERT_EQ(d.annotations.size(), 2u);
  EXPECT_EQ(d.annotations[0].bbox[3], 40);
  EXPECT_EQ(d.annotations[0].segmentation.polygons[0].size(), 6u);
  EXPECT_FALSE(d.annotations[0].has_densepose);
  EXPECT_EQ(d.annotations[1].segmentation.kind, CocoSegmentation::Kind::kUncompressedRle);
}

TEST(DensePoseCoco, ValidationNamesFileRecordAndField) {
  const std::string dir = fresh_test_dir("dp_");
  const DensePoseCoco good = exported();
  const int64_t id = good.annotations[0].id;
  const std::string rec = "annotation id " + std::to_string(id);
  auto check = [&](const char* name, auto mutate, std::vector<std::string> fragments) {
    DensePoseCoco d = good;
    mutate(d.annotations[0]);
    const std::string path = dir + "/" + name + ".json";
    write_text_file(path, densepose_coco_to_json(d));  // unvalidated text, as a broken file
    fragments.push_back(path);
    fragments.push_back(rec);
    expect_error([&] { read_densepose_coco(path); }, fragments);
  };
  check("I", [](DensePoseAnnotation& a) { a.dp_I[2] = 25; }, {"'dp_I'[2] = 25", "1..24"});
  check("Ifrac", [](DensePoseAnnotation& a) { a.dp_I[0] = 1.5; }, {"'dp_I'[0]", "integer"});
  check("U", [](DensePoseAnnotation& a) { a.dp_U[1] = 1.25; }, {"'dp_U'[1] = 1.25", "[0, 1]"});
  check("V", [](DensePoseAnnotation& a) { a.dp_V[0] = -0.5; }, {"'dp_V'[0]", "[0, 1]"});
  check("x", [](DensePoseAnnotation& a) { a.dp_x[0] = 300; }, {"'dp_x'[0] = 300", "[0, 256]"});
  check("len", [](DensePoseAnnotation& a) { a.dp_V.pop_back(); }, {"'dp_V'", "equal lengths"});
  check("masks", [](DensePoseAnnotation& a) { a.dp_masks.pop_back(); },
        {"'dp_masks'", "expected 14"});
  check("msize",
        [](DensePoseAnnotation& a) {
          a.dp_masks[0] = RleMask{128, 128, {128 * 128}};
        },
        {"'dp_masks'[0]", "256x256"});
  check("kp", [](DensePoseAnnotation& a) { a.keypoints.resize(50); }, {"'keypoints'", "51"});
  check("kpv", [](DensePoseAnnotation& a) { a.keypoints[2] = 3; }, {"'keypoints'[2]", "0, 1 or 2"});
  check("img", [](DensePoseAnnotation& a) { a.image_id = 99; }, {"'image_id' = 99", "no image"});
  check("bbox", [](DensePoseAnnotation& a) { a.bbox[2] = -1; }, {"'bbox'", "negative"});
  // A corrupt RLE string inside dp_masks.
  DensePoseCoco d = good;
  std::string text = densepose_coco_to_json(d);
  const std::string key = "\"dp_masks\":[";
  size_t at = text.find(key);
  at = text.find("\"counts\":\"", at) + 10;
  text.insert(at, "~");
  write_text_file(dir + "/rle.json", text);
  expect_error([&] { read_densepose_coco(dir + "/rle.json"); },
               {dir + "/rle.json", "annotation id", "'dp_masks'", "'~'"});
  write_text_file(dir + "/bad.json", "{\"images\": [");
  expect_error([&] { read_densepose_coco(dir + "/bad.json"); }, {"bad.json", "not valid JSON"});
}

TEST(Pts300W, OneBasedConventionAndBitExactRoundTrip) {
  Tensor p = empty({3, 2}, DType::f32);
  const float v[6] = {0, 0, 10.5f, 2.25f, 0.1f, 255.3f};
  std::memcpy(p.data<float>(), v, sizeof v);
  const std::string text = pts_to_string(p);
  // Our (0, 0), the centre of the top-left pixel, is 300-W's (1, 1).
  EXPECT_EQ(text.substr(0, 40), "version: 1\nn_points:  3\n{\n1 1\n11.5 3.25\n");
  EXPECT_TRUE(same_bits(pts_from_string(text, "t.pts"), p));
  std::mt19937 rng(2);
  Tensor r = empty({68, 2}, DType::f32);
  for (int i = 0; i < 136; ++i)
    r.data<float>()[i] = std::uniform_real_distribution<float>(-20, 900)(rng);
  const Tensor back = pts_from_string(pts_to_string(r), "r.pts");
  EXPECT_TRUE(same_bits(back, r));
  EXPECT_EQ(pts_to_string(back), pts_to_string(r));
  // Real files: CRLF, three decimals, padding.
  const Tensor real = pts_from_string(
      "version: 1\r\nn_points:  2\r\n{\r\n446.000 91.000\r\n1 2\r\n}\r\n", "real.pts");
  EXPECT_EQ(real.data<float>()[0], 445.0f);
  EXPECT_EQ(real.data<float>()[3], 1.0f);
}

TEST(Pts300W, Errors) {
  expect_error([] { pts_from_string("version: 1\nn_points: 3\n{\n1 2\n3 4\n}\n", "a.pts"); },
               {"a.pts", "n_points is 3", "2 point lines"});
  expect_error([] { pts_from_string("version: 1\nn_points: 1\n{\n1 x\n}\n", "b.pts"); },
               {"b.pts", "point 1", "two finite numbers"});
  expect_error([] { pts_from_string("versio 1\nn_points: 1\n{\n1 2\n}\n", "c.pts"); },
               {"c.pts", "line 1", "version: 1"});
}

TEST(Face300W, FolderRoundTrip) {
  const std::string dir = fresh_test_dir("300w_");
  FaceWorldOptions fo;
  fo.size = 64;
  fo.supersample = 1;
  Generator g(4);
  const Sample face = render_face(g, fo);
  write_300w_sample(dir, "f0", face);
  EXPECT_EQ(list_300w(dir), std::vector<std::string>{"f0"});
  const Sample back = read_300w_sample(dir, "f0");
  for (const char* k : {"landmarks", "uv", "part", "mask", "visible"})
    EXPECT_TRUE(same_bits(back.at(k), face.at(k))) << k;
  // The PNG holds round(255·v).
  const float* a = face.at("image").data<float>();
  const float* b = back.at("image").data<float>();
  for (int64_t i = 0; i < face.at("image").numel(); ++i)
    ASSERT_EQ(b[i], std::round(std::clamp(a[i], 0.0f, 1.0f) * 255) / 255.0f);
  // A corrupted U is named with its pixel.
  Tensor uv = face.at("uv").clone();
  uv.data<float>()[64 * 3 + 5] = 2;
  write_tensor_file(dir + "/f0_uv.h5", {{"uv", uv},
                                        {"part", face.at("part")},
                                        {"mask", face.at("mask")},
                                        {"visible", face.at("visible")}});
  expect_error([&] { read_300w_sample(dir, "f0"); }, {"f0_uv.h5", "'uv' U at (x 5, y 3) = 2"});
  std::filesystem::remove(dir + "/f0.png");
  expect_error([&] { read_300w_sample(dir, "f0"); }, {"f0.pts", "no image"});
}

TEST(H36m, RoundTripAndBins) {
  EXPECT_EQ(h36m_depth_bin(0), 33);
  EXPECT_EQ(h36m_depth_bin(31.02), 33);
  EXPECT_EQ(h36m_depth_bin(31.04), 34);
  EXPECT_EQ(h36m_depth_bin(-0.01), 32);
  EXPECT_EQ(h36m_depth_bin(5000), 64);
  EXPECT_EQ(h36m_depth_bin(-5000), 1);
  BodyScene scene;
  const Sample& s = body_sample(&scene);
  H36mAnnot a;
  append_h36m_records(&a, s, "000000.png", scene.camera.fx, scene.camera.fy, scene.camera.cx,
                      scene.camera.cy);
  append_h36m_records(&a, s, "000001.png", 1, 2, 3, 4);
  const int64_t n = s.at("boxes").size(0);
  ASSERT_EQ(a.size(), 2 * n);
  // S is joints3d in millimetres; the root's bin is 33; part is joints2d.
  EXPECT_EQ(a.S.data<double>()[2], 1000.0 * s.at("joints3d").data<float>()[2]);
  EXPECT_EQ(a.zind.data<int64_t>()[0], 33);
  EXPECT_EQ(a.part.data<double>()[3], s.at("joints2d").data<float>()[3]);
  EXPECT_EQ(a.f.data<double>()[2 * n + 1], 2);
  const std::string dir = fresh_test_dir("h36m_");
  write_h36m(dir, a);
  const H36mAnnot b = read_h36m(dir);
  EXPECT_EQ(b.images, a.images);
  for (auto [x, y] : {std::pair{a.part, b.part},
                      {a.center, b.center},
                      {a.scale, b.scale},
                      {a.zind, b.zind},
                      {a.S, b.S},
                      {a.f, b.f},
                      {a.c, b.c}})
    EXPECT_TRUE(same_bits(x, y));
  // Errors name the file, the record and the field.
  H36mAnnot bad = a;
  bad.zind = a.zind.clone();
  bad.zind.data<int64_t>()[17 + 4] = 65;
  expect_error([&] { write_h36m(dir, bad); }, {"annot.h5", "record 1", "'zind'[4] = 65", "1..64"});
  bad = a;
  bad.images.pop_back();
  expect_error([&] { write_h36m(dir, bad); }, {"annot.h5", "'part'", "N = "});
  write_text_file(dir + "/images.txt", "000000.png\n");
  expect_error([&] { read_h36m(dir); }, {"annot.h5", "expected [1, 17, 2]"});
}

TEST(DeepFashion, ListsRoundTripAndErrors) {
  const std::vector<PosePair> pairs = {{"a.png", "b.png"}, {"b.png", "a.png"}};
  const std::string text = pairs_csv_to_string(pairs);
  EXPECT_EQ(text, "from,to\na.png,b.png\nb.png,a.png\n");
  EXPECT_EQ(pairs_csv_from_string(text, "p.csv"), pairs);
  PoseKeypoints k;
  k.name = "a.png";
  for (int i = 0; i < 18; ++i) k.x[i] = i == 3 ? -1 : 10 + i, k.y[i] = i == 3 ? -1 : 200 - i;
  const std::string ann = pose_annotation_to_string({k});
  EXPECT_EQ(pose_annotation_to_string(pose_annotation_from_string(ann, "k.csv")), ann);
  EXPECT_TRUE(pose_annotation_from_string(ann, "k.csv")[0] == k);
  expect_error([] { pairs_csv_from_string("a,b\n", "p.csv"); }, {"p.csv", "line 1", "from,to"});
  expect_error([] { pairs_csv_from_string("from,to\nx,y,z\n", "p.csv"); }, {"p.csv", "line 2"});
  expect_error([] { pairs_csv_from_string("from,to\nx,y\nx,y\n", "p.csv"); },
               {"line 3", "duplicate"});
  expect_error(
      [] {
        pose_annotation_from_string("name:keypoints_y:keypoints_x\nq.png: [1, 2]: [1, 2]\n",
                                    "k.csv");
      },
      {"k.csv", "line 2", "q.png", "keypoints_y", "expected 18"});
  PoseKeypoints half = k;
  half.y[3] = 7;  // x stays -1
  const std::string one_missing = pose_annotation_to_string({half});
  expect_error([&] { pose_annotation_from_string(one_missing, "k.csv"); },
               {"k.csv", "keypoint 3", "only one coordinate"});
  // COCO → OpenPose: the neck is the shoulders' midpoint, out-of-image points are missing.
  Tensor kp = empty({17, 2}, DType::f32), vis = empty({17}, DType::u8);
  for (int i = 0; i < 17; ++i)
    kp.data<float>()[2 * i] = 10 * i, kp.data<float>()[2 * i + 1] = 5, vis.data<uint8_t>()[i] = 2;
  vis.data<uint8_t>()[9] = 0;      // left wrist unlabelled
  kp.data<float>()[2 * 16] = 300;  // right ankle outside a 256-wide image
  const PoseKeypoints o = openpose_from_coco("n", kp, vis, 256, 256);
  EXPECT_EQ(o.x[1], 55);  // (50 + 60) / 2
  EXPECT_EQ(o.x[2], 60);  // right shoulder = COCO 6
  EXPECT_EQ(o.x[7], -1);  // left wrist
  EXPECT_EQ(o.x[10], -1);
  EXPECT_EQ(o.x[17], 30);  // left ear = COCO 3
}

}  // namespace
}  // namespace dc
