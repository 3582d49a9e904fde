#include "analyzers/trace.h"

#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "analyzers/probes.h"
#include "analyzers/running_mean.h"
#include "engine/field_error.h"
#include "engine/number_format.h"
#include "engine/random.h"

namespace hess {

namespace {

// A diagonal of R smaller than this times the largest one means H Ω has lower rank than Ω.
constexpr double kRankTol = 1e-12;

// An orthonormal basis of the columns of Y (thin Householder QR; Y has at most P columns).
Eigen::MatrixXd orthonormal_basis(const Eigen::MatrixXd& Y) {
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(Y);
  return qr.householderQ() * Eigen::MatrixXd::Identity(Y.rows(), Y.cols());
}

// Hutchinson's estimator of tr(B) + shift for the operator B that `apply` applies, `shift` and
// `group_shift` the exactly known part (zero for plain Hutchinson, tr(G) for the control variate).
template <class Apply>
void hutchinson(const TraceOptions& o, int64_t P, Apply&& apply, double shift,
                const std::vector<double>& group_shift, bool frobenius_wanted, TraceResult& r) {
  Rng rng(o.seed);
  RunningMean<double> total(0.0), frobenius(0.0);
  std::vector<RunningMean<double>> groups(o.groups.size(), RunningMean<double>(0.0));
  Eigen::MatrixXd V, HV;
  bool converged = false;
  while (total.count() < o.max_probes && !converged) {
    const int b = static_cast<int>(std::min<int64_t>(o.block, o.max_probes - total.count()));
    V.resize(P, b);
    fill_probes(ProbeKind::Rademacher, rng, V);
    apply(V, HV);
    for (int j = 0; j < b; ++j) {
      total.add(V.col(j).dot(HV.col(j)));
      frobenius.add(HV.col(j).squaredNorm());
      for (size_t g = 0; g < groups.size(); ++g) {
        groups[g].add(group_dot(o.groups[g], V.col(j).data(), HV.col(j).data()));
      }
    }
    converged = o.rtol > 0.0 && total.count() >= o.min_probes &&
                total.std_error() <= o.rtol * std::abs(shift + total.mean());
  }
  r.trace = shift + total.mean();
  r.std_error = total.std_error();
  r.probes = total.count();
  if (frobenius_wanted) {
    r.frobenius2 = frobenius.mean();
    r.frobenius2_std_error = frobenius.std_error();
  }
  for (size_t g = 0; g < groups.size(); ++g) {
    r.groups.push_back({o.groups[g].name, o.groups[g].size(), group_shift[g] + groups[g].mean(),
                        groups[g].std_error()});
  }
  if (o.rtol > 0.0 && !converged) {
    r.status = Status::NotConverged;
    r.message = std::string(name_of(r.method)) + ": standard error " + significant(r.std_error, 4) +
                " > rtol·|trace| = " + significant(o.rtol * std::abs(r.trace), 4) + " after " +
                std::to_string(r.probes) + " probes";
  }
}

void run_hutchinson(const TraceOptions& o, const CheckedOperator& A, TraceResult& r) {
  hutchinson(
      o, A.rows(), [&](const Eigen::MatrixXd& V, Eigen::MatrixXd& Y) { A.apply(V, Y); }, 0.0,
      std::vector<double>(o.groups.size(), 0.0), true, r);
}

// tr(G) and its group sums from the exact GGN diagonal.
double ggn_part(const TraceOptions& o, const CheckedOperator& A, std::vector<double>& groups) {
  Eigen::VectorXd d;
  A.gauss_newton_diagonal(d);
  groups.clear();
  for (const ParamGroup& g : o.groups) {
    double sum = 0.0;
    for (const auto& [offset, length] : g.ranges) sum += d.segment(offset, length).sum();
    groups.push_back(sum);
  }
  return d.sum();
}

void run_exact(const TraceOptions& o, const CheckedOperator& A, TraceResult& r) {
  std::vector<double> groups;
  r.trace = r.ggn_trace = ggn_part(o, A, groups);
  r.std_error = 0.0;
  for (size_t g = 0; g < groups.size(); ++g)
    r.groups.push_back({o.groups[g].name, o.groups[g].size(), groups[g], 0.0});
}

void run_control_variate(const TraceOptions& o, const CheckedOperator& A, TraceResult& r) {
  std::vector<double> groups;
  r.ggn_trace = ggn_part(o, A, groups);
  hutchinson(
      o, A.rows(), [&](const Eigen::MatrixXd& V, Eigen::MatrixXd& Y) { A.apply_residual(V, Y); },
      r.ggn_trace, groups, false, r);
}

// Refuses exact and control-variate where the operator's split does not allow them.
void check_split(TraceMethod method, const SplitInfo& split) {
  if (method == TraceMethod::Exact && split.kind != CurvatureSplit::Exact) {
    throw FieldError("method",
                     "exact applies to the GGN, or to a Hessian whose network is "
                     "affine in each parameter (not here: " +
                         split.reason + ")");
  }
  if (method == TraceMethod::ControlVariate && split.kind == CurvatureSplit::None) {
    throw FieldError("method", "control-variate needs a Gauss-Newton split (" + split.reason + ")");
  }
}

void run_hutchpp(const TraceOptions& o, const CheckedOperator& A, TraceResult& r) {
  const int64_t P = A.rows();
  Rng rng(o.seed);
  const int sketch = static_cast<int>(std::min<int64_t>(o.max_probes / 3, P));
  const int residual = o.max_probes - 2 * sketch;  // ≥ max_probes / 3
  Eigen::MatrixXd S(P, sketch), Y, Z;
  fill_probes(ProbeKind::Rademacher, rng, S);
  A.apply_blocked(S, Y, o.block);
  const Eigen::MatrixXd Q = orthonormal_basis(Y);
  A.apply_blocked(Q, Z, o.block);
  const double low_rank = (Q.transpose() * Z).trace();

  Eigen::MatrixXd G(P, residual), HG;
  fill_probes(ProbeKind::Rademacher, rng, G);
  G -= Q * (Q.transpose() * G);  // (I − QQᵀ) G
  A.apply_blocked(G, HG, o.block);
  RunningMean<double> rest(0.0);
  for (int j = 0; j < residual; ++j) rest.add(G.col(j).dot(HG.col(j)));
  r.trace = low_rank + rest.mean();
  r.std_error = rest.std_error();
  r.probes = sketch + residual;
}

void run_xtrace(const TraceOptions& o, const CheckedOperator& A, TraceResult& r) {
  const int64_t P = A.rows();
  const int s = o.max_probes / 2;
  if (s >= P) {
    throw FieldError("max_probes", "(" + std::to_string(o.max_probes) +
                                       "): xtrace needs max_probes / 2 < P (" + std::to_string(P) +
                                       ")");
  }
  Rng rng(o.seed);
  Eigen::MatrixXd omega(P, s);
  fill_probes(ProbeKind::Gaussian, rng, omega);
  for (int j = 0; j < s; ++j)
    omega.col(j) *= std::sqrt(static_cast<double>(P)) / omega.col(j).norm();
  const Eigen::VectorXd estimates = xtrace_estimates(A, omega, o.block);
  r.probes = s;
  if (estimates.size() == 0) {
    r.status = Status::NotConverged;
    r.message = "xtrace: H Ω has lower rank than its " + std::to_string(s) +
                " columns; use hutchpp or fewer probes";
    r.trace = r.std_error = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  RunningMean<double> m(0.0);
  for (double e : estimates) m.add(e);
  r.trace = m.mean();
  r.std_error = m.std_error();
}

}  // namespace

Eigen::VectorXd xtrace_estimates(const CheckedOperator& A, const Eigen::MatrixXd& omega,
                                 int block) {
  const int64_t P = A.rows();
  const Eigen::Index s = omega.cols();
  Eigen::MatrixXd Y, Z;
  A.apply_blocked(omega, Y, block);
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(Y);
  const Eigen::MatrixXd R = qr.matrixQR().topRows(s).triangularView<Eigen::Upper>();
  const Eigen::ArrayXd diag = R.diagonal().cwiseAbs();
  if (diag.minCoeff() <= kRankTol * diag.maxCoeff()) return {};
  const Eigen::MatrixXd Q = qr.householderQ() * Eigen::MatrixXd::Identity(P, s);
  A.apply_blocked(Q, Z, block);  // Z = H Q
  const Eigen::MatrixXd H = Q.transpose() * Z;
  const Eigen::MatrixXd W = Q.transpose() * omega;
  // Leaving ω_i out: range(H Ω_{-i}) = range(Q (I − s_i s_iᵀ)), s_i the normalised i-th column of
  // R⁻ᵀ (it is orthogonal to every column of R but the i-th), so Q_i Q_iᵀ = Q (I − s_i s_iᵀ) Qᵀ.
  Eigen::MatrixXd Sm =
      R.transpose().triangularView<Eigen::Lower>().solve(Eigen::MatrixXd::Identity(s, s));
  Sm.colwise().normalize();
  const double complement = static_cast<double>(P - s + 1);  // dimension of range(Q_i)^⊥
  const double trace_h = H.trace();
  Eigen::VectorXd estimates(s);
  for (Eigen::Index i = 0; i < s; ++i) {
    const Eigen::VectorXd si = Sm.col(i);
    // tr(Q_iᵀ H Q_i) = tr(H) − s_iᵀ H s_i
    const double low_rank = trace_h - si.dot(H * si);
    // x = (I − Q_i Q_iᵀ) ω_i = ω_i − Q c with c = (I − s_i s_iᵀ) Qᵀ ω_i; H x = H ω_i − Z c.
    const Eigen::VectorXd c = W.col(i) - si * si.dot(W.col(i));
    const Eigen::VectorXd x = omega.col(i) - Q * c;
    const Eigen::VectorXd hx = Y.col(i) - Z * c;
    // Hutchinson on the complement with x normalised to the complement's dimension: x/‖x‖ is
    // uniform on its unit sphere (ω Gaussian direction, Q_i independent of ω_i), so
    // E[d xᵀHx/‖x‖²] = tr((I − Q_iQ_iᵀ) H (I − Q_iQ_iᵀ)).
    estimates(i) = low_rank + complement * x.dot(hx) / x.squaredNorm();
  }
  return estimates;
}

void TraceOptions::validate() const {
  require_at_least("block", block, 1);
  require_non_negative_finite("rtol", rtol);
  if (max_probes < 1)
    throw FieldError("max_probes", "must be positive (got " + std::to_string(max_probes) + ")");
  switch (method) {
    case TraceMethod::Exact:
      break;
    case TraceMethod::Hutchinson:
    case TraceMethod::ControlVariate:
    case TraceMethod::Auto:
      require_at_least("max_probes", max_probes, 2, "for " + std::string(name_of(method)));
      require_at_least("min_probes", min_probes, 2);
      if (max_probes < min_probes) {
        throw FieldError("min_probes", "(" + std::to_string(min_probes) +
                                           ") must be at most {max_probes} (" +
                                           std::to_string(max_probes) + ")");
      }
      break;
    case TraceMethod::HutchPP:
      require_at_least("max_probes", max_probes, kHutchPPMinProducts, "for hutchpp");
      break;
    case TraceMethod::XTrace:
      require_at_least("max_probes", max_probes, kXTraceMinProducts, "for xtrace");
      break;
  }
  if (!groups.empty() && !has_group_traces(method)) {
    throw FieldError("groups",
                     "per-group traces need method hutchinson, exact, control-variate "
                     "or auto");
  }
}

bool has_group_traces(TraceMethod method) {
  return method != TraceMethod::HutchPP && method != TraceMethod::XTrace;
}

TraceMethod resolve(TraceMethod method, CurvatureSplit split) {
  if (method != TraceMethod::Auto) return method;
  switch (split) {
    case CurvatureSplit::Exact:
      return TraceMethod::Exact;
    case CurvatureSplit::Residual:
      return TraceMethod::ControlVariate;
    case CurvatureSplit::None:
      break;
  }
  return TraceMethod::Hutchinson;
}

TraceResult run(const TraceOptions& options, const CurvatureOperator& op) {
  options.validate();
  check_groups(options.groups, op.rows(), "groups");
  const SplitInfo split = op.split();
  const TraceMethod method = resolve(options.method, split.kind);
  check_split(method, split);
  TraceResult out = run_checked<TraceResult>(op, [&](const CheckedOperator& A, TraceResult& r) {
    r.method = method;
    switch (method) {
      case TraceMethod::Exact:
        run_exact(options, A, r);
        break;
      case TraceMethod::ControlVariate:
        run_control_variate(options, A, r);
        break;
      case TraceMethod::Auto:  // resolved above
      case TraceMethod::Hutchinson:
        run_hutchinson(options, A, r);
        break;
      case TraceMethod::HutchPP:
        run_hutchpp(options, A, r);
        break;
      case TraceMethod::XTrace:
        run_xtrace(options, A, r);
        break;
    }
    r.ggn_diagonals = A.diagonals();
  });
  out.method = method;
  return out;
}

}  // namespace hess
