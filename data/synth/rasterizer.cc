#include "data/synth/rasterizer.h"

#include <algorithm>

#include "core/error.h"
#include "data/synth/raster_pass.h"

namespace dc {

struct Visibility::Impl {
  raster::RasterPass pass;
};

int Visibility::width() const { return impl_->pass.width(); }
int Visibility::height() const { return impl_->pass.height(); }

bool Visibility::fragment(int x, int y, int32_t* face, float* bary, float* depth) const {
  const int32_t q = impl_->pass.id(x, y);
  if (q < 0) return false;
  impl_->pass.fragment(q, x, y, face, bary, depth);
  return true;
}

Visibility rasterize_visibility(const Mesh& mesh, const Camera& cam, const RasterOptions& options) {
  raster::validate_inputs(mesh, cam, options);
  auto impl = std::make_shared<Visibility::Impl>();
  std::vector<Vec3>& camv = raster::thread_scratch().camv;
  raster::camera_vertices(mesh, cam, camv);
  impl->pass.run(mesh, camv, cam, options);
  // fragment() is const and may be called from several threads: every plane up front.
  impl->pass.prepare_all_planes(options.parallel);
  return Visibility(std::move(impl));
}

Fragments rasterize(const Mesh& mesh, const Camera& cam, const RasterOptions& options) {
  raster::validate_inputs(mesh, cam, options);
  raster::Scratch& scratch = raster::thread_scratch();
  raster::camera_vertices(mesh, cam, scratch.camv);
  scratch.label.run(mesh, scratch.camv, cam, options);
  Fragments out;
  scratch.label.resolve(out, options.parallel);
  return out;
}

void interpolate_fragment(const Mesh& mesh, const Attribute& attr, bool per_face, int32_t face,
                          const float* bary, float* out) {
  const int w = attr.width;
  if (per_face) {
    const float* src = &attr.data[static_cast<int64_t>(face) * w];
    std::copy(src, src + w, out);
    return;
  }
  const int32_t* fv = &mesh.faces[3 * static_cast<int64_t>(face)];
  if (attr.interp == Interp::kNearestVertex) {
    int best = 0;
    if (bary[1] > bary[best]) best = 1;
    if (bary[2] > bary[best]) best = 2;
    const float* src = &attr.data[static_cast<int64_t>(fv[best]) * w];
    std::copy(src, src + w, out);
    return;
  }
  const float* a = &attr.data[static_cast<int64_t>(fv[0]) * w];
  const float* b = &attr.data[static_cast<int64_t>(fv[1]) * w];
  const float* c = &attr.data[static_cast<int64_t>(fv[2]) * w];
  for (int i = 0; i < w; ++i) out[i] = bary[0] * a[i] + bary[1] * b[i] + bary[2] * c[i];
}

namespace {

// interpolate() over all pixels for one attribute kind; kWidth > 0 fixes the width at compile
// time for the common widths (0: any). Face ids are checked against the mesh.
template <int kWidth, bool kPerFace, Interp kInterp>
void interpolate_pixels(const Mesh& mesh, const Attribute& attr, const Fragments& frags,
                        float* out) {
  const int w = kWidth > 0 ? kWidth : attr.width;
  const int64_t N = frags.num_pixels(), F = mesh.num_faces();
  const float* data = attr.data.data();
  const int32_t* faces = mesh.faces.data();
  for (int64_t p = 0; p < N; ++p) {
    const int32_t f = frags.face[p];
    if (f < 0) continue;
    DC_CHECK(f < F, "interpolate: pixel ", p, " has face ", f, " but the mesh has ", F,
             " faces (fragments of another mesh?)");
    float* o = out + p * w;
    if (kPerFace) {
      const float* src = data + static_cast<int64_t>(f) * w;
      for (int i = 0; i < w; ++i) o[i] = src[i];
      continue;
    }
    const int32_t* fv = faces + 3 * static_cast<int64_t>(f);
    const float* b = &frags.bary[3 * p];
    if (kInterp == Interp::kNearestVertex) {
      int best = 0;
      if (b[1] > b[best]) best = 1;
      if (b[2] > b[best]) best = 2;
      const float* src = data + static_cast<int64_t>(fv[best]) * w;
      for (int i = 0; i < w; ++i) o[i] = src[i];
      continue;
    }
    const float* a = data + static_cast<int64_t>(fv[0]) * w;
    const float* bb = data + static_cast<int64_t>(fv[1]) * w;
    const float* c = data + static_cast<int64_t>(fv[2]) * w;
    for (int i = 0; i < w; ++i) o[i] = b[0] * a[i] + b[1] * bb[i] + b[2] * c[i];
  }
}

template <int kWidth>
void interpolate_width(const Mesh& mesh, const Attribute& attr, bool per_face,
                       const Fragments& frags, float* out) {
  if (per_face) {
    interpolate_pixels<kWidth, true, Interp::kLinear>(mesh, attr, frags, out);
  } else if (attr.interp == Interp::kNearestVertex) {
    interpolate_pixels<kWidth, false, Interp::kNearestVertex>(mesh, attr, frags, out);
  } else {
    interpolate_pixels<kWidth, false, Interp::kLinear>(mesh, attr, frags, out);
  }
}

}  // namespace

std::vector<float> interpolate(const Mesh& mesh, const Fragments& frags, const std::string& name,
                               float background) {
  const bool is_vertex = mesh.vertex_attributes.count(name) > 0;
  const bool is_face = mesh.face_attributes.count(name) > 0;
  DC_CHECK(!(is_vertex && is_face),
           "interpolate: the mesh has both a vertex and a face attribute '", name, "'");
  const Attribute& attr = is_face ? mesh.face_attribute(name) : mesh.vertex_attribute(name);
  const int64_t count = is_face ? mesh.num_faces() : mesh.num_vertices();
  DC_CHECK(static_cast<int64_t>(attr.data.size()) == count * attr.width, "interpolate: attribute '",
           name, "' holds ", attr.data.size(), " values, expected ", count, " × ", attr.width);
  const int64_t N = frags.num_pixels();
  DC_CHECK(static_cast<int64_t>(frags.face.size()) == N &&
               static_cast<int64_t>(frags.bary.size()) == 3 * N,
           "interpolate: fragments of ", frags.width, "×", frags.height, " hold ",
           frags.face.size(), " face ids and ", frags.bary.size(), " barycentrics, expected ", N,
           " and ", 3 * N);
  std::vector<float> out(N * attr.width, background);
  switch (attr.width) {
    case 1:
      interpolate_width<1>(mesh, attr, is_face, frags, out.data());
      break;
    case 2:
      interpolate_width<2>(mesh, attr, is_face, frags, out.data());
      break;
    case 3:
      interpolate_width<3>(mesh, attr, is_face, frags, out.data());
      break;
    default:
      interpolate_width<0>(mesh, attr, is_face, frags, out.data());
  }
  return out;
}

}  // namespace dc
