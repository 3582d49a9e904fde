#include "analyzers/directions.h"

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "analyzers/eigen.h"
#include "engine/op_kind.h"

namespace hess {

namespace {

// Gram eigenvalues below this fraction of the largest count as zero (rank of the trajectory).
constexpr double kPcaRankTolerance = 1e-12;

void check_length(const Graph& graph, const std::vector<double>& v, const char* what) {
  if (static_cast<int64_t>(v.size()) != graph.num_params()) {
    throw std::invalid_argument(std::string(what) + " has " + std::to_string(v.size()) +
                                " entries, the model " + std::to_string(graph.num_params()));
  }
}

double norm_of(const double* v, int64_t n) {
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += v[i] * v[i];
  return std::sqrt(s);
}

// d ← d ‖w‖ / (‖d‖ + ε) over one slice of n entries.
void rescale(double* d, const double* w, int64_t n) {
  const double f = norm_of(w, n) / (norm_of(d, n) + kNormalizationEpsilon);
  for (int64_t i = 0; i < n; ++i) d[i] *= f;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

}  // namespace

bool is_1d_block(const Block& b) {
  return b.shape.size() < 2;
}

void normalize_direction(const Graph& graph, const std::vector<double>& theta, Normalization norm,
                         bool include_1d, std::vector<double>& d) {
  check_length(graph, theta, "theta");
  check_length(graph, d, "direction");
  for (const Block& b : graph.blocks) {
    double* db = d.data() + b.offset;
    const double* wb = theta.data() + b.offset;
    const int64_t n = b.size();
    if (is_1d_block(b)) {
      if (!include_1d) {
        std::fill(db, db + n, 0.0);
      } else if (norm != Normalization::None) {
        rescale(db, wb, n);
      }
      continue;
    }
    if (norm == Normalization::Layer) {
      rescale(db, wb, n);
    } else if (norm == Normalization::Filter && n > 0) {
      const int64_t per = n / b.shape[0];
      for (int64_t i = 0; i < b.shape[0]; ++i) rescale(db + i * per, wb + i * per, per);
    }
  }
}

std::vector<double> random_direction(const Graph& graph, const std::vector<double>& theta,
                                     Normalization norm, bool include_1d, Rng rng) {
  std::vector<double> d(graph.num_params());
  for (double& v : d) v = rng.normal();
  normalize_direction(graph, theta, norm, include_1d, d);
  return d;
}

void check_same_graph(const Graph& a, const Graph& b) {
  auto fail = [](const std::string& what) {
    throw std::invalid_argument("the models have different graphs: " + what);
  };
  if (a.blocks.size() != b.blocks.size()) {
    fail(std::to_string(a.blocks.size()) + " vs " + std::to_string(b.blocks.size()) +
         " parameter blocks");
  }
  for (size_t i = 0; i < a.blocks.size(); ++i) {
    const Block &x = a.blocks[i], &y = b.blocks[i];
    if (x.name != y.name)
      fail("block " + std::to_string(i) + " is '" + x.name + "' vs '" + y.name + "'");
    if (x.shape != y.shape || x.offset != y.offset) {
      fail("block '" + x.name + "' has shape " + to_string(x.shape) + " vs " + to_string(y.shape));
    }
  }
  if (a.nodes.size() != b.nodes.size()) {
    fail(std::to_string(a.nodes.size()) + " vs " + std::to_string(b.nodes.size()) + " nodes");
  }
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    const Node &x = a.nodes[i], &y = b.nodes[i];
    if (x.op != y.op || x.name != y.name) {
      fail("node " + std::to_string(i) + " is '" + x.name + "' (" + std::string(name_of(x.op)) +
           ") vs '" + y.name + "' (" + std::string(name_of(y.op)) + ")");
    }
    if (x.inputs != y.inputs || x.block != y.block || x.constant != y.constant) {
      fail("node '" + x.name + "' has different inputs");
    }
    if (!(x.attrs == y.attrs)) fail("node '" + x.name + "' has different attributes");
  }
  if (a.input_shape != b.input_shape) {
    fail("input shape " + to_string(a.input_shape) + " vs " + to_string(b.input_shape));
  }
  if (a.label_kind != b.label_kind || a.target_dim != b.target_dim || a.output != b.output ||
      a.loss != b.loss) {
    fail("different outputs or loss");
  }
}

std::vector<double> interpolation_direction(const Graph& graph, const std::vector<double>& theta,
                                            const Graph& graph2,
                                            const std::vector<double>& theta2) {
  check_same_graph(graph, graph2);
  check_length(graph, theta, "theta");
  check_length(graph, theta2, "theta2");
  std::vector<double> d(theta.size());
  for (size_t i = 0; i < d.size(); ++i) d[i] = theta2[i] - theta[i];
  return d;
}

TrajectoryPca trajectory_pca(const Graph& graph,
                             const std::vector<std::vector<double>>& checkpoints,
                             const std::vector<double>& final_theta, bool include_1d) {
  const int64_t T = static_cast<int64_t>(checkpoints.size());
  if (T < 3) {
    throw std::invalid_argument("checkpoints: PCA of a trajectory needs at least 3, got " +
                                std::to_string(T));
  }
  check_length(graph, final_theta, "final theta");
  for (const std::vector<double>& c : checkpoints) check_length(graph, c, "checkpoint");
  const int64_t P = graph.num_params();

  // Rows m_t = θ_t − θ_final (1-D blocks zeroed unless include_1d), their mean, and the centred
  // Gram matrix G = (M − 1 m̄ᵀ)(M − 1 m̄ᵀ)ᵀ from the raw one: G_st = M_s·M_t − M_s·m̄ − m̄·M_t + m̄·m̄.
  std::vector<uint8_t> keep(P, 1);
  if (!include_1d) {
    for (const Block& b : graph.blocks) {
      if (is_1d_block(b)) std::fill(keep.begin() + b.offset, keep.begin() + b.offset + b.size(), 0);
    }
  }
  std::vector<std::vector<double>> rows(T, std::vector<double>(P));
  std::vector<double> mean(P, 0.0);
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t p = 0; p < P; ++p) {
      rows[t][p] = keep[p] ? checkpoints[t][p] - final_theta[p] : 0.0;
      mean[p] += rows[t][p] / static_cast<double>(T);
    }
  }
  Eigen::MatrixXd raw(T, T);
  Eigen::VectorXd with_mean(T);
  for (int64_t s = 0; s < T; ++s) {
    with_mean(s) = dot(rows[s], mean);
    for (int64_t t = 0; t <= s; ++t) raw(s, t) = raw(t, s) = dot(rows[s], rows[t]);
  }
  const double mean_sq = dot(mean, mean);
  Eigen::MatrixXd G(T, T);
  for (int64_t s = 0; s < T; ++s) {
    for (int64_t t = 0; t < T; ++t) G(s, t) = raw(s, t) - with_mean(s) - with_mean(t) + mean_sq;
  }
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(G);
  const Eigen::VectorXd lambda = eig.eigenvalues().reverse().cwiseMax(0.0);  // descending
  const Eigen::MatrixXd V = eig.eigenvectors().rowwise().reverse();
  const double total = lambda.sum();

  TrajectoryPca r;
  std::vector<double>* dirs[2] = {&r.x, &r.y};
  std::vector<double>* coords[2] = {&r.path_x, &r.path_y};
  for (int k = 0; k < 2; ++k) {
    std::vector<double>& u = *dirs[k];
    u.assign(P, 0.0);
    coords[k]->assign(T, 0.0);
    if (!(lambda(k) > kPcaRankTolerance * lambda(0))) continue;  // no k-th component
    ++r.rank;
    Eigen::VectorXd v = V.col(k);
    Eigen::Index arg = 0;
    v.cwiseAbs().maxCoeff(&arg);
    if (v(arg) < 0) v = -v;
    // u = (M − 1 m̄ᵀ)ᵀ v / √λ: unit length because v is a unit eigenvector of G.
    const double s = std::sqrt(lambda(k));
    for (int64_t t = 0; t < T; ++t) {
      const double w = v(t) / s;
      for (int64_t p = 0; p < P; ++p) u[p] += w * (rows[t][p] - mean[p]);
    }
    r.singular_values[k] = s;
    r.explained_variance[k] = lambda(k) / static_cast<double>(T - 1);
    r.explained_variance_ratio[k] = total > 0 ? lambda(k) / total : 0.0;
    for (int64_t t = 0; t < T; ++t) (*coords[k])[t] = dot(rows[t], u);
  }
  return r;
}

EigenDirections eigen_directions(const CurvatureOperator& op, int k, uint64_t seed) {
  if (k < 1 || k > 2)
    throw std::invalid_argument("k: 1 or 2 eigenvector axes, got " + std::to_string(k));
  EigenOptions o;
  o.k = k;
  o.which = Which::Largest;
  o.seed = seed;
  o.save_vectors = true;
  const EigenResult r = run(o, op);
  EigenDirections d;
  d.hvps = r.hvps;
  d.status = r.status;
  d.message = r.message;
  for (Eigen::Index c = 0; c < r.vectors.cols(); ++c) {
    std::vector<double> v(r.vectors.col(c).data(), r.vectors.col(c).data() + r.vectors.rows());
    Eigen::Index top = 0;
    r.vectors.col(c).cwiseAbs().maxCoeff(&top);
    if (v[top] < 0) {
      for (double& e : v) e = -e;
    }
    d.vectors.push_back(std::move(v));
    d.eigenvalues.push_back(r.eigenvalues[c]);
    d.residuals.push_back(r.residuals[c]);
  }
  return d;
}

}  // namespace hess
