#include "data/synth/rasterizer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <tuple>

#include "core/error.h"
#include "core/thread_pool.h"

namespace dc {
namespace {

// Sub-pixel precision of the snapped vertex positions: 1/256 pixel.
constexpr int kSubBits = 8;
constexpr int64_t kSub = int64_t{1} << kSubBits;
// Guard band (pixels beyond the image edges): with it, snapped coordinates stay below 2^29 units
// for images up to 2^19 pixels wide, so edge functions (products of two differences < 2^30) fit
// in int64 exactly.
constexpr double kGuard = double(1 << 18);

// A vertex of the clipped polygon: camera-space position and barycentric weights of the original
// face's three corners.
struct ClipVertex {
  Vec3 p;
  std::array<double, 3> w;
};

// A plane in camera space, inside where dot(n, p) + d >= 0.
struct Plane {
  Vec3 n;
  double d;
  double eval(const Vec3& p) const { return dot(n, p) + d; }
};

// The point where segment (a, b) crosses `plane`. The endpoints are put in a canonical order
// first (lexicographic on position), so the two faces sharing an edge compute bit-identical
// points and stay watertight after clipping.
ClipVertex intersect(const Plane& plane, ClipVertex a, ClipVertex b) {
  if (std::tie(b.p.x, b.p.y, b.p.z) < std::tie(a.p.x, a.p.y, a.p.z)) std::swap(a, b);
  const double da = plane.eval(a.p), db = plane.eval(b.p);
  const double s = da / (da - db);
  ClipVertex r;
  r.p = a.p + s * (b.p - a.p);
  for (int k = 0; k < 3; ++k) r.w[k] = a.w[k] + s * (b.w[k] - a.w[k]);
  return r;
}

// Sutherland–Hodgman clipping of a convex polygon against one plane.
void clip_polygon(const Plane& plane, const std::vector<ClipVertex>& in,
                  std::vector<ClipVertex>& out) {
  out.clear();
  const size_t n = in.size();
  for (size_t i = 0; i < n; ++i) {
    const ClipVertex& cur = in[i];
    const ClipVertex& nxt = in[(i + 1) % n];
    const bool cur_in = plane.eval(cur.p) >= 0, nxt_in = plane.eval(nxt.p) >= 0;
    if (cur_in) out.push_back(cur);
    if (cur_in != nxt_in) out.push_back(intersect(plane, cur, nxt));
  }
}

// A triangle ready for scan conversion: a face or a piece of a clipped face.
struct Prim {
  int32_t face;
  int32_t v[3];  // indices into the screen-vertex table
};

// Screen-space vertex: unsnapped pixel position, 1/Z and the snapped fixed-point position.
struct ScreenVertex {
  double x, y, inv_z;
  int64_t X, Y;
};

// Per-primitive setup shared by the coverage pass and the resolve pass.
struct Setup {
  int64_t X[3], Y[3];      // snapped corners, ordered so that the signed area is positive
  int32_t x0, x1, y0, y1;  // pixel bounding box (inclusive), clamped to the image; empty: x0 > x1
  double ox, oy;           // reference point (corner 0, unsnapped) of the planes below
  // u_k(x, y) = c[k] + gx[k] (x − ox) + gy[k] (y − oy) = λ_k / Z_k for the prim's corners in
  // their original order; 1/Z = Σ u_k and the perspective-correct barycentrics are u_k / Σ u.
  double c[3], gx[3], gy[3];
  double ci, gxi, gyi;  // Σ_k of the above: 1/Z as a plane
  double z[3];          // the corners' depths
  int32_t prim;         // index into the prims
  bool clipped;         // a piece of a clipped face (its corners are clip vertices)
};

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

ScreenVertex to_screen(const Camera& cam, const Vec3& p) {
  ScreenVertex s;
  s.inv_z = 1.0 / p.z;
  s.x = cam.fx * p.x * s.inv_z + cam.cx;
  s.y = cam.fy * p.y * s.inv_z + cam.cy;
  // Points reaching here are inside the guard band, so the rounding cannot overflow.
  s.X = std::llround(s.x * kSub);
  s.Y = std::llround(s.y * kSub);
  return s;
}

// Fills `setup` for the triangle (a, b, c); false when it is degenerate once snapped or misses
// the image.
bool make_setup(const ScreenVertex& a, const ScreenVertex& b, const ScreenVertex& c, int width,
                int height, Setup& s) {
  const ScreenVertex* v[3] = {&a, &b, &c};
  const int64_t area = (b.X - a.X) * (c.Y - a.Y) - (b.Y - a.Y) * (c.X - a.X);
  if (area == 0) return false;
  int order[3] = {0, 1, 2};
  if (area < 0) std::swap(order[1], order[2]);
  for (int k = 0; k < 3; ++k) {
    s.X[k] = v[order[k]]->X;
    s.Y[k] = v[order[k]]->Y;
  }
  const int64_t minX = std::min({a.X, b.X, c.X}), maxX = std::max({a.X, b.X, c.X});
  const int64_t minY = std::min({a.Y, b.Y, c.Y}), maxY = std::max({a.Y, b.Y, c.Y});
  s.x0 = static_cast<int32_t>(std::max<int64_t>(0, ceil_div(minX, kSub)));
  s.x1 = static_cast<int32_t>(std::min<int64_t>(width - 1, floor_div(maxX, kSub)));
  s.y0 = static_cast<int32_t>(std::max<int64_t>(0, ceil_div(minY, kSub)));
  s.y1 = static_cast<int32_t>(std::min<int64_t>(height - 1, floor_div(maxY, kSub)));
  if (s.x0 > s.x1 || s.y0 > s.y1) return false;

  // Interpolation planes from the unsnapped positions (exact projective interpolation); a sliver
  // whose unsnapped area vanishes or flips sign uses the snapped positions instead.
  double px[3] = {a.x, b.x, c.x}, py[3] = {a.y, b.y, c.y};
  double A = (px[1] - px[0]) * (py[2] - py[0]) - (py[1] - py[0]) * (px[2] - px[0]);
  if (A == 0 || (A > 0) != (area > 0)) {
    for (int k = 0; k < 3; ++k) {
      px[k] = double(v[k]->X) / kSub;
      py[k] = double(v[k]->Y) / kSub;
    }
    A = (px[1] - px[0]) * (py[2] - py[0]) - (py[1] - py[0]) * (px[2] - px[0]);
  }
  s.ox = px[0];
  s.oy = py[0];
  s.ci = s.gxi = s.gyi = 0;
  for (int k = 0; k < 3; ++k) {
    // λ_k is the edge function of the opposite edge (k+1 → k+2) over the area.
    const int i = (k + 1) % 3, j = (k + 2) % 3;
    const double dx = px[j] - px[i], dy = py[j] - py[i];
    const double scale = v[k]->inv_z / A;
    s.z[k] = 1.0 / v[k]->inv_z;
    s.c[k] = (dx * (py[0] - py[i]) - dy * (px[0] - px[i])) * scale;
    s.gx[k] = -dy * scale;
    s.gy[k] = dx * scale;
    s.ci += s.c[k];
    s.gxi += s.gx[k];
    s.gyi += s.gy[k];
  }
  return true;
}

// Draws the setups into rows [row0, row1): depth test on 1/Z, the winner's setup index into `ids`.
void draw_rows(const std::vector<Setup>& setups, int width, int row0, int row1, float* inv_depth,
               int32_t* ids) {
  for (size_t q = 0; q < setups.size(); ++q) {
    const Setup& s = setups[q];
    const int y0 = std::max<int>(s.y0, row0), y1 = std::min<int>(s.y1, row1 - 1);
    if (y0 > y1) continue;
    // Edge k runs from corner k+1 to corner k+2 (opposite corner k); E > 0 inside. A centre on
    // the edge is inside for top edges (dy == 0, dx > 0) and left edges (dy < 0): bias 1 turns
    // the test E + bias > 0 into E >= 0 for them.
    int64_t e_row[3], step_x[3], step_y[3];
    for (int k = 0; k < 3; ++k) {
      const int i = (k + 1) % 3, j = (k + 2) % 3;
      const int64_t dx = s.X[j] - s.X[i], dy = s.Y[j] - s.Y[i];
      const int64_t bias = (dy < 0 || (dy == 0 && dx > 0)) ? 1 : 0;
      const int64_t px = int64_t{s.x0} * kSub, py = int64_t{y0} * kSub;
      e_row[k] = dx * (py - s.Y[i]) - dy * (px - s.X[i]) + bias - 1;  // inside: e >= 0
      step_x[k] = -dy * kSub;
      step_y[k] = dx * kSub;
    }
    const int32_t id = static_cast<int32_t>(q);
    for (int y = y0; y <= y1; ++y) {
      int64_t e0 = e_row[0], e1 = e_row[1], e2 = e_row[2];
      const double dy = y - s.oy;
      float* zrow = inv_depth + static_cast<int64_t>(y) * width;
      int32_t* irow = ids + static_cast<int64_t>(y) * width;
      for (int x = s.x0; x <= s.x1; ++x) {
        if ((e0 | e1 | e2) >= 0) {
          const float iz = static_cast<float>(s.ci + s.gxi * (x - s.ox) + s.gyi * dy);
          if (iz > zrow[x]) {
            zrow[x] = iz;
            irow[x] = id;
          }
        }
        e0 += step_x[0];
        e1 += step_x[1];
        e2 += step_x[2];
      }
      for (int k = 0; k < 3; ++k) e_row[k] += step_y[k];
    }
  }
}

}  // namespace

struct Visibility::Impl {
  int width = 0, height = 0;
  int64_t num_vertices = 0;
  std::vector<Prim> prims;
  std::vector<Setup> setups;                        // of the prims that can cover a pixel
  std::vector<std::array<double, 3>> clip_weights;  // of screen vertices num_vertices + i
  std::vector<int32_t> ids;                         // H·W winning setup, −1 at background
};

int Visibility::width() const { return impl_->width; }
int Visibility::height() const { return impl_->height; }

bool Visibility::fragment(int x, int y, int32_t* face, float* bary, float* depth) const {
  const Impl& im = *impl_;
  const int32_t q = im.ids[static_cast<int64_t>(y) * im.width + x];
  if (q < 0) return false;
  const Setup& s = im.setups[q];
  const double dx = x - s.ox, dy = y - s.oy;
  double u[3], sum = 0;
  for (int k = 0; k < 3; ++k) {
    // Centres covered by the snapped triangle may sit a hair outside the unsnapped one.
    u[k] = std::max(0.0, s.c[k] + s.gx[k] * dx + s.gy[k] * dy);
    sum += u[k];
  }
  if (!(sum > 0)) {  // only a vanishing sliver can get here; its centroid stands for it
    u[0] = u[1] = u[2] = s.ci / 3;
    sum = s.ci;
  }
  const double inv = 1.0 / sum;
  double b[3] = {u[0] * inv, u[1] * inv, u[2] * inv};
  // Depth as the barycentric blend of the corners' depths (1/Σu unless a clamp acted), so depth
  // and every interpolated attribute describe the same surface point.
  *depth = static_cast<float>(b[0] * s.z[0] + b[1] * s.z[1] + b[2] * s.z[2]);
  const Prim& pr = im.prims[s.prim];
  if (s.clipped) {
    // A piece of a clipped face: map to the face's own corners.
    const int64_t V = im.num_vertices;
    double w[3] = {0, 0, 0};
    for (int k = 0; k < 3; ++k) {
      const auto& cw = im.clip_weights[pr.v[k] - V];
      for (int j = 0; j < 3; ++j) w[j] += b[k] * cw[j];
    }
    std::copy(w, w + 3, b);
  }
  *face = pr.face;
  for (int k = 0; k < 3; ++k) bary[k] = static_cast<float>(b[k]);
  return true;
}

Visibility rasterize_visibility(const Mesh& mesh, const Camera& cam, const RasterOptions& options) {
  mesh.validate("rasterize: mesh");
  cam.validate();
  DC_CHECK(std::isfinite(options.near) && options.near > 0,
           "rasterize: options.near = ", options.near, ", expected a finite value > 0");
  DC_CHECK(cam.width <= (1 << 19) && cam.height <= (1 << 19), "rasterize: image ", cam.width, "×",
           cam.height, " is larger than 2^19 pixels on a side");
  const int W = cam.width, H = cam.height;
  const int64_t V = mesh.num_vertices(), F = mesh.num_faces();

  std::vector<Vec3> camv(V);
  for (int64_t i = 0; i < V; ++i) camv[i] = cam.to_camera(mesh.vertex(i));

  // Clip planes: near, then the guard band around the image (x_pix >= −G, x_pix <= W−1+G, ...),
  // written as planes through the camera centre, valid in front of the near plane.
  const Plane planes[5] = {
      {{0, 0, 1}, -options.near},
      {{cam.fx, 0, cam.cx + kGuard}, 0},
      {{-cam.fx, 0, W - 1 + kGuard - cam.cx}, 0},
      {{0, cam.fy, cam.cy + kGuard}, 0},
      {{0, -cam.fy, H - 1 + kGuard - cam.cy}, 0},
  };

  // Screen vertices: the mesh's vertices first (computed on demand), then clip vertices.
  std::vector<ScreenVertex> screen(V);
  std::vector<char> screen_done(V, 0);
  auto impl = std::make_shared<Visibility::Impl>();
  impl->width = W;
  impl->height = H;
  impl->num_vertices = V;
  std::vector<std::array<double, 3>>& clip_weights = impl->clip_weights;
  std::vector<Prim>& prims = impl->prims;
  prims.reserve(F);
  std::vector<ClipVertex> poly, tmp;

  for (int64_t f = 0; f < F; ++f) {
    const int32_t* fv = &mesh.faces[3 * f];
    const Vec3 &a = camv[fv[0]], &b = camv[fv[1]], &c = camv[fv[2]];
    if (options.cull_back_faces) {
      // Front faces have their outward normal towards the camera (at the origin).
      if (dot(cross(b - a, c - a), a) >= 0) continue;
    }
    unsigned inside_all = 0x1f, outside_any = 0;
    for (int p = 0; p < 5; ++p) {
      const int in_a = planes[p].eval(a) >= 0, in_b = planes[p].eval(b) >= 0,
                in_c = planes[p].eval(c) >= 0;
      if (!(in_a && in_b && in_c)) inside_all &= ~(1u << p);
      if (!in_a && !in_b && !in_c) outside_any = 1;
    }
    if (outside_any) continue;
    if (inside_all == 0x1f) {
      for (int k = 0; k < 3; ++k) {
        if (!screen_done[fv[k]]) {
          screen[fv[k]] = to_screen(cam, camv[fv[k]]);
          screen_done[fv[k]] = 1;
        }
      }
      prims.push_back({static_cast<int32_t>(f), {fv[0], fv[1], fv[2]}});
      continue;
    }
    poly = {{a, {1, 0, 0}}, {b, {0, 1, 0}}, {c, {0, 0, 1}}};
    for (int p = 0; p < 5 && poly.size() >= 3; ++p) {
      if (inside_all & (1u << p)) continue;
      clip_polygon(planes[p], poly, tmp);
      poly.swap(tmp);
    }
    if (poly.size() < 3) continue;
    const int32_t first = static_cast<int32_t>(screen.size());
    for (const ClipVertex& cv : poly) {
      screen.push_back(to_screen(cam, cv.p));
      clip_weights.push_back(cv.w);
    }
    // A fan keeps the polygon's orientation and shares its diagonals exactly.
    for (size_t k = 1; k + 1 < poly.size(); ++k) {
      prims.push_back(
          {static_cast<int32_t>(f),
           {first, first + static_cast<int32_t>(k), first + static_cast<int32_t>(k + 1)}});
    }
  }

  // Setup per prim (kept in prim order, which is face order).
  std::vector<Setup>& setups = impl->setups;
  setups.reserve(prims.size());
  for (size_t q = 0; q < prims.size(); ++q) {
    const Prim& pr = prims[q];
    Setup s;
    if (make_setup(screen[pr.v[0]], screen[pr.v[1]], screen[pr.v[2]], W, H, s)) {
      s.prim = static_cast<int32_t>(q);
      s.clipped = pr.v[0] >= V || pr.v[1] >= V || pr.v[2] >= V;
      setups.push_back(s);
    }
  }

  const int64_t N = static_cast<int64_t>(W) * H;
  std::vector<float> inv_depth(N, 0.0f);
  std::vector<int32_t>& ids = impl->ids;
  ids.assign(N, -1);
  if (options.parallel) {
    parallel_for(0, H, 8, [&](int64_t r0, int64_t r1) {
      draw_rows(setups, W, static_cast<int>(r0), static_cast<int>(r1), inv_depth.data(),
                ids.data());
    });
  } else {
    draw_rows(setups, W, 0, H, inv_depth.data(), ids.data());
  }
  return Visibility(std::move(impl));
}

Fragments rasterize(const Mesh& mesh, const Camera& cam, const RasterOptions& options) {
  const Visibility vis = rasterize_visibility(mesh, cam, options);
  const int W = cam.width, H = cam.height;
  const int64_t N = static_cast<int64_t>(W) * H;
  Fragments out;
  out.width = W;
  out.height = H;
  out.face.resize(N);
  out.bary.resize(3 * N);
  out.depth.resize(N);
  auto rows = [&](int64_t r0, int64_t r1) {
    for (int64_t y = r0; y < r1; ++y) {
      for (int x = 0; x < W; ++x) {
        const int64_t p = y * W + x;
        if (!vis.fragment(x, static_cast<int>(y), &out.face[p], &out.bary[3 * p], &out.depth[p])) {
          out.face[p] = -1;
          out.bary[3 * p] = out.bary[3 * p + 1] = out.bary[3 * p + 2] = 0.0f;
          out.depth[p] = 0.0f;
        }
      }
    }
  };
  if (options.parallel) {
    parallel_for(0, H, 8, rows);
  } else {
    rows(0, H);
  }
  return out;
}

void interpolate_fragment(const Mesh& mesh, const Attribute& attr, bool per_face, int32_t face,
                          const float* bary, float* out) {
  const int w = attr.width;
  if (per_face) {
    const float* src = &attr.data[static_cast<int64_t>(face) * w];
    std::copy(src, src + w, out);
    return;
  }
  const int32_t* fv = &mesh.faces[3 * static_cast<int64_t>(face)];
  if (attr.interp == Interp::kNearestVertex) {
    int best = 0;
    if (bary[1] > bary[best]) best = 1;
    if (bary[2] > bary[best]) best = 2;
    const float* src = &attr.data[static_cast<int64_t>(fv[best]) * w];
    std::copy(src, src + w, out);
    return;
  }
  const float* a = &attr.data[static_cast<int64_t>(fv[0]) * w];
  const float* b = &attr.data[static_cast<int64_t>(fv[1]) * w];
  const float* c = &attr.data[static_cast<int64_t>(fv[2]) * w];
  for (int i = 0; i < w; ++i) out[i] = bary[0] * a[i] + bary[1] * b[i] + bary[2] * c[i];
}

std::vector<float> interpolate(const Mesh& mesh, const Fragments& frags, const std::string& name,
                               float background) {
  const bool is_vertex = mesh.vertex_attributes.count(name) > 0;
  const bool is_face = mesh.face_attributes.count(name) > 0;
  DC_CHECK(!(is_vertex && is_face),
           "interpolate: the mesh has both a vertex and a face attribute '", name, "'");
  const Attribute& attr = is_face ? mesh.face_attribute(name) : mesh.vertex_attribute(name);
  const int64_t count = is_face ? mesh.num_faces() : mesh.num_vertices();
  DC_CHECK(static_cast<int64_t>(attr.data.size()) == count * attr.width, "interpolate: attribute '",
           name, "' holds ", attr.data.size(), " values, expected ", count, " × ", attr.width);
  const int64_t N = frags.num_pixels();
  DC_CHECK(static_cast<int64_t>(frags.face.size()) == N &&
               static_cast<int64_t>(frags.bary.size()) == 3 * N,
           "interpolate: fragments of ", frags.width, "×", frags.height, " hold ",
           frags.face.size(), " face ids and ", frags.bary.size(), " barycentrics, expected ", N,
           " and ", 3 * N);
  const int w = attr.width;
  std::vector<float> out(N * w, background);
  for (int64_t p = 0; p < N; ++p) {
    const int32_t f = frags.face[p];
    if (f < 0) continue;
    DC_CHECK(f < mesh.num_faces(), "interpolate: pixel ", p, " has face ", f, " but the mesh has ",
             mesh.num_faces(), " faces (fragments of another mesh?)");
    interpolate_fragment(mesh, attr, is_face, f, &frags.bary[3 * p], &out[p * w]);
  }
  return out;
}

}  // namespace dc
