#include "data/synth/shading.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/thread_pool.h"

namespace dc {
namespace {

// Resolves an attribute name to a vertex or face attribute of the expected width.
struct AttrRef {
  const Attribute* attr = nullptr;
  bool per_face = false;
};

AttrRef find_attr(const Mesh& mesh, const std::string& name, int width, const char* role) {
  AttrRef r;
  auto fv = mesh.vertex_attributes.find(name);
  auto ff = mesh.face_attributes.find(name);
  if (fv != mesh.vertex_attributes.end()) {
    r.attr = &fv->second;
  } else if (ff != mesh.face_attributes.end()) {
    r.attr = &ff->second;
    r.per_face = true;
  } else {
    try {
      mesh.vertex_attribute(name);  // throws with the closest name
    } catch (const Error& e) {
      DC_FAIL("shade: ", role, " attribute '", name, "' not found: ", e.what());
    }
  }
  DC_CHECK(r.attr->width == width, "shade: ", role, " attribute '", name, "' has width ",
           r.attr->width, ", expected ", width);
  const size_t count = r.per_face ? mesh.num_faces() : mesh.num_vertices();
  DC_CHECK(r.attr->data.size() == count * width, "shade: ", role, " attribute '", name, "' holds ",
           r.attr->data.size(), " values, expected ", count * width);
  return r;
}

struct Shader {
  const Mesh& mesh;
  const ShadingOptions& opt;
  AttrRef normal, albedo;
  float light[3];

  Shader(const Mesh& m, const ShadingOptions& o) : mesh(m), opt(o) {
    normal = find_attr(m, o.normal, 3, "normal");
    if (o.texture != nullptr) {
      o.texture->validate("shade: texture");
      albedo = find_attr(m, o.uv, 2, "uv");
    } else {
      albedo = find_attr(m, o.colour, 3, "colour");
    }
    const Vec3 l = normalized(o.light.direction);
    DC_CHECK(norm(l) > 0, "shade: light.direction must be non-zero");
    light[0] = static_cast<float>(l.x);
    light[1] = static_cast<float>(l.y);
    light[2] = static_cast<float>(l.z);
  }

  // Linear per-vertex attributes (the common case) are blended inline; other modes go through
  // interpolate_fragment.
  template <int kWidth>
  void attribute(const AttrRef& ref, int32_t face, const float* bary, float* out) const {
    if (ref.per_face || ref.attr->interp != Interp::kLinear) {
      interpolate_fragment(mesh, *ref.attr, ref.per_face, face, bary, out);
      return;
    }
    const int32_t* fv = &mesh.faces[3 * static_cast<int64_t>(face)];
    const float* d = ref.attr->data.data();
    const float *a = d + kWidth * static_cast<int64_t>(fv[0]),
                *b = d + kWidth * static_cast<int64_t>(fv[1]),
                *c = d + kWidth * static_cast<int64_t>(fv[2]);
    for (int i = 0; i < kWidth; ++i) out[i] = bary[0] * a[i] + bary[1] * b[i] + bary[2] * c[i];
  }

  void operator()(int32_t face, const float* bary, float* rgb) const {
    float n[3], a[3];
    attribute<3>(normal, face, bary, n);
    if (opt.texture != nullptr) {
      float uv[2];
      attribute<2>(albedo, face, bary, uv);
      const std::array<float, 3> t = sample_bilinear(*opt.texture, uv[0], uv[1]);
      std::copy(t.begin(), t.end(), a);
    } else {
      attribute<3>(albedo, face, bary, a);
    }
    const float len2 = n[0] * n[0] + n[1] * n[1] + n[2] * n[2];
    const float dot = n[0] * light[0] + n[1] * light[1] + n[2] * light[2];
    const float cosine = len2 > 0 ? dot / std::sqrt(len2) : 0;
    const float k = opt.light.ambient + opt.light.diffuse * std::max(0.0f, cosine);
    for (int c = 0; c < 3; ++c) rgb[c] = std::min(1.0f, std::max(0.0f, a[c] * k));
  }
};

void check_background(const ShadingOptions& opt, int width, int height) {
  if (opt.background_image.empty()) return;
  DC_CHECK(opt.background_image.size() == static_cast<size_t>(width) * height * 3,
           "shade: background_image holds ", opt.background_image.size(), " floats, expected ",
           height, " × ", width, " × 3 = ", static_cast<size_t>(width) * height * 3);
}

}  // namespace

void Texture::validate(const std::string& where) const {
  DC_CHECK(height >= 1 && width >= 1, where, ": size ", height, "×", width,
           ", expected height and width >= 1");
  DC_CHECK(rgb.size() == static_cast<size_t>(height) * width * 3, where, ": rgb holds ", rgb.size(),
           " floats, expected ", height, " × ", width,
           " × 3 = ", static_cast<size_t>(height) * width * 3);
}

std::array<float, 3> sample_bilinear(const Texture& tex, float u, float v) {
  // Continuous texel coordinates with texel centres at the integers.
  const float x = std::min(std::max(u * tex.width - 0.5f, 0.0f), float(tex.width - 1));
  const float y = std::min(std::max(v * tex.height - 0.5f, 0.0f), float(tex.height - 1));
  const int x0 = static_cast<int>(x), y0 = static_cast<int>(y);
  const int x1 = std::min(x0 + 1, tex.width - 1), y1 = std::min(y0 + 1, tex.height - 1);
  const float fx = x - x0, fy = y - y0;
  const float* p00 = &tex.rgb[(static_cast<size_t>(y0) * tex.width + x0) * 3];
  const float* p01 = &tex.rgb[(static_cast<size_t>(y0) * tex.width + x1) * 3];
  const float* p10 = &tex.rgb[(static_cast<size_t>(y1) * tex.width + x0) * 3];
  const float* p11 = &tex.rgb[(static_cast<size_t>(y1) * tex.width + x1) * 3];
  std::array<float, 3> out;
  for (int c = 0; c < 3; ++c) {
    const float top = p00[c] + fx * (p01[c] - p00[c]);
    const float bottom = p10[c] + fx * (p11[c] - p10[c]);
    out[c] = top + fy * (bottom - top);
  }
  return out;
}

std::vector<float> shade(const Mesh& mesh, const Fragments& frags, const ShadingOptions& opt) {
  check_background(opt, frags.width, frags.height);
  const Shader shader(mesh, opt);
  const int64_t N = frags.num_pixels();
  std::vector<float> rgb(3 * N);
  for (int64_t p = 0; p < N; ++p) {
    const int32_t f = frags.face[p];
    if (f >= 0) {
      DC_CHECK(f < mesh.num_faces(), "shade: pixel ", p, " has face ", f, " but the mesh has ",
               mesh.num_faces(), " faces (fragments of another mesh?)");
      shader(f, &frags.bary[3 * p], &rgb[3 * p]);
    } else {
      const float* bg =
          opt.background_image.empty() ? opt.background.data() : &opt.background_image[3 * p];
      std::copy(bg, bg + 3, &rgb[3 * p]);
    }
  }
  return rgb;
}

Render render(const Mesh& mesh, const Camera& camera, const ShadingOptions& opt,
              const RasterOptions& raster) {
  DC_CHECK(opt.supersample >= 1 && opt.supersample <= 8, "render: supersample = ", opt.supersample,
           ", expected 1 to 8");
  camera.validate();
  check_background(opt, camera.width, camera.height);
  Render out;
  out.fragments = rasterize(mesh, camera, raster);
  const int S = opt.supersample;
  if (S == 1) {
    out.rgb = shade(mesh, out.fragments, opt);
    return out;
  }
  const Shader shader(mesh, opt);
  const Visibility sub = rasterize_visibility(mesh, supersampled(camera, S), raster);
  const int W = camera.width, H = camera.height;
  out.rgb.assign(static_cast<size_t>(W) * H * 3, 0.0f);
  const float inv = 1.0f / (S * S);
  auto rows = [&](int64_t r0, int64_t r1) {
    for (int64_t y = r0; y < r1; ++y) {
      for (int x = 0; x < W; ++x) {
        const int64_t p = y * W + x;
        const float* bg =
            opt.background_image.empty() ? opt.background.data() : &opt.background_image[3 * p];
        float acc[3] = {0, 0, 0}, rgb[3], bary[3], depth;
        int32_t f;
        for (int sy = 0; sy < S; ++sy) {
          for (int sx = 0; sx < S; ++sx) {
            const float* c = bg;
            if (sub.fragment(x * S + sx, static_cast<int>(y) * S + sy, &f, bary, &depth)) {
              shader(f, bary, rgb);
              c = rgb;
            }
            acc[0] += c[0];
            acc[1] += c[1];
            acc[2] += c[2];
          }
        }
        for (int c = 0; c < 3; ++c) out.rgb[3 * p + c] = acc[c] * inv;
      }
    }
  };
  if (raster.parallel) {
    parallel_for(0, H, 8, rows);
  } else {
    rows(0, H);
  }
  return out;
}

}  // namespace dc
