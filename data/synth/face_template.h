// The face template of the synthetic world: a smooth procedural head (metres) with a cylindrical
// (U, V) unwrapping of its face, the 68 landmarks of the 300W/iBUG scheme and 8 semantic parts
// defined once on that unwrapping, identity and expression variation, and the horizontal-flip
// tables. Rendering is in data/synth/face_world.h, textures in data/synth/face_texture.h.
//
// Head frame (metres): origin inside the head at eye level, +x towards the image right of a
// frontal view (the subject's left), +y up, +z out of the face towards a frontal viewer. The eyes
// are at y ≈ 0, the nose tip at z ≈ 0.12, the chin at y ≈ −0.10.
//
// The surface is a generalized cylinder: ring t (0 at the crown, growing downwards to the bottom
// of the neck) is an ellipse of half-width A(t) and half-depth C(t) at height y(t); a point of it
// is (A sin θ, y, z0 + C cos θ) with θ the angle around the vertical axis (θ = 0 at the front,
// θ > 0 towards +x), displaced by the facial features (brow ridge, eye sockets and eyeballs, nose,
// cheekbones, lips, chin) along the ring's outward normal. The mesh is closed (poles at the crown
// and under the neck), so no pose shows its inside.
//
// The face unwrapping (U, V) ∈ [0, 1]²:
//   U runs around the head from the image-left ear side (U = 0, θ = −95°) through the front
//     (U = 0.5, θ = 0) to the image-right ear side (U = 1, θ = +95°). Its spacing is denser at the
//     front (θ = 95° · (0.6 w + 0.4 w³) with w = 2U − 1), so the features get more of the chart.
//   V runs from the forehead top (V = 0, the hairline) down to under the chin (V = 1), linear in
//     the ring index; so a frontal face and its (U, V) square read the same way up (V as image
//     rows).
// The rest of the head (scalp, back of the head, neck) is rendered but is not face: part 0,
// mask 0.
//
// Left and right follow iBUG: "left" is the image-left side of a frontal face (U < 0.5, x < 0,
// the subject's right side). Landmark 37 (1-based) is the outer corner of the left eye, 46 the
// outer corner of the right eye.
#pragma once

#include <array>
#include <cstdint>

#include "core/philox.h"
#include "data/synth/mesh.h"

namespace dc {

// Part labels of the face (the `part` field of a face sample):
//   0 background (not face: scene, hair, neck, occluders)
//   1 left eyebrow    2 right eyebrow
//   3 left eye        4 right eye
//   5 upper lip       6 lower lip
//   7 nose            8 other face skin
// "left" is the image-left side of a frontal face (see the top of this file).
enum FacePart : int {
  kFaceBackground = 0,
  kFaceLeftBrow = 1,
  kFaceRightBrow = 2,
  kFaceLeftEye = 3,
  kFaceRightEye = 4,
  kFaceUpperLip = 5,
  kFaceLowerLip = 6,
  kFaceNose = 7,
  kFaceSkin = 8,
};
constexpr int kFaceNumLabels = 9;  // background + 8 parts
constexpr int kFaceNumLandmarks = 68;

// "left_eyebrow", ...; "background" for 0. A dc::Error for a label outside [0, 9).
const char* face_part_name(int label);

// The part label (1..8) of template point (u, v) ∈ [0, 1]²: each part is a region of the template
// defined once in (U, V), so a pixel's part is a function of its (U, V) alone. Mirror-symmetric:
// face_part_at(1 − u, v) == face_part_flip()[face_part_at(u, v)] (up to float rounding at region
// boundaries). Points outside [0, 1]² are an error. Fast: a table over the chart answers where a
// cell's part is uniform, face_part_at_geometry() elsewhere, with the same result.
int face_part_at(float u, float v);

// face_part_at(u[k], v[k]) into out[k] for the k < n with mask[k] != 0, and 0 where mask[k] == 0
// (a labels pass over an image). u and v must be in [0, 1] where mask is set (unchecked).
void face_parts(const float* u, const float* v, const uint8_t* mask, int64_t n, int64_t* out);

// The definition behind face_part_at(): the part regions evaluated on the template geometry
// (about 0.1 µs a call; unchecked).
int face_part_at_geometry(float u, float v);

// The 68 landmarks (0-based index k is iBUG's point k + 1) as template (U, V): 0–16 jaw line
// from the image-left ear to the image-right ear, 17–21 left brow (outer to inner), 22–26 right
// brow (inner to outer), 27–30 nose bridge (top to tip), 31–35 nostril base (left to right),
// 36–41 left eye (outer corner, upper lid ×2, inner corner, lower lid ×2), 42–47 right eye (inner
// corner, upper ×2, outer corner, lower ×2), 48–59 outer lip contour clockwise in the image from
// the left corner, 60–67 inner lip contour from the left corner. The table is mirror-symmetric:
// uv[flip[k]] = (1 − u[k], v[k]).
const std::array<std::array<float, 2>, kFaceNumLandmarks>& face_landmarks_uv();

// Horizontal-flip tables. A horizontally flipped face image shows a face whose point at template
// (U, V) now sits where the mirror point (1 − U, V) sat: the unwrapping is mirror-symmetric about
// the front (θ ↦ −θ is U ↦ 1 − U, V unchanged), so a flip maps the uv field's U to 1 − U and keeps
// V; labels map through face_part_flip() (left ↔ right brows and eyes; lips, nose, skin and
// background stay); landmarks are reordered by face_landmark_flip() (new point k is old point
// flip[k], with x ↦ W − 1 − x), the standard 68-point flip permutation (jaw 0 ↔ 16, brows 17 ↔ 26,
// eyes 36 ↔ 45, mouth corners 48 ↔ 54, ...). Both are involutions.
const std::array<int, kFaceNumLabels>& face_part_flip();
const std::array<int, kFaceNumLandmarks>& face_landmark_flip();
// U of the mirror point: 1 − U.
inline float face_flip_u(float u) { return 1.0f - u; }

// Identity and expression: smooth displacement fields of the template, each parameter 0 for the
// mean face. Identity ranges (uniform in sample()): head_width, jaw_width ±0.08 / ±0.12 (relative
// width change), nose_length, nose_width, lip_thickness, eye_depth, chin ±0.3 (relative change of
// the feature's size). Expression ranges: mouth_open, smile_*, brow_raise_* in [0, 1].
struct FaceShape {
  float head_width = 0, jaw_width = 0;
  float nose_length = 0, nose_width = 0, lip_thickness = 0, eye_depth = 0, chin = 0;
  float mouth_open = 0;
  float smile_left = 0, smile_right = 0;  // mouth corner raised on the image-left / right side
  float brow_raise_left = 0, brow_raise_right = 0;

  // The shape of the mirror face (left and right expression parameters swapped): its surface is
  // the mirror image x ↦ −x of this one's.
  FaceShape mirrored() const;
  // A random identity and expression drawn from `rng` (about half the faces neutral-mouthed).
  static FaceShape sample(Generator& rng);
};

// The template mesh deformed by `shape`, in the head frame. Vertex attributes: "uv" (width 2,
// kLinear) the face (U, V), clamped to [0, 1]² off the face; "tex" (width 2) the texture-atlas
// coordinates of data/synth/face_texture.h; "normal" (area-weighted). Face attribute "face": 1 for
// triangles of the face chart, 0 for the rest of the head. The topology (vertex and face order) is
// the same for every shape: 3965 vertices and 7680 triangles, of which 4608 face.
Mesh face_mesh(const FaceShape& shape);

// The same into `out`, whatever it held: positions, faces and these four attributes are
// overwritten in place and any other attribute is removed, so a stream of faces rendered through
// one reused Mesh (a thread_local) allocates none of its arrays again. `out` then equals
// face_mesh(shape).
void face_mesh(const FaceShape& shape, Mesh& out);

// A point of the face chart: the mesh triangle holding template point (u, v) and its barycentrics
// with respect to the triangle's corners. (U, V) is linear on each face triangle, so the point of
// any deformed face_mesh() with these barycentrics is exactly the surface point whose rendered
// (U, V) is (u, v). A dc::Error if (u, v) is outside [0, 1]².
struct FaceSurfacePoint {
  int32_t face = 0;
  std::array<float, 3> bary{1, 0, 0};
};
FaceSurfacePoint face_surface_point(float u, float v);
// Its position on `mesh` (a face_mesh()).
Vec3 surface_position(const Mesh& mesh, const FaceSurfacePoint& point);

// The (x, y) in metres of template point (u, v) on the undeformed head seen from the front
// (x = A sin θ, y = ring height): the frame in which features, parts, landmarks and textures are
// laid out.
std::array<double, 2> face_template_xy(double u, double v);

// Template point (U, V) of frontal coordinates (x, y) in metres (the inverse of face_template_xy on
// the front half); a dc::Error if (x, y) is off the face chart.
std::array<double, 2> face_template_uv(double x, double y);

}  // namespace dc
