#include "data/synth/geodesics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <queue>
#include <tuple>

#include "core/error.h"
#include "data/synth/body_template.h"

namespace dc {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Adds to `edges` every pair (a, c) with c in the 2-ring of a, given 1-ring adjacency lists.
void add_two_ring(const std::vector<std::vector<int32_t>>& ring1,
                  std::vector<std::pair<int32_t, int32_t>>* edges) {
  const int32_t n = static_cast<int32_t>(ring1.size());
  for (int32_t a = 0; a < n; ++a) {
    for (int32_t b : ring1[a]) {
      edges->push_back({a, b});
      for (int32_t c : ring1[b]) {
        if (c > a) edges->push_back({a, c});
      }
    }
  }
}

void add_unique(std::vector<int32_t>& list, int32_t x) {
  if (std::find(list.begin(), list.end(), x) == list.end()) list.push_back(x);
}

// Whether rest-pose point p lies strictly inside the swept solid `sw` (body_template.h's profile:
// elliptical caps (z/cap)² + q² = 1 beyond the straight section).
bool inside_sweep(const PartSweep& sw, const Vec3& p, double margin) {
  const double z = dot(p - sw.lo, sw.axis);
  double q = 1, tau;
  if (z < 0) {
    if (z <= -sw.cap_lo) return false;
    q = std::sqrt(1 - (z / sw.cap_lo) * (z / sw.cap_lo));
    tau = 0;
  } else if (z > sw.length) {
    if (z >= sw.length + sw.cap_hi) return false;
    const double w = (z - sw.length) / sw.cap_hi;
    q = std::sqrt(1 - w * w);
    tau = 1;
  } else {
    tau = z / sw.length;
  }
  // The cross-section at τ, with the same cosine-eased control values as sweep_point().
  auto control = [](const std::array<double, 5>& k, double t) {
    const double x = std::clamp(t, 0.0, 1.0) * 4;
    const int i = std::min(3, static_cast<int>(x));
    const double f = x - i, w = 0.5 - 0.5 * std::cos(M_PI * f);
    return k[i] + (k[i + 1] - k[i]) * w;
  };
  const Vec3 c = sw.lo + z * sw.axis + control(sw.offset, tau) * sw.front;
  const Vec3 d = p - c;
  const double e1 = dot(d, sw.lateral) / (q * control(sw.half_width, tau));
  const double e2 = dot(d, sw.front) / (q * control(sw.half_depth, tau));
  return e1 * e1 + e2 * e2 < (1 - margin) * (1 - margin);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// GeodesicGraph

GeodesicGraph::GeodesicGraph(std::vector<float> positions,
                             const std::vector<std::pair<int32_t, int32_t>>& edges)
    : positions_(std::move(positions)) {
  DC_CHECK(positions_.size() % 3 == 0, "GeodesicGraph: positions hold ", positions_.size(),
           " floats, expected a multiple of 3");
  build(edges);
}

void GeodesicGraph::build(const std::vector<std::pair<int32_t, int32_t>>& edges) {
  const int64_t n = num_nodes();
  std::vector<std::vector<int32_t>> adj(n);
  for (const auto& [a, b] : edges) {
    DC_CHECK(a >= 0 && b >= 0 && a < n && b < n, "GeodesicGraph: edge (", a, ", ", b,
             ") out of range for ", n, " nodes");
    if (a == b) continue;
    adj[a].push_back(b);
    adj[b].push_back(a);
  }
  offsets_.assign(n + 1, 0);
  targets_.clear();
  weights_.clear();
  for (int64_t a = 0; a < n; ++a) {
    std::sort(adj[a].begin(), adj[a].end());
    adj[a].erase(std::unique(adj[a].begin(), adj[a].end()), adj[a].end());
    for (int32_t b : adj[a]) {
      targets_.push_back(b);
      weights_.push_back(static_cast<float>(norm(position(a) - position(b))));
    }
    offsets_[a + 1] = static_cast<int64_t>(targets_.size());
  }
}

GeodesicGraph GeodesicGraph::from_mesh(const Mesh& mesh) {
  mesh.validate("GeodesicGraph::from_mesh");
  GeodesicGraph g;
  std::map<std::tuple<float, float, float>, int32_t> index;
  const int64_t V = mesh.num_vertices();
  g.vertex_node_.resize(V);
  for (int64_t i = 0; i < V; ++i) {
    const auto key = std::make_tuple(mesh.positions[3 * i], mesh.positions[3 * i + 1],
                                     mesh.positions[3 * i + 2]);
    auto it = index.find(key);
    if (it == index.end()) {
      it = index.emplace(key, static_cast<int32_t>(g.positions_.size() / 3)).first;
      g.positions_.insert(g.positions_.end(), mesh.positions.begin() + 3 * i,
                          mesh.positions.begin() + 3 * i + 3);
    }
    g.vertex_node_[i] = it->second;
  }
  std::vector<std::vector<int32_t>> ring1(g.num_nodes());
  for (int64_t f = 0; f < mesh.num_faces(); ++f) {
    for (int k = 0; k < 3; ++k) {
      const int32_t a = g.vertex_node_[mesh.faces[3 * f + k]],
                    b = g.vertex_node_[mesh.faces[3 * f + (k + 1) % 3]];
      if (a == b) continue;
      add_unique(ring1[a], b);
      add_unique(ring1[b], a);
    }
  }
  std::vector<std::pair<int32_t, int32_t>> edges;
  add_two_ring(ring1, &edges);
  g.build(edges);
  return g;
}

Vec3 GeodesicGraph::position(int64_t node) const {
  return {positions_[3 * node], positions_[3 * node + 1], positions_[3 * node + 2]};
}

std::vector<double> GeodesicGraph::distances_from(int64_t source) const {
  DC_CHECK(source >= 0 && source < num_nodes(), "GeodesicGraph: source node ", source,
           " out of range [0, ", num_nodes(), ")");
  std::vector<double> dist(num_nodes(), kInf);
  using Item = std::pair<double, int32_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> heap;
  dist[source] = 0;
  heap.push({0.0, static_cast<int32_t>(source)});
  while (!heap.empty()) {
    const auto [d, a] = heap.top();
    heap.pop();
    if (d > dist[a]) continue;
    for (int64_t e = offsets_[a]; e < offsets_[a + 1]; ++e) {
      const double nd = d + weights_[e];
      if (nd < dist[targets_[e]]) {
        dist[targets_[e]] = nd;
        heap.push({nd, targets_[e]});
      }
    }
  }
  return dist;
}

double GeodesicGraph::distance(int64_t a, int64_t b) const {
  DC_CHECK(a >= 0 && a < num_nodes() && b >= 0 && b < num_nodes(), "GeodesicGraph: nodes (", a,
           ", ", b, ") out of range [0, ", num_nodes(), ")");
  std::vector<double> dist(num_nodes(), kInf);
  using Item = std::pair<double, int32_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> heap;
  dist[a] = 0;
  heap.push({0.0, static_cast<int32_t>(a)});
  while (!heap.empty()) {
    const auto [d, x] = heap.top();
    heap.pop();
    if (x == b) return d;
    if (d > dist[x]) continue;
    for (int64_t e = offsets_[x]; e < offsets_[x + 1]; ++e) {
      const double nd = d + weights_[e];
      if (nd < dist[targets_[e]]) {
        dist[targets_[e]] = nd;
        heap.push({nd, targets_[e]});
      }
    }
  }
  return kInf;
}

int64_t GeodesicGraph::num_components() const {
  std::vector<int32_t> label(num_nodes(), -1);
  int64_t count = 0;
  std::vector<int32_t> stack;
  for (int64_t s = 0; s < num_nodes(); ++s) {
    if (label[s] >= 0) continue;
    ++count;
    stack.push_back(static_cast<int32_t>(s));
    label[s] = 1;
    while (!stack.empty()) {
      const int32_t a = stack.back();
      stack.pop_back();
      for (int64_t e = offsets_[a]; e < offsets_[a + 1]; ++e) {
        if (label[targets_[e]] < 0) {
          label[targets_[e]] = 1;
          stack.push_back(targets_[e]);
        }
      }
    }
  }
  return count;
}

// ---------------------------------------------------------------------------------------------
// BodyGeodesics

BodyGeodesics::BodyGeodesics(int detail) : detail_(detail) {
  const BodyTopology& topo = body_topology(detail);
  const BodyGeometry geo = body_geometry(BodyShape{});
  const int64_t V = topo.num_vertices();
  // Rest-pose positions; a welded vertex is a node if it is not buried in another part.
  vertex_node_.assign(V, -1);
  std::vector<int32_t> rep_node(V, -1);
  std::vector<float> positions;
  for (int64_t i = 0; i < V; ++i) {
    if (topo.weld[i] != i) continue;
    const int part = topo.part[i];
    const Vec3 p = sweep_point(geo.parts[part], topo.s[i], topo.phi[i]);
    bool buried = false;
    for (int q = 0; q < kNumBodyParts && !buried; ++q) {
      buried = q != part && inside_sweep(geo.parts[q], p, 1e-3);
    }
    if (buried) continue;
    rep_node[i] = static_cast<int32_t>(positions.size() / 3);
    positions.push_back(static_cast<float>(p.x));
    positions.push_back(static_cast<float>(p.y));
    positions.push_back(static_cast<float>(p.z));
    node_part_.push_back(static_cast<uint8_t>(part));
  }
  for (int64_t i = 0; i < V; ++i) vertex_node_[i] = rep_node[topo.weld[i]];
  const int32_t n = static_cast<int32_t>(positions.size() / 3);
  graph_.positions_ = std::move(positions);

  // 1-ring over kept nodes; nodes next to a buried vertex border the crossing with another part.
  std::vector<std::vector<int32_t>> ring1(n);
  std::vector<uint8_t> border(n, 0);
  std::array<double, kNumBodyParts> max_edge{};
  for (int64_t f = 0; f < topo.num_faces(); ++f) {
    for (int k = 0; k < 3; ++k) {
      const int32_t va = topo.faces[3 * f + k], vb = topo.faces[3 * f + (k + 1) % 3];
      const int32_t a = vertex_node_[va], b = vertex_node_[vb];
      if (a < 0 && b >= 0) border[b] = 1;
      if (b < 0 && a >= 0) border[a] = 1;
      if (a < 0 || b < 0 || a == b) continue;
      add_unique(ring1[a], b);
      add_unique(ring1[b], a);
      const int part = topo.part[va];
      max_edge[part] = std::max(max_edge[part], norm(graph_.position(a) - graph_.position(b)));
    }
  }
  std::vector<std::pair<int32_t, int32_t>> edges;
  add_two_ring(ring1, &edges);
  // Junctions: border nodes of parts meeting at a joint, closer than 1.2 edge lengths.
  const std::vector<std::pair<int, int>> joints = {{kTorso, kHead},
                                                   {kTorso, kLeftUpperLeg},
                                                   {kTorso, kRightUpperLeg},
                                                   {kTorso, kLeftUpperArm},
                                                   {kTorso, kRightUpperArm},
                                                   {kLeftUpperLeg, kLeftLowerLeg},
                                                   {kRightUpperLeg, kRightLowerLeg},
                                                   {kLeftLowerLeg, kLeftFoot},
                                                   {kRightLowerLeg, kRightFoot},
                                                   {kLeftUpperArm, kLeftLowerArm},
                                                   {kRightUpperArm, kRightLowerArm},
                                                   {kLeftLowerArm, kLeftHand},
                                                   {kRightLowerArm, kRightHand}};
  std::vector<std::vector<int32_t>> part_border(kNumBodyParts);
  for (int32_t a = 0; a < n; ++a)
    if (border[a]) part_border[node_part_[a]].push_back(a);
  for (const auto& [p, q] : joints) {
    const double reach = 1.2 * std::max(max_edge[p], max_edge[q]);
    for (int32_t a : part_border[p]) {
      for (int32_t b : part_border[q]) {
        if (norm(graph_.position(a) - graph_.position(b)) < reach) edges.push_back({a, b});
      }
    }
  }
  graph_.build(edges);

  chart_vertices_.assign(kNumCharts + 1, {});
  for (int64_t i = 0; i < V; ++i) {
    if (vertex_node_[i] < 0) continue;
    chart_vertices_[topo.chart[i]].push_back({topo.u[i], topo.v[i], vertex_node_[i]});
  }
}

int32_t BodyGeodesics::nearest_node(int chart, double u, double v) const {
  DC_CHECK(chart >= 1 && chart <= kNumCharts, "BodyGeodesics: chart ", chart,
           " out of range (expected 1..24)");
  DC_CHECK(std::isfinite(u) && std::isfinite(v), "BodyGeodesics: (U, V) = (", u, ", ", v,
           ") is not finite");
  double best = kInf;
  int32_t node = -1;
  for (const ChartVertex& c : chart_vertices_[chart]) {
    const double d = (c.u - u) * (c.u - u) + (c.v - v) * (c.v - v);
    if (d < best) {
      best = d;
      node = c.node;
    }
  }
  return node;
}

double BodyGeodesics::distance(int chart_a, double u_a, double v_a, int chart_b, double u_b,
                               double v_b) const {
  return graph_.distance(nearest_node(chart_a, u_a, v_a), nearest_node(chart_b, u_b, v_b));
}

int BodyGeodesics::kappa_group(int chart) {
  static const std::array<int, kNumBodyParts> group = {1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8};
  return group[chart_part(chart)];
}

std::array<double, 9> BodyGeodesics::kappa(int sources_per_part) const {
  DC_CHECK(sources_per_part >= 1, "BodyGeodesics::kappa: sources_per_part ", sources_per_part,
           " must be >= 1");
  std::array<double, 9> sum{}, count{};
  for (int part = 0; part < kNumBodyParts; ++part) {
    std::vector<int32_t> nodes;
    for (int32_t a = 0; a < graph_.num_nodes(); ++a)
      if (node_part_[a] == part) nodes.push_back(a);
    const size_t stride = std::max<size_t>(1, nodes.size() / sources_per_part);
    double total = 0;
    int64_t pairs = 0;
    for (size_t k = 0; k < nodes.size(); k += stride) {
      const std::vector<double> d = graph_.distances_from(nodes[k]);
      for (int32_t b : nodes) {
        total += d[b];
        ++pairs;
      }
    }
    const int g = kappa_group(part_charts(part)[0]);
    sum[g] += total / pairs;
    count[g] += 1;
  }
  std::array<double, 9> k{};
  for (int g = 1; g < 9; ++g) k[g] = sum[g] / count[g];
  return k;
}

}  // namespace dc
