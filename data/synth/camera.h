// The pinhole perspective camera of the synthetic world.
//
// Conventions (as OpenCV and Human3.6M, see REFERENCE.md):
//   - camera coordinates: +X right, +Y down, +Z forward (the camera looks along +Z);
//   - extrinsics map world to camera: X_cam = R · X_world + t (R a rotation; the camera centre in
//     the world is C = −Rᵀ t, so Human3.6M's X_cam = R (P − T) is t = −R T);
//   - intrinsics: pixel x = fx · X/Z + cx, y = fy · Y/Z + cy, in the pixel-centre convention of
//     data/sample.h: pixel (i, j) (column i, row j) is the square [i − ½, i + ½] × [j − ½, j + ½],
//     its centre at the integers (i, j); the image spans [−½, W − ½] × [−½, H − ½]. A camera
//     looking at the image centre has cx = (W − 1)/2, cy = (H − 1)/2.
// No lens distortion: the rasterizer draws straight lines as straight lines.
#pragma once

#include "data/synth/geometry.h"

namespace dc {

// A projected point: pixel coordinates (x, y) and the camera-space depth Z. When z <= 0 the point
// is at or behind the camera and x, y are NaN.
struct Projection {
  double x = 0, y = 0, z = 0;
};

struct Camera {
  int width = 0, height = 0;  // image size in pixels
  double fx = 1, fy = 1;      // focal lengths in pixels
  double cx = 0, cy = 0;      // principal point in pixels (pixel-centre convention)
  Mat3 R;                     // world → camera rotation
  Vec3 t;                     // world → camera translation

  Vec3 to_camera(const Vec3& world) const { return R * world + t; }
  // Camera-space point → pixel coordinates and depth.
  Projection project_camera(const Vec3& cam) const;
  // World point → pixel coordinates and depth.
  Projection project(const Vec3& world) const { return project_camera(to_camera(world)); }
  // The camera centre in world coordinates, −Rᵀ t.
  Vec3 center() const { return -(transpose(R) * t); }
  // The camera-space direction of the ray through pixel coordinates (x, y), with Z = 1.
  Vec3 ray(double x, double y) const { return {(x - cx) / fx, (y - cy) / fy, 1.0}; }

  // Checks width, height >= 1, fx, fy > 0 and finite, and that R is a rotation (RᵀR = I and
  // det R = 1 to 1e-6); a dc::Error names the field.
  void validate() const;
};

// A camera of the given size with focal length f (fx = fy = f), the principal point at the image
// centre ((W − 1)/2, (H − 1)/2) and the identity pose.
Camera make_camera(int width, int height, double focal);
// The focal length in pixels giving a horizontal field of view of `fov_degrees` over `width` px.
double focal_from_fov(int width, double fov_degrees);

// The camera of the S×S sub-sample grid of `camera`: an image S times wider and taller whose
// pixel (i, j) is the sub-sample at ((i + ½)/S − ½, (j + ½)/S − ½) of the original image (fx, fy
// times S, c' = S (c + ½) − ½, same pose). Rendering it and averaging S×S blocks is supersampling.
Camera supersampled(const Camera& camera, int s);

// Right-handed rotations by `angle` radians about the X, Y and Z axes.
Mat3 rotation_x(double angle);
Mat3 rotation_y(double angle);
Mat3 rotation_z(double angle);
// Ry(yaw) · Rx(pitch) · Rz(roll): roll about Z first, then pitch about X, then yaw about Y, all
// about the fixed axes of the frame the rotation acts in (radians).
Mat3 rotation_ypr(double yaw, double pitch, double roll);

// Sets camera.R and camera.t so that the camera sits at `eye`, looks at `target` (which then
// projects to (cx, cy)) and the world direction `up` points up in the image (towards −Y_cam).
// A dc::Error if eye == target or `up` is parallel to the viewing direction.
void look_at(Camera& camera, const Vec3& eye, const Vec3& target, const Vec3& up);

}  // namespace dc
