// Temporary: dumps render outputs of a few scenes for old/new comparison.
#include <cstdio>
#include <string>
#include "data/synth/shading.h"
#include "data/synth/tmp_scenes.h"
using namespace dc;
template <class T> void put(FILE* f, const std::vector<T>& v) { fwrite(v.data(), sizeof(T), v.size(), f); }
static void dump(const std::string& dir, const std::string& name, const Render& r) {
  FILE* f = fopen((dir + "/" + name).c_str(), "wb");
  put(f, r.fragments.face); put(f, r.fragments.bary); put(f, r.fragments.depth); put(f, r.rgb);
  fclose(f);
}
int main(int argc, char** argv) {
  std::string dir = argv[1];
  Texture tex; tex.height = 64; tex.width = 48;
  for (int y = 0; y < 64; ++y) for (int x = 0; x < 48; ++x) for (int c = 0; c < 3; ++c)
    tex.rgb.push_back(((x / 4 + y / 5 + c) % 3) * 0.4f + 0.1f + 0.001f * x);
  // 1: dense sphere, textured.
  Mesh s = uv_sphere({0, 0, 0}, 1.0, 100, 101);
  Camera cam = make_camera(256, 256, focal_from_fov(256, 40));
  look_at(cam, {0.3, 0.5, -3.2}, {0, 0, 0}, {0, 1, 0});
  ShadingOptions opt; opt.texture = &tex; opt.light.direction = {0.3, 0.6, -1};
  for (int S : {1, 2, 3}) for (int cull : {0, 1}) {
    opt.supersample = S; RasterOptions ro; ro.cull_back_faces = cull;
    dump(dir, "sphere_S" + std::to_string(S) + "_c" + std::to_string(cull), render(s, cam, opt, ro));
  }
  // 2: spheres + floor through the camera plane, vertex colours, odd size.
  Mesh a = uv_sphere({0, 0, 0}, 1.0, 30, 40), b = uv_sphere({0.7, 0.2, -0.4}, 0.6, 10, 14);
  Mesh fl;
  fl.add_vertex({-50, 1, -20}); fl.add_vertex({50, 1, -20}); fl.add_vertex({50, 1, 30}); fl.add_vertex({-50, 1, 30});
  fl.add_face(0, 1, 2); fl.add_face(0, 2, 3);
  fl.set_vertex_attribute("uv", 2, {0, 0, 1, 0, 1, 1, 0, 1});
  fl.set_vertex_attribute("vid", 1, {0, 1, 2, 3}, Interp::kNearestVertex);
  fl.set_vertex_attribute("normal", 3, {0, -1, 0, 0, -1, 0, 0, -1, 0, 0, -1, 0});
  Mesh scene = merge_meshes({a, b, fl});
  std::vector<float> col;
  for (int64_t v = 0; v < scene.num_vertices(); ++v) { col.push_back(0.2f + 0.5f * (v % 7) / 7); col.push_back(0.6f); col.push_back(0.1f + 0.8f * (v % 3) / 3); }
  scene.set_vertex_attribute("colour", 3, col);
  Camera c2 = make_camera(97, 61, 70.0);
  look_at(c2, {0.5, -0.2, -3.5}, {0, 0.3, 0}, {0, 1, 0});
  ShadingOptions o2; o2.background = {0.2f, 0.3f, 0.9f};
  for (int S : {1, 2, 3}) for (int par : {0, 1}) {
    o2.supersample = S; RasterOptions ro; ro.parallel = par;
    dump(dir, "scene_S" + std::to_string(S) + "_p" + std::to_string(par), render(scene, c2, o2, ro));
  }
  o2.texture = &tex; o2.supersample = 2;
  dump(dir, "scene_tex", render(scene, c2, o2));
  return 0;
}
