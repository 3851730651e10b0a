// Internal engine of the rasterizer (the public API and its guarantees are in
// data/synth/rasterizer.h; this header is for rasterizer.cc and shading.cc only).
//
// A RasterPass is one z-buffer rasterization of a mesh seen by one camera: vertex projection and
// clipping, per-triangle setup, scan conversion into a buffer of winning triangle ids, and the
// per-triangle interpolation planes that turn a winner into a fragment (face, barycentrics, depth)
// at any sample. Its buffers are reused from call to call (render() keeps passes in thread-local
// scratch), so a steady stream of renders of similar size allocates nothing here.
//
// Work is split so that the common case is cheap:
//   - projection, outcodes and screen positions once per vertex (not per face corner), four
//     vertices at a time;
//   - a compact setup per triangle for scan conversion (snapped corners, bounding box, 1/Z plane),
//     after the cheap rejections (empty box, no marked tile);
//   - exact interpolation planes only for triangles that win at least one sample, on demand;
//   - scan conversion of small triangles eight samples at a time (AVX2, exact int32 edge functions
//     when their range allows, else an exact int64 scalar loop); boxes of one or two blocks of
//     eight per row, the common case, without a branch inside the row loop;
//   - fragments four pixels at a time in resolve() (AVX2 in double).
// The vector paths repeat the scalar paths' operations in the same order (the scalar code spells
// out the fused multiply-adds the compiler formed), so every result is bit-identical whichever
// path computed it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

#include "data/synth/camera.h"
#include "data/synth/mesh.h"
#include "data/synth/rasterizer.h"

namespace dc {
namespace raster {

// Screen-space vertex: unsnapped pixel position, 1/Z and the snapped fixed-point position.
struct ScreenVertex {
  double x, y, inv_z;
  int64_t X, Y;
};

// A triangle ready for scan conversion: a face or a piece of a clipped face.
struct Prim {
  int32_t face;
  int32_t v[3];  // indices into the screen-vertex table (>= num_vertices: clip vertices)
};

// What scan conversion reads per triangle.
struct DrawTri {
  int32_t x0, x1, y0, y1;  // sample bounding box (inclusive), clamped to the image, not empty
  int32_t X[3], Y[3];      // snapped corners, ordered so that the signed area is positive
  float z0, zgx, zgy;      // 1/Z at sample (x0, y0) and its steps per sample in x and y
  int32_t prim;            // index into the prims
  bool small;  // corners within 64 samples in x and y: edge functions fit in int32 in the box
};

// Perspective-correct interpolation planes of a triangle (the prim's corners in their own order):
// u_k(x, y) = c[k] + gx[k] (x − ox) + gy[k] (y − oy) = λ_k / Z_k; 1/Z = Σ u_k and the
// barycentrics are u_k / Σ u.
//
// Exactly four 32-byte rows of four doubles (the last row's fourth slot holds face and clipped),
// aligned, so that resolve() loads the records of four pixels as 4 × 4 blocks and transposes
// them into one vector per field.
struct alignas(32) Planes {
  double ox, oy;
  double c[3], gx[3], gy[3];
  double ci;    // Σ c[k]
  double z[3];  // the corners' depths
  int32_t face;
  int32_t clipped;  // 1: a piece of a clipped face (its corners are clip vertices), else 0
};
static_assert(sizeof(Planes) == 128 && offsetof(Planes, c) == 16 && offsetof(Planes, gx) == 40 &&
                  offsetof(Planes, gy) == 64 && offsetof(Planes, ci) == 88 &&
                  offsetof(Planes, z) == 96 && offsetof(Planes, face) == 120,
              "Planes: four rows of four doubles, fields in this order");

// A std::allocator that aligns to 32 bytes (AVX2 loads and stores of whole blocks).
template <typename T>
struct Aligned32 {
  using value_type = T;
  Aligned32() = default;
  template <typename U>
  Aligned32(const Aligned32<U>&) {}
  T* allocate(size_t n) {
    return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(32)));
  }
  void deallocate(T* p, size_t) { ::operator delete(p, std::align_val_t(32)); }
  bool operator==(const Aligned32&) const { return true; }
  bool operator!=(const Aligned32&) const { return false; }
};

// Camera-space positions of the mesh's vertices.
void camera_vertices(const Mesh& mesh, const Camera& camera, std::vector<Vec3>& out);

class RasterPass {
 public:
  // Rasterizes `mesh` (camera-space vertices `camv`) seen by `camera`. Inputs must be validated
  // by the caller. With options.parallel, row bands are drawn on dc::parallel_for (the result does
  // not depend on the thread count).
  //
  // With `tiles` (a tiles_x × tiles_y grid, tiles of `tile` × `tile` samples, `tile` a multiple of
  // 8), only the samples of tiles marked non-zero are rasterized: triangles whose bounding box
  // meets no marked tile are dropped, and the buffers of unmarked tiles are left unspecified. A
  // sample of a marked tile gets exactly the winner of the whole-image pass.
  //
  // With `faces`, only those faces are considered and back-face culling is taken as already
  // decided: pass kept_faces() of a pass of the same mesh and camera-space vertices whose camera
  // has a guard band at least as wide (the label pass, for its supersampled pass).
  void run(const Mesh& mesh, const std::vector<Vec3>& camv, const Camera& camera,
           const RasterOptions& options, const std::vector<uint8_t>* tiles = nullptr, int tile = 0,
           const std::vector<int32_t>* faces = nullptr);
  // The faces the last run() did not reject (outside one clip plane, or culled), in order.
  const std::vector<int32_t>& kept_faces() const { return kept_; }

  int width() const { return width_; }
  int height() const { return height_; }
  // The winning triangle (index into tris()) at sample (x, y), −1 where none covers it.
  int32_t id(int x, int y) const { return ids_[static_cast<int64_t>(y) * stride_ + x]; }
  const int32_t* id_row(int y) const { return ids_.data() + static_cast<int64_t>(y) * stride_; }
  const std::vector<DrawTri>& tris() const { return tris_; }
  const Prim& prim(int32_t tri) const { return prims_[tris_[tri].prim]; }
  // Whether triangle `tri` is a piece of a clipped face (its corners are clip vertices).
  bool clipped(int32_t tri) const {
    const Prim& p = prim(tri);
    return p.v[0] >= num_vertices_ || p.v[1] >= num_vertices_ || p.v[2] >= num_vertices_;
  }
  int64_t num_vertices() const { return num_vertices_; }
  // Barycentric weights of clip vertex `v` (>= num_vertices()) w.r.t. its face's corners.
  const std::array<double, 3>& clip_weights(int32_t v) const {
    return clip_weights_[v - num_vertices_];
  }

  // The planes of triangle `tri`, computed on first use (not thread-safe unless prepared).
  const Planes& planes(int32_t tri) {
    if (!ready_[tri]) compute_planes(tri);
    return planes_[tri];
  }
  // Computes the planes of every triangle (on dc::parallel_for when `parallel`), after which
  // planes() and fragment() only read and may be called from several threads.
  void prepare_all_planes(bool parallel);

  // The planes u_k of triangle `tri` re-based at (ox, oy): u_k = c[k] + gx[k] (x − ox) +
  // gy[k] (y − oy). Cheaper than planes() (no depths; one division, so not bit-identical to it):
  // for shading, where float precision is all that is used.
  void shading_planes(int32_t tri, double ox, double oy, double c[3], double gx[3],
                      double gy[3]) const;
  // The fragment of triangle `tri` at sample (x, y): face index, barycentrics w.r.t. the face's
  // own corners and camera depth (the rules of rasterizer.h). Its planes must be ready.
  void fragment(int32_t tri, int x, int y, int32_t* face, float* bary, float* depth) const;

  // The fragments of every sample (what rasterize() returns), into `out` (resized). A `out`
  // that already has this pass's size is overwritten in place: no allocation and no clearing
  // (a freshly allocated Fragments costs a 1.3 MB zero fill at 256×256).
  void resolve(Fragments& out, bool parallel);

 private:
  void fragment_inline(int32_t tri, int x, int y, int32_t* face, float* bary, float* depth) const;
  // The fragments of pixels x .. x+3 of row y (winners ids[0..4)) into face[0..4), bary[0..12),
  // depth[0..4), bit-identical to fragment_inline(); false (nothing written) where a block holds
  // a clipped piece or a sliver's centroid case, which the caller resolves one pixel at a time.
  bool resolve_block4(int x, int y, const int32_t* ids, int32_t* face, float* bary,
                      float* depth) const;
  void compute_planes(int32_t tri);
  void add_prim(int32_t face, int32_t a, int32_t b, int32_t c);
  void draw_rows(int row0, int row1);
  void draw_tiles(int row0, int row1);
  bool touches_tiles(int x0, int x1, int y0, int y1) const;

  int width_ = 0, height_ = 0, stride_ = 0;
  int64_t num_vertices_ = 0;
  std::vector<uint8_t> outcode_;
  std::vector<ScreenVertex> screen_;
  std::vector<std::array<double, 3>> clip_weights_;
  std::vector<Prim> prims_;
  std::vector<DrawTri> tris_;
  std::vector<float, Aligned32<float>> inv_depth_;  // height × stride
  std::vector<int32_t, Aligned32<int32_t>> ids_;    // height × stride
  std::vector<Planes, Aligned32<Planes>> planes_;   // per tri, valid where ready_
  std::vector<uint8_t> ready_;
  std::vector<int32_t> kept_;
  // Tile mode of run() (null: the whole image).
  const std::vector<uint8_t>* tiles_ = nullptr;
  int tile_ = 0, tiles_x_ = 0, tiles_y_ = 0;
  std::vector<int32_t> tile_of_;  // sample coordinate → tile index (tile mode)
};

// Checks what rasterize() checks (a dc::Error names the field).
void validate_inputs(const Mesh& mesh, const Camera& camera, const RasterOptions& options);

// Per-thread buffers reused by rasterize() and render(): the camera-space vertices, the label pass
// at pixel centres and the supersampled pass.
struct Scratch {
  std::vector<Vec3> camv;
  RasterPass label, sub;
  std::vector<uint8_t> edges, tiles;  // Antialias::kEdges: marked pixels and sub-pass tiles
};
Scratch& thread_scratch();

}  // namespace raster
}  // namespace dc
