#include "analyzers/eos.h"

#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "analyzers/eigen.h"
#include "analyzers/parameter_guard.h"
#include "analyzers/preconditioned_operator.h"
#include "analyzers/stability_threshold.h"
#include "analyzers/stopwatch.h"
#include "engine/curvature_operator.h"
#include "engine/field_error.h"
#include "engine/number_format.h"
#include "engine/numerical_error.h"

namespace hess {

namespace {

constexpr int kMinKrylov = 10;  // the default ncv is at least this (capped at P)

// The Krylov dimension: given, or max(2k + 1, kMinKrylov) capped at P.
int krylov_dimension(const EosOptions& o, int64_t P) {
  if (o.ncv > 0) return o.ncv;
  return static_cast<int>(std::min<int64_t>(P, std::max(2 * o.k + 1, kMinKrylov)));
}

// The start vector from previous vectors: their sum, so the Krylov space holds all of them.
Eigen::VectorXd warm_start_vector(const Eigen::MatrixXd& warm) {
  Eigen::VectorXd v = Eigen::VectorXd::Zero(warm.rows());
  for (Eigen::Index j = 0; j < warm.cols(); ++j) {
    const double n = warm.col(j).norm();
    if (n > 0.0) v += warm.col(j) / n;
  }
  return v;
}

// ∇_θ S = ∇³L[w, w, ·] by (H(θ + s ŵ) w − H(θ − s ŵ) w)·‖w‖/(2s): two products.
Eigen::VectorXd sharpness_gradient(Objective& obj, const std::vector<double>& theta,
                                   const Eigen::VectorXd& w, double s) {
  const int64_t P = obj.num_params();
  const double norm = w.norm();
  const Eigen::VectorXd unit = w / norm;
  std::vector<double> moved(theta);
  Eigen::VectorXd plus(P), minus(P);
  for (int sign : {1, -1}) {
    for (int64_t i = 0; i < P; ++i) moved[i] = theta[i] + sign * s * unit(i);
    obj.set_parameters(moved);
    obj.curvature(w.data(), 1, (sign > 0 ? plus : minus).data(), Curvature::Hessian);
  }
  obj.set_parameters(theta);
  return (plus - minus) * (norm / (2.0 * s));
}

}  // namespace

void EosOptions::validate() const {
  if (k < 1) throw FieldError("k", "must be at least 1 (got " + std::to_string(k) + ")");
  if (!(tol > 0.0) || !std::isfinite(tol)) {
    throw FieldError("tol", "must be positive and finite (got " + significant(tol, 4) + ")");
  }
  if (ncv < 0) throw FieldError("ncv", "must be 0 (automatic) or positive");
  if (max_iterations < 1) throw FieldError("max_iterations", "must be at least 1");
  if (!(fd_step > 0.0) || !std::isfinite(fd_step)) {
    throw FieldError("fd_step",
                     "must be positive and finite (got " + significant(fd_step, 4) + ")");
  }
}

EosMeasurement measure(const EosOptions& options, Objective& analysis,
                       const std::vector<double>& theta, const OptimizerOptions& optimizer,
                       const OptimizerState& state, const Eigen::MatrixXd& warm) {
  options.validate();
  optimizer.validate();
  const Stopwatch clock;
  const int64_t P = analysis.num_params();
  if (static_cast<int64_t>(theta.size()) != P) {
    throw std::invalid_argument("parameter vector has " + std::to_string(theta.size()) +
                                " entries, the model " + std::to_string(P));
  }
  if (options.k > P) {
    throw FieldError("k",
                     "(" + std::to_string(options.k) + ") exceeds P (" + std::to_string(P) + ")");
  }
  if (warm.size() > 0 && warm.rows() != P) {
    throw std::invalid_argument("warm-start vectors have " + std::to_string(warm.rows()) +
                                " rows, the model " + std::to_string(P));
  }

  EosMeasurement m;
  m.step = state.step;
  m.threshold = stability_threshold(optimizer);
  m.preconditioned = is_preconditioned(optimizer.kind);
  const ParameterGuard guard({&analysis});
  analysis.set_parameters(theta);
  try {
    Eigen::VectorXd g(P);
    const Evaluation ev = analysis.gradient(g.data());
    m.loss = ev.loss;
    m.accuracy = ev.accuracy;
    m.gradient_norm = g.norm();

    ObjectiveOperator H(analysis, Curvature::Hessian);
    Eigen::VectorXd d = Eigen::VectorXd::Ones(P);  // P^{-1/2}
    std::optional<PreconditionedOperator> preconditioned;
    if (m.preconditioned) {
      preconditioned.emplace(H, adam_preconditioner(optimizer, state, P, g.data()));
      d = preconditioned->scaling();
    }
    const CurvatureOperator& A =
        preconditioned ? static_cast<const CurvatureOperator&>(*preconditioned) : H;

    EigenOptions eo;
    eo.k = options.k;
    eo.which = Which::Largest;
    eo.tol = options.tol;
    eo.ncv = options.k < P ? krylov_dimension(options, P) : 0;  // k = P: all, by assembly
    eo.max_iterations = options.max_iterations;
    eo.seed = options.seed;
    eo.save_vectors = true;
    m.warm = warm.size() > 0;
    if (m.warm) {
      eo.warm_start = warm_start_vector(warm);
      if (eo.warm_start.norm() == 0.0) {
        eo.warm_start.resize(0);
        m.warm = false;
      }
    }
    EigenResult er = run(eo, A);
    m.eigen_hvps = er.hvps;
    m.hvps = er.hvps;
    m.lanczos_restarts = er.iterations;
    m.status = er.status;
    m.message = er.message;
    if (er.status == Status::NonFinite) {
      m.seconds = clock.seconds();
      return m;
    }
    m.eigenvalues = er.eigenvalues;
    m.residuals = er.residuals;
    m.vectors = er.vectors;

    // The gradient in A's coordinates and its overlap with the top-k eigenspace.
    const Eigen::VectorXd gt = d.cwiseProduct(g);
    const double gt_norm = gt.norm();
    if (gt_norm > 0.0) {
      const Eigen::HouseholderQR<Eigen::MatrixXd> qr(m.vectors);
      const Eigen::MatrixXd Q = qr.householderQ() * Eigen::MatrixXd::Identity(P, m.vectors.cols());
      m.grad_overlap = (Q.transpose() * gt).norm() / gt_norm;
    }

    if (options.self_stabilization) {
      const Eigen::VectorXd w = d.cwiseProduct(m.vectors.col(0));
      m.grad_sharpness = sharpness_gradient(analysis, theta, w, options.fd_step);
      m.hvps += 2;
      if (!m.grad_sharpness.allFinite()) throw NumericalError("self-stabilization: non-finite dS");
      const Eigen::VectorXd st = d.cwiseProduct(m.grad_sharpness);
      m.alpha = -gt.dot(st);
      m.beta = st.squaredNorm();
    }
  } catch (const NumericalError& e) {
    const int64_t hvps = m.hvps;
    m = EosMeasurement{};
    m.step = state.step;
    m.threshold = stability_threshold(optimizer);
    m.preconditioned = is_preconditioned(optimizer.kind);
    m.hvps = hvps;
    m.status = Status::NonFinite;
    m.message = e.what();
  }
  m.seconds = clock.seconds();
  return m;
}

EosSample sample_of(const EosMeasurement& m) {
  EosSample s;
  s.step = m.step;
  s.sharpness = m.eigenvalues.size() > 0 ? m.eigenvalues(0) : EosMeasurement::kNaN;
  s.threshold = m.threshold;
  s.loss = m.loss;
  return s;
}

EosSummary derive(const std::vector<EosSample>& series, double band) {
  if (!(band >= 0.0) || !std::isfinite(band)) {
    throw std::invalid_argument("band must be non-negative and finite");
  }
  for (size_t i = 0; i < series.size(); ++i) {
    if (!(series[i].threshold > 0.0)) {
      throw std::invalid_argument("series: threshold at step " + std::to_string(series[i].step) +
                                  " is not positive");
    }
    if (i > 0 && series[i].step <= series[i - 1].step) {
      throw std::invalid_argument("series: steps must increase strictly (step " +
                                  std::to_string(series[i].step) + " after " +
                                  std::to_string(series[i - 1].step) + ")");
    }
  }
  EosSummary r;
  const size_t n = series.size();
  size_t onset = n;
  for (size_t i = 0; i < n; ++i) {
    const double ratio = series[i].sharpness / series[i].threshold;
    if (std::isnan(r.max_ratio) || ratio > r.max_ratio) r.max_ratio = ratio;
    if (onset == n && series[i].sharpness >= series[i].threshold) onset = i;
  }
  if (onset < n) r.onset_step = series[onset].step;

  // Least-squares slope of λ₁ over the steps before onset.
  if (onset >= 2) {
    double mean_t = 0.0, mean_y = 0.0;
    for (size_t i = 0; i < onset; ++i) {
      mean_t += static_cast<double>(series[i].step);
      mean_y += series[i].sharpness;
    }
    mean_t /= static_cast<double>(onset);
    mean_y /= static_cast<double>(onset);
    double stt = 0.0, sty = 0.0;
    for (size_t i = 0; i < onset; ++i) {
      const double dt = static_cast<double>(series[i].step) - mean_t;
      stt += dt * dt;
      sty += dt * (series[i].sharpness - mean_y);
    }
    r.sharpening_rate = sty / stt;
  }

  if (onset < n) {
    std::vector<double> ratios;
    int64_t within = 0;
    for (size_t i = onset; i < n; ++i) {
      const double ratio = series[i].sharpness / series[i].threshold;
      ratios.push_back(ratio);
      if (std::abs(ratio - 1.0) <= band) ++within;
      if (i > onset && series[i].loss > series[i - 1].loss) ++r.loss_increases_after_onset;
    }
    r.measurements_after_onset = static_cast<int64_t>(ratios.size());
    r.eos_fraction = static_cast<double>(within) / static_cast<double>(ratios.size());
    std::sort(ratios.begin(), ratios.end());
    const size_t h = ratios.size() / 2;
    r.median_ratio_after_onset =
        ratios.size() % 2 == 1 ? ratios[h] : (ratios[h - 1] + ratios[h]) / 2.0;
  }
  return r;
}

bool sharpness_due(int64_t step, int64_t every, int64_t total_steps) {
  if (every <= 0) return false;
  return step == 0 || step % every == 0 || step == total_steps;
}

EosTracker::EosTracker(const EosOptions& options, Objective& analysis)
    : options_(options), analysis_(analysis) {
  options_.validate();
}

EosMeasurement EosTracker::measure(const std::vector<double>& theta,
                                   const OptimizerOptions& optimizer, const OptimizerState& state) {
  EosMeasurement m = hess::measure(options_, analysis_, theta, optimizer, state, warm_);
  total_hvps_ += m.hvps;
  if (m.status != Status::NonFinite) warm_ = m.vectors;
  series_.push_back(sample_of(m));
  return m;
}

void EosTracker::resume(std::vector<EosSample> series, Eigen::MatrixXd warm_vectors) {
  series_ = std::move(series);
  warm_ = std::move(warm_vectors);
}

}  // namespace hess
