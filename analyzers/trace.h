#pragma once
// The trace of a curvature operator, tr(H) = Σ λᵢ, by stochastic estimation from products H v.
//
// Methods (docs/algorithms.md has the formulas and references).
//   hutchinson  tr(H) = E[vᵀ H v] for Rademacher v (Hutchinson 1990). Probes go `block` at a time
//               through one k-column product; the running mean is the estimate and s/√n its
//               standard error. Stops when stderr ≤ rtol·|estimate| once min_probes are in (never
//               on the change of the mean, which stalls early when curvature of both signs
//               cancels), or at max_probes with status NotConverged. The same probes give, at no
//               extra product, each group's tr(H_gg) = E[v_gᵀ (H v)_g] with its standard error and
//               ‖H‖_F² = E‖H v‖².
//   hutchpp     Hutch++ (Meyer, Musco, Musco, Woodruff 2021): max_probes products split in thirds:
//               Q = orth(H S) for m/3 sign vectors S, the exact tr(QᵀHQ) from m/3 more, and
//               Hutchinson on (I − QQᵀ) H (I − QQᵀ) with the remaining ≥ m/3.
//   xtrace      XTrace (Epperly, Tropp, Webber 2024): the exchangeable version of Hutch++; m/2 test
//               vectors ω uniform on the sphere of radius √P, each one left out in turn from the
//               low-rank basis and used as the Hutchinson probe of the complement (normalised to
//               the complement's dimension). Estimate and error are the mean and s/√(m/2) of the
//               m/2 leave-one-out estimates.
//   exact       tr(A) = Σ diag(G) when the operator's split is exact (engine/curvature_operator.h):
//               the GGN, or the Hessian of a network affine in each parameter (ReLU, max pooling,
//               conv, linear, BatchNorm in inference form), where diag(H) = diag(G). One exact GGN
//               diagonal (every sample's C output columns backpropagated), no probe, no error.
//   control-variate
//               tr(A) = tr(G) + tr(A − G): tr(G) exact from the GGN diagonal, Hutchinson only on
//               the residual R = A − G (its products cost one HVP each), with the same stopping
//               rule (stderr ≤ rtol·|tr(A)|). R is much smaller than A near a minimum, so its
//               estimator has a far smaller variance.
//   auto        exact where the split is exact, control-variate where there is a residual,
//               hutchinson for operators without a split (explicit matrices). The default.
// Hutch++ uses exactly max_probes products, XTrace 2⌊max_probes/2⌋; neither has a stopping rule
// (their status is ok, or not_converged when XTrace's sketch is rank-deficient); per-group traces
// need hutchinson, exact, control-variate or auto; ‖H‖_F² needs hutchinson.
//
//   hess::TraceOptions o;
//   o.groups = hess::layer_groups(model.graph);
//   hess::TraceResult t = hess::run(o, H);   // t.trace ± t.std_error, t.groups[i].trace ...

#include <Eigen/Core>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "analyzers/checked_operator.h"
#include "analyzers/param_groups.h"
#include "analyzers/status.h"
#include "engine/curvature_operator.h"
#include "engine/enum_names.h"

namespace hess {

enum class TraceMethod : uint8_t { Hutchinson, HutchPP, XTrace, Exact, ControlVariate, Auto };
template <>
struct EnumNames<TraceMethod> {
  static constexpr std::string_view what = "trace method";
  static constexpr std::string_view names[] = {"hutchinson", "hutchpp",         "xtrace",
                                               "exact",      "control-variate", "auto"};
};

// The fewest products each fixed-budget method works with.
constexpr int kHutchPPMinProducts = 6;
constexpr int kXTraceMinProducts = 4;

// Whether a method gives per-group traces from the same work.
bool has_group_traces(TraceMethod method);
// The method `auto` stands for on an operator with this split; other methods are themselves.
TraceMethod resolve(TraceMethod method, CurvatureSplit split);

struct TraceOptions {
  TraceMethod method = TraceMethod::Auto;
  int min_probes = 30;    // hutchinson: no stop before this many probes
  int max_probes = 1000;  // hutchinson: probe budget; hutchpp/xtrace: the number of products
  int block = 16;         // probes per operator application
  double rtol = 1e-2;     // hutchinson stops when stderr ≤ rtol·|trace|; 0: always max_probes
  uint64_t seed = 0;
  std::vector<ParamGroup> groups;  // per-group traces (has_group_traces(method))

  // Throws std::invalid_argument naming the bad field.
  void validate() const;
};

struct GroupTrace {
  std::string name;
  int64_t size = 0;  // coordinates in the group
  double trace = 0.0;
  double std_error = 0.0;
};

struct TraceResult {
  TraceMethod method = TraceMethod::Hutchinson;  // the method run (auto resolved)
  double trace = 0.0;
  double std_error = 0.0;  // standard error of `trace` (NaN with fewer than two probes)
  int64_t probes = 0;      // random vectors drawn (xtrace: its test vectors, half its products)
  std::vector<GroupTrace> groups;                                // aligned with options.groups
  double frobenius2 = std::numeric_limits<double>::quiet_NaN();  // ‖H‖_F² (hutchinson)
  double frobenius2_std_error = std::numeric_limits<double>::quiet_NaN();
  double ggn_trace = std::numeric_limits<double>::quiet_NaN();  // tr(G): exact, control-variate
  int64_t hvps = 0;           // products, residual products included
  int64_t ggn_diagonals = 0;  // exact GGN diagonals computed
  double seconds = 0.0;
  Status status = Status::Ok;
  std::string message;
};

// Throws std::invalid_argument for bad options or groups outside the operator, FieldError("method")
// for exact or control-variate on an operator whose split does not allow them.
TraceResult run(const TraceOptions& options, const CurvatureOperator& op);

// XTrace's s leave-one-out estimates for the test vectors Ω (P x s, s < P), with 2s products
// `block` columns at a time. Their mean is the XTrace estimate. Empty when H Ω has numerically
// lower rank than s (the leave-one-out bases are then undefined).
Eigen::VectorXd xtrace_estimates(const CheckedOperator& A, const Eigen::MatrixXd& omega, int block);

}  // namespace hess
