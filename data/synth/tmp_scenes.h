// Small scenes shared by the rasterizer tests.
#pragma once

#include <cmath>
#include <vector>

#include "data/synth/camera.h"
#include "data/synth/mesh.h"

namespace dc {

// A camera with fx = fy = 1, principal point (0, 0) and the identity pose: the world point
// (x·z, y·z, z) projects to pixel (x, y) at depth z, so tests can place vertices in pixels.
inline Camera screen_camera(int width, int height) {
  Camera cam;
  cam.width = width;
  cam.height = height;
  return cam;
}

// The world point that screen_camera() sees at pixel (x, y) and depth z.
inline Vec3 at_pixel(double x, double y, double z = 1.0) { return {x * z, y * z, z}; }

// A mesh with the triangle of pixel corners (x, y) at depth z.
inline Mesh screen_triangle(double x0, double y0, double x1, double y1, double x2, double y2,
                            double z = 1.0) {
  Mesh m;
  m.add_vertex(at_pixel(x0, y0, z));
  m.add_vertex(at_pixel(x1, y1, z));
  m.add_vertex(at_pixel(x2, y2, z));
  m.add_face(0, 1, 2);
  return m;
}

// The quad [x0, x1] × [y0, y1] of pixel coordinates at depth z, as two triangles, with the face
// attribute "id" = `id` on both and vertex normals facing the camera.
inline Mesh screen_quad(double x0, double y0, double x1, double y1, double z, float id) {
  Mesh m;
  m.add_vertex(at_pixel(x0, y0, z));
  m.add_vertex(at_pixel(x1, y0, z));
  m.add_vertex(at_pixel(x1, y1, z));
  m.add_vertex(at_pixel(x0, y1, z));
  // Seen from the camera (y down), (0, 3, 2) turns the outward normal towards −Z.
  m.add_face(0, 3, 2);
  m.add_face(0, 2, 1);
  m.set_face_attribute("id", 1, {id, id});
  m.set_vertex_attribute("normal", 3, {0, 0, -1, 0, 0, -1, 0, 0, -1, 0, 0, -1});
  return m;
}

// A UV sphere of radius r centred at c with outward winding, vertex normals, "uv" and a
// kNearestVertex "vid" (the vertex index).
inline Mesh uv_sphere(const Vec3& c, double r, int rings, int segs) {
  Mesh m;
  std::vector<float> uv, vid;
  for (int i = 0; i <= rings; ++i) {
    for (int j = 0; j <= segs; ++j) {
      const double th = M_PI * i / rings, ph = 2 * M_PI * j / segs;
      m.add_vertex(
          c + r * Vec3{std::sin(th) * std::cos(ph), std::cos(th), std::sin(th) * std::sin(ph)});
      uv.push_back(static_cast<float>(j) / segs);
      uv.push_back(static_cast<float>(i) / rings);
      vid.push_back(static_cast<float>(vid.size()));
    }
  }
  for (int i = 0; i < rings; ++i) {
    for (int j = 0; j < segs; ++j) {
      const int a = i * (segs + 1) + j, b = a + 1, cc = a + segs + 1, d = cc + 1;
      if (i > 0) m.add_face(a, b, cc);
      if (i + 1 < rings) m.add_face(b, d, cc);
    }
  }
  m.set_vertex_attribute("uv", 2, uv);
  m.set_vertex_attribute("vid", 1, vid, Interp::kNearestVertex);
  compute_vertex_normals(m);
  return m;
}

}  // namespace dc
