#pragma once
// Directions in parameter space for landscapes, roughness and sharpness.
//
// A direction d is a flat vector over θ (one entry per parameter, blocks at their offsets). A
// landscape evaluates L(θ + α d_x + β d_y); what the picture means depends on how d is scaled,
// because networks with ReLU or normalization layers are invariant to rescaling a filter's weights.
// Li et al. (2018) therefore scale a random Gaussian direction *per filter*:
//
//   filter   for each slice i along dim 0 of a block with ≥ 2 dims (a conv filter, a row of a
//   linear
//            weight, an embedding row):  d_i ← d_i · ‖θ_i‖ / (‖d_i‖ + 1e-10)
//   layer    the same with the whole block as the slice
//   none     the Gaussian as drawn
//
// The 1e-10 keeps a zero filter of θ (or of d) from producing NaN: the slice stays zero. Blocks
// with fewer than 2 dims (biases, norm parameters) get a zero direction, as loss-landscape does
// with
// `--xignore biasbn`; with `include_1d` they keep their Gaussian, normalized per block as a whole
// (filter and layer alike; none leaves it as drawn).
//
// Hessian eigenvector axes: the top-k eigenvectors (k = 1 or 2, by algebraic value) of a curvature
// operator from analyzers/eigen.h's Lanczos, of unit norm (so α is a distance in parameter space),
// each signed so that its entry of largest magnitude is positive (the sign Lanczos returns is
// arbitrary; this makes the axes reproducible).
//
// Other directions: the difference to a second model of the same graph (interpolation,
// d = θ₂ − θ, so α = 1 is θ₂), and the PCA plane of a training trajectory: the top two principal
// directions of {θ_t − θ_final} (centred, as sklearn's PCA in loss-landscape), computed from the
// T x T Gram matrix of the checkpoints (never a P x P matrix), with the projected path
// (x_t, y_t) = ((θ_t − θ_final)·u₁, (θ_t − θ_final)·u₂).
//
//   hess::Rng rng(seed);
//   std::vector<double> dx = hess::random_direction(graph, theta, hess::Normalization::Filter,
//                                                   /*include_1d=*/false, rng.split(0));
//   hess::TrajectoryPca pca = hess::trajectory_pca(graph, checkpoints, theta, false);

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "analyzers/status.h"
#include "engine/curvature_operator.h"
#include "engine/enum_names.h"
#include "engine/graph.h"
#include "engine/random.h"

namespace hess {

enum class Normalization : uint8_t { Filter, Layer, None };
template <>
struct EnumNames<Normalization> {
  static constexpr std::string_view what = "normalization";
  static constexpr std::string_view names[] = {"filter", "layer", "none"};
};

// Where a landscape's axes come from.
enum class DirectionKind : uint8_t { Random, Eigen, Interp, Pca, File };
template <>
struct EnumNames<DirectionKind> {
  static constexpr std::string_view what = "direction kind";
  static constexpr std::string_view names[] = {"random", "eigen", "interp", "pca", "file"};
};

// Added to a slice's norm before dividing by it (DESIGN.md §3).
inline constexpr double kNormalizationEpsilon = 1e-10;

// True for the blocks that normalization treats as 1-D (fewer than 2 dims: biases, norms, scalars).
bool is_1d_block(const Block& b);

// Rescales `d` in place (see the header essay). Throws std::invalid_argument when `theta` or `d` do
// not have the graph's parameter count.
void normalize_direction(const Graph& graph, const std::vector<double>& theta, Normalization norm,
                         bool include_1d, std::vector<double>& d);

// A Gaussian direction (one N(0, 1) draw per parameter, in θ's order, from `rng`), normalized.
std::vector<double> random_direction(const Graph& graph, const std::vector<double>& theta,
                                     Normalization norm, bool include_1d, Rng rng);

// Throws std::invalid_argument naming the first difference (block names, shapes, nodes, ops,
// inputs, attributes, loss) when two graphs do not describe the same model structure.
void check_same_graph(const Graph& a, const Graph& b);

// θ₂ − θ after check_same_graph(graph, graph2).
std::vector<double> interpolation_direction(const Graph& graph, const std::vector<double>& theta,
                                            const Graph& graph2, const std::vector<double>& theta2);

struct EigenDirections {
  std::vector<std::vector<double>> vectors;  // k unit eigenvectors, λ descending
  std::vector<double> eigenvalues;
  std::vector<double> residuals;  // ‖H u − λ u‖
  int64_t hvps = 0;
  Status status = Status::Ok;  // the eigensolver's
  std::string message;
};

// The top `k` (1 or 2) eigenvectors of `op` by Lanczos from a Gaussian start of `seed`. Throws
// std::invalid_argument for k outside 1..2 or beyond the operator's size.
EigenDirections eigen_directions(const CurvatureOperator& op, int k, uint64_t seed);

struct TrajectoryPca {
  std::vector<double> x, y;           // unit principal directions u₁, u₂ (length P)
  double explained_variance[2] = {};  // λ_k / (T − 1), as sklearn's explained_variance_
  double explained_variance_ratio[2] = {};
  double singular_values[2] = {};  // √λ_k
  int rank = 0;  // components found (2 unless the checkpoints lie on a line or coincide); a
                 // missing component has a zero direction and zero coordinates
  std::vector<double> path_x, path_y;  // coordinates of each checkpoint in the plane
};

// PCA of the checkpoints θ_1..θ_T (T ≥ 3) around `final_theta`. Blocks with fewer than 2 dims are
// left out of the differences unless `include_1d`. The sign of each direction makes the entry of
// largest magnitude of its Gram eigenvector positive (sklearn's svd_flip). Throws
// std::invalid_argument for fewer than 3 checkpoints ("checkpoints: ...") or wrong lengths.
TrajectoryPca trajectory_pca(const Graph& graph,
                             const std::vector<std::vector<double>>& checkpoints,
                             const std::vector<double>& final_theta, bool include_1d);

}  // namespace hess
