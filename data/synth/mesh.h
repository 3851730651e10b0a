// Triangle meshes of the synthetic world: positions, triangles and named attributes that the
// rasterizer interpolates per pixel (data/synth/rasterizer.h).
//
// Storage is plain std::vector (not Tensors): templates are built and posed vertex by vertex and
// the rasterizer reads them in tight loops; render outputs become Tensors only at the end
// (data/synth/render_tensors.h).
//
// Attributes are float arrays of any width, per vertex or per face:
//   - per-vertex, kLinear: blended with perspective-correct barycentrics (U, V, normals, colours,
//     positions);
//   - per-vertex, kNearestVertex: the value of the triangle corner with the largest barycentric,
//     never blended, so integer labels (part id, surface point id) stay exact;
//   - per-face: constant over each triangle (chart index of a face, instance id).
// Integer labels stored as floats are exact up to 2^24.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "data/synth/geometry.h"

namespace dc {

enum class Interp {
  kLinear,         // perspective-correct barycentric blend
  kNearestVertex,  // the corner with the largest barycentric (ties: the first corner)
};

struct Attribute {
  int width = 1;                    // values per vertex (or per face)
  std::vector<float> data;          // count × width, row-major
  Interp interp = Interp::kLinear;  // ignored for per-face attributes
};

struct Mesh {
  std::vector<float> positions;  // V × 3 (x, y, z) in world coordinates
  std::vector<int32_t> faces;    // F × 3 vertex indices; front faces are counter-clockwise seen
                                 // from outside: (v1 − v0) × (v2 − v0) points outwards
  std::map<std::string, Attribute> vertex_attributes;  // each: V × width
  std::map<std::string, Attribute> face_attributes;    // each: F × width

  int64_t num_vertices() const { return static_cast<int64_t>(positions.size() / 3); }
  int64_t num_faces() const { return static_cast<int64_t>(faces.size() / 3); }
  Vec3 vertex(int64_t i) const {
    return {positions[3 * i], positions[3 * i + 1], positions[3 * i + 2]};
  }

  // Appends a vertex / a face and returns its index (attributes are the caller's to extend).
  int32_t add_vertex(const Vec3& p);
  int32_t add_face(int32_t a, int32_t b, int32_t c);

  // Sets (replaces) an attribute; data.size() must be count × width.
  void set_vertex_attribute(const std::string& name, int width, std::vector<float> data,
                            Interp interp = Interp::kLinear);
  void set_face_attribute(const std::string& name, int width, std::vector<float> data);

  // The attribute `name`; a dc::Error naming it, the closest existing name and `where` if absent.
  const Attribute& vertex_attribute(const std::string& name) const;
  const Attribute& face_attribute(const std::string& name) const;

  // Checks sizes: positions a multiple of 3, faces a multiple of 3 with indices in [0, V),
  // finite positions, every attribute count × width. `where` names the mesh in messages.
  void validate(const std::string& where = "mesh") const;
};

// Area-weighted vertex normals (the sum of the unnormalized face normals (v1−v0)×(v2−v0) of the
// faces around each vertex, normalized), stored as the kLinear attribute `name` (width 3). A vertex
// with no face or only zero-area faces gets the zero vector.
void compute_vertex_normals(Mesh& mesh, const std::string& name = "normal");

// Geometric normal of each face, normalized: F × 3.
std::vector<float> face_normals(const Mesh& mesh);

// The meshes concatenated: vertices and faces in order, face indices offset by the vertex counts
// before them. All meshes must carry the same attribute names with the same widths and modes (a
// dc::Error names the first mismatch), so the result has the same attributes.
Mesh merge_meshes(const std::vector<Mesh>& meshes);

// Applies p ↦ R p + t to every position, and R to those vertex attributes named in `directions`
// that the mesh has (each must be width 3): normals stay normals under rotations.
void transform_mesh(Mesh& mesh, const Mat3& R, const Vec3& t,
                    const std::vector<std::string>& directions = {"normal"});

}  // namespace dc
