// Internal shading engine of data/synth/shading.h (for shading.cc only): the Lambert/texture
// shader resolved once per call, and the supersampled RGB of a raster pass.
//
// shade_pass() averages the S×S sub-samples of each pixel. Per triangle that wins a sub-sample it
// builds, once, perspective-correct planes of its attributes: the blend of an attribute over the
// triangle is N(x, y) / D(x, y) with N = Σ_k a_k u_k and D = Σ_k u_k = 1/Z both affine in the
// sample position (u_k of data/synth/raster_pass.h). A sample then costs a few fused multiply-adds,
// one division, the normalization of the blended normal and one bilinear lookup, computed four
// sub-samples at a time (SSE); the 2×2 sub-samples of a pixel are one vector. Meshes whose shading
// attributes are kNearestVertex (not affine) are shaded sample by sample through the fragments.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/synth/mesh.h"
#include "data/synth/raster_pass.h"
#include "data/synth/shading.h"

namespace dc {
namespace shading {

// A named vertex or face attribute of a required width.
struct AttrRef {
  const Attribute* attr = nullptr;
  bool per_face = false;
  // Whether the value over a triangle is affine in the barycentrics (kLinear or per face).
  bool affine() const { return per_face || attr->interp == Interp::kLinear; }
};

// Resolves `name` (dc::Error naming `role`, the closest name, a wrong width or size).
AttrRef find_attr(const Mesh& mesh, const std::string& name, int width, const char* role);

// The shader of ShadingOptions, with its attributes resolved and checked once.
struct Shader {
  const Mesh& mesh;
  const ShadingOptions& opt;
  AttrRef normal, albedo;  // albedo: `uv` (width 2) with a texture, else `colour` (width 3)
  float light[3];          // normalized light direction

  Shader(const Mesh& mesh, const ShadingOptions& options);

  // The colour of the fragment (face, barycentrics) into rgb[0..3).
  void operator()(int32_t face, const float* bary, float* rgb) const;
};

// Checks the size of options.background_image against width × height.
void check_background(const ShadingOptions& options, int width, int height);

// The RGB image (width × height × 3, into `rgb`) of `pass`, a rasterization of shader.mesh on
// the S×S sub-sample grid of a width × height image (supersampled(camera, S)): each pixel the
// mean of its S² shaded sub-samples, the background for those that miss. A pixel that no
// triangle touches is exactly its background. With `parallel`, rows on dc::parallel_for (the
// result does not depend on the thread count).
void shade_pass(const Shader& shader, raster::RasterPass& pass, int S, int width, int height,
                bool parallel, std::vector<float>& rgb);

// The pixels of `label` (a rasterization at pixel centres) where the surface may be discontinuous
// (edges[y·W + x] = 1): those within one pixel (3×3) of a pair of 4-neighbours where exactly one
// centre is background, or the two faces seen differ and share no vertex index (a silhouette, an
// occlusion, a seam of duplicated vertices or triangles smaller than a pixel).
void edge_pixels(const Mesh& mesh, const raster::RasterPass& label, std::vector<uint8_t>& edges);

// The colours at the pixel centres of `fragments` (a rasterization at pixel centres, such as
// render()'s label pass), rows [y0, y1) of rgb (width × height × 3): shader's colour of each
// covered pixel's fragment, the background elsewhere. The rules of Shader::operator(); with
// linear vertex attributes their float operations (fused multiply-adds included) in a fixed
// order, eight pixels per AVX2 vector with the same bits as one at a time (data/synth/
// shade_centres.cc), which may differ from Shader::operator() by float rounding. With `skip`
// (width × height, or null), the pixels whose entry is non-zero may be left unwritten or
// written: the caller overwrites them. shade() is this function over all rows.
void shade_centres(const Shader& shader, const Fragments& fragments, const uint8_t* skip,
                   int64_t y0, int64_t y1, float* rgb);

// Antialias::kEdges: the RGB image of the label pass (`label`, its fragments at the pixel
// centres) where pixels marked in `edges` are the mean of their S×S sub-samples from `sub`
// (rasterized on supersampled(camera, S), at least over the tiles holding marked pixels) exactly
// as shade_pass() computes them, and every other pixel is shader's colour of its fragment (what
// shade() gives; its background where the centre is not covered).
void shade_pass_edges(const Shader& shader, const Fragments& label, raster::RasterPass& sub, int S,
                      const std::vector<uint8_t>& edges, bool parallel, std::vector<float>& rgb);

}  // namespace shading
}  // namespace dc
