#include "data/synth/mesh.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "core/closest_name.h"
#include "core/error.h"

namespace dc {
namespace {

std::vector<std::string> names_of(const std::map<std::string, Attribute>& attrs) {
  std::vector<std::string> names;
  for (const auto& kv : attrs) names.push_back(kv.first);
  return names;
}

const Attribute& find_attribute(const std::map<std::string, Attribute>& attrs,
                                const std::string& name, const char* kind) {
  auto it = attrs.find(name);
  if (it == attrs.end()) {
    const std::string guess = closest_name(name, names_of(attrs));
    DC_FAIL(
        "mesh: no ", kind, " attribute '", name, "'",
        guess.empty() ? std::string(" (the mesh has none)") : "; did you mean '" + guess + "'?");
  }
  return it->second;
}

void check_attribute_size(const std::string& name, const char* kind, int width, size_t size,
                          int64_t count, const std::string& where) {
  DC_CHECK(width >= 1, where, ": ", kind, " attribute '", name, "' has width ", width,
           ", expected >= 1");
  DC_CHECK(static_cast<int64_t>(size) == count * width, where, ": ", kind, " attribute '", name,
           "' holds ", size, " values, expected ", count, " × ", width, " = ", count * width);
}

// The scans of validate(), in blocks of 16 with a fixed trip count (vectorized at -O2) and a
// scalar tail. A float is finite when its exponent bits are not all ones.
bool all_finite(const float* p, size_t n) {
  auto bad = [](float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    return static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
  };
  uint32_t any_bad = 0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    for (int l = 0; l < 16; ++l) any_bad |= bad(p[i + l]);
  }
  for (; i < n; ++i) any_bad |= bad(p[i]);
  return any_bad == 0;
}

// Whether every index is in [0, V): as unsigned 64-bit values, negative indices are huge.
bool all_below(const int32_t* f, size_t n, int64_t V) {
  const uint64_t limit = static_cast<uint64_t>(V);
  uint32_t any_bad = 0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    for (int l = 0; l < 16; ++l) {
      any_bad |= static_cast<uint64_t>(static_cast<int64_t>(f[i + l])) >= limit;
    }
  }
  for (; i < n; ++i) any_bad |= static_cast<uint64_t>(static_cast<int64_t>(f[i])) >= limit;
  return any_bad == 0;
}

}  // namespace

int32_t Mesh::add_vertex(const Vec3& p) {
  positions.push_back(static_cast<float>(p.x));
  positions.push_back(static_cast<float>(p.y));
  positions.push_back(static_cast<float>(p.z));
  return static_cast<int32_t>(num_vertices() - 1);
}

int32_t Mesh::add_face(int32_t a, int32_t b, int32_t c) {
  faces.push_back(a);
  faces.push_back(b);
  faces.push_back(c);
  return static_cast<int32_t>(num_faces() - 1);
}

void Mesh::set_vertex_attribute(const std::string& name, int width, std::vector<float> data,
                                Interp interp) {
  check_attribute_size(name, "vertex", width, data.size(), num_vertices(), "mesh");
  vertex_attributes[name] = Attribute{width, std::move(data), interp};
}

void Mesh::set_face_attribute(const std::string& name, int width, std::vector<float> data) {
  check_attribute_size(name, "face", width, data.size(), num_faces(), "mesh");
  face_attributes[name] = Attribute{width, std::move(data), Interp::kLinear};
}

const Attribute& Mesh::vertex_attribute(const std::string& name) const {
  return find_attribute(vertex_attributes, name, "vertex");
}

const Attribute& Mesh::face_attribute(const std::string& name) const {
  return find_attribute(face_attributes, name, "face");
}

void Mesh::validate(const std::string& where) const {
  DC_CHECK(positions.size() % 3 == 0, where, ": positions hold ", positions.size(),
           " floats, expected a multiple of 3 (V × 3)");
  DC_CHECK(faces.size() % 3 == 0, where, ": faces hold ", faces.size(),
           " indices, expected a multiple of 3 (F × 3)");
  const int64_t V = num_vertices();
  // Branch-free scans first (the renderer validates every mesh it draws), and the loops that
  // name the bad element only when one of them fails.
  if (!all_finite(positions.data(), positions.size())) {
    for (size_t i = 0; i < positions.size(); ++i) {
      DC_CHECK(std::isfinite(positions[i]), where, ": vertex ", i / 3,
               " has a non-finite coordinate ", positions[i]);
    }
  }
  if (!all_below(faces.data(), faces.size(), V)) {
    for (size_t i = 0; i < faces.size(); ++i) {
      DC_CHECK(faces[i] >= 0 && faces[i] < V, where, ": face ", i / 3, " corner ", i % 3,
               " is vertex ", faces[i], ", expected an index in [0, ", V, ")");
    }
  }
  for (const auto& kv : vertex_attributes) {
    check_attribute_size(kv.first, "vertex", kv.second.width, kv.second.data.size(), V, where);
  }
  for (const auto& kv : face_attributes) {
    check_attribute_size(kv.first, "face", kv.second.width, kv.second.data.size(), num_faces(),
                         where);
  }
}

std::vector<float> face_normals(const Mesh& mesh) {
  const int64_t F = mesh.num_faces();
  std::vector<float> out(3 * F);
  for (int64_t f = 0; f < F; ++f) {
    const Vec3 a = mesh.vertex(mesh.faces[3 * f]);
    const Vec3 n = normalized(
        cross(mesh.vertex(mesh.faces[3 * f + 1]) - a, mesh.vertex(mesh.faces[3 * f + 2]) - a));
    out[3 * f] = static_cast<float>(n.x);
    out[3 * f + 1] = static_cast<float>(n.y);
    out[3 * f + 2] = static_cast<float>(n.z);
  }
  return out;
}

void compute_vertex_normals(Mesh& mesh, const std::string& name) {
  mesh.validate();
  std::vector<Vec3> sum(mesh.num_vertices());
  for (int64_t f = 0; f < mesh.num_faces(); ++f) {
    const int32_t* v = &mesh.faces[3 * f];
    const Vec3 a = mesh.vertex(v[0]);
    // The unnormalized cross product weights each face by twice its area.
    const Vec3 n = cross(mesh.vertex(v[1]) - a, mesh.vertex(v[2]) - a);
    for (int k = 0; k < 3; ++k) sum[v[k]] = sum[v[k]] + n;
  }
  // Written into the attribute's existing vector when it has the size (a mesh reused for a
  // stream of renders): every value is overwritten, and nothing is allocated.
  Attribute& attr = mesh.vertex_attributes[name];
  attr.width = 3;
  attr.interp = Interp::kLinear;
  attr.data.resize(3 * sum.size());
  float* data = attr.data.data();
  for (size_t i = 0; i < sum.size(); ++i) {
    const Vec3 n = normalized(sum[i]);
    data[3 * i] = static_cast<float>(n.x);
    data[3 * i + 1] = static_cast<float>(n.y);
    data[3 * i + 2] = static_cast<float>(n.z);
  }
}

Mesh merge_meshes(const std::vector<Mesh>& meshes) {
  Mesh out;
  if (meshes.empty()) return out;
  const Mesh& first = meshes[0];
  for (size_t m = 0; m < meshes.size(); ++m) {
    const Mesh& mesh = meshes[m];
    const std::string where = "merge_meshes: mesh " + std::to_string(m);
    mesh.validate(where);
    // Attribute sets must agree, else the merged mesh would have holes in some attribute.
    auto same_set = [&](const std::map<std::string, Attribute>& a,
                        const std::map<std::string, Attribute>& b, const char* kind) {
      for (const auto& kv : b) {
        auto it = a.find(kv.first);
        DC_CHECK(it != a.end(), where, " has ", kind, " attribute '", kv.first,
                 "' that mesh 0 lacks; all meshes must carry the same attributes");
        DC_CHECK(it->second.width == kv.second.width && it->second.interp == kv.second.interp,
                 where, ": ", kind, " attribute '", kv.first, "' has width ", kv.second.width,
                 " (or another interpolation mode) but mesh 0 has width ", it->second.width);
      }
      for (const auto& kv : a) {
        DC_CHECK(b.count(kv.first), where, " lacks ", kind, " attribute '", kv.first,
                 "' that mesh 0 has; all meshes must carry the same attributes");
      }
    };
    same_set(first.vertex_attributes, mesh.vertex_attributes, "vertex");
    same_set(first.face_attributes, mesh.face_attributes, "face");

    const int32_t offset = static_cast<int32_t>(out.num_vertices());
    out.positions.insert(out.positions.end(), mesh.positions.begin(), mesh.positions.end());
    for (int32_t v : mesh.faces) out.faces.push_back(v + offset);
    auto append = [](std::map<std::string, Attribute>& dst,
                     const std::map<std::string, Attribute>& src) {
      for (const auto& kv : src) {
        Attribute& d = dst[kv.first];
        d.width = kv.second.width;
        d.interp = kv.second.interp;
        d.data.insert(d.data.end(), kv.second.data.begin(), kv.second.data.end());
      }
    };
    append(out.vertex_attributes, mesh.vertex_attributes);
    append(out.face_attributes, mesh.face_attributes);
  }
  return out;
}

void transform_mesh(Mesh& mesh, const Mat3& R, const Vec3& t,
                    const std::vector<std::string>& directions) {
  for (int64_t i = 0; i < mesh.num_vertices(); ++i) {
    const Vec3 p = R * mesh.vertex(i) + t;
    mesh.positions[3 * i] = static_cast<float>(p.x);
    mesh.positions[3 * i + 1] = static_cast<float>(p.y);
    mesh.positions[3 * i + 2] = static_cast<float>(p.z);
  }
  for (const std::string& name : directions) {
    auto it = mesh.vertex_attributes.find(name);
    if (it == mesh.vertex_attributes.end()) continue;  // documented: only those present
    Attribute& a = it->second;
    DC_CHECK(a.width == 3, "transform_mesh: direction attribute '", name, "' has width ", a.width,
             ", expected 3");
    for (size_t i = 0; i + 2 < a.data.size(); i += 3) {
      const Vec3 d = R * Vec3{a.data[i], a.data[i + 1], a.data[i + 2]};
      a.data[i] = static_cast<float>(d.x);
      a.data[i + 1] = static_cast<float>(d.y);
      a.data[i + 2] = static_cast<float>(d.z);
    }
  }
}

}  // namespace dc
