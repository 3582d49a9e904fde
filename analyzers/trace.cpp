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

void run_hutchinson(const TraceOptions& o, const CheckedOperator& A, TraceResult& r) {
  const int64_t P = A.rows();
  Rng rng(o.seed);
  RunningMean<double> total(0.0), frobenius(0.0);
  std::vector<RunningMean<double>> groups(o.groups.size(), RunningMean<double>(0.0));
  Eigen::MatrixXd V, HV;
  bool converged = false;
  while (total.count() < o.max_probes && !converged) {
    const int b = static_cast<int>(std::min<int64_t>(o.block, o.max_probes - total.count()));
    V.resize(P, b);
    fill_probes(ProbeKind::Rademacher, rng, V);
    A.apply(V, HV);
    for (int j = 0; j < b; ++j) {
      total.add(V.col(j).dot(HV.col(j)));
      frobenius.add(HV.col(j).squaredNorm());
      for (size_t g = 0; g < groups.size(); ++g) {
        groups[g].add(group_dot(o.groups[g], V.col(j).data(), HV.col(j).data()));
      }
    }
    converged = o.rtol > 0.0 && total.count() >= o.min_probes &&
                total.std_error() <= o.rtol * std::abs(total.mean());
  }
  r.trace = total.mean();
  r.std_error = total.std_error();
  r.probes = total.count();
  r.frobenius2 = frobenius.mean();
  r.frobenius2_std_error = frobenius.std_error();
  for (size_t g = 0; g < groups.size(); ++g) {
    r.groups.push_back(
        {o.groups[g].name, o.groups[g].size(), groups[g].mean(), groups[g].std_error()});
  }
  if (o.rtol > 0.0 && !converged) {
    r.status = Status::NotConverged;
    r.message = "hutchinson: standard error " + significant(r.std_error, 4) +
                " > rtol·|trace| = " + significant(o.rtol * std::abs(r.trace), 4) + " after " +
                std::to_string(r.probes) + " probes";
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
    case TraceMethod::Hutchinson:
      require_at_least("max_probes", max_probes, 2, "for hutchinson");
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
  if (!groups.empty() && method != TraceMethod::Hutchinson) {
    throw FieldError("groups", "per-group traces need method hutchinson");
  }
}

TraceResult run(const TraceOptions& options, const CurvatureOperator& op) {
  options.validate();
  check_groups(options.groups, op.rows(), "groups");
  return run_checked<TraceResult>(op, [&](const CheckedOperator& A, TraceResult& r) {
    switch (options.method) {
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
  });
}

}  // namespace hess
