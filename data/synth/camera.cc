#include "data/synth/camera.h"

#include <cmath>
#include <limits>

#include "core/error.h"

namespace dc {

Projection Camera::project_camera(const Vec3& cam) const {
  if (!(cam.z > 0)) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    return {nan, nan, cam.z};
  }
  return {fx * cam.x / cam.z + cx, fy * cam.y / cam.z + cy, cam.z};
}

void Camera::validate() const {
  DC_CHECK(width >= 1 && height >= 1, "camera: image size ", width, "×", height,
           ", expected width and height >= 1");
  DC_CHECK(std::isfinite(fx) && fx > 0, "camera: fx = ", fx, ", expected a finite value > 0");
  DC_CHECK(std::isfinite(fy) && fy > 0, "camera: fy = ", fy, ", expected a finite value > 0");
  DC_CHECK(std::isfinite(cx) && std::isfinite(cy), "camera: principal point (", cx, ", ", cy,
           ") must be finite");
  DC_CHECK(std::isfinite(t.x) && std::isfinite(t.y) && std::isfinite(t.z),
           "camera: translation t must be finite");
  const Mat3 rtr = transpose(R) * R;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) {
      DC_CHECK(std::abs(rtr(r, c) - (r == c ? 1.0 : 0.0)) < 1e-6,
               "camera: R is not a rotation (RᵀR differs from I at (", r, ", ", c, ") by ",
               rtr(r, c) - (r == c ? 1.0 : 0.0), ")");
    }
  }
  const double det = dot(R.row(0), cross(R.row(1), R.row(2)));
  DC_CHECK(std::abs(det - 1.0) < 1e-6, "camera: R has determinant ", det,
           ", expected 1 (a rotation, not a reflection)");
}

Camera make_camera(int width, int height, double focal) {
  Camera cam;
  cam.width = width;
  cam.height = height;
  cam.fx = cam.fy = focal;
  cam.cx = 0.5 * (width - 1);
  cam.cy = 0.5 * (height - 1);
  return cam;
}

Camera supersampled(const Camera& camera, int s) {
  DC_CHECK(s >= 1, "supersampled: factor ", s, ", expected >= 1");
  Camera sub = camera;
  sub.width = camera.width * s;
  sub.height = camera.height * s;
  sub.fx = camera.fx * s;
  sub.fy = camera.fy * s;
  sub.cx = s * (camera.cx + 0.5) - 0.5;
  sub.cy = s * (camera.cy + 0.5) - 0.5;
  return sub;
}

double focal_from_fov(int width, double fov_degrees) {
  DC_CHECK(fov_degrees > 0 && fov_degrees < 180, "focal_from_fov: field of view ", fov_degrees,
           "°, expected in (0, 180)");
  // The image spans `width` pixels edge to edge, half of it on each side of the axis.
  return 0.5 * width / std::tan(0.5 * fov_degrees * M_PI / 180.0);
}

Mat3 rotation_x(double a) {
  const double c = std::cos(a), s = std::sin(a);
  return Mat3{{1, 0, 0, 0, c, -s, 0, s, c}};
}

Mat3 rotation_y(double a) {
  const double c = std::cos(a), s = std::sin(a);
  return Mat3{{c, 0, s, 0, 1, 0, -s, 0, c}};
}

Mat3 rotation_z(double a) {
  const double c = std::cos(a), s = std::sin(a);
  return Mat3{{c, -s, 0, s, c, 0, 0, 0, 1}};
}

Mat3 rotation_ypr(double yaw, double pitch, double roll) {
  return rotation_y(yaw) * rotation_x(pitch) * rotation_z(roll);
}

void look_at(Camera& camera, const Vec3& eye, const Vec3& target, const Vec3& up) {
  const Vec3 forward = target - eye;
  DC_CHECK(norm(forward) > 0, "look_at: eye and target coincide");
  const Vec3 z = normalized(forward);
  // Image y grows downwards, so camera +Y is the world's down; x completes a right-handed frame.
  const Vec3 x_raw = cross(z, up);
  DC_CHECK(norm(x_raw) > 1e-12 * norm(up), "look_at: up (", up.x, ", ", up.y, ", ", up.z,
           ") is parallel to the viewing direction");
  const Vec3 x = normalized(x_raw);
  const Vec3 y = cross(z, x);
  camera.R = Mat3::from_rows(x, y, z);
  camera.t = -(camera.R * eye);
}

}  // namespace dc
