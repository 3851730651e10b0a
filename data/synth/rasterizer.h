// Z-buffer rasterization of triangle meshes with exact per-pixel correspondence.
//
// rasterize() computes, for every pixel centre, the nearest triangle that covers it, the
// perspective-correct barycentrics of the centre in that triangle and its camera depth Z (the
// "fragments", a visibility buffer). interpolate() then turns any mesh attribute into a per-pixel
// map from the fragments, so one rasterization serves U, V, part labels, surface point ids,
// normals and colours alike. Shading and anti-aliasing are in data/synth/shading.h.
//
// Guarantees:
//   - Sampling at pixel centres (pixel (i, j) samples the point (i, j), data/sample.h convention).
//   - Watertight, top-left fill rule: vertices are snapped to 1/256 pixel and coverage is decided
//     with exact integer edge functions; a centre exactly on an edge belongs to the triangle for
//     which that edge is a top edge (horizontal, the triangle below it) or a left edge (the
//     triangle to its right). Two triangles sharing an edge cover each pixel along it exactly once;
//     a closed mesh has no cracks and no double coverage.
//   - Depth test: the largest 1/Z wins, strictly; among exactly equal depths the triangle drawn
//     first (lowest face index) wins. So the nearer surface wins whatever the face order.
//   - Near-plane clipping (not culling): triangles are clipped in camera space against Z = near, so
//     geometry crossing the camera plane (a floor under the camera) renders its visible part with
//     exact depths and barycentrics. They are also clipped against a guard band 2^18 pixels
//     outside the image, which never changes what is inside it and keeps the integer arithmetic
//     exact. Clip points on an edge are computed from the edge's endpoints in a canonical order,
//     so two triangles sharing a clipped edge stay watertight.
//   - Barycentrics are perspective-correct (linear in 3D on the triangle), refer to the mesh
//     face's own corners (after clipping too), lie in [0, 1] and sum to 1 (float rounding).
//   - Deterministic: the result does not depend on the thread count (options.parallel splits the
//     image into row bands that each draw all triangles in face order).
//   - rasterize() reuses its working buffers per thread (data/synth/raster_pass.h): a stream of
//     calls allocates only the returned Fragments, and results never depend on earlier calls.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/synth/camera.h"
#include "data/synth/mesh.h"

namespace dc {

struct RasterOptions {
  double near = 1e-3;            // near clipping plane, camera Z (world units), > 0
  bool cull_back_faces = false;  // drop faces whose front (mesh.h winding) faces away
  bool parallel = false;         // run on dc::parallel_for (row bands); off by default because
                                 // data-loader workers already render one sample per thread
};

// Per-pixel results of rasterize(), row-major over height × width.
struct Fragments {
  int width = 0, height = 0;
  std::vector<int32_t> face;  // H·W face index, −1 where no triangle covers the pixel centre
  std::vector<float> bary;    // H·W·3 barycentrics of the centre w.r.t. the face's corners
                              // (face[3f], face[3f+1], face[3f+2]); 0 at background
  std::vector<float> depth;   // H·W camera-space Z of the centre; 0 at background

  int64_t num_pixels() const { return static_cast<int64_t>(width) * height; }
  bool covered(int64_t pixel) const { return face[pixel] >= 0; }
};

// Rasterizes `mesh` seen by `camera`. Validates both (dc::Error on bad input).
Fragments rasterize(const Mesh& mesh, const Camera& camera, const RasterOptions& options = {});

// The visibility pass of rasterize() before its results are written out: the winning triangle
// of each pixel and what is needed to compute its fragment on demand. Supersampled shading reads
// sub-samples through it without materializing a Fragments buffer S² times the image size.
// fragment(x, y) returns exactly what rasterize() stores for pixel (x, y).
class Visibility {
 public:
  struct Impl;
  explicit Visibility(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  int width() const;
  int height() const;
  // false where no face covers the centre of pixel (x, y) (0 <= x < width, 0 <= y < height,
  // unchecked); else the face index, its barycentrics bary[0..3) and the depth.
  bool fragment(int x, int y, int32_t* face, float* bary, float* depth) const;

 private:
  std::shared_ptr<const Impl> impl_;
};

Visibility rasterize_visibility(const Mesh& mesh, const Camera& camera,
                                const RasterOptions& options = {});

// The attribute `name` per pixel: H·W·width floats, `background` where no face covers the pixel.
// A vertex attribute is blended with the barycentrics (kLinear: perspective-correct) or takes the
// value of the corner with the largest barycentric (kNearestVertex: exact labels); a face
// attribute is the face's value. A dc::Error if the mesh has no such attribute (with the closest
// name), if it has both a vertex and a face attribute of that name, or if the fragments do not
// come from this mesh (face index out of range).
std::vector<float> interpolate(const Mesh& mesh, const Fragments& fragments,
                               const std::string& name, float background = 0.0f);

// One attribute at one fragment (face index `face` of `mesh`, barycentrics bary[0..3)) into
// out[0 .. attribute.width), by the rules of interpolate(). Unchecked: for loops that shade
// samples one by one (data/synth/shading.cc) after checking the attribute once.
void interpolate_fragment(const Mesh& mesh, const Attribute& attribute, bool per_face, int32_t face,
                          const float* bary, float* out);

}  // namespace dc
