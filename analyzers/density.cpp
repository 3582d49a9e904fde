#include "analyzers/density.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

#include "analyzers/checked_operator.h"
#include "analyzers/gram_schmidt.h"
#include "analyzers/running_mean.h"
#include "engine/field_error.h"
#include "engine/number_format.h"
#include "engine/random.h"

namespace hess {

namespace {

// A run stops (invariant subspace found) when β ≤ kBreakdownTol · max_j ‖H q_j‖.
constexpr double kBreakdownTol = 1e-10;
// The grid extends this many σ beyond the extreme nodes: the mass left outside is below 1e-14.
constexpr double kGridPaddingSigmas = 8.0;
// Largest grid step, in σ, for which the trapezoid rule integrates the Gaussians to 1e-8.
constexpr double kMaxGridStepSigmas = 1.0;

// Grid points needed so that the step is at most kMaxGridStepSigmas·σ.
double min_grid_points(double sigma) {
  return std::ceil((1.0 / sigma + 2.0 * kGridPaddingSigmas) / kMaxGridStepSigmas) + 1.0;
}

struct LanczosRun {
  Eigen::MatrixXd basis;  // P x steps: the orthonormal Lanczos vectors q_0, q_1, ...
  std::vector<double> alpha;
  std::vector<double> beta;
  Eigen::VectorXd remainder;  // after the last step: w = β_m q_{m+1} (H Q = Q T + w e_mᵀ)
  Eigen::MatrixXd products;   // H q_j as the operator returned them (P x steps), or empty
  double scale = 0.0;         // largest ‖H q_j‖ so far
  bool active = true;
};

// One Lanczos step of a run, given w = H q_j: w projected on q_0..q_j by classical Gram-Schmidt
// (its coefficient on q_j is α_j; the three-term recurrence's other coefficient, β_{j−1}, and the
// rest are zero in exact arithmetic), a second pass where the first cancelled (DGKS, as ARPACK).
void lanczos_step(LanczosRun& run, int j, int steps, Eigen::VectorXd w) {
  if (run.products.cols() > 0) run.products.col(j) = w;
  const Eigen::VectorXd before = Eigen::VectorXd::Constant(1, w.norm());
  run.scale = std::max(run.scale, before(0));
  Eigen::VectorXd c = Eigen::VectorXd::Zero(j + 1);
  project_out(run.basis.leftCols(j + 1), w, c, before);
  run.alpha.push_back(c(j));
  const double b = j + 1 == steps ? 0.0 : w.norm();
  if (j + 1 == steps || b <= kBreakdownTol * run.scale) {
    run.active = false;
    run.remainder = std::move(w);
    return;
  }
  run.beta.push_back(b);
  run.basis.col(j + 1) = w / b;
}

// Advances the runs together: each step applies H once to the current vectors of the active runs.
void lanczos_block(const CheckedOperator& A, std::vector<LanczosRun>& runs, int steps) {
  Eigen::MatrixXd X, Y;
  for (int j = 0; j < steps; ++j) {
    std::vector<size_t> active;
    for (size_t r = 0; r < runs.size(); ++r) {
      if (runs[r].active) active.push_back(r);
    }
    if (active.empty()) return;
    X.resize(A.rows(), static_cast<Eigen::Index>(active.size()));
    for (size_t t = 0; t < active.size(); ++t) X.col(t) = runs[active[t]].basis.col(j);
    A.apply(X, Y);
    for (size_t t = 0; t < active.size(); ++t) lanczos_step(runs[active[t]], j, steps, Y.col(t));
  }
}

// A finished run as the decomposition H Q = Q T + w e_mᵀ (T tridiagonal); the run keeps its
// coefficients.
KrylovDecomposition decomposition(LanczosRun&& run) {
  const Eigen::Index m = static_cast<Eigen::Index>(run.alpha.size());
  KrylovDecomposition d;
  d.basis = std::move(run.basis);
  d.basis.conservativeResize(Eigen::NoChange, m);
  d.projection = Eigen::MatrixXd::Zero(m, m);
  for (Eigen::Index i = 0; i < m; ++i) {
    d.projection(i, i) = run.alpha[i];
    if (i + 1 < m) d.projection(i, i + 1) = d.projection(i + 1, i) = run.beta[i];
  }
  d.remainder = std::move(run.remainder);
  if (run.products.cols() > 0) {
    d.products = std::move(run.products);
    d.products.conservativeResize(Eigen::NoChange, m);
  }
  return d;
}

// Gauss quadrature of a run: nodes = eigenvalues of T, weights = squared first components.
void quadrature(const LanczosRun& run, Eigen::VectorXd& nodes, Eigen::VectorXd& weights) {
  const Eigen::Index m = static_cast<Eigen::Index>(run.alpha.size());
  const Eigen::VectorXd diag = Eigen::Map<const Eigen::VectorXd>(run.alpha.data(), m);
  const Eigen::VectorXd sub = Eigen::Map<const Eigen::VectorXd>(run.beta.data(), m - 1);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es;
  es.computeFromTridiagonal(diag, sub, Eigen::ComputeEigenvectors);
  nodes = es.eigenvalues();
  weights = es.eigenvectors().row(0).transpose().array().square();
}

void lanczos_runs(const DensityOptions& o, const CheckedOperator& A, DensityResult& r) {
  const int64_t P = A.rows();
  const int steps = static_cast<int>(std::min<int64_t>(o.steps, P));
  Rng rng(o.seed);
  for (int first = 0; first < o.runs; first += o.block) {
    std::vector<LanczosRun> runs(std::min(o.block, o.runs - first));
    for (LanczosRun& run : runs) {
      run.basis.resize(P, steps);
      Eigen::MatrixXd v(P, 1);
      fill_probes(o.start, rng, v);
      run.basis.col(0) = v.col(0).normalized();
    }
    const bool keep = first == 0 && o.keep_first_run;
    if (keep && keeps_products(A, steps)) runs.front().products.resize(P, steps);
    lanczos_block(A, runs, steps);
    if (keep) r.first_run = decomposition(std::move(runs.front()));
    for (const LanczosRun& run : runs) {
      r.nodes.emplace_back();
      r.weights.emplace_back();
      quadrature(run, r.nodes.back(), r.weights.back());
      r.steps.push_back(static_cast<int>(run.alpha.size()));
    }
  }
}

// The Gaussian-smoothed density on its grid, the mass outside the grid and the trapezoid integral.
void smooth(const DensityOptions& o, DensityResult& r) {
  double width = r.lambda_max - r.lambda_min;
  if (width == 0.0) width = std::max(std::abs(r.lambda_max), std::abs(r.lambda_min));
  if (width == 0.0) width = 1.0;
  r.sigma = o.sigma * width;
  const double lo = r.lambda_min - kGridPaddingSigmas * r.sigma;
  const double hi = r.lambda_max + kGridPaddingSigmas * r.sigma;
  r.grid = Eigen::VectorXd::LinSpaced(o.grid, lo, hi);
  r.density = Eigen::VectorXd::Zero(o.grid);
  const double norm =
      1.0 / (static_cast<double>(r.nodes.size()) * r.sigma * std::sqrt(2.0 * std::numbers::pi));
  const double tail = 1.0 / (r.sigma * std::numbers::sqrt2);
  r.mass_outside = 0.0;
  for (size_t run = 0; run < r.nodes.size(); ++run) {
    for (Eigen::Index k = 0; k < r.nodes[run].size(); ++k) {
      const double theta = r.nodes[run](k), tau = r.weights[run](k);
      const Eigen::ArrayXd z = (r.grid.array() - theta) / r.sigma;
      r.density.array() += (norm * tau) * (-0.5 * z.square()).exp();
      r.mass_outside += tau * 0.5 *
                        (std::erfc((theta - lo) * tail) + std::erfc((hi - theta) * tail)) /
                        static_cast<double>(r.nodes.size());
    }
  }
  const double h = (hi - lo) / (o.grid - 1);
  r.integral = h * (r.density.sum() - 0.5 * (r.density(0) + r.density(o.grid - 1)));
}

// Negative masses, extreme nodes and LLA's criteria, from the raw nodes and weights.
void derive(const DensityOptions& o, DensityResult& r) {
  r.lambda_min = std::numeric_limits<double>::infinity();
  r.lambda_max = -std::numeric_limits<double>::infinity();
  RunningMean<double> negative(0.0), beyond(0.0), re(0.0), kh(0.0);
  for (size_t run = 0; run < r.nodes.size(); ++run) {
    const Eigen::ArrayXd theta = r.nodes[run].array(), tau = r.weights[run].array();
    r.lambda_min = std::min(r.lambda_min, theta.minCoeff());
    r.lambda_max = std::max(r.lambda_max, theta.maxCoeff());
    negative.add((theta < 0.0).select(tau, 0.0).sum());
    // The run's own scale: with ε = 0 the cut is −0.0 and this is the negative mass exactly.
    const double cut = -o.negative_threshold * theta.maxCoeff();
    beyond.add((theta < cut).select(tau, 0.0).sum());
    re.add(std::abs(theta.minCoeff() / theta.maxCoeff()));
    const Eigen::ArrayXd mass = (theta * tau).abs().pow(o.kh_power);
    kh.add((theta < 0.0).select(mass, 0.0).sum() / (theta > 0.0).select(mass, 0.0).sum());
  }
  r.negative_mass = negative.mean();
  r.negative_mass_std_error = negative.std_error();
  r.negative_mass_beyond = beyond.mean();
  r.negative_mass_beyond_std_error = beyond.std_error();
  r.max_over_min = r.lambda_max / std::abs(r.lambda_min);
  r.lla_re = re.mean();
  r.lla_kh = kh.mean();
}

}  // namespace

void DensityOptions::validate() const {
  require_at_least("runs", runs, 1);
  require_at_least("steps", steps, 1);
  require_at_least("block", block, 1);
  require_positive_finite("sigma", sigma);
  require_positive_finite("kh_power", kh_power);
  require_non_negative_finite("negative_threshold", negative_threshold);
  if (grid < 2 || grid < min_grid_points(sigma)) {
    throw FieldError("grid", "(" + std::to_string(grid) + " points) is too coarse for {sigma} " +
                                 significant(sigma, 4) + ": at least " +
                                 significant(min_grid_points(sigma), 4) + " points are needed");
  }
}

DensityResult run(const DensityOptions& options, const CurvatureOperator& op) {
  options.validate();
  return run_checked<DensityResult>(op, [&](const CheckedOperator& A, DensityResult& r) {
    lanczos_runs(options, A, r);
    derive(options, r);
    smooth(options, r);
  });
}

}  // namespace hess
