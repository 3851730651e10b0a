// edge_pixels() of shade_pass.h: the pixels Antialias::kEdges supersamples.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "data/synth/shade_pass.h"

namespace dc {
namespace shading {
namespace {

// The three corner vertex ids of the triangle seen at each pixel of a row, one array per corner
// (−3 at background, which matches no vertex).
struct CornerRow {
  std::vector<int32_t> c[3];
};

// Corners of row `ids` (W pixels) from the table C (triangle t's at C[3 (t + 1) ..], background
// at C[0 .. 3)): one gather per corner and eight pixels, so that each pixel's corners are
// looked up once, not once per neighbour pair.
void corner_row(const int32_t* C, const int32_t* ids, int W, CornerRow& out) {
  for (auto& c : out.c) c.resize(W);
  int x = 0;
  const __m256i one = _mm256_set1_epi32(1), three = _mm256_set1_epi32(3);
  for (; x + 8 <= W; x += 8) {
    const __m256i id = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ids + x));
    const __m256i i = _mm256_mullo_epi32(_mm256_add_epi32(id, one), three);
    const bool background = _mm256_testz_si256(i, i);  // about half the image: no gather
    for (int k = 0; k < 3; ++k) {
      _mm256_storeu_si256(
          reinterpret_cast<__m256i*>(out.c[k].data() + x),
          background ? _mm256_set1_epi32(C[k]) : _mm256_i32gather_epi32(C + k, i, 4));
    }
  }
  for (; x < W; ++x) {
    for (int k = 0; k < 3; ++k) out.c[k][x] = C[3 * (static_cast<int64_t>(ids[x]) + 1) + k];
  }
}

// Bit l set where pixel pair (a + l, b + l) is discontinuous: different triangles (or one
// background) with no common corner vertex.
inline unsigned discontinuous8(const int32_t* ida, const int32_t* idb, const CornerRow& ra, int xa,
                               const CornerRow& rb, int xb) {
  auto load = [](const int32_t* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  };
  __m256i same = _mm256_cmpeq_epi32(load(ida), load(idb));
  if (_mm256_movemask_ps(_mm256_castsi256_ps(same)) == 0xff) return 0;
  const __m256i a0 = load(ra.c[0].data() + xa), a1 = load(ra.c[1].data() + xa),
                a2 = load(ra.c[2].data() + xa);
  for (int k = 0; k < 3; ++k) {
    const __m256i bk = load(rb.c[k].data() + xb);
    same = _mm256_or_si256(same, _mm256_or_si256(_mm256_cmpeq_epi32(a0, bk),
                                                 _mm256_or_si256(_mm256_cmpeq_epi32(a1, bk),
                                                                 _mm256_cmpeq_epi32(a2, bk))));
  }
  return ~static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(same))) & 0xffu;
}

inline bool discontinuous1(int32_t ida, int32_t idb, const CornerRow& ra, int xa,
                           const CornerRow& rb, int xb) {
  if (ida == idb) return false;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      if (ra.c[i][xa] == rb.c[j][xb]) return false;
  return true;
}

// out[x] = a[x] | b[x] | c[x], 32 bytes at a time.
void or3(const uint8_t* a, const uint8_t* b, const uint8_t* c, int n, uint8_t* out) {
  int x = 0;
  for (; x + 32 <= n; x += 32) {
    auto load = [&](const uint8_t* p) {
      return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + x));
    };
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + x),
                        _mm256_or_si256(load(a), _mm256_or_si256(load(b), load(c))));
  }
  for (; x < n; ++x) out[x] = a[x] | b[x] | c[x];
}

}  // namespace

void edge_pixels(const Mesh& mesh, const raster::RasterPass& label, std::vector<uint8_t>& edges) {
  const int W = label.width(), H = label.height();
  const size_t N = static_cast<size_t>(W) * H;
  // The three corner vertex indices of each triangle of the pass, at 3 (id + 1) so that the
  // background id −1 reads −3, which matches no vertex.
  const std::vector<raster::DrawTri>& tris = label.tris();
  thread_local std::vector<int32_t> corners;
  thread_local std::vector<uint8_t> marks, rows;
  thread_local CornerRow corner_rows[2];
  corners.resize(3 * (tris.size() + 1));
  corners[0] = corners[1] = corners[2] = -3;
  for (size_t t = 0; t < tris.size(); ++t) {
    const int32_t* fv = &mesh.faces[3 * static_cast<int64_t>(label.prim(t).face)];
    std::copy(fv, fv + 3, &corners[3 * (t + 1)]);
  }
  const int32_t* C = corners.data();
  // Pixels p and q are continuous when they see the same triangle (or both background) or
  // faces with a common vertex; a discontinuous 4-neighbour pair marks both. Eight pairs at a
  // time: the ids are compared first (most pairs of a smooth surface see one triangle), then
  // the corners of the two rows.
  marks.assign(N, 0);
  uint8_t* M = marks.data();
  if (H > 0) corner_row(C, label.id_row(0), W, corner_rows[0]);
  for (int y = 0; y < H; ++y) {
    const CornerRow& here = corner_rows[y & 1];
    CornerRow& next = corner_rows[(y + 1) & 1];
    const int32_t* ids = label.id_row(y);
    const int32_t* below = y + 1 < H ? label.id_row(y + 1) : nullptr;
    if (below != nullptr) corner_row(C, below, W, next);
    uint8_t* m = M + static_cast<size_t>(y) * W;
    int x = 0;
    for (; x + 8 < W; x += 8) {  // right neighbours x + 1 .. x + 8 exist
      for (unsigned d = discontinuous8(ids + x, ids + x + 1, here, x, here, x + 1); d != 0;
           d &= d - 1) {
        const int l = __builtin_ctz(d);
        m[x + l] = m[x + l + 1] = 1;
      }
    }
    for (; x + 1 < W; ++x) {
      if (discontinuous1(ids[x], ids[x + 1], here, x, here, x + 1)) m[x] = m[x + 1] = 1;
    }
    if (below == nullptr) continue;
    for (x = 0; x + 8 <= W; x += 8) {
      for (unsigned d = discontinuous8(ids + x, below + x, here, x, next, x); d != 0; d &= d - 1) {
        const int l = __builtin_ctz(d);
        m[x + l] = m[W + x + l] = 1;
      }
    }
    for (; x < W; ++x) {
      if (discontinuous1(ids[x], below[x], here, x, next, x)) m[x] = m[W + x] = 1;
    }
  }
  // Then their 3×3 neighbourhoods (which also covers diagonal pairs).
  rows.resize(N);
  for (int y = 0; y < H; ++y) {  // horizontal dilation
    const uint8_t* m = M + static_cast<size_t>(y) * W;
    uint8_t* r = rows.data() + static_cast<size_t>(y) * W;
    r[0] = m[0] | (W > 1 ? m[1] : 0);
    if (W > 2) or3(m, m + 1, m + 2, W - 2, r + 1);
    if (W > 1) r[W - 1] = m[W - 2] | m[W - 1];
  }
  edges.resize(N);
  for (int y = 0; y < H; ++y) {  // vertical dilation
    uint8_t* e = edges.data() + static_cast<size_t>(y) * W;
    const uint8_t* r = rows.data() + static_cast<size_t>(y) * W;
    const uint8_t* up = y > 0 ? r - W : r;
    const uint8_t* down = y + 1 < H ? r + W : r;
    or3(r, up, down, W, e);
  }
}

}  // namespace shading
}  // namespace dc
