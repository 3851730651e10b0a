// `densecorr infer`: DenseReg (docs/DENSEREG.md) run on a picture or on held-out synthetic faces,
// writing what it predicts as pictures:
//
//   densecorr infer -c CONFIG [--weights W.h5] (--image IMG | --synth N) --out DIR
//                   [--task uv|texture-transfer] [--texture TEX] [--opacity A]
//                   [--landmarks component|argmin] [key=value ...]
//
// The model is the config's densereg network (as train and eval build it); its weights come from
// --weights, else model.weights, else the latest checkpoint of the config's run folder `out`.
// Inputs: --image, a PNG or JPEG of any size, scaled so that its shorter side is data.image_size
// and centre-cropped to data.image_size² (fit_image_to_input, train/densereg_predictor.h); or
// --synth N, faces 0..N−1 of the held-out synthetic test split (data.test, synth_faces), rendered
// at data.image_size exactly as `densecorr eval` sees them.
//
// For each input, with prefix P (the image's file stem, or synth_0000, synth_0001, ...), DIR gets
//   P_input.png       the network's input (after the fit)
//   --task uv (the default):
//   P_u.png, P_v.png  Û and V̂ on the viridis scale over the predicted face (uv_color_map)
//   P_isolines.png    U (red) and V (blue) isolines at multiples of 0.1 over the input
//   P_landmarks.png   the 68 landmarks found from U,V (green; --landmarks: the component rule, the
//                     default, or argmin), over the visible ground truth (white) for --synth
//   P_parts.png       the 8 template parts transferred through U,V
//   --task texture-transfer:
//   P_texture.png     TEX, a texture given on the template chart, painted over the predicted face
//                     through U,V (texture_transfer, opacity --opacity, default 1); TEX is a
//                     PNG/JPEG (top row at V = 0, left column at U = 0), builtin:checker (the
//                     default) or builtin:face (the synthetic faces' albedo, eval/chart_textures.h)
// and prints each path it wrote on stdout. Bad input (a missing or unreadable image or texture, a
// config that is not a densereg U,V model, N out of range, conflicting flags) is an error: one
// line on stderr and exit status 2.
#pragma once

#include <string>
#include <vector>

namespace dc {
namespace cli {

// args: everything after "infer". Returns the exit status (0); bad input throws UsageError or
// dc::Error (exit status 2 in main).
int infer_command(const std::vector<std::string>& args);

}  // namespace cli
}  // namespace dc
