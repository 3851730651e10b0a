#include "data/synth/body_template.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/error.h"
#include "data/synth/body_random.h"
#include "data/synth/camera.h"

namespace dc {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kDeg = kPi / 180.0;
// Fraction of the s range (= V) taken by each end cap.
constexpr double kCapFraction = 0.14;

enum ChartKind { kFrontBack, kSingle, kHeadHalves };

ChartKind chart_kind(int part) {
  if (part == kHead) return kHeadHalves;
  if (part >= kRightHand && part <= kRightFoot) return kSingle;
  return kFrontBack;
}

// Rings along s and segments around φ per chart, at detail 1.
void part_resolution(int part, int* rings_body, int* rings_cap, int* segments) {
  *rings_cap = 3;
  switch (part) {
    case kTorso:
      *rings_body = 14;
      *segments = 16;
      break;
    case kHead:
      *rings_body = 10;
      *segments = 12;
      break;
    case kRightHand:
    case kLeftHand:
      *rings_body = 4;
      *segments = 14;
      break;
    case kLeftFoot:
    case kRightFoot:
      *rings_body = 5;
      *segments = 14;
      break;
    default:
      *rings_body = 7;
      *segments = 8;
      break;
  }
}

// The cap/straight-section profile at s: axial position z (from lo), radius factor q, and τ.
void profile(const PartSweep& sw, double s, double* z, double* q, double* tau) {
  const double c = kCapFraction;
  if (s < c) {
    const double a = (s / c) * (kPi / 2);
    *z = -sw.cap_lo * std::cos(a);
    *q = std::sin(a);
    *tau = 0;
  } else if (s > 1 - c) {
    const double a = ((1 - s) / c) * (kPi / 2);
    *z = sw.length + sw.cap_hi * std::cos(a);
    *q = std::sin(a);
    *tau = 1;
  } else {
    *tau = (s - c) / (1 - 2 * c);
    *z = *tau * sw.length;
    *q = 1;
  }
}

// Smooth (cosine-eased) interpolation of 5 control values at τ = 0, ¼, ½, ¾, 1.
double control(const std::array<double, 5>& k, double tau) {
  const double x = std::clamp(tau, 0.0, 1.0) * 4;
  const int i = std::min(3, static_cast<int>(x));
  const double t = x - i, w = 0.5 - 0.5 * std::cos(kPi * t);
  return k[i] + (k[i + 1] - k[i]) * w;
}

Mat3 local_rotation(double yaw, double pitch, double roll) {
  return rotation_y(yaw) * rotation_x(pitch) * rotation_z(roll);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Tables

const std::array<const char*, kNumBodyJoints>& body_joint_names() {
  static const std::array<const char*, kNumBodyJoints> n = {
      "pelvis",     "right_hip",  "right_knee",     "right_ankle", "left_hip",   "left_knee",
      "left_ankle", "spine",      "thorax",         "neck_nose",   "head_top",   "left_shoulder",
      "left_elbow", "left_wrist", "right_shoulder", "right_elbow", "right_wrist"};
  return n;
}

const std::array<int, kNumBodyJoints>& body_joint_parents() {
  static const std::array<int, kNumBodyJoints> p = {-1, 0, 1, 2,  0,  4, 5,  0, 7,
                                                    8,  9, 8, 11, 12, 8, 14, 15};
  return p;
}

const std::array<int, kNumBodyJoints>& body_joint_flip() {
  static const std::array<int, kNumBodyJoints> f = {0, 4,  5,  6,  1,  2,  3,  7, 8,
                                                    9, 10, 14, 15, 16, 11, 12, 13};
  return f;
}

const std::array<const char*, kNumCocoKeypoints>& coco_keypoint_names() {
  static const std::array<const char*, kNumCocoKeypoints> n = {
      "nose",           "left_eye",   "right_eye",   "left_ear",   "right_ear",   "left_shoulder",
      "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip",
      "right_hip",      "left_knee",  "right_knee",  "left_ankle", "right_ankle"};
  return n;
}

const std::array<int, kNumCocoKeypoints>& coco_keypoint_flip() {
  static const std::array<int, kNumCocoKeypoints> f = {0,  2, 1,  4,  3,  6,  5,  8, 7,
                                                       10, 9, 12, 11, 14, 13, 16, 15};
  return f;
}

const std::vector<std::pair<int, int>>& coco_skeleton() {
  static const std::vector<std::pair<int, int>> s = {
      {15, 13}, {13, 11}, {16, 14}, {14, 12}, {11, 12}, {5, 11}, {6, 12}, {5, 6}, {5, 7}, {6, 8},
      {7, 9},   {8, 10},  {1, 2},   {0, 1},   {0, 2},   {1, 3},  {2, 4},  {3, 5}, {4, 6}};
  return s;
}

const std::array<const char*, kNumBodyParts>& body_part_names() {
  static const std::array<const char*, kNumBodyParts> n = {"torso",           "right hand",
                                                           "left hand",       "left foot",
                                                           "right foot",      "upper leg right",
                                                           "upper leg left",  "lower leg right",
                                                           "lower leg left",  "upper arm left",
                                                           "upper arm right", "lower arm left",
                                                           "lower arm right", "head"};
  return n;
}

const std::array<int, kNumCharts + 1>& chart_to_coarse_table() {
  static const std::array<int, kNumCharts + 1> t = {0, 1, 1,  2,  3,  4,  5,  6,  7,  6,  7,  8, 9,
                                                    8, 9, 10, 11, 10, 11, 12, 13, 12, 13, 14, 14};
  return t;
}

int chart_to_coarse(int chart) {
  DC_CHECK(chart >= 0 && chart <= kNumCharts, "chart_to_coarse: chart ", chart,
           " is not a DensePose part index (expected 0..24)");
  return chart_to_coarse_table()[chart];
}

std::array<int, 2> part_charts(int part) {
  DC_CHECK(part >= 0 && part < kNumBodyParts, "part_charts: part ", part,
           " out of range (expected 0..13)");
  static const std::array<std::array<int, 2>, kNumBodyParts> c = {{{1, 2},
                                                                   {3, 0},
                                                                   {4, 0},
                                                                   {5, 0},
                                                                   {6, 0},
                                                                   {7, 9},
                                                                   {8, 10},
                                                                   {11, 13},
                                                                   {12, 14},
                                                                   {15, 17},
                                                                   {16, 18},
                                                                   {19, 21},
                                                                   {20, 22},
                                                                   {23, 24}}};
  return c[part];
}

const char* chart_name(int chart) {
  static const std::array<const char*, kNumCharts + 1> n = {"background",
                                                            "torso back",
                                                            "torso front",
                                                            "right hand",
                                                            "left hand",
                                                            "left foot",
                                                            "right foot",
                                                            "upper leg right back",
                                                            "upper leg left back",
                                                            "upper leg right front",
                                                            "upper leg left front",
                                                            "lower leg right back",
                                                            "lower leg left back",
                                                            "lower leg right front",
                                                            "lower leg left front",
                                                            "upper arm left back",
                                                            "upper arm right back",
                                                            "upper arm left front",
                                                            "upper arm right front",
                                                            "lower arm left back",
                                                            "lower arm right back",
                                                            "lower arm left front",
                                                            "lower arm right front",
                                                            "head right",
                                                            "head left"};
  DC_CHECK(chart >= 0 && chart <= kNumCharts, "chart_name: chart ", chart,
           " out of range (expected 0..24)");
  return n[chart];
}

const std::array<int, kNumCharts + 1>& chart_flip_table() {
  static const std::array<int, kNumCharts + 1> t = {
      0, 1, 2, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15, 18, 17, 20, 19, 22, 21, 24, 23};
  return t;
}

const std::array<int, kNumBodyParts + 1>& coarse_flip_table() {
  static const std::array<int, kNumBodyParts + 1> t = {0, 1, 3,  2,  5,  4,  7, 6,
                                                       9, 8, 11, 10, 13, 12, 14};
  return t;
}

// ---------------------------------------------------------------------------------------------
// Shape and pose

BodyShape sample_body_shape(Generator& gen) {
  BodyShape s;
  s.height = uniform(gen, 0.85, 1.10);
  s.girth = uniform(gen, 0.8, 1.35);
  s.leg_length = uniform(gen, 0.92, 1.08);
  s.arm_length = uniform(gen, 0.92, 1.08);
  s.shoulder_width = uniform(gen, 0.9, 1.12);
  s.hip_width = uniform(gen, 0.9, 1.15);
  return s;
}

namespace {

// The scalars of a BodyPose in the order of body_joint_limits() (root yaw excluded).
std::vector<double*> pose_scalars(BodyPose& p) {
  std::vector<double*> v = {&p.root_pitch, &p.root_roll, &p.neck_yaw, &p.neck_pitch, &p.neck_roll};
  for (int side = 0; side < 2; ++side) {
    for (double* x :
         {&p.hip_flexion[side], &p.hip_abduction[side], &p.hip_twist[side], &p.knee[side],
          &p.ankle[side], &p.shoulder_flexion[side], &p.shoulder_abduction[side],
          &p.shoulder_twist[side], &p.elbow[side], &p.wrist[side]}) {
      v.push_back(x);
    }
  }
  return v;
}

}  // namespace

const std::vector<JointLimit>& body_joint_limits() {
  static const std::vector<JointLimit> limits = [] {
    std::vector<JointLimit> l = {{"root_pitch", -12, 12},
                                 {"root_roll", -8, 8},
                                 {"neck_yaw", -60, 60},
                                 {"neck_pitch", -30, 40},
                                 {"neck_roll", -25, 25}};
    const std::vector<JointLimit> per_side = {{"hip_flexion", -30, 110},
                                              {"hip_abduction", -15, 45},
                                              {"hip_twist", -30, 30},
                                              {"knee", 0, 130},
                                              {"ankle", -30, 30},
                                              {"shoulder_flexion", -45, 170},
                                              {"shoulder_abduction", -10, 150},
                                              {"shoulder_twist", -45, 45},
                                              {"elbow", 0, 145},
                                              {"wrist", -60, 60}};
    for (const char* side : {"left_", "right_"}) {
      for (const JointLimit& j : per_side) l.push_back({side + j.name, j.lo, j.hi});
    }
    return l;
  }();
  return limits;
}

BodyPose clamp_body_pose(BodyPose pose) {
  const auto& limits = body_joint_limits();
  const auto scalars = pose_scalars(pose);
  for (size_t i = 0; i < scalars.size(); ++i) {
    *scalars[i] = std::clamp(*scalars[i], limits[i].lo * kDeg, limits[i].hi * kDeg);
  }
  return pose;
}

BodyPose sample_body_pose(Generator& gen) {
  BodyPose p;
  p.root_yaw = uniform(gen, -kPi, kPi);
  p.root_pitch = uniform(gen, -6, 6) * kDeg;
  p.root_roll = uniform(gen, -4, 4) * kDeg;
  p.neck_yaw = uniform(gen, -40, 40) * kDeg;
  p.neck_pitch = uniform(gen, -15, 25) * kDeg;
  p.neck_roll = uniform(gen, -10, 10) * kDeg;
  // Modes: 0 standing, 1 walking, 2 reaching/gesturing, 3 free (anywhere within the limits).
  const double r = uniform(gen, 0, 1);
  const int mode = r < 0.25 ? 0 : r < 0.6 ? 1 : r < 0.85 ? 2 : 3;
  const double stride = uniform(gen, 10, 35);
  for (int side = 0; side < 2; ++side) {
    const double phase = side == 0 ? 1 : -1;
    switch (mode) {
      case 0:
        p.hip_flexion[side] = uniform(gen, -5, 10) * kDeg;
        p.hip_abduction[side] = uniform(gen, -3, 10) * kDeg;
        p.knee[side] = uniform(gen, 0, 10) * kDeg;
        p.shoulder_flexion[side] = uniform(gen, -10, 20) * kDeg;
        p.shoulder_abduction[side] = uniform(gen, -5, 15) * kDeg;
        p.elbow[side] = uniform(gen, 0, 40) * kDeg;
        break;
      case 1:
        p.hip_flexion[side] = (phase * stride + uniform(gen, -5, 5)) * kDeg;
        p.hip_abduction[side] = uniform(gen, -3, 5) * kDeg;
        p.knee[side] = uniform(gen, 0, 50) * kDeg;
        p.shoulder_flexion[side] = (-phase * stride * 0.9 + uniform(gen, -5, 5)) * kDeg;
        p.shoulder_abduction[side] = uniform(gen, -5, 10) * kDeg;
        p.elbow[side] = uniform(gen, 5, 60) * kDeg;
        break;
      case 2:
        p.hip_flexion[side] = uniform(gen, -10, 30) * kDeg;
        p.hip_abduction[side] = uniform(gen, -5, 25) * kDeg;
        p.knee[side] = uniform(gen, 0, 40) * kDeg;
        p.shoulder_flexion[side] = uniform(gen, -30, 160) * kDeg;
        p.shoulder_abduction[side] = uniform(gen, -5, 120) * kDeg;
        p.elbow[side] = uniform(gen, 0, 130) * kDeg;
        break;
      default:
        p.hip_flexion[side] = uniform(gen, -30, 100) * kDeg;
        p.hip_abduction[side] = uniform(gen, -15, 45) * kDeg;
        p.knee[side] = uniform(gen, 0, 120) * kDeg;
        p.shoulder_flexion[side] = uniform(gen, -45, 170) * kDeg;
        p.shoulder_abduction[side] = uniform(gen, -10, 150) * kDeg;
        p.elbow[side] = uniform(gen, 0, 145) * kDeg;
        break;
    }
    p.hip_twist[side] = uniform(gen, -15, 15) * kDeg;
    p.ankle[side] = uniform(gen, -15, 15) * kDeg;
    p.shoulder_twist[side] = uniform(gen, -30, 30) * kDeg;
    p.wrist[side] = uniform(gen, -30, 30) * kDeg;
  }
  return clamp_body_pose(p);
}

BodyPose mirror_body_pose(const BodyPose& p) {
  BodyPose m = p;
  m.root_yaw = -p.root_yaw;
  m.root_roll = -p.root_roll;
  m.neck_yaw = -p.neck_yaw;
  m.neck_roll = -p.neck_roll;
  auto swap = [](std::array<double, 2>& a) { std::swap(a[0], a[1]); };
  for (auto* a :
       {&m.hip_flexion, &m.hip_abduction, &m.hip_twist, &m.knee, &m.ankle, &m.shoulder_flexion,
        &m.shoulder_abduction, &m.shoulder_twist, &m.elbow, &m.wrist}) {
    swap(*a);
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Geometry

namespace {

void set_frame(PartSweep& sw, const Vec3& lo, const Vec3& hi, const Vec3& lateral_ref,
               const Vec3& front_ref) {
  sw.lo = lo;
  sw.hi = hi;
  sw.length = norm(hi - lo);
  sw.axis = normalized(hi - lo);
  // Gram-Schmidt keeps the frame mirror-symmetric: the mirror of a right limb's frame is the left
  // limb's frame with the lateral axis negated, which is what flip_u() assumes.
  sw.lateral = normalized(lateral_ref - dot(lateral_ref, sw.axis) * sw.axis);
  sw.front = normalized(front_ref - dot(front_ref, sw.axis) * sw.axis -
                        dot(front_ref, sw.lateral) * sw.lateral);
}

std::array<double, 5> scaled(std::array<double, 5> a, double s) {
  for (double& x : a) x *= s;
  return a;
}

}  // namespace

BodyGeometry body_geometry(const BodyShape& shape) {
  const double values[] = {shape.height,     shape.girth,          shape.leg_length,
                           shape.arm_length, shape.shoulder_width, shape.hip_width};
  for (double v : values) {
    DC_CHECK(std::isfinite(v) && v > 0.3 && v < 3, "body_geometry: shape parameter ", v,
             " out of range (expected a scale factor in (0.3, 3))");
  }
  BodyGeometry g;
  g.shape = shape;
  auto& J = g.rest_joints;
  const double lr = shape.leg_length, ar = shape.arm_length, sw = shape.shoulder_width,
               hw = shape.hip_width, gi = shape.girth, gh = std::pow(shape.girth, 0.25);
  const double ankle_y = 0.085, lower = 0.40 * lr, upper = 0.42 * lr;
  const double hip_y = ankle_y + lower + upper, pelvis_y = hip_y + 0.04;
  for (int side = 0; side < 2; ++side) {  // 0 left (+X), 1 right (−X)
    const double x = side == 0 ? 1 : -1;
    const int hip = side == 0 ? kLeftHip : kRightHip, knee = side == 0 ? kLeftKnee : kRightKnee,
              ankle = side == 0 ? kLeftAnkle : kRightAnkle;
    J[hip] = {x * 0.09 * hw, hip_y, 0};
    J[knee] = {x * 0.09 * hw, ankle_y + lower, 0};
    J[ankle] = {x * 0.09 * hw, ankle_y, 0};
  }
  J[kPelvis] = {0, pelvis_y, 0};
  J[kSpine] = {0, pelvis_y + 0.22, 0};
  J[kThorax] = {0, pelvis_y + 0.50, 0};
  J[kNeckNose] = {0, pelvis_y + 0.675, 0};
  J[kHeadTop] = {0, pelvis_y + 0.80, 0};
  const double abd = 12 * kDeg;
  for (int side = 0; side < 2; ++side) {
    const double x = side == 0 ? 1 : -1;
    const int sh = side == 0 ? kLeftShoulder : kRightShoulder,
              el = side == 0 ? kLeftElbow : kRightElbow, wr = side == 0 ? kLeftWrist : kRightWrist;
    const Vec3 dir{x * std::sin(abd), -std::cos(abd), 0};
    J[sh] = {x * 0.175 * sw, pelvis_y + 0.48, 0};
    J[el] = J[sh] + 0.29 * ar * dir;
    J[wr] = J[el] + 0.26 * ar * dir;
  }
  const Vec3 X{1, 0, 0}, Y{0, 1, 0}, Z{0, 0, 1};

  auto& P = g.parts;
  {
    PartSweep& t = P[kTorso];
    set_frame(t, J[kPelvis] - Vec3{0, 0.10, 0}, J[kThorax] + Vec3{0, 0.02, 0}, X, Z);
    t.cap_lo = 0.07;
    t.cap_hi = 0.06;
    t.half_width = {0.155 * hw * gi, 0.16 * hw * gi, 0.135 * gi, 0.155 * gi, 0.17 * sw * gi};
    t.half_depth = scaled({0.10, 0.105, 0.095, 0.11, 0.085}, gi);
    t.offset = {-0.005, 0, 0.005 * gi, 0.015 * gi, 0};
    t.pivot = kPelvis;
  }
  {
    PartSweep& h = P[kHead];
    set_frame(h, J[kThorax], J[kHeadTop] - Vec3{0, 0.06, 0}, X, Z);
    h.cap_lo = 0.03;
    h.cap_hi = 0.06;
    h.half_width = scaled({0.055, 0.05, 0.07, 0.078, 0.072}, gh);
    h.half_depth = scaled({0.055, 0.052, 0.085, 0.098, 0.09}, gh);
    h.offset = {0, 0.005, 0.025, 0.02, 0.01};
    h.pivot = kThorax;
  }
  for (int side = 0; side < 2; ++side) {
    const bool left = side == 0;
    const int hip = left ? kLeftHip : kRightHip, knee = left ? kLeftKnee : kRightKnee,
              ankle = left ? kLeftAnkle : kRightAnkle, sh = left ? kLeftShoulder : kRightShoulder,
              el = left ? kLeftElbow : kRightElbow, wr = left ? kLeftWrist : kRightWrist;
    PartSweep& ul = P[left ? kLeftUpperLeg : kRightUpperLeg];
    set_frame(ul, J[knee], J[hip], X, Z);
    ul.cap_lo = 0.05;
    ul.cap_hi = 0.07;
    ul.half_width = scaled({0.05, 0.06, 0.068, 0.078, 0.085}, gi);
    ul.half_depth = scaled({0.052, 0.062, 0.07, 0.078, 0.085}, gi);
    ul.offset = {0, 0.005, 0.008, 0.005, 0};
    ul.pivot = hip;

    PartSweep& ll = P[left ? kLeftLowerLeg : kRightLowerLeg];
    set_frame(ll, J[ankle], J[knee], X, Z);
    ll.cap_lo = 0.04;
    ll.cap_hi = 0.05;
    ll.half_width = scaled({0.033, 0.04, 0.05, 0.052, 0.048}, gi);
    ll.half_depth = scaled({0.035, 0.045, 0.055, 0.055, 0.05}, gi);
    ll.offset = {0, -0.005, -0.012, -0.008, 0};
    ll.pivot = knee;

    PartSweep& ft = P[left ? kLeftFoot : kRightFoot];
    set_frame(ft, J[ankle] + Vec3{0, -0.045, -0.04}, J[ankle] + Vec3{0, -0.055, 0.13}, X, Y);
    ft.cap_lo = 0.035;
    ft.cap_hi = 0.04;
    ft.half_width = scaled({0.035, 0.04, 0.043, 0.045, 0.042}, gh);
    ft.half_depth = scaled({0.04, 0.038, 0.033, 0.028, 0.024}, gh);
    ft.offset = {0, 0, 0, 0, 0};
    ft.pivot = ankle;

    PartSweep& ua = P[left ? kLeftUpperArm : kRightUpperArm];
    set_frame(ua, J[el], J[sh], X, Z);
    ua.cap_lo = 0.035;
    ua.cap_hi = 0.05;
    ua.half_width = scaled({0.037, 0.042, 0.045, 0.048, 0.05}, gi);
    ua.half_depth = scaled({0.038, 0.043, 0.047, 0.05, 0.052}, gi);
    ua.offset = {0, 0, 0, 0, 0};
    ua.pivot = sh;

    PartSweep& la = P[left ? kLeftLowerArm : kRightLowerArm];
    set_frame(la, J[wr], J[el], X, Z);
    la.cap_lo = 0.02;
    la.cap_hi = 0.035;
    la.half_width = scaled({0.022, 0.028, 0.034, 0.038, 0.037}, gi);
    la.half_depth = scaled({0.02, 0.025, 0.03, 0.033, 0.035}, gi);
    la.offset = {0, 0, 0, 0, 0};
    la.pivot = el;

    PartSweep& hd = P[left ? kLeftHand : kRightHand];
    const Vec3 dir = normalized(J[wr] - J[el]);
    set_frame(hd, J[wr] + 0.12 * ar * dir, J[wr] + 0.01 * dir, X, Z);
    hd.cap_lo = 0.02;
    hd.cap_hi = 0.015;
    hd.half_width = scaled({0.011, 0.015, 0.017, 0.018, 0.02}, gh);
    hd.half_depth = scaled({0.025, 0.035, 0.04, 0.04, 0.03}, gh);
    hd.offset = {0, 0, 0, 0, 0};
    hd.pivot = wr;
  }
  // The whole body scales about the ground point under the pelvis.
  const double h = shape.height;
  for (Vec3& j : J) j = h * j;
  for (PartSweep& p : P) {
    p.lo = h * p.lo;
    p.hi = h * p.hi;
    p.length *= h;
    p.cap_lo *= h;
    p.cap_hi *= h;
    p.half_width = scaled(p.half_width, h);
    p.half_depth = scaled(p.half_depth, h);
    p.offset = scaled(p.offset, h);
  }
  return g;
}

Vec3 sweep_point(const PartSweep& sw, double s, double phi) {
  double z, q, tau;
  profile(sw, s, &z, &q, &tau);
  const Vec3 c = sw.lo + z * sw.axis + control(sw.offset, tau) * sw.front;
  return c + q * (-control(sw.half_width, tau) * std::cos(phi) * sw.lateral +
                  control(sw.half_depth, tau) * std::sin(phi) * sw.front);
}

void chart_to_sweep(int chart, double u, double v, double* s, double* phi) {
  DC_CHECK(chart >= 1 && chart <= kNumCharts, "chart_to_sweep: chart ", chart,
           " out of range (expected 1..24)");
  *s = v;
  const int part = chart_part(chart);
  switch (chart_kind(part)) {
    case kFrontBack:
      *phi = chart == part_charts(part)[1] ? kPi * u : kPi + kPi * u;
      break;
    case kSingle:
      *phi = 1.5 * kPi + 2 * kPi * u;
      break;
    case kHeadHalves:
      *phi = chart == 23 ? 1.5 * kPi + kPi * u : 1.5 * kPi - kPi * u;
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// Topology

namespace {

std::unique_ptr<BodyTopology> build_topology(int detail) {
  auto topo = std::make_unique<BodyTopology>();
  BodyTopology& t = *topo;
  t.detail = detail;
  const BodyGeometry mean = body_geometry(BodyShape{});
  for (int part = 0; part < kNumBodyParts; ++part) {
    t.part_begin[part] = static_cast<int32_t>(t.num_vertices());
    int rb, rc, segs;
    part_resolution(part, &rb, &rc, &segs);
    rb *= detail;
    rc *= detail;
    segs *= detail;
    std::vector<double> ring_s;
    for (int k = 0; k < rc; ++k) ring_s.push_back(kCapFraction * k / rc);
    for (int k = 0; k <= rb; ++k) ring_s.push_back(kCapFraction + (1 - 2 * kCapFraction) * k / rb);
    for (int k = rc - 1; k >= 0; --k) ring_s.push_back(1 - kCapFraction * k / rc);
    const int rings = static_cast<int>(ring_s.size());
    const auto charts = part_charts(part);
    const int ncharts = charts[1] == 0 ? 1 : 2;
    // A single chart goes all the way around: twice the segments.
    const int S = ncharts == 1 ? 2 * segs : segs;
    // Welding: vertices of a part at the same (ring, φ mod 2π) are one surface point; all of a
    // pole ring is one point.
    std::map<std::pair<int, int64_t>, int32_t> seen;
    for (int k = 0; k < ncharts; ++k) {
      const int chart = charts[k];
      const int32_t first = static_cast<int32_t>(t.num_vertices());
      for (int i = 0; i < rings; ++i) {
        for (int j = 0; j <= S; ++j) {
          const double u = static_cast<double>(j) / S, v = ring_s[i];
          double s, phi;
          chart_to_sweep(chart, u, v, &s, &phi);
          const int32_t id = static_cast<int32_t>(t.num_vertices());
          t.chart.push_back(static_cast<uint8_t>(chart));
          t.part.push_back(static_cast<uint8_t>(part));
          t.u.push_back(static_cast<float>(u));
          t.v.push_back(static_cast<float>(v));
          t.s.push_back(s);
          t.phi.push_back(phi);
          t.cos_phi.push_back(std::cos(phi));
          t.sin_phi.push_back(std::sin(phi));
          double wrapped = std::fmod(phi, 2 * kPi);
          if (wrapped < 0) wrapped += 2 * kPi;
          int64_t key = std::llround(wrapped * 1e6) % std::llround(2 * kPi * 1e6);
          if (i == 0 || i == rings - 1) key = -1;
          auto it = seen.emplace(std::make_pair(i, key), id).first;
          t.weld.push_back(it->second);
        }
      }
      // Orientation: decided on the mean body so that (v1 − v0) × (v2 − v0) points outwards.
      const PartSweep& sw = mean.parts[part];
      const int im = rings / 2, jm = S / 2;
      auto P = [&](int i, int j) {
        const int32_t id = first + i * (S + 1) + j;
        return sweep_point(sw, t.s[id], t.phi[id]);
      };
      const Vec3 n = cross(P(im, jm + 1) - P(im, jm), P(im + 1, jm) - P(im, jm));
      const Vec3 centre = sw.lo + dot(P(im, jm) - sw.lo, sw.axis) * sw.axis;
      const bool flip = dot(n, P(im, jm) - centre) < 0;
      for (int i = 0; i + 1 < rings; ++i) {
        for (int j = 0; j < S; ++j) {
          const int32_t a = first + i * (S + 1) + j, b = a + 1, c = a + S + 1, d = c + 1;
          // Quad (a, b, d, c) split along b–c or a–d. The choice is mirror-symmetric: a flip
          // maps column j of a left part to column S − 1 − j of the right part (and the torso's
          // columns onto themselves, reversed), which gets the other diagonal, so a mirrored
          // body is triangulated as the mirror of the body. The head's halves map column to
          // column. The pole rows give zero-area triangles, which cover no pixel.
          bool along_bc = true;
          if (part == kTorso) {
            along_bc = j < S / 2;
          } else if (part != kHead) {
            const bool left = part == kLeftHand || part == kLeftFoot || part == kLeftUpperLeg ||
                              part == kLeftLowerLeg || part == kLeftUpperArm ||
                              part == kLeftLowerArm;
            along_bc = left;
          }
          const int32_t bc[2][3] = {{a, b, c}, {b, d, c}}, ad[2][3] = {{a, b, d}, {a, d, c}};
          const auto& tri = along_bc ? bc : ad;
          for (const auto& f : tri) {
            if (flip) {
              t.faces.insert(t.faces.end(), {f[0], f[2], f[1]});
            } else {
              t.faces.insert(t.faces.end(), {f[0], f[1], f[2]});
            }
            t.face_chart.push_back(static_cast<uint8_t>(chart));
          }
        }
      }
    }
  }
  t.part_begin[kNumBodyParts] = static_cast<int32_t>(t.num_vertices());
  return topo;
}

}  // namespace

const BodyTopology& body_topology(int detail) {
  DC_CHECK(detail >= 1 && detail <= 4, "body_topology: detail ", detail,
           " out of range (expected 1..4)");
  static std::mutex mutex;
  static std::array<std::unique_ptr<BodyTopology>, 5> cache;
  std::lock_guard<std::mutex> lock(mutex);
  if (!cache[detail]) cache[detail] = build_topology(detail);
  return *cache[detail];
}

// ---------------------------------------------------------------------------------------------
// Posing

namespace {

// Which part carries each joint rigidly.
constexpr std::array<int, kNumBodyJoints> kJointPart = {
    kTorso,        kTorso,        kRightUpperLeg, kRightLowerLeg, kTorso,        kLeftUpperLeg,
    kLeftLowerLeg, kTorso,        kTorso,         kHead,          kHead,         kTorso,
    kLeftUpperArm, kLeftLowerArm, kTorso,         kRightUpperArm, kRightLowerArm};
// Parent part of each part (−1 for the torso).
constexpr std::array<int, kNumBodyParts> kPartParent = {
    -1,     kRightLowerArm, kLeftLowerArm,  kLeftLowerLeg, kRightLowerLeg,
    kTorso, kTorso,         kRightUpperLeg, kLeftUpperLeg, kTorso,
    kTorso, kLeftUpperArm,  kRightUpperArm, kTorso};
// Parts in an order where parents come first.
constexpr std::array<int, kNumBodyParts> kPartOrder = {
    kTorso,        kHead,          kRightUpperLeg, kLeftUpperLeg, kRightLowerLeg,
    kLeftLowerLeg, kRightFoot,     kLeftFoot,      kLeftUpperArm, kRightUpperArm,
    kLeftLowerArm, kRightLowerArm, kLeftHand,      kRightHand};

Mat3 part_local_rotation(int part, const BodyPose& p) {
  auto limb = [](double sigma, double abd, double flex, double twist) {
    return rotation_z(sigma * abd) * rotation_x(-flex) * rotation_y(sigma * twist);
  };
  switch (part) {
    case kTorso:
      return local_rotation(p.root_yaw, p.root_pitch, p.root_roll);
    case kHead:
      return local_rotation(p.neck_yaw, p.neck_pitch, p.neck_roll);
    case kLeftUpperLeg:
      return limb(1, p.hip_abduction[0], p.hip_flexion[0], p.hip_twist[0]);
    case kRightUpperLeg:
      return limb(-1, p.hip_abduction[1], p.hip_flexion[1], p.hip_twist[1]);
    case kLeftLowerLeg:
      return rotation_x(p.knee[0]);
    case kRightLowerLeg:
      return rotation_x(p.knee[1]);
    case kLeftFoot:
      return rotation_x(-p.ankle[0]);
    case kRightFoot:
      return rotation_x(-p.ankle[1]);
    case kLeftUpperArm:
      return limb(1, p.shoulder_abduction[0], p.shoulder_flexion[0], p.shoulder_twist[0]);
    case kRightUpperArm:
      return limb(-1, p.shoulder_abduction[1], p.shoulder_flexion[1], p.shoulder_twist[1]);
    case kLeftLowerArm:
      return rotation_x(-p.elbow[0]);
    case kRightLowerArm:
      return rotation_x(-p.elbow[1]);
    case kLeftHand:
      return rotation_x(-p.wrist[0]);
    case kRightHand:
      return rotation_x(-p.wrist[1]);
  }
  return Mat3{};
}

// Per-ring data of a part's sweep: rest centre and the two scaled cross-section axes.
struct RingFrame {
  Vec3 centre, lateral, front;
};

}  // namespace

PosedBody pose_body(const BodyGeometry& g, const BodyPose& pose, double ground_x, double ground_z,
                    const BodyTopology& topology) {
  PosedBody out;
  const Vec3 pelvis = g.rest_joints[kPelvis];
  for (int part : kPartOrder) {
    const Mat3 local = part_local_rotation(part, pose);
    const Vec3 pivot = g.rest_joints[g.parts[part].pivot];
    const int parent = kPartParent[part];
    if (parent < 0) {
      out.rotation[part] = local;
      out.translation[part] = Vec3{ground_x, pelvis.y, ground_z} - local * pivot;
    } else {
      const Vec3 posed_pivot = out.rotation[parent] * pivot + out.translation[parent];
      out.rotation[part] = out.rotation[parent] * local;
      out.translation[part] = posed_pivot - out.rotation[part] * pivot;
    }
  }
  // Ground contact: the lowest vertex of the limbs' ends touches y = 0. Only heights are needed:
  // per ring (vertices run ring by ring) the heights of its centre and of its two half-axes, then
  // per vertex the precomputed cos φ and sin φ, as body_positions() places them.
  double lowest = 1e30;
  for (int part : {kLeftFoot, kRightFoot, kLeftLowerLeg, kRightLowerLeg, kLeftHand, kRightHand,
                   kLeftLowerArm, kRightLowerArm, kTorso}) {
    const PartSweep& sw = g.parts[part];
    const Mat3& R = out.rotation[part];
    auto height = [&](const Vec3& v) { return R(1, 0) * v.x + R(1, 1) * v.y + R(1, 2) * v.z; };
    const double axis_y = height(sw.axis), front_y = height(sw.front);
    const double lateral_y = height(sw.lateral);
    const double lo_y = height(sw.lo) + out.translation[part].y;
    double last_s = -1, centre_y = 0, across_y = 0, depth_y = 0;
    for (int32_t i = topology.part_begin[part]; i < topology.part_begin[part + 1]; ++i) {
      const double s = topology.s[i];
      if (s != last_s) {
        double z, q, tau;
        profile(sw, s, &z, &q, &tau);
        centre_y = lo_y + z * axis_y + control(sw.offset, tau) * front_y;
        across_y = -q * control(sw.half_width, tau) * lateral_y;
        depth_y = q * control(sw.half_depth, tau) * front_y;
        last_s = s;
      }
      lowest = std::min(lowest,
                        centre_y + topology.cos_phi[i] * across_y + topology.sin_phi[i] * depth_y);
    }
  }
  for (Vec3& t : out.translation) t.y -= lowest;
  for (int j = 0; j < kNumBodyJoints; ++j) {
    const int b = kJointPart[j];
    out.joints[j] = out.rotation[b] * g.rest_joints[j] + out.translation[b];
  }
  return out;
}

void body_positions(const BodyGeometry& g, const PosedBody& posed, const BodyTopology& topo,
                    std::vector<float>* out) {
  const size_t base = out->size();
  out->resize(base + 3 * topo.num_vertices());
  float* dst = out->data() + base;
  std::vector<RingFrame> rings;
  for (int part = 0; part < kNumBodyParts; ++part) {
    const PartSweep& sw = g.parts[part];
    const Mat3& R = posed.rotation[part];
    const Vec3 lat = R * sw.lateral, fr = R * sw.front, ax = R * sw.axis;
    const Vec3 lo = R * sw.lo + posed.translation[part];
    // Vertices of a part run ring by ring per chart; cache the ring frame by s.
    double last_s = -1;
    RingFrame rf;
    for (int32_t i = topo.part_begin[part]; i < topo.part_begin[part + 1]; ++i) {
      const double s = topo.s[i];
      if (s != last_s) {
        double z, q, tau;
        profile(sw, s, &z, &q, &tau);
        rf.centre = lo + z * ax + control(sw.offset, tau) * fr;
        rf.lateral = (-q * control(sw.half_width, tau)) * lat;
        rf.front = (q * control(sw.half_depth, tau)) * fr;
        last_s = s;
      }
      const double c = topo.cos_phi[i], sn = topo.sin_phi[i];
      const Vec3 p = rf.centre + c * rf.lateral + sn * rf.front;
      dst[3 * i] = static_cast<float>(p.x);
      dst[3 * i + 1] = static_cast<float>(p.y);
      dst[3 * i + 2] = static_cast<float>(p.z);
    }
  }
}

Vec3 body_surface_point(const BodyGeometry& g, const PosedBody& posed, int chart, double u,
                        double v) {
  double s, phi;
  chart_to_sweep(chart, u, v, &s, &phi);
  const int part = chart_part(chart);
  return posed.rotation[part] * sweep_point(g.parts[part], s, phi) + posed.translation[part];
}

namespace {
// V of the head at a fraction τ of its straight section.
double head_v(double tau) { return kCapFraction + (1 - 2 * kCapFraction) * tau; }
}  // namespace

const std::array<ChartPoint, kNumCocoKeypoints>& coco_keypoint_surface() {
  static const std::array<ChartPoint, kNumCocoKeypoints> k = {{
      {23, 1.0, head_v(0.64)},   // nose: the front meridian (U = 1 on both head halves)
      {24, 0.84, head_v(0.74)},  // left eye
      {23, 0.84, head_v(0.74)},  // right eye
      {24, 0.48, head_v(0.68)},  // left ear
      {23, 0.48, head_v(0.68)},  // right ear
  }};
  return k;
}

std::array<Vec3, kNumCocoKeypoints> coco_keypoints(const BodyGeometry& g, const PosedBody& posed) {
  std::array<Vec3, kNumCocoKeypoints> k;
  for (int i = 0; i < 5; ++i) {
    const ChartPoint& c = coco_keypoint_surface()[i];
    k[i] = body_surface_point(g, posed, c.chart, c.u, c.v);
  }
  const int joints[12] = {kLeftShoulder, kRightShoulder, kLeftElbow, kRightElbow,
                          kLeftWrist,    kRightWrist,    kLeftHip,   kRightHip,
                          kLeftKnee,     kRightKnee,     kLeftAnkle, kRightAnkle};
  for (int i = 0; i < 12; ++i) k[5 + i] = posed.joints[joints[i]];
  return k;
}

std::array<double, kNumCocoKeypoints> coco_keypoint_depth_slack(const BodyGeometry& g) {
  auto radius = [&](int part, int end) {
    const PartSweep& sw = g.parts[part];
    return std::max(sw.half_width[end], sw.half_depth[end]);
  };
  std::array<double, kNumCocoKeypoints> r{};
  r[5] = radius(kLeftUpperArm, 4);
  r[6] = radius(kRightUpperArm, 4);
  r[7] = radius(kLeftUpperArm, 0);
  r[8] = radius(kRightUpperArm, 0);
  r[9] = radius(kLeftLowerArm, 0);
  r[10] = radius(kRightLowerArm, 0);
  r[11] = radius(kLeftUpperLeg, 4);
  r[12] = radius(kRightUpperLeg, 4);
  r[13] = radius(kLeftUpperLeg, 0);
  r[14] = radius(kRightUpperLeg, 0);
  r[15] = radius(kLeftLowerLeg, 0);
  r[16] = radius(kRightLowerLeg, 0);
  return r;
}

void body_normals(const BodyTopology& topo, const float* pos, std::vector<float>* out) {
  const int64_t V = topo.num_vertices();
  std::vector<float> acc(3 * V, 0.0f);
  const int32_t* f = topo.faces.data();
  for (int64_t k = 0; k < topo.num_faces(); ++k) {
    const int32_t a = f[3 * k], b = f[3 * k + 1], c = f[3 * k + 2];
    const float* A = pos + 3 * a;
    const float* B = pos + 3 * b;
    const float* C = pos + 3 * c;
    const float e1[3] = {B[0] - A[0], B[1] - A[1], B[2] - A[2]};
    const float e2[3] = {C[0] - A[0], C[1] - A[1], C[2] - A[2]};
    const float n[3] = {e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2],
                        e1[0] * e2[1] - e1[1] * e2[0]};
    for (int32_t w : {topo.weld[a], topo.weld[b], topo.weld[c]}) {
      acc[3 * w] += n[0];
      acc[3 * w + 1] += n[1];
      acc[3 * w + 2] += n[2];
    }
  }
  const size_t base = out->size();
  out->resize(base + 3 * V);
  float* dst = out->data() + base;
  for (int64_t i = 0; i < V; ++i) {
    const float* n = &acc[3 * topo.weld[i]];
    const float len = std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
    const float inv = len > 0 ? 1.0f / len : 0.0f;
    dst[3 * i] = n[0] * inv;
    dst[3 * i + 1] = n[1] * inv;
    dst[3 * i + 2] = n[2] * inv;
  }
}

Mesh body_mesh(const BodyGeometry& g, const PosedBody& posed, const BodyTopology& topo) {
  Mesh m;
  body_positions(g, posed, topo, &m.positions);
  m.faces = topo.faces;
  std::vector<float> normals, uv(2 * topo.num_vertices()), vid(topo.num_vertices());
  body_normals(topo, m.positions.data(), &normals);
  for (int64_t i = 0; i < topo.num_vertices(); ++i) {
    uv[2 * i] = topo.u[i];
    uv[2 * i + 1] = topo.v[i];
    vid[i] = static_cast<float>(i);
  }
  m.set_vertex_attribute("normal", 3, std::move(normals));
  m.set_vertex_attribute("uv", 2, std::move(uv));
  m.set_vertex_attribute("vid", 1, std::move(vid), Interp::kNearestVertex);
  m.set_face_attribute("part", 1,
                       std::vector<float>(topo.face_chart.begin(), topo.face_chart.end()));
  return m;
}

}  // namespace dc
