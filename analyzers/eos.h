#pragma once
// Edge of stability (Cohen et al. 2021, 2022; Damian et al. 2022): the sharpness of the training
// loss measured along a run and compared with the optimizer's stability threshold.
//
// One measurement at θ (`measure`), on the analysis objective (the full-batch training loss over a
// fixed set of rows) and the optimizer's options and state at that step:
//   - the top-k eigenvalues of the operator A by Lanczos (analyzers/eigen.h): A = H, or for adam
//     A = P^{-1/2} H P^{-1/2} with P from the optimizer's second moment
//     (analyzers/preconditioned_operator.h). Warm-started from the previous measurement's
//     eigenvectors when given (their sum is the start vector), which needs fewer products;
//   - the threshold of the optimizer at its learning rate (analyzers/stability_threshold.h);
//   - the full-batch loss, and the gradient's overlap ‖Uᵀg̃‖/‖g̃‖ with the top-k eigenvectors U of A
//     (g̃ = P^{-1/2} g in A's coordinates; g̃ = g without preconditioner);
//   - self-stabilization (Damian et al.): S(θ) = wᵀH(θ)w for the top direction w = P^{-1/2}u₁
//     held fixed (w = u₁ without preconditioner), ∇S = ∇³L[w, w, ·] by a central difference of
//     two Hessian-vector products, (H(θ + s ŵ) w − H(θ − s ŵ) w)·‖w‖/(2s), ŵ = w/‖w‖; then
//     α = −∇̃L·∇̃S (the progressive-sharpening rate) and β = ‖∇̃S‖², both in A's coordinates
//     (∇̃ = P^{-1/2}∇; plain gradients without preconditioner).
//
// What a series of measurements shows (`derive`): the onset of the edge of stability (first λ₁ ≥
// threshold), the sharpening rate before it, the fraction of measurements after it within ±10% of
// the threshold, the largest ratio λ₁/threshold and the loss increases after onset.
//
// Tracking during training (what `hessian train --sharpness-every N` runs), with the trainer's
// per-step callback:
//
//   hess::EosTracker tracker(eos_options, analysis_objective);
//   record(tracker.measure(trainer.parameters(), trainer.optimizer()));   // step 0
//   trainer.run(total, [&](const hess::TrainStep& s) {
//     if (hess::sharpness_due(s.step, every, total))
//       record(tracker.measure(trainer.parameters(), trainer.optimizer()));
//     return true;
//   });
//   hess::EosSummary summary = hess::derive(tracker.series());

#include <Eigen/Core>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "analyzers/status.h"
#include "engine/objective.h"
#include "engine/optimizer.h"

namespace hess {

// The band around the threshold that counts as "at the edge": |λ₁/threshold − 1| ≤ this.
inline constexpr double kEosBand = 0.1;

struct EosOptions {
  int k = 1;                       // top eigenvalues per measurement
  double tol = 1e-8;               // Lanczos relative residual tolerance
  int ncv = 0;                     // Lanczos Krylov dimension; 0: max(2k + 1, 10) capped at P
  int max_iterations = 1000;       // Lanczos restarts
  uint64_t seed = 0;               // the Gaussian start vector of a cold start
  bool self_stabilization = true;  // ∇S, α, β (two more products)
  double fd_step = 1e-3;  // s of the central difference of ∇S (a length in parameter space)
  // Throws std::invalid_argument (hess::FieldError) naming the bad field.
  void validate() const;
};

struct EosMeasurement {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

  int64_t step = 0;             // the optimizer's step count (updates done) at θ
  Eigen::VectorXd eigenvalues;  // top-k of A, descending
  Eigen::VectorXd residuals;    // ‖Au − λu‖, aligned
  Eigen::MatrixXd vectors;      // P x k eigenvectors of A: the next measurement's warm start
  double threshold = kNaN;      // the optimizer's stability threshold at its learning rate
  bool preconditioned = false;  // A = P^{-1/2} H P^{-1/2} (adam)
  double loss = kNaN;           // full-batch loss over the analysis set at θ
  double accuracy = kNaN;
  double gradient_norm = kNaN;     // ‖∇L‖ (in θ's coordinates)
  double grad_overlap = kNaN;      // ‖Uᵀg̃‖/‖g̃‖ (NaN when the gradient is zero)
  Eigen::VectorXd grad_sharpness;  // ∇_θ S (length P), empty without self_stabilization
  double alpha = kNaN;             // −∇̃L·∇̃S
  double beta = kNaN;              // ‖∇̃S‖²
  bool warm = false;               // Lanczos started from given vectors
  int64_t eigen_hvps = 0;          // products of the eigensolver (residual products included)
  int64_t hvps = 0;                // all products of the measurement (eigen + self-stabilization)
  int64_t lanczos_restarts = 0;
  double seconds = 0.0;
  Status status = Status::Ok;
  std::string message;

  // λ₁/threshold.
  double ratio() const { return eigenvalues.size() > 0 ? eigenvalues(0) / threshold : kNaN; }
};

// Measures at θ. `analysis` is the full-batch objective (its parameters are restored afterwards);
// `optimizer` and `state` are the optimizer's options and state at θ (state.step is the step;
// adam needs its "exp_avg_sq" buffer, other kinds no buffer at all). `warm` holds the previous
// measurement's vectors (P x j, j ≥ 1) or is empty for a cold start. Throws std::invalid_argument
// for bad options, k beyond P, θ or `warm` of the wrong length, or a state adam cannot use;
// numerical outcomes (not converged, NaN) are in the status.
EosMeasurement measure(const EosOptions& options, Objective& analysis,
                       const std::vector<double>& theta, const OptimizerOptions& optimizer,
                       const OptimizerState& state, const Eigen::MatrixXd& warm = {});

// The measurements' rows that `derive` reads (and a log stores).
struct EosSample {
  int64_t step = 0;
  double sharpness = 0.0;  // λ₁ (of H, or preconditioned)
  double threshold = 0.0;
  double loss = 0.0;
};
EosSample sample_of(const EosMeasurement& m);

struct EosSummary {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  std::optional<int64_t> onset_step;  // first step with λ₁ ≥ threshold
  double sharpening_rate = kNaN;      // least-squares slope of λ₁ per step over the measurements
                                      // before onset (all of them without onset); NaN below two
  int64_t measurements_after_onset = 0;  // the onset's own included
  double eos_fraction = 0.0;  // of those, the fraction with |λ₁/threshold − 1| ≤ band
                              // (0 without onset)
  double median_ratio_after_onset = kNaN;
  double max_ratio = kNaN;                 // max λ₁/threshold (NaN for an empty series)
  int64_t loss_increases_after_onset = 0;  // consecutive measurements from onset on with a
                                           // larger loss than the one before
};

// Throws std::invalid_argument when the steps are not strictly increasing, a threshold is not
// positive or the band is negative.
EosSummary derive(const std::vector<EosSample>& series, double band = kEosBand);

// Whether step `step` (updates done) of a run of `total_steps` is measured when measuring every
// `every` steps: step 0, the multiples of `every` and the last step (every ≤ 0: never).
bool sharpness_due(int64_t step, int64_t every, int64_t total_steps);

// Measurements along one run, each warm-started from the previous one's vectors.
class EosTracker {
 public:
  // `analysis` must outlive the tracker. Throws for bad options.
  EosTracker(const EosOptions& options, Objective& analysis);

  // Measures at θ with the optimizer's options and state, appends the sample to the series and
  // keeps the vectors for the next warm start.
  EosMeasurement measure(const std::vector<double>& theta, const OptimizerOptions& optimizer,
                         const OptimizerState& state);
  EosMeasurement measure(const std::vector<double>& theta, const Optimizer& optimizer) {
    return measure(theta, optimizer.options(), optimizer.state());
  }

  const std::vector<EosSample>& series() const { return series_; }
  // For a resumed run: the series so far and the last vectors (empty: the next start is cold).
  void resume(std::vector<EosSample> series, Eigen::MatrixXd warm_vectors);
  const Eigen::MatrixXd& warm_vectors() const { return warm_; }
  int64_t total_hvps() const { return total_hvps_; }

 private:
  EosOptions options_;
  Objective& analysis_;
  std::vector<EosSample> series_;
  Eigen::MatrixXd warm_;
  int64_t total_hvps_ = 0;
};

}  // namespace hess
