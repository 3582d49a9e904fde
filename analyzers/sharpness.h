#pragma once
// Sharpness of the loss around θ, by perturbation of the parameters.
//
// Perturbations δ = c ⊙ u with u in a ball ‖u‖_p ≤ ρ (p = 2 or ∞): c = 1 for the standard measures,
// c = |θ| elementwise for the adaptive ones (Kwon et al. 2021; Andriushchenko et al. 2023), which
// are invariant to rescaling a layer's weights (a coordinate with θ_i = 0 is not perturbed).
//
//   average   E_u L(θ + c⊙u) − L(θ), u ~ N(0, σ²I) in the ball's scale: σ = ρ/√P for ℓ2 (so
//             E‖u‖² = ρ²), σ = ρ for ℓ∞ (each coordinate's spread is the box's half-width; this is
//             Andriushchenko et al.'s σ = ρ). n seeded samples; their mean and its standard error
//             (sample standard deviation / √n).
//   worst     max_{‖u‖_p ≤ ρ} L(θ + c⊙u) − L(θ), by projected gradient ascent on u (the gradient
//             in u is c ⊙ ∇L): APGD of Croce & Hein (2020) as Andriushchenko et al. use it — a
//             random start (ℓ2: on the sphere of radius ρ; ℓ∞: uniform in the box), normalized
//             steps (ℓ2: g/‖g‖; ℓ∞: sign g) of size η = 2ρ, momentum 0.75 from the second step on,
//             projection onto the ball, and η halved at the checkpoints ⌈p_j T⌉ (p₀ = 0, p₁ = 0.22,
//             p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06)) when fewer than 75% of the steps
//             since the last checkpoint raised the best loss or neither η nor the best loss
//             changed, the iterate then restarting from the best point. The value is the largest
//             loss met, θ itself included, so it is ≥ 0 and a lower bound of the true maximum.
//   keskar    Keskar et al. (2017), with A = I: 100 · (max_{y ∈ C_ε} L(θ + y) − L(θ)) / (1 + L(θ)),
//             C_ε = {y : |y_i| ≤ ε(|θ_i| + 1)}: the ℓ∞ worst case with c = |θ| + 1 and ρ = ε. The
//             paper maximizes with L-BFGS-B; here the same projected ascent as `worst`.
//   overlap   ‖P_k g‖² / ‖g‖² with g = ∇L(θ) and P_k the projector on the span of the top-k
//             Hessian eigenvectors (orthonormalized first): the fraction of the gradient in the
//             top eigenspace (Gur-Ari et al. 2018). The eigenvectors are the caller's when given,
//             else the k largest (algebraic) by Lanczos (analyzers/eigen.h).
//
// Spectral measures of the Hessian H at θ, from the spectral analyzers:
//   lambda_max  the largest eigenvalue by Lanczos (analyzers/eigen.h, k = 1, or the top of the
//               overlap's k when both are asked: one run), with its residual ‖Hu − λu‖.
//   trace       tr(H) by `trace_method` (analyzers/trace.h), by default auto: exact where the
//               network is affine in each parameter, else the exact GGN trace plus Hutchinson on
//               H − G (a control variate) stopping at 1 % standard error or `trace_products`
//               probes; Hutch++/XTrace on request with `trace_products` products (the
//               standard error of their stochastic part).
//   frobenius   ‖H‖_F = √(E‖Hv‖²) from Hutchinson's ‖H‖_F² estimate (`frobenius_probes`
//               Rademacher probes); standard error by the delta method, se(‖H‖_F²)/(2‖H‖_F).
//
// All of it is on the full analysis set (Andriushchenko et al. average over batches; we do not).
// For a quadratic at a minimum with Hessian H: average = σ² tr(C H C)/2, ℓ2 worst = ρ² λmax(C H
// C)/2, so worst ≥ average and both vanish like ρ².
//
//   hess::SharpnessOptions o;
//   o.measures = {hess::SharpnessMeasure::Average, hess::SharpnessMeasure::Worst};
//   o.rho = 0.05;
//   hess::SharpnessResult r = hess::run(o, objective);
//   r.worst->value, r.average->value, r.average->standard_error

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analyzers/status.h"
#include "analyzers/trace.h"
#include "engine/enum_names.h"
#include "engine/objective.h"

namespace hess {

enum class SharpnessMeasure : uint8_t {
  Average,
  Worst,
  Keskar,
  Overlap,
  LambdaMax,
  Trace,
  Frobenius
};
template <>
struct EnumNames<SharpnessMeasure> {
  static constexpr std::string_view what = "sharpness measure";
  static constexpr std::string_view names[] = {"average",    "worst", "keskar",   "overlap",
                                               "lambda_max", "trace", "frobenius"};
};

enum class Ball : uint8_t { L2, Linf };
template <>
struct EnumNames<Ball> {
  static constexpr std::string_view what = "ball";
  static constexpr std::string_view names[] = {"l2", "linf"};
};

struct SharpnessOptions {
  // All of them by default (the command line's `--measures all`).
  std::vector<SharpnessMeasure> measures = {SharpnessMeasure::LambdaMax, SharpnessMeasure::Trace,
                                            SharpnessMeasure::Frobenius, SharpnessMeasure::Overlap,
                                            SharpnessMeasure::Average,   SharpnessMeasure::Worst,
                                            SharpnessMeasure::Keskar};
  double rho = 0.05;  // radius of the ball (average and worst)
  Ball ball = Ball::L2;
  bool adaptive = false;    // c = |θ| instead of 1
  int draws = 100;          // average: Gaussian perturbations drawn
  int steps = 20;           // worst, keskar: ascent steps per restart
  int restarts = 1;         // worst, keskar: random starts
  double epsilon = 1e-3;    // keskar: ε of the box
  int k = 1;                // overlap: dimension of the top eigenspace
  double eigen_tol = 1e-8;  // lambda_max, overlap: Lanczos relative residual tolerance
  TraceMethod trace_method = TraceMethod::Auto;  // trace: the estimator
  int trace_products = 99;     // trace: Hutch++/XTrace products, else the most probes (at least 3)
  int frobenius_probes = 100;  // frobenius: Hutchinson probes (at least 2)
  uint64_t seed = 0;
  // Throws std::invalid_argument naming the field.
  void validate() const;
};

struct AverageSharpness {
  double value = 0.0;           // mean of L(θ + c⊙u) − L(θ)
  double standard_error = 0.0;  // of the mean
  double sigma = 0.0;           // per-coordinate standard deviation of u
  int64_t samples = 0;
};

struct AscentSharpness {
  double value = 0.0;     // worst: max L − L(θ); keskar: normalized as in the paper
  double loss_max = 0.0;  // the largest loss met
  double u_norm = 0.0;    // ‖u‖_p of the maximizer (≤ ρ)
  int64_t steps = 0;      // ascent steps, all restarts
  int64_t step_halvings = 0;
};

// A stochastic estimate and its standard error (NaN when the method gives none).
struct Estimate {
  double value = 0.0;
  double std_error = 0.0;
};

struct SharpnessResult {
  double loss = 0.0;  // L(θ)
  std::optional<AverageSharpness> average;
  std::optional<AscentSharpness> worst;
  std::optional<AscentSharpness> keskar;
  std::optional<double> overlap;
  int overlap_k = 0;
  std::optional<double> lambda_max;
  double lambda_max_residual = 0.0;  // ‖Hu − λu‖ of its unit eigenvector
  Eigen::VectorXd top_eigenvalues;   // the Lanczos run's k largest, descending (empty if none ran)
  std::optional<Estimate> trace;
  TraceMethod trace_method = TraceMethod::Auto;  // the trace's method, auto resolved
  int64_t trace_hvps = 0;                        // the trace's products
  std::optional<Estimate> frobenius;
  int64_t passes = 0;     // passes over the analysis set
  int64_t gradients = 0;  // of which gradient passes
  int64_t hvps = 0;       // Hessian-vector products of the spectral measures
  double seconds = 0.0;
  // NonFinite when a pass met NaN or Inf (that measure is left empty); NotConverged when Lanczos
  // stopped before its tolerance (its best values are reported).
  Status status = Status::Ok;
  std::string message;
};

// Computes options.measures at the objective's current θ and restores it. `top_eigenvectors`
// (P x k, k ≥ 1), when given, span the overlap's eigenspace instead of a Lanczos run. Throws
// std::invalid_argument for bad options, k beyond P or eigenvectors of the wrong shape.
SharpnessResult run(const SharpnessOptions& options, Objective& objective,
                    const Eigen::MatrixXd* top_eigenvectors = nullptr);

}  // namespace hess
