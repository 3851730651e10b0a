// The body template of the synthetic world: a human surface of 14 smooth swept shapes (torso,
// head with neck, upper/lower arms, hands, upper/lower legs, feet), posed by a 17-joint skeleton,
// split into the 24 DensePose charts, each chart mapped to (U, V) ∈ [0, 1]².
//
// Body frame (metres): +X is the person's LEFT, +Y up, +Z the direction the person faces
// (right-handed). The rest pose ("zero pose") stands upright on the ground y = 0, legs straight,
// arms hanging with 12° of abduction, palms towards the thighs.
//
// Skeleton: Human3.6M's 17 joints in the order of c2f-vol and 3d-pose-baseline, RIGHT leg first
// and LEFT arm first (BodyJoint below). Joint 9 ("neck/nose") is the point of the head axis at
// nose height, joint 10 the top of the head.
//
// Surface: each of the 14 parts is a closed swept shape: an elliptical cross-section (half-width
// along the part's lateral axis, half-depth along its forward axis, both varying along the bone)
// swept along a straight axis between two joints, closed at both ends by elliptical caps that
// reach past the joints, so neighbouring parts overlap and the union is a closed solid with no gaps
// at the joints. Skinning is rigid: each part moves with one bone. The parts are numbered as the 14
// coarse labels of DensePose-COCO's dp_masks minus one (BodyPart).
//
// Charts (DensePose dp_I, exactly as DensePose-COCO numbers them): 1,2 torso; 3 right hand; 4 left
// hand; 5 left foot; 6 right foot; 7,9 upper leg right; 8,10 upper leg left; 11,13 lower leg right;
// 12,14 lower leg left; 15,17 upper arm left; 16,18 upper arm right; 19,21 lower arm left;
// 20,22 lower arm right; 23,24 head. OUR CHOICE for each pair: the LOWER index is the BACK half
// and the HIGHER index the FRONT half (1 = torso back, 2 = torso front, as users of DensePose-COCO
// report); for the head, 23 = RIGHT half and 24 = LEFT half. Front/back halves are split by the
// plane through the part's axis and its lateral axis (the body's ±X sides in the rest pose).
//
// U, V per chart (s ∈ [0, 1] along the part, φ around it; the direction at angle φ is
// −cos φ · lateral + sin φ · forward, lateral = the body's +X (left) side, forward = the facing
// direction, "up" for the feet):
//   - V = s. V = 0 at the lower end in the rest pose: pelvis end of the torso, neck end of the
//     head, wrist/ankle/fingertips for the limbs (V grows towards the trunk), heel of the feet
//     (V grows towards the toes). The two end rows of a chart collapse into the caps' poles.
//   - front chart: U = φ/π, from the body's right side (U = 0) over the front to the left (U = 1);
//   - back chart: U = φ/π − 1, from the left side over the back to the right (U: 0 → 1);
//   - hands and feet (one chart): U goes once around from the back (U = 0, 1) over the right side
//     (0.25), the front (0.5; for feet the top) and the left side (0.75);
//   - head: both halves go from the back of the head (U = 0) to the face (U = 1), chart 23 over the
//     right ear, chart 24 over the left ear.
// Inside a chart the map (U, V) → surface is one-to-one except on its boundary: the rows V = 0 and
// V = 1 collapse into the poles, and for hands and feet the columns U = 0 and U = 1 meet on the
// seam. A horizontal flip of the image (mirror X ↦ −X) maps chart c to chart_flip(c), U to
// flip_u(c, U) (1 − U, except on the head where U stays) and keeps V.
//
// Texture atlas: the DensePose layout, 24 tiles of T×T (T = 200 in DensePose) in 6 rows × 4
// columns: chart c's tile is at row (c − 1) % 6, column (c − 1) / 6, and (U, V) falls on tile texel
// row (1 − V)(T − 1), column U (T − 1) (DensePose's (255 − 255V)·199/255, 255U·199/255).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/philox.h"
#include "data/synth/geometry.h"
#include "data/synth/mesh.h"

namespace dc {

// ---------------------------------------------------------------------------------------------
// Skeletons

constexpr int kNumBodyJoints = 17;
// Human3.6M order (right leg first, left arm first).
enum BodyJoint {
  kPelvis = 0,
  kRightHip = 1,
  kRightKnee = 2,
  kRightAnkle = 3,
  kLeftHip = 4,
  kLeftKnee = 5,
  kLeftAnkle = 6,
  kSpine = 7,
  kThorax = 8,
  kNeckNose = 9,
  kHeadTop = 10,
  kLeftShoulder = 11,
  kLeftElbow = 12,
  kLeftWrist = 13,
  kRightShoulder = 14,
  kRightElbow = 15,
  kRightWrist = 16,
};
const std::array<const char*, kNumBodyJoints>& body_joint_names();
// Parent of each joint in the kinematic tree (−1 for the pelvis).
const std::array<int, kNumBodyJoints>& body_joint_parents();
// Joint i of a mirrored body is joint body_joint_flip()[i] of the original (left ↔ right).
const std::array<int, kNumBodyJoints>& body_joint_flip();

// COCO's 17 person keypoints: nose, left eye, right eye, left ear, right ear, left/right shoulder,
// elbow, wrist, hip, knee, ankle (left first in each pair).
constexpr int kNumCocoKeypoints = 17;
const std::array<const char*, kNumCocoKeypoints>& coco_keypoint_names();
const std::array<int, kNumCocoKeypoints>& coco_keypoint_flip();  // [0,2,1,4,3,6,5,...]
// COCO's skeleton (0-based keypoint pairs), for drawing.
const std::vector<std::pair<int, int>>& coco_skeleton();

// ---------------------------------------------------------------------------------------------
// Parts, charts and the flip tables

constexpr int kNumBodyParts = 14;  // swept shapes = coarse labels 1..14 of dp_masks, minus one
enum BodyPart {
  kTorso = 0,
  kRightHand = 1,
  kLeftHand = 2,
  kLeftFoot = 3,
  kRightFoot = 4,
  kRightUpperLeg = 5,
  kLeftUpperLeg = 6,
  kRightLowerLeg = 7,
  kLeftLowerLeg = 8,
  kLeftUpperArm = 9,
  kRightUpperArm = 10,
  kLeftLowerArm = 11,
  kRightLowerArm = 12,
  kHead = 13,
};
const std::array<const char*, kNumBodyParts>& body_part_names();

constexpr int kNumCharts = 24;      // dp_I labels 1..24 (0 = background)
const char* chart_name(int chart);  // "torso back", ..., "head left"
// The coarse dp_masks label (1..14) of chart 1..24; 0 for 0. A dc::Error outside 0..24.
int chart_to_coarse(int chart);
// The part (BodyPart) of chart 1..24.
inline int chart_part(int chart) { return chart_to_coarse(chart) - 1; }
// The charts of a part: {back, front}, {right, left} for the head, {chart, 0} for hands and feet.
std::array<int, 2> part_charts(int part);
// 25 entries: fine label after a horizontal flip (0 ↦ 0, 3 ↔ 4, 5 ↔ 6, 7 ↔ 8, ..., 23 ↔ 24).
const std::array<int, kNumCharts + 1>& chart_flip_table();
// 15 entries: coarse label after a flip, [0,1,3,2,5,4,7,6,9,8,11,10,13,12,14].
const std::array<int, kNumBodyParts + 1>& coarse_flip_table();
// U after a horizontal flip of a point of chart `chart` (1..24): 1 − u, except u on the head.
inline double flip_u(int chart, double u) { return chart >= 23 ? u : 1.0 - u; }
// The 24→14 coarse map as a table (25 entries, entry 0 = 0).
const std::array<int, kNumCharts + 1>& chart_to_coarse_table();

// ---------------------------------------------------------------------------------------------
// Shape and pose

// Shape parameters (1 = the mean body: 1.75 m tall, shoulders 0.38 m wide).
struct BodyShape {
  double height = 1.0;          // uniform scale of the whole body
  double girth = 1.0;           // scale of the cross-sections of torso and limbs
  double leg_length = 1.0;      // scale of the leg bones
  double arm_length = 1.0;      // scale of the arm bones
  double shoulder_width = 1.0;  // scale of the shoulder span
  double hip_width = 1.0;       // scale of the hip span and of the pelvis cross-section
};
// Ranges: height [0.85, 1.10], girth [0.8, 1.35], legs and arms [0.92, 1.08], shoulders
// [0.9, 1.12], hips [0.9, 1.15].
BodyShape sample_body_shape(Generator& gen);

// Joint angles in radians, relative to the rest pose. Arrays indexed by side: [0] = left,
// [1] = right. Signs are defined per side so that a mirrored pose swaps the sides and keeps the
// values (except the root's and the neck's yaw and roll, which change sign):
//   hip:      R_z(±abduction) · R_x(−flexion) · R_y(±twist)   (+ for the left side, − for right)
//   knee:     R_x(+flexion) (the shank swings backwards)
//   ankle:    R_x(−flexion) (toes up for positive values)
//   shoulder: R_z(±abduction) · R_x(−flexion) · R_y(±twist)
//   elbow:    R_x(−flexion) (the forearm swings forwards)
//   wrist:    R_x(−flexion)
//   neck:     R_y(yaw) · R_x(pitch) · R_z(roll) (positive pitch looks down)
//   root:     R_y(yaw) · R_x(pitch) · R_z(roll) of the whole body about the pelvis
// Flexion moves the limb forwards, abduction away from the body's midline, twist turns it about
// its own axis.
struct BodyPose {
  double root_yaw = 0, root_pitch = 0, root_roll = 0;
  double neck_yaw = 0, neck_pitch = 0, neck_roll = 0;
  std::array<double, 2> hip_flexion{}, hip_abduction{}, hip_twist{};
  std::array<double, 2> knee{}, ankle{};
  std::array<double, 2> shoulder_flexion{}, shoulder_abduction{}, shoulder_twist{};
  std::array<double, 2> elbow{}, wrist{};
};

// Joint limits (degrees), the ranges sample_body_pose() draws from and clamp_body_pose() enforces.
struct JointLimit {
  std::string name;  // "neck_yaw", "left_knee", ...
  double lo, hi;
};
// One entry per scalar of BodyPose (root yaw is unlimited and not listed).
const std::vector<JointLimit>& body_joint_limits();
// Clamps every angle into its limit.
BodyPose clamp_body_pose(BodyPose pose);
// A random pose within the limits: a mixture of standing, walking, reaching and free poses; the
// root yaw is uniform over the circle, root pitch and roll small.
BodyPose sample_body_pose(Generator& gen);
// The pose of the mirror image (X ↦ −X) of a body in `pose`.
BodyPose mirror_body_pose(const BodyPose& pose);

// ---------------------------------------------------------------------------------------------
// Template geometry

// A posed body: where every rest-pose point went. A point p of part b in the rest pose (body
// frame) is at rotation[b] · p + translation[b] (world frame).
struct PosedBody {
  std::array<Vec3, kNumBodyJoints> joints;  // world positions (metres)
  std::array<Mat3, kNumBodyParts> rotation;
  std::array<Vec3, kNumBodyParts> translation;
};

// The fixed connectivity of the template at a level of detail (1: 4 506 vertices and 7 728
// triangles, the scene renderer's default; each level multiplies the ring and segment counts).
// Shared by every body of that detail; positions come from body_positions().
struct BodyTopology {
  int detail = 1;
  std::vector<int32_t> faces;       // F × 3, outward winding (mesh.h)
  std::vector<uint8_t> face_chart;  // F: chart 1..24
  // Per vertex: chart 1..24, chart coordinates (U, V), the part, the parameters (s, φ) of the
  // swept surface, and `weld`: the lowest-numbered vertex at the same surface point (chart
  // seams and poles duplicate vertices so that each chart has its own U, V).
  std::vector<uint8_t> chart, part;
  std::vector<float> u, v;
  std::vector<double> s, phi;
  std::vector<double> cos_phi, sin_phi;
  std::vector<int32_t> weld;
  std::array<int32_t, kNumBodyParts + 1>
      part_begin{};  // vertices of part b: [begin[b], begin[b+1])

  int64_t num_vertices() const { return static_cast<int64_t>(chart.size()); }
  int64_t num_faces() const { return static_cast<int64_t>(face_chart.size()); }
};
// The topology at `detail` (1..4), built once and cached (thread-safe).
const BodyTopology& body_topology(int detail);

// The swept shape of one part for one body shape (rest pose, body frame).
struct PartSweep {
  Vec3 lo, hi;                    // axis end points (s = 0 and s = 1 of the straight section)
  Vec3 axis, lateral, front;      // orthonormal: axis = (hi − lo)/|hi − lo|
  double length = 0;              // |hi − lo|
  double cap_lo = 0, cap_hi = 0;  // how far the caps reach past lo and hi along the axis
  std::array<double, 5> half_width{}, half_depth{}, offset{};  // at τ = 0, ¼, ½, ¾, 1 along
  int pivot = 0;                                               // joint the part turns about
};

// The rest geometry of a body shape: joint positions (body frame, the feet on y = 0) and sweeps.
struct BodyGeometry {
  BodyShape shape;
  std::array<Vec3, kNumBodyJoints> rest_joints;
  std::array<PartSweep, kNumBodyParts> parts;
};
BodyGeometry body_geometry(const BodyShape& shape);

// The rest-pose point of part `part` at (s, φ) (see the top of this file).
Vec3 sweep_point(const PartSweep& sweep, double s, double phi);
// (s, φ) of chart `chart` (1..24) at (u, v); inverse of the U, V layout above.
void chart_to_sweep(int chart, double u, double v, double* s, double* phi);

// Poses a body: forward kinematics of `pose` from the rest joints, then a rigid placement that
// turns the body by the root angles about its pelvis, puts the pelvis above (x, z) = ground and
// lowers or raises the body so that its lowest surface point touches y = 0 (checked over the
// vertices of `topology`).
PosedBody pose_body(const BodyGeometry& geometry, const BodyPose& pose, double ground_x,
                    double ground_z, const BodyTopology& topology);

// World positions (V × 3 floats, appended to `out`) of the template vertices of a posed body.
void body_positions(const BodyGeometry& geometry, const PosedBody& posed,
                    const BodyTopology& topology, std::vector<float>* out);

// The world point of chart `chart` at (u, v) on a posed body.
Vec3 body_surface_point(const BodyGeometry& geometry, const PosedBody& posed, int chart, double u,
                        double v);

// The 17 COCO keypoints (world) of a posed body: nose, eyes and ears are fixed surface points of
// the head charts (coco_keypoint_surface()); shoulders, elbows, wrists, hips, knees and ankles
// are the skeleton joints (inside the body).
std::array<Vec3, kNumCocoKeypoints> coco_keypoints(const BodyGeometry& geometry,
                                                   const PosedBody& posed);
// For nose, eyes and ears: the (chart, U, V) they sit at; chart 0 for the joint keypoints.
struct ChartPoint {
  int chart;
  double u, v;
};
const std::array<ChartPoint, kNumCocoKeypoints>& coco_keypoint_surface();
// How far below the surface a keypoint lies (0 for the surface points, the limb's radius at the
// joint for the others), for visibility tests against a depth buffer.
std::array<double, kNumCocoKeypoints> coco_keypoint_depth_slack(const BodyGeometry& geometry);

// A mesh of one posed body: positions, faces, the vertex attributes "uv" (chart U, V; kLinear),
// "normal" (smooth across chart seams), "vid" (vertex index, kNearestVertex) and the face
// attribute "part" (chart 1..24).
Mesh body_mesh(const BodyGeometry& geometry, const PosedBody& posed, const BodyTopology& topology);

// Area-weighted vertex normals of positions (V × 3) over `topology`, averaged over welded
// duplicates so that shading is smooth across chart seams; appended to `out` (V × 3).
void body_normals(const BodyTopology& topology, const float* positions, std::vector<float>* out);

}  // namespace dc
