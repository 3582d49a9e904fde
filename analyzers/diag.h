#pragma once
// The diagonal of a curvature operator by Hutchinson's estimator (Bekas, Kokiopoulou, Saad 2007):
//
//   diag(H) = E[v ⊙ H v]     for Rademacher v,
//
// since (v ⊙ Hv)ᵢ = Hᵢᵢ + Σ_{j≠i} Hᵢⱼ vᵢvⱼ and the cross terms have mean zero. Entry i has variance
// Σ_{j≠i} Hᵢⱼ² per probe (zero for a diagonal H: Rademacher probes make the diagonal part exact),
// so the error falls as 1/√probes. The result keeps the whole estimated diagonal with each entry's
// standard error, and per-group summaries (the sum is the group's trace tr(H_gg), with its own
// standard error from the per-probe group sums; mean = sum / size; min and max entries).
//
// With `exact`, the diagonal is the operator's Gauss-Newton part's, computed exactly (BackPACK's
// DiagGGNExact, engine/autodiff.h): the GGN's own diagonal, or the Hessian's where the network is
// affine in each parameter (engine/multiaffine.h); no probe, standard errors zero. Refused
// (FieldError "exact") for a Hessian with curvature inside the network, whose diagonal differs.
//
//   hess::DiagOptions o;
//   o.probes = 200;
//   o.groups = hess::layer_groups(model.graph);
//   hess::DiagResult d = hess::run(o, H);   // d.diagonal(i) ± d.std_error(i)

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "analyzers/param_groups.h"
#include "analyzers/status.h"
#include "engine/curvature_operator.h"

namespace hess {

struct DiagOptions {
  bool exact = false;  // the exact GGN diagonal instead of Hutchinson's estimate
  int probes = 100;    // Rademacher probes (at least 2, for the error bars)
  int block = 16;      // probes per operator application
  uint64_t seed = 0;
  std::vector<ParamGroup> groups;  // per-group summaries

  // Throws std::invalid_argument naming the bad field.
  void validate() const;
};

struct GroupDiag {
  std::string name;
  int64_t size = 0;
  double sum = 0.0;  // Σ of the estimated diagonal over the group = estimate of tr(H_gg)
  double sum_std_error = 0.0;
  double mean = 0.0;  // sum / size
  double min = 0.0;   // smallest and largest estimated entry
  double max = 0.0;
};

struct DiagResult {
  Eigen::VectorXd diagonal;   // P entries
  Eigen::VectorXd std_error;  // P standard errors
  std::vector<GroupDiag> groups;
  int64_t probes = 0;
  int64_t hvps = 0;
  int64_t ggn_diagonals = 0;  // exact GGN diagonals computed
  double seconds = 0.0;
  Status status = Status::Ok;
  std::string message;
};

// Throws std::invalid_argument for bad options or groups outside the operator.
DiagResult run(const DiagOptions& options, const CurvatureOperator& op);

}  // namespace hess
