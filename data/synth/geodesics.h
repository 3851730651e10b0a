// Geodesic distances on the body surface (metres), for DensePose's GPS evaluation: the distance
// between the surface points of a predicted and an annotated (I, U, V), measured on the template
// in its rest pose with the mean shape, as DensePose-COCO measures on SMPL's rest mesh.
//
// Method: shortest paths (Dijkstra) on a graph over the template's vertices at a refined level of
// detail (BodyGeodesics(detail), default 2: 10 748 surface points, 1–3 cm apart). Edges join
// each vertex to its 1-ring and 2-ring neighbours in the mesh, weighted by their Euclidean length;
// the extra directions of the 2-ring cut the metrication error of mesh-edge paths (up to 8 % on a
// grid) to about 1–2 %, and chords are within 0.7 % of the arcs they span at this density. The
// template's parts are separate closed shapes overlapping at the joints, so the surface is their
// union: vertices buried inside another part are dropped, and each pair of parts that meet at a
// joint is joined by edges between their remaining vertices closer than 1.2 mesh-edge lengths,
// which bridge the curve where the two surfaces cross. Measured accuracy (tests/data/synth/
// body_test.cc): on a cylinder of radius 5 cm meshed like a limb, half the circumference comes
// out within 1 % of πr and a helix within 2 %; the graph is connected.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "data/synth/geometry.h"
#include "data/synth/mesh.h"

namespace dc {

// A weighted undirected graph for shortest paths on a triangle mesh (see above).
class GeodesicGraph {
 public:
  GeodesicGraph() = default;
  // Nodes are the mesh's vertices after merging those at exactly the same position; edges the
  // 1-ring and 2-ring neighbours, weighted by Euclidean length.
  static GeodesicGraph from_mesh(const Mesh& mesh);
  // Nodes at `positions` (N × 3), edges (a, b) weighted by Euclidean length (duplicates allowed).
  GeodesicGraph(std::vector<float> positions,
                const std::vector<std::pair<int32_t, int32_t>>& edges);

  int64_t num_nodes() const { return static_cast<int64_t>(positions_.size() / 3); }
  Vec3 position(int64_t node) const;
  // Node of mesh vertex i (for graphs from from_mesh()).
  int32_t node_of_vertex(int64_t vertex) const { return vertex_node_[vertex]; }
  // Distances from `source` to every node (metres; +infinity where unreachable).
  std::vector<double> distances_from(int64_t source) const;
  // Distance between two nodes (Dijkstra stopped at the target).
  double distance(int64_t a, int64_t b) const;
  // Number of connected components.
  int64_t num_components() const;

 private:
  friend class BodyGeodesics;
  void build(const std::vector<std::pair<int32_t, int32_t>>& edges);
  std::vector<float> positions_;
  std::vector<int64_t> offsets_;  // CSR
  std::vector<int32_t> targets_;
  std::vector<float> weights_;
  std::vector<int32_t> vertex_node_;
};

// Geodesics on the body template (rest pose, mean shape).
class BodyGeodesics {
 public:
  explicit BodyGeodesics(int detail = 2);

  const GeodesicGraph& graph() const { return graph_; }
  // The graph node of the template vertex nearest in (U, V) to (u, v) among the vertices of chart
  // `chart` (1..24) that lie on the surface; a dc::Error for a chart out of range.
  int32_t nearest_node(int chart, double u, double v) const;
  // Geodesic distance between two (I, U, V) points (metres).
  double distance(int chart_a, double u_a, double v_a, int chart_b, double u_b, double v_b) const;
  // The graph node of template vertex i (at this detail), −1 if it is buried inside another part.
  int32_t node_of_vertex(int64_t vertex) const { return vertex_node_[vertex]; }
  int detail() const { return detail_; }

  // Per coarse group, in the order of DensePose's evaluation code (0 background, 1 torso,
  // 2 hands, 3 feet, 4 upper legs, 5 lower legs, 6 upper arms, 7 lower arms, 8 head): the mean
  // geodesic distance between two surface points of the same part, averaged over the group's
  // parts — the size DensePose uses as the κ of its GPS per group. Entry 0 is 0. Sources are
  // `sources_per_part` vertices spread evenly over each part (all of them if fewer).
  std::array<double, 9> kappa(int sources_per_part = 48) const;
  // The coarse group (0..8 above) of chart 1..24.
  static int kappa_group(int chart);

 private:
  int detail_;
  GeodesicGraph graph_;
  std::vector<int32_t> vertex_node_;
  std::vector<uint8_t> node_part_;
  struct ChartVertex {
    float u, v;
    int32_t node;
  };
  std::vector<std::vector<ChartVertex>> chart_vertices_;  // index 1..24
};

}  // namespace dc
