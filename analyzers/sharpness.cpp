#include "analyzers/sharpness.h"

#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "analyzers/eigen.h"
#include "analyzers/parameter_guard.h"
#include "analyzers/stopwatch.h"
#include "analyzers/trace.h"
#include "engine/field_error.h"
#include "engine/numerical_error.h"
#include "engine/random.h"

namespace hess {

namespace {

// APGD (Croce & Hein 2020): first step size 2ρ, momentum α, checkpoint rule.
constexpr double kInitialStepFactor = 2.0;
constexpr double kMomentum = 0.75;
constexpr double kMinSuccessRatio = 0.75;
constexpr double kFirstCheckpoint = 0.22;
constexpr double kCheckpointShrink = 0.03;
constexpr double kMinCheckpointGap = 0.06;
// Keskar et al. report the sharpness in percent of 1 + L.
constexpr double kKeskarPercent = 100.0;

// The iterations after which APGD may halve its step: ⌈p_j T⌉ for j ≥ 1.
std::vector<int> apgd_checkpoints(int steps) {
  std::vector<double> p = {0.0, kFirstCheckpoint};
  std::vector<int> w = {static_cast<int>(std::ceil(kFirstCheckpoint * steps))};
  while (w.back() < steps) {
    const double next =
        p.back() + std::max(p.back() - p[p.size() - 2] - kCheckpointShrink, kMinCheckpointGap);
    p.push_back(next);
    const int at = static_cast<int>(std::ceil(next * steps));
    if (at == w.back()) break;
    w.push_back(at);
  }
  return w;
}

struct Ascent {
  Ball ball = Ball::L2;
  double radius = 0.0;
  std::vector<double> scale;  // c
  int steps = 0;
  int restarts = 0;
  uint64_t seed = 0;
};

double ball_norm(const std::vector<double>& u, Ball ball) {
  double s = 0.0;
  for (double v : u) s = ball == Ball::L2 ? s + v * v : std::max(s, std::abs(v));
  return ball == Ball::L2 ? std::sqrt(s) : s;
}

void project(std::vector<double>& u, Ball ball, double radius) {
  if (ball == Ball::Linf) {
    for (double& v : u) v = std::clamp(v, -radius, radius);
    return;
  }
  const double n = ball_norm(u, Ball::L2);
  if (n > radius) {
    for (double& v : u) v *= radius / n;
  }
}

// max over the ball of L(θ + c⊙u), by APGD; returns the outcome with value = max L − L(θ).
AscentSharpness ascend(Objective& obj, const std::vector<double>& theta, double loss0,
                       const Ascent& a) {
  const size_t P = theta.size();
  const std::vector<int> checkpoints = apgd_checkpoints(a.steps);
  AscentSharpness out;
  out.loss_max = loss0;
  std::vector<double> point(P), g(P), u(P), u_prev(P), z(P), best_u(P), best_g(P), next(P);
  auto at = [&](const std::vector<double>& v) {
    for (size_t i = 0; i < P; ++i) point[i] = theta[i] + a.scale[i] * v[i];
    obj.set_parameters(point);
  };
  const Rng base(a.seed);
  for (int restart = 0; restart < a.restarts; ++restart) {
    Rng rng = base.split(restart);
    for (size_t i = 0; i < P; ++i) {
      const double draw =
          a.ball == Ball::L2 ? rng.normal() : a.radius * (2.0 * rng.uniform() - 1.0);
      u[i] = a.scale[i] != 0.0 ? draw : 0.0;
    }
    if (a.ball == Ball::L2) {
      const double n = ball_norm(u, Ball::L2);
      for (double& v : u) v = n > 0 ? v * a.radius / n : 0.0;
    }
    at(u);
    double loss = obj.gradient(g.data()).loss;
    u_prev = u;
    best_u = u;
    best_g = g;
    double best = loss, best_at_checkpoint = loss, eta = kInitialStepFactor * a.radius,
           eta_at_checkpoint = eta;
    int successes = 0, last_checkpoint = 0;
    size_t next_checkpoint = 0;
    if (loss > out.loss_max) {
      out.loss_max = loss;
      out.u_norm = ball_norm(u, a.ball);
    }
    for (int k = 0; k < a.steps; ++k) {
      // Normalized ascent direction in u: s = c ⊙ g, then s/‖s‖ (ℓ2) or sign(s) (ℓ∞).
      double gn = 0.0;
      for (size_t i = 0; i < P; ++i) {
        z[i] = a.scale[i] * g[i];
        gn += z[i] * z[i];
      }
      gn = std::sqrt(gn);
      if (gn == 0.0) break;  // no ascent direction (θ + c⊙u is a critical point in u)
      for (size_t i = 0; i < P; ++i) {
        const double s = a.ball == Ball::L2 ? z[i] / gn : (z[i] > 0) - (z[i] < 0);
        z[i] = u[i] + eta * s;
      }
      project(z, a.ball, a.radius);
      if (k == 0) {
        next = z;
      } else {
        for (size_t i = 0; i < P; ++i) {
          next[i] = u[i] + kMomentum * (z[i] - u[i]) + (1.0 - kMomentum) * (u[i] - u_prev[i]);
        }
        project(next, a.ball, a.radius);
      }
      u_prev = u;
      u = next;
      at(u);
      const bool last = k + 1 == a.steps;
      loss = last ? obj.value().loss : obj.gradient(g.data()).loss;
      ++out.steps;
      if (loss > best) {
        best = loss;
        best_u = u;
        if (!last) best_g = g;
        ++successes;
      }
      if (loss > out.loss_max) {
        out.loss_max = loss;
        out.u_norm = ball_norm(u, a.ball);
      }
      if (next_checkpoint < checkpoints.size() && k + 1 == checkpoints[next_checkpoint]) {
        const int since = k + 1 - last_checkpoint;
        const bool few_successes = successes < kMinSuccessRatio * since;
        const bool stalled = eta == eta_at_checkpoint && best == best_at_checkpoint;
        eta_at_checkpoint = eta;
        best_at_checkpoint = best;
        last_checkpoint = k + 1;
        successes = 0;
        ++next_checkpoint;
        if (few_successes || stalled) {
          eta *= 0.5;
          ++out.step_halvings;
          u = best_u;
          u_prev = best_u;
          g = best_g;
        }
      }
    }
  }
  out.value = out.loss_max - loss0;
  return out;
}

AverageSharpness average_case(Objective& obj, const std::vector<double>& theta, double loss0,
                              const std::vector<double>& scale, const SharpnessOptions& o) {
  const size_t P = theta.size();
  AverageSharpness r;
  r.sigma = o.ball == Ball::L2 ? o.rho / std::sqrt(static_cast<double>(P)) : o.rho;
  r.samples = o.draws;
  Rng rng = Rng(o.seed).split(static_cast<uint64_t>(SharpnessMeasure::Average));
  std::vector<double> point(P);
  double sum = 0.0, sq = 0.0;
  std::vector<double> diffs(o.draws);
  for (int s = 0; s < o.draws; ++s) {
    for (size_t i = 0; i < P; ++i) point[i] = theta[i] + scale[i] * r.sigma * rng.normal();
    obj.set_parameters(point);
    diffs[s] = obj.value().loss - loss0;
    sum += diffs[s];
  }
  r.value = sum / o.draws;
  for (double d : diffs) sq += (d - r.value) * (d - r.value);
  r.standard_error = o.draws > 1 ? std::sqrt(sq / (o.draws - 1) / o.draws) : 0.0;
  return r;
}

bool wants(const SharpnessOptions& o, SharpnessMeasure m) {
  return std::find(o.measures.begin(), o.measures.end(), m) != o.measures.end();
}

// The top eigenpairs for lambda_max and the overlap: one Lanczos run of k = options.k when the
// overlap needs it, else k = 1.
EigenResult top_eigenpairs(const SharpnessOptions& o, const ObjectiveOperator& H) {
  EigenOptions eo;
  eo.which = Which::Largest;
  eo.k = wants(o, SharpnessMeasure::Overlap) ? o.k : 1;
  eo.tol = o.eigen_tol;
  eo.seed = Rng(o.seed).split(static_cast<uint64_t>(SharpnessMeasure::LambdaMax)).next();
  eo.save_vectors = true;
  return run(eo, H);
}

TraceResult trace_estimate(const SharpnessOptions& o, const ObjectiveOperator& H,
                           SharpnessMeasure m) {
  TraceOptions to;
  to.seed = Rng(o.seed).split(static_cast<uint64_t>(m)).next();
  if (m == SharpnessMeasure::Trace) {
    to.method = o.trace_method;
    to.max_probes = o.trace_products;
    to.min_probes = std::min(to.min_probes, o.trace_products);
  } else {
    to.method = TraceMethod::Hutchinson;
    to.min_probes = to.max_probes = o.frobenius_probes;
    to.rtol = 0.0;
  }
  return run(to, H);
}

double gradient_overlap(Objective& obj, const Eigen::MatrixXd& U) {
  Eigen::VectorXd g(obj.num_params());
  obj.gradient(g.data());
  const Eigen::MatrixXd Q = Eigen::HouseholderQR<Eigen::MatrixXd>(U).householderQ() *
                            Eigen::MatrixXd::Identity(U.rows(), U.cols());
  return (Q.transpose() * g).squaredNorm() / g.squaredNorm();
}

}  // namespace

void SharpnessOptions::validate() const {
  if (measures.empty()) throw FieldError("measures", "none asked");
  require_positive_finite("rho", rho);
  require_at_least("draws", draws, 2, "for a standard error");
  require_at_least("steps", steps, 1);
  require_at_least("restarts", restarts, 1);
  require_positive_finite("epsilon", epsilon);
  require_at_least("k", k, 1);
  require_positive_finite("eigen_tol", eigen_tol);
  require_at_least("trace_products", trace_products, kHutchPPMinProducts, "for hutchpp");
  require_at_least("frobenius_probes", frobenius_probes, 2, "for a standard error");
}

SharpnessResult run(const SharpnessOptions& options, Objective& objective,
                    const Eigen::MatrixXd* top_eigenvectors) {
  options.validate();
  const int64_t P = objective.num_params();
  if (top_eigenvectors && (top_eigenvectors->cols() < 1 || top_eigenvectors->rows() != P ||
                           top_eigenvectors->cols() > P)) {
    throw std::invalid_argument("eigenvectors: expected " + std::to_string(P) +
                                " rows and between 1 and " + std::to_string(P) + " columns");
  }
  const bool lanczos = wants(options, SharpnessMeasure::LambdaMax) ||
                       (wants(options, SharpnessMeasure::Overlap) && !top_eigenvectors);
  if (lanczos && wants(options, SharpnessMeasure::Overlap) && options.k > P) {
    throw FieldError("k", ": " + std::to_string(options.k) + " exceeds the " + std::to_string(P) +
                              " parameters");
  }
  const Stopwatch clock;
  const ObjectiveCounters before = objective.counters();
  ParameterGuard guard({&objective});
  const std::vector<double>& theta = guard.saved();
  SharpnessResult r;
  const ObjectiveOperator H(objective, Curvature::Hessian);
  std::optional<EigenResult> eig;
  auto note = [&](Status s, std::string_view what, const std::string& message) {
    if (r.status == Status::Ok || s == Status::NonFinite) r.status = s;
    r.message += (r.message.empty() ? "" : "; ") + std::string(what) + ": " + message;
  };
  // The Lanczos pairs, computed once for lambda_max and the overlap.
  auto eigenpairs = [&]() -> const EigenResult& {
    if (!eig) {
      eig = top_eigenpairs(options, H);
      r.top_eigenvalues = eig->eigenvalues;
      if (eig->status != Status::Ok) note(eig->status, "lanczos", eig->message);
    }
    return *eig;
  };
  auto counts = [&] {
    r.hvps = H.applications();
    r.passes = objective.counters().passes - before.passes;
    r.gradients = objective.counters().gradients - before.gradients;
    r.seconds = clock.seconds();
  };
  try {
    r.loss = objective.value().loss;
  } catch (const NumericalError& e) {
    r.status = Status::NonFinite;
    r.message = std::string("at theta: ") + e.what();
    counts();
    return r;
  }
  std::vector<double> scale(P, 1.0);
  if (options.adaptive) {
    for (int64_t i = 0; i < P; ++i) scale[i] = std::abs(theta[i]);
  }
  for (SharpnessMeasure m : options.measures) {
    try {
      objective.set_parameters(theta);
      switch (m) {
        case SharpnessMeasure::Average:
          r.average = average_case(objective, theta, r.loss, scale, options);
          break;
        case SharpnessMeasure::Worst: {
          const Ascent a{options.ball,
                         options.rho,
                         scale,
                         options.steps,
                         options.restarts,
                         Rng(options.seed).split(static_cast<uint64_t>(m)).next()};
          r.worst = ascend(objective, theta, r.loss, a);
          break;
        }
        case SharpnessMeasure::Keskar: {
          Ascent a{Ball::Linf,
                   options.epsilon,
                   std::vector<double>(P),
                   options.steps,
                   options.restarts,
                   Rng(options.seed).split(static_cast<uint64_t>(m)).next()};
          for (int64_t i = 0; i < P; ++i) a.scale[i] = std::abs(theta[i]) + 1.0;
          AscentSharpness k = ascend(objective, theta, r.loss, a);
          k.value = kKeskarPercent * k.value / (1.0 + r.loss);
          r.keskar = k;
          break;
        }
        case SharpnessMeasure::Overlap: {
          const Eigen::MatrixXd& U = top_eigenvectors ? *top_eigenvectors : eigenpairs().vectors;
          if (U.cols() == 0) break;  // Lanczos failed: its status says why
          objective.set_parameters(theta);
          r.overlap = gradient_overlap(objective, U);
          r.overlap_k = static_cast<int>(U.cols());
          break;
        }
        case SharpnessMeasure::LambdaMax: {
          const EigenResult& e = eigenpairs();
          if (e.eigenvalues.size() > 0) {
            r.lambda_max = e.eigenvalues(0);
            r.lambda_max_residual = e.residuals(0);
          }
          break;
        }
        case SharpnessMeasure::Trace: {
          const TraceResult t = trace_estimate(options, H, m);
          if (t.status != Status::Ok) note(t.status, "trace", t.message);
          r.trace = Estimate{t.trace, t.std_error};
          r.trace_method = t.method;
          r.trace_hvps = t.hvps;
          break;
        }
        case SharpnessMeasure::Frobenius: {
          const TraceResult t = trace_estimate(options, H, m);
          if (t.status != Status::Ok) note(t.status, "frobenius", t.message);
          const double f = std::sqrt(std::max(t.frobenius2, 0.0));
          r.frobenius =
              Estimate{f, f > 0 ? t.frobenius2_std_error / (2 * f) : t.frobenius2_std_error};
          break;
        }
      }
    } catch (const NumericalError& e) {
      note(Status::NonFinite, name_of(m), e.what());
    }
  }
  if (r.overlap && !std::isfinite(*r.overlap)) {
    note(Status::NonFinite, "overlap", "the gradient is zero");
  }
  counts();
  return r;
}

}  // namespace hess
