// Shading and anti-aliasing of the synthetic world: Lambertian lighting (ambient + one directional
// light), bilinear texture lookup at interpolated (U, V), and supersampling of the RGB image only.
//
// render() rasterizes twice: once at pixel centres (the label pass: its Fragments give exact face
// ids, barycentrics, depth and every label map through interpolate()), and once on an S×S
// sub-sample grid whose shaded samples are averaged into each pixel's colour. Labels therefore
// never blend across edges, while the image is anti-aliased. Sub-samples are shaded from
// per-triangle attribute planes (data/synth/shade_pass.h): the mean of shade() over the
// supersampled fragments up to float rounding, and up to the change of an attribute over 1/512
// sample where a sample lies that far outside the exact triangle (there shade() clamps the
// barycentrics). A pixel that no triangle touches is exactly its background.
#pragma once

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "data/synth/camera.h"
#include "data/synth/mesh.h"
#include "data/synth/rasterizer.h"

namespace dc {

// An RGB texture: height × width × 3 floats, row-major (row 0 first).
struct Texture {
  int height = 0, width = 0;
  std::vector<float> rgb;

  // Checks height, width >= 1 and rgb.size() == height·width·3.
  void validate(const std::string& where = "texture") const;
};

// Bilinear lookup at texture coordinates (u, v), as grid_sample with align_corners = false and
// border padding: texel (i, j) (column i, row j) has its centre at ((i + ½)/W, (j + ½)/H); u grows
// with the column, v with the row (v = 0 is the top row); outside the centres of the border texels
// the border texel values extend (clamp to edge). Unchecked (call validate() once).
__attribute__((always_inline)) inline std::array<float, 3> sample_bilinear(const Texture& tex,
                                                                           float u, float v) {
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

// Ambient + one directional light: colour = albedo · (ambient + diffuse · max(0, n̂ · l̂)),
// clamped to [0, 1], with n̂ the normalized interpolated normal and l̂ the normalized direction.
struct Light {
  Vec3 direction{0, 0, -1};  // world direction from the surface *towards* the light
  float ambient = 0.35f;
  float diffuse = 0.65f;
};

// Which pixels supersampling (ShadingOptions::supersample = S > 1) applies to. Labels are never
// anti-aliased.
enum class Antialias {
  // Every pixel is the mean of its S×S sub-samples.
  kFull,
  // Only pixels where the surface seen may be discontinuous (coverage-based anti-aliasing): a
  // pixel is supersampled, exactly as under kFull, when it lies within one pixel (its 3×3
  // neighbourhood) of a pair of 4-neighbours whose centres the label pass sees as background and
  // face, or as two faces that share no vertex (silhouettes, occlusions, seams of duplicated
  // vertices, triangles smaller than a pixel). Every other pixel is one sample at its centre: the
  // shading of the label pass's fragment, or its background. Inside a smooth surface the two
  // differ only by how the S×S mean filters texture and lighting within the pixel; features
  // thinner than the pixel spacing that cover no pixel centre near a marked pixel are not drawn.
  kEdges,
};

struct ShadingOptions {
  // Albedo: `texture` sampled at the vertex attribute `uv` (width 2) when set, else the vertex or
  // face attribute `colour` (width 3). The texture is the caller's and must outlive the call.
  const Texture* texture = nullptr;
  std::string uv = "uv";
  std::string colour = "colour";
  // Normals for lighting: vertex or face attribute, width 3, world coordinates.
  std::string normal = "normal";
  Light light;
  // Where no triangle is seen: `background_image` (height × width × 3 at the output size) if not
  // empty, else `background`. Under supersampling a missed sub-sample takes its pixel's value.
  std::array<float, 3> background{0, 0, 0};
  std::vector<float> background_image;
  // S: RGB is the mean of S×S samples per pixel (1: one sample at the centre, no anti-aliasing).
  int supersample = 2;
  Antialias antialias = Antialias::kFull;
};

struct Render {
  Fragments fragments;     // the label pass at pixel centres
  std::vector<float> rgb;  // height × width × 3 in [0, 1]
};

// Colours of the samples of `fragments`: H·W·3, shaded where covered and the background where not
// (the background image must match the fragments' size). Exactly what render() gives the pixels
// it does not supersample under Antialias::kEdges. A dc::Error if the fragments' buffers do not
// hold H·W face ids and H·W·3 barycentrics, or name a face the mesh does not have.
std::vector<float> shade(const Mesh& mesh, const Fragments& fragments,
                         const ShadingOptions& options);

// Rasterizes and shades `mesh` seen by `camera` (see the top of this file).
Render render(const Mesh& mesh, const Camera& camera, const ShadingOptions& shading = {},
              const RasterOptions& raster = {});

// The same into `out`, whose buffers are reused: every element is overwritten, so what `out`
// held before does not matter, and a stream of renders of one size into one Render (a
// thread_local in a data-loader worker) neither allocates nor clears its 20 bytes per pixel.
void render(const Mesh& mesh, const Camera& camera, const ShadingOptions& shading,
            const RasterOptions& raster, Render& out);

}  // namespace dc
