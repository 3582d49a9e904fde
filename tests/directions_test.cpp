// Tests of analyzers/directions: filter/layer normalization, 1-D blocks, interpolation between
// models, PCA of a trajectory against a dense P x P covariance eigendecomposition.
#include <doctest/doctest.h>

#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <cmath>

#include "analyzers/directions.h"
#include "engine/arch.h"
#include "support/fd_check.h"

using namespace hess;
using namespace hess::test;

namespace {

double slice_norm(const std::vector<double>& v, int64_t offset, int64_t n) {
  double s = 0.0;
  for (int64_t k = 0; k < n; ++k) s += v[offset + k] * v[offset + k];
  return std::sqrt(s);
}

Model mlp(const char* spec = "mlp:6-5-4:tanh", uint64_t seed = 3) {
  ArchOptions o;
  o.seed = seed;
  return build_arch(spec, o);
}

// A graph with only blocks (normalization reads nothing else): a conv-shaped 4-D block, a
// matrix, a bias and a scalar.
Graph blocks_only() {
  Graph g;
  int64_t offset = 0;
  for (auto [name, shape] : std::vector<std::pair<std::string, Shape>>{
           {"conv.weight", {3, 2, 2, 2}}, {"fc.weight", {4, 5}}, {"fc.bias", {4}}, {"scale", {}}}) {
    Block b;
    b.name = name;
    b.shape = shape;
    b.offset = offset;
    offset += b.size();
    g.blocks.push_back(b);
  }
  return g;
}

std::vector<double> random_theta(int64_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<double> t(n);
  for (double& v : t) v = rng.normal();
  return t;
}

constexpr double kNormTol = 1e-8;  // the 1e-10 epsilon perturbs norms by ~1e-10 relative

}  // namespace

TEST_CASE("normalization and direction-kind names round-trip; unknown names are refused") {
  for (Normalization n : {Normalization::Filter, Normalization::Layer, Normalization::None}) {
    CHECK(parse_enum<Normalization>(name_of(n)) == n);
  }
  for (DirectionKind k : {DirectionKind::Random, DirectionKind::Eigen, DirectionKind::Interp,
                          DirectionKind::Pca, DirectionKind::File}) {
    CHECK(parse_enum<DirectionKind>(name_of(k)) == k);
  }
  CHECK(name_of(Normalization::Filter) == "filter");
  CHECK(name_of(DirectionKind::Interp) == "interp");
  CHECK_THROWS_WITH_AS(parse_enum<Normalization>("weight"), doctest::Contains("normalization"),
                       std::invalid_argument);
  CHECK_THROWS_AS(parse_enum<DirectionKind>("states"), std::invalid_argument);
}

TEST_CASE("filter normalization: each filter of d has the norm of θ's filter; 1-D blocks zero") {
  const Graph g = blocks_only();
  const std::vector<double> theta = random_theta(g.num_params(), 1);
  const std::vector<double> d = random_direction(g, theta, Normalization::Filter, false, Rng(7));
  for (const Block& b : g.blocks) {
    CAPTURE(b.name);
    if (is_1d_block(b)) {
      for (int64_t k = 0; k < b.size(); ++k) CHECK(d[b.offset + k] == 0.0);
      continue;
    }
    const int64_t per = b.size() / b.shape[0];
    for (int64_t i = 0; i < b.shape[0]; ++i) {
      const double want = slice_norm(theta, b.offset + i * per, per);
      CHECK(std::abs(slice_norm(d, b.offset + i * per, per) - want) <= kNormTol * want);
    }
  }
  // The direction is not θ rescaled: the filters point elsewhere.
  const Block& w = g.blocks[0];
  double cos = 0.0;
  for (int64_t k = 0; k < w.size(); ++k) cos += d[w.offset + k] * theta[w.offset + k];
  cos /= slice_norm(d, w.offset, w.size()) * slice_norm(theta, w.offset, w.size());
  CHECK(std::abs(cos) < 0.99);
}

TEST_CASE(
    "layer normalization: each block of d has θ's block norm; include_1d normalizes 1-D blocks") {
  const Graph g = blocks_only();
  const std::vector<double> theta = random_theta(g.num_params(), 2);
  for (Normalization n : {Normalization::Layer, Normalization::Filter}) {
    const std::vector<double> d = random_direction(g, theta, n, true, Rng(8));
    for (const Block& b : g.blocks) {
      CAPTURE(b.name);
      if (n == Normalization::Filter && !is_1d_block(b)) continue;  // filters tested above
      const double want = slice_norm(theta, b.offset, b.size());
      CHECK(std::abs(slice_norm(d, b.offset, b.size()) - want) <= kNormTol * want);
    }
  }
}

TEST_CASE("none keeps the Gaussian draw; the same seed and stream give the same direction") {
  const Model m = mlp();
  const std::vector<double> raw =
      random_direction(m.graph, m.theta, Normalization::None, true, Rng(5));
  Rng rng(5);
  for (double v : raw) CHECK(v == rng.normal());
  const std::vector<double> a =
      random_direction(m.graph, m.theta, Normalization::Filter, false, Rng(9).split(0));
  const std::vector<double> b =
      random_direction(m.graph, m.theta, Normalization::Filter, false, Rng(9).split(0));
  const std::vector<double> c =
      random_direction(m.graph, m.theta, Normalization::Filter, false, Rng(9).split(1));
  CHECK(a == b);
  CHECK(a != c);
  // Without include_1d the biases are zero, with it they are not.
  const Block& bias = m.graph.blocks[m.graph.find_block("fc1.bias")];
  CHECK(slice_norm(a, bias.offset, bias.size()) == 0.0);
  const std::vector<double> with =
      random_direction(m.graph, m.theta, Normalization::Filter, true, Rng(9).split(0));
  CHECK(slice_norm(with, bias.offset, bias.size()) > 0.0);
}

TEST_CASE("a zero filter of θ or of d gives a zero slice, never NaN") {
  const Graph g = blocks_only();
  std::vector<double> theta = random_theta(g.num_params(), 3);
  const Block& w = g.blocks[1];                                       // fc.weight [4, 5]
  for (int64_t k = 0; k < 5; ++k) theta[w.offset + 1 * 5 + k] = 0.0;  // filter 1 of θ
  std::vector<double> d = random_theta(g.num_params(), 4);
  for (int64_t k = 0; k < 5; ++k) d[w.offset + 2 * 5 + k] = 0.0;  // filter 2 of d
  normalize_direction(g, theta, Normalization::Filter, true, d);
  for (double v : d) CHECK(std::isfinite(v));
  CHECK(slice_norm(d, w.offset + 5, 5) == 0.0);
  CHECK(slice_norm(d, w.offset + 10, 5) == 0.0);
  const std::vector<double> zero(g.num_params(), 0.0);
  std::vector<double> d2 = random_theta(g.num_params(), 5);
  normalize_direction(g, zero, Normalization::Layer, true, d2);
  for (double v : d2) CHECK(v == 0.0);
  std::vector<double> short_d(3, 1.0);
  CHECK_THROWS_AS(normalize_direction(g, theta, Normalization::Filter, false, short_d),
                  std::invalid_argument);
}

TEST_CASE("interpolation: θ₂ − θ for the same graph; different graphs are refused") {
  const Model a = mlp("mlp:6-5-4:tanh", 1), b = mlp("mlp:6-5-4:tanh", 2);
  const std::vector<double> d = interpolation_direction(a.graph, a.theta, b.graph, b.theta);
  for (size_t i = 0; i < d.size(); ++i)
    CHECK(a.theta[i] + d[i] == doctest::Approx(b.theta[i]).epsilon(1e-14));
  const Model wider = mlp("mlp:6-7-4:tanh", 1), relu = mlp("mlp:6-5-4:relu", 1);
  CHECK_THROWS_WITH_AS(interpolation_direction(a.graph, a.theta, wider.graph, wider.theta),
                       doctest::Contains("fc1.weight"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(check_same_graph(a.graph, relu.graph), doctest::Contains("different graphs"),
                       std::invalid_argument);
  CHECK_NOTHROW(check_same_graph(a.graph, b.graph));
}

TEST_CASE("PCA of a trajectory matches the dense covariance eigendecomposition") {
  const Model m = mlp();
  const int64_t P = m.graph.num_params();
  const int T = 7;
  // A trajectory spiralling into θ_final in a random plane plus noise.
  std::vector<std::vector<double>> cps;
  Rng rng(11);
  std::vector<double> e1(P), e2(P);
  for (int64_t p = 0; p < P; ++p) {
    e1[p] = rng.normal();
    e2[p] = rng.normal();
  }
  for (int t = 0; t < T; ++t) {
    const double r = 3.0 * (T - 1 - t) / (T - 1);
    std::vector<double> c(P);
    for (int64_t p = 0; p < P; ++p) {
      c[p] = m.theta[p] + r * std::cos(t) * e1[p] + 0.5 * r * std::sin(t) * e2[p] +
             0.01 * rng.normal();
    }
    cps.push_back(c);
  }
  for (bool include_1d : {false, true}) {
    CAPTURE(include_1d);
    const TrajectoryPca pca = trajectory_pca(m.graph, cps, m.theta, include_1d);
    CHECK(pca.rank == 2);
    // Reference: rows m_t (1-D blocks zeroed unless include_1d), centred, covariance P x P.
    Eigen::MatrixXd M(T, P);
    for (int t = 0; t < T; ++t) {
      for (int64_t p = 0; p < P; ++p) M(t, p) = cps[t][p] - m.theta[p];
    }
    if (!include_1d) {
      for (const Block& b : m.graph.blocks) {
        if (is_1d_block(b)) M.middleCols(b.offset, b.size()).setZero();
      }
    }
    const Eigen::MatrixXd Mc = M.rowwise() - M.colwise().mean();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(Mc.transpose() * Mc);
    const Eigen::VectorXd lam = eig.eigenvalues().reverse();
    const std::vector<double>* dirs[2] = {&pca.x, &pca.y};
    const std::vector<double>* coords[2] = {&pca.path_x, &pca.path_y};
    for (int k = 0; k < 2; ++k) {
      const Eigen::Map<const Eigen::VectorXd> u(dirs[k]->data(), P);
      const Eigen::VectorXd ref = eig.eigenvectors().col(P - 1 - k);
      CHECK(u.norm() == doctest::Approx(1.0).epsilon(1e-12));
      CHECK(std::abs(u.dot(ref)) == doctest::Approx(1.0).epsilon(1e-9));
      CHECK(pca.explained_variance[k] == doctest::Approx(lam(k) / (T - 1)).epsilon(1e-9));
      CHECK(pca.explained_variance_ratio[k] == doctest::Approx(lam(k) / lam.sum()).epsilon(1e-9));
      const Eigen::VectorXd path = M * u;
      for (int t = 0; t < T; ++t) CHECK((*coords[k])[t] == doctest::Approx(path(t)).epsilon(1e-9));
    }
    CHECK(pca.explained_variance_ratio[0] > 0.6);
    if (!include_1d) {
      const Block& bias = m.graph.blocks[m.graph.find_block("fc2.bias")];
      CHECK(slice_norm(pca.x, bias.offset, bias.size()) == 0.0);
    }
  }
}

TEST_CASE("PCA needs 3 checkpoints and reports a degenerate (collinear) trajectory by its rank") {
  const Model m = mlp();
  std::vector<std::vector<double>> two(2, m.theta);
  CHECK_THROWS_WITH_AS(trajectory_pca(m.graph, two, m.theta, false),
                       doctest::Contains("checkpoints"), std::invalid_argument);
  std::vector<std::vector<double>> line;
  const std::vector<double> d =
      random_direction(m.graph, m.theta, Normalization::Filter, false, Rng(1));
  for (int t = 0; t < 4; ++t) {
    std::vector<double> c = m.theta;
    for (size_t p = 0; p < c.size(); ++p) c[p] += (4 - t) * d[p];
    line.push_back(c);
  }
  const TrajectoryPca pca = trajectory_pca(m.graph, line, m.theta, false);
  CHECK(pca.rank == 1);
  for (double v : pca.y) CHECK(v == 0.0);
}

TEST_CASE("filter normalization on a CNN: each output filter [C, k, k] of a conv weight") {
  const Model m = mlp("cnn:1x8x8-c4k3-pool2-c3k3-5:relu", 2);
  const std::vector<double> d =
      random_direction(m.graph, m.theta, Normalization::Filter, false, Rng(4));
  int conv_blocks = 0;
  for (const Block& b : m.graph.blocks) {
    CAPTURE(b.name);
    if (b.shape.size() != 4) continue;
    ++conv_blocks;
    const int64_t per = b.shape[1] * b.shape[2] * b.shape[3];
    for (int64_t i = 0; i < b.shape[0]; ++i) {
      const double want = slice_norm(m.theta, b.offset + i * per, per);
      CHECK(std::abs(slice_norm(d, b.offset + i * per, per) - want) <= kNormTol * want);
    }
  }
  CHECK(conv_blocks == 2);
}

TEST_CASE("eigenvector axes: the top two eigenvectors of a dense matrix, unit, sign fixed") {
  // A symmetric matrix with a negative eigenvalue larger in magnitude than the top one: "top" is
  // algebraic.
  const int n = 12;
  Eigen::MatrixXd Q = Eigen::MatrixXd::Zero(n, n);
  Rng rng(7);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) Q(i, j) = rng.normal();
  }
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(Q);
  const Eigen::MatrixXd U = qr.householderQ();
  Eigen::VectorXd lambda(n);
  for (int i = 0; i < n; ++i) lambda[i] = 0.5 * i - 2.0;
  lambda[0] = -20.0;
  const Eigen::MatrixXd A = U * lambda.asDiagonal() * U.transpose();
  const DenseOperator op(A);
  const EigenDirections d = eigen_directions(op, 2, 1);
  REQUIRE(d.status == Status::Ok);
  REQUIRE(d.vectors.size() == 2);
  CHECK(d.eigenvalues[0] == doctest::Approx(lambda[n - 1]).epsilon(1e-10));
  CHECK(d.eigenvalues[1] == doctest::Approx(lambda[n - 2]).epsilon(1e-10));
  for (int k = 0; k < 2; ++k) {
    const Eigen::Map<const Eigen::VectorXd> v(d.vectors[k].data(), n);
    const Eigen::VectorXd want = U.col(n - 1 - k);
    CHECK(v.norm() == doctest::Approx(1.0).epsilon(1e-12));
    CHECK(std::abs(v.dot(want)) == doctest::Approx(1.0).epsilon(1e-10));
    Eigen::Index top = 0;
    v.cwiseAbs().maxCoeff(&top);
    CHECK(v[top] > 0);
    CHECK(d.residuals[k] < 1e-8);
  }
  CHECK(d.hvps > 0);
  // Another start vector gives the same (signed) axes.
  const EigenDirections again = eigen_directions(op, 2, 99);
  for (int i = 0; i < n; ++i)
    CHECK(again.vectors[0][i] == doctest::Approx(d.vectors[0][i]).epsilon(1e-8));
  CHECK_THROWS_AS(eigen_directions(op, 3, 1), std::invalid_argument);
  CHECK_THROWS_AS(eigen_directions(op, 0, 1), std::invalid_argument);
}
