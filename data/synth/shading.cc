#include "data/synth/shading.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "data/synth/raster_pass.h"
#include "data/synth/shade_pass.h"

namespace dc {

void Texture::validate(const std::string& where) const {
  DC_CHECK(height >= 1 && width >= 1, where, ": size ", height, "×", width,
           ", expected height and width >= 1");
  DC_CHECK(rgb.size() == static_cast<size_t>(height) * width * 3, where, ": rgb holds ", rgb.size(),
           " floats, expected ", height, " × ", width,
           " × 3 = ", static_cast<size_t>(height) * width * 3);
}

std::vector<float> shade(const Mesh& mesh, const Fragments& frags, const ShadingOptions& opt) {
  shading::check_background(opt, frags.width, frags.height);
  const shading::Shader shader(mesh, opt);
  const int64_t N = frags.num_pixels();
  DC_CHECK(frags.face.size() == static_cast<size_t>(N) &&
               frags.bary.size() == 3 * static_cast<size_t>(N),
           "shade: fragments of ", frags.height, "×", frags.width, " hold ", frags.face.size(),
           " face ids and ", frags.bary.size(), " barycentrics, expected ", N, " and ", 3 * N);
  for (int64_t p = 0; p < N; ++p) {
    const int32_t f = frags.face[p];
    DC_CHECK(f < mesh.num_faces(), "shade: pixel ", p, " has face ", f, " but the mesh has ",
             mesh.num_faces(), " faces (fragments of another mesh?)");
  }
  std::vector<float> rgb(3 * N);
  shading::shade_centres(shader, frags, nullptr, 0, frags.height, rgb.data());
  return rgb;
}

Render render(const Mesh& mesh, const Camera& camera, const ShadingOptions& opt,
              const RasterOptions& raster) {
  Render out;
  render(mesh, camera, opt, raster, out);
  return out;
}

void render(const Mesh& mesh, const Camera& camera, const ShadingOptions& opt,
            const RasterOptions& raster, Render& out) {
  DC_CHECK(opt.supersample >= 1 && opt.supersample <= 8, "render: supersample = ", opt.supersample,
           ", expected 1 to 8");
  raster::validate_inputs(mesh, camera, raster);
  shading::check_background(opt, camera.width, camera.height);
  const shading::Shader shader(mesh, opt);
  const int S = opt.supersample;
  const Camera sub_camera = supersampled(camera, S);
  DC_CHECK(sub_camera.width <= (1 << 19) && sub_camera.height <= (1 << 19), "render: image ",
           camera.width, "×", camera.height, " supersampled ", S, "×", S,
           " is larger than 2^19 samples on a side");

  raster::Scratch& scratch = raster::thread_scratch();
  raster::camera_vertices(mesh, camera, scratch.camv);
  // The label pass at the pixel centres.
  scratch.label.run(mesh, scratch.camv, camera, raster);
  scratch.label.resolve(out.fragments, raster.parallel);
  if (S > 1 && opt.antialias == Antialias::kEdges) {
    // Sub-samples only in the 8×8-pixel tiles that hold a marked pixel.
    constexpr int kTile = 8;
    static_assert(kTile == sizeof(uint64_t), "a tile row is read as one word");
    shading::edge_pixels(mesh, scratch.label, scratch.edges);
    const int W = camera.width, H = camera.height;
    const int tx = (W + kTile - 1) / kTile, ty = (H + kTile - 1) / kTile;
    scratch.tiles.assign(static_cast<size_t>(tx) * ty, 0);
    for (int y = 0; y < H; ++y) {
      const uint8_t* e = scratch.edges.data() + static_cast<size_t>(y) * W;
      uint8_t* t = scratch.tiles.data() + static_cast<size_t>(y / kTile) * tx;
      int x = 0;
      for (; x + kTile <= W; x += kTile) {  // a tile's row of 8 flags as one word
        uint64_t row;
        std::memcpy(&row, e + x, sizeof row);
        t[x / kTile] |= row != 0;
      }
      for (; x < W; ++x) t[x / kTile] |= e[x];
    }
    scratch.sub.run(mesh, scratch.camv, sub_camera, raster, &scratch.tiles, kTile * S,
                    &scratch.label.kept_faces());
    shading::shade_pass_edges(shader, out.fragments, scratch.sub, S, scratch.edges, raster.parallel,
                              out.rgb);
    return;
  }
  // The colour pass on the S×S sub-sample grid (the label pass itself when S = 1).
  raster::RasterPass* colour = &scratch.label;
  if (S > 1) {
    // The sub-sample camera's guard band (2^18 sub-samples) lies inside the label camera's
    // (2^18 pixels), so the faces the label pass rejected or culled are rejected here too.
    scratch.sub.run(mesh, scratch.camv, sub_camera, raster, nullptr, 0,
                    &scratch.label.kept_faces());
    colour = &scratch.sub;
  }
  shading::shade_pass(shader, *colour, S, camera.width, camera.height, raster.parallel, out.rgb);
}

}  // namespace dc
