#pragma once
// The spectral density of a curvature operator by stochastic Lanczos quadrature (SLQ; Ubaru, Chen,
// Saad 2017; Ghorbani, Krishnan, Xiao 2019).
//
// The density ρ(t) = (1/P) Σᵢ δ(t − λᵢ) satisfies, for a random unit vector q (q = v/‖v‖, v
// Rademacher or Gaussian), E[qᵀ f(H) q] = ∫ f ρ = (1/P) tr f(H). m steps of Lanczos from q build a
// tridiagonal T_m = Y diag(θ) Yᵀ; the Gauss quadrature nodes θ_k with weights τ_k = Y(0, k)² (they
// sum to 1) give qᵀ f(H) q = Σ_k τ_k f(θ_k), exactly for polynomials of degree < 2m. Averaging n_v
// runs estimates ρ as (1/n_v) Σ_runs Σ_k τ_k δ(t − θ_k).
//
// Lanczos runs in double with full reorthogonalisation (classical Gram-Schmidt against the run's
// whole basis, a second pass where the first cancelled: analyzers/gram_schmidt.h): without it,
// converged outliers reappear as ghost copies and the density grows false peaks. A run whose β
// falls below kBreakdownTol·‖H q‖ has found an invariant subspace and stops early; its quadrature
// is then exact. Runs share operator applications: `block` runs advance together through one
// k-column product. Steps are capped at P.
//
// Smoothing (for plots; derived numbers use the raw nodes and weights): each node becomes a
// Gaussian of standard deviation σ = sigma·(θmax − θmin), sigma a fraction of the spectrum's width
// over all nodes (not a variance). The grid spans [θmin − 8σ, θmax + 8σ] with `grid` points, so the
// mass outside it (reported, computed exactly from the Gaussian tails) is below 1e-14; the density
// is never renormalised, and its trapezoid integral (reported) is 1 to within 1e-8 because the grid
// step is at most σ (validate() refuses coarser grids).
//
// Derived: the negative mass Σ τ_k [θ_k < 0] averaged over runs (with its standard error across
// runs); the robust negative mass Σ τ_k [θ_k < −ε·θmax_run] (ε = negative_threshold, θmax_run the
// run's largest node), which leaves out the bulk of near-zero eigenvalues that SLQ lumps onto one
// node just below or above 0; λmax/|λmin| from the extreme nodes, and LLA's criteria re = mean_runs
// |θmin/θmax| and Kh_n = mean_runs Σ_{θ<0} (|θ|τ)ⁿ / Σ_{θ>0} (θτ)ⁿ (Gabdullin 2024;
// docs/algorithms.md).
//
//   hess::DensityOptions o;
//   o.runs = 10;
//   o.steps = 80;
//   hess::DensityResult d = hess::run(o, H);   // d.grid, d.density, d.nodes[r], d.weights[r]

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "analyzers/krylov_decomposition.h"
#include "analyzers/probes.h"
#include "analyzers/status.h"
#include "engine/curvature_operator.h"

namespace hess {

// Default ε of the robust negative mass: eigenvalues below −ε·λmax count as clearly negative.
inline constexpr double kDefaultNegativeThreshold = 1e-3;

struct DensityOptions {
  int runs = 10;   // n_v: independent start vectors
  int steps = 80;  // m: Lanczos steps per run (capped at P)
  ProbeKind start = ProbeKind::Rademacher;
  uint64_t seed = 0;
  int block = 10;         // runs advancing together through one k-column product
  int grid = 1000;        // points of the smoothed density
  double sigma = 0.01;    // Gaussian standard deviation as a fraction of θmax − θmin
  double kh_power = 0.5;  // n of LLA's Kh_n
  // ε ≥ 0 of negative_mass_beyond: nodes below −ε·(the run's largest node) count as negative.
  double negative_threshold = kDefaultNegativeThreshold;
  // Keep the first run's Lanczos decomposition in the result (for an eigensolver to continue from:
  // EigenOptions::krylov_start), with its products H q_j where keeps_products() says so.
  bool keep_first_run = false;

  // Throws std::invalid_argument naming the bad field (also a grid too coarse for sigma).
  void validate() const;
};

struct DensityResult {
  std::vector<Eigen::VectorXd> nodes;    // per run: Ritz values θ_k, ascending
  std::vector<Eigen::VectorXd> weights;  // per run: τ_k, summing to 1
  std::vector<int> steps;                // per run: Lanczos steps done (fewer after a breakdown)

  Eigen::VectorXd grid;       // evaluation points
  Eigen::VectorXd density;    // ρ on the grid (integrates to 1; times P gives eigenvalue counts)
  double sigma = 0.0;         // the Gaussian's standard deviation, in eigenvalue units
  double mass_outside = 0.0;  // exact smoothed mass beyond the grid's ends
  double integral = 0.0;      // trapezoid integral of `density` over the grid

  double lambda_min = 0.0;  // extreme nodes over all runs
  double lambda_max = 0.0;
  double max_over_min = 0.0;   // λmax / |λmin|
  double negative_mass = 0.0;  // fraction of the spectrum below zero
  double negative_mass_std_error = 0.0;
  double negative_mass_beyond = 0.0;  // fraction below −negative_threshold·θmax (per run)
  double negative_mass_beyond_std_error = 0.0;
  double lla_re = 0.0;  // LLA's re
  double lla_kh = 0.0;  // LLA's Kh_n with n = kh_power
  // keep_first_run: H Q = Q T + w e_mᵀ of the first run (Q its m Lanczos vectors, T tridiagonal).
  KrylovDecomposition first_run;

  int64_t hvps = 0;
  double seconds = 0.0;
  Status status = Status::Ok;
  std::string message;
};

// Throws std::invalid_argument for bad options.
DensityResult run(const DensityOptions& options, const CurvatureOperator& op);

}  // namespace hess
