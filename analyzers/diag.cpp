#include "analyzers/diag.h"

#include <algorithm>
#include <stdexcept>

#include "analyzers/checked_operator.h"
#include "analyzers/probes.h"
#include "analyzers/running_mean.h"
#include "engine/field_error.h"
#include "engine/random.h"

namespace hess {

namespace {

GroupDiag summarize(const ParamGroup& g, const Eigen::VectorXd& diagonal, double sum,
                    double sum_std_error) {
  GroupDiag s{g.name,
              g.size(),
              sum,
              sum_std_error,
              sum / g.size(),
              diagonal(g.ranges[0].first),
              diagonal(g.ranges[0].first)};
  for (const auto& [offset, length] : g.ranges) {
    s.min = std::min(s.min, diagonal.segment(offset, length).minCoeff());
    s.max = std::max(s.max, diagonal.segment(offset, length).maxCoeff());
  }
  return s;
}

void exact(const DiagOptions& o, const CheckedOperator& A, DiagResult& r) {
  A.gauss_newton_diagonal(r.diagonal);
  r.std_error = Eigen::VectorXd::Zero(A.rows());
  for (const ParamGroup& g : o.groups) {
    double sum = 0.0;
    for (const auto& [offset, length] : g.ranges) sum += r.diagonal.segment(offset, length).sum();
    r.groups.push_back(summarize(g, r.diagonal, sum, 0.0));
  }
  r.ggn_diagonals = A.diagonals();
}

void estimate(const DiagOptions& o, const CheckedOperator& A, DiagResult& r) {
  if (o.exact) return exact(o, A, r);
  const int64_t P = A.rows();
  Rng rng(o.seed);
  RunningMean<Eigen::ArrayXd> entries(Eigen::ArrayXd::Zero(P));
  std::vector<RunningMean<double>> sums(o.groups.size(), RunningMean<double>(0.0));
  Eigen::MatrixXd V, HV;
  while (entries.count() < o.probes) {
    const int b = static_cast<int>(std::min<int64_t>(o.block, o.probes - entries.count()));
    V.resize(P, b);
    fill_probes(ProbeKind::Rademacher, rng, V);
    A.apply(V, HV);
    for (int j = 0; j < b; ++j) {
      entries.add(V.col(j).array() * HV.col(j).array());
      for (size_t g = 0; g < sums.size(); ++g) {
        sums[g].add(group_dot(o.groups[g], V.col(j).data(), HV.col(j).data()));
      }
    }
  }
  r.diagonal = entries.mean().matrix();
  r.std_error = entries.std_error().matrix();
  r.probes = entries.count();
  for (size_t g = 0; g < sums.size(); ++g)
    r.groups.push_back(summarize(o.groups[g], r.diagonal, sums[g].mean(), sums[g].std_error()));
}

}  // namespace

void DiagOptions::validate() const {
  if (exact) {
    require_at_least("block", block, 1);
    return;
  }
  if (probes < 1)
    throw FieldError("probes", "must be positive (got " + std::to_string(probes) + ")");
  require_at_least("probes", probes, 2, "for a standard error");
  require_at_least("block", block, 1);
}

DiagResult run(const DiagOptions& options, const CurvatureOperator& op) {
  options.validate();
  check_groups(options.groups, op.rows(), "groups");
  const SplitInfo split = op.split();
  if (options.exact && split.kind != CurvatureSplit::Exact) {
    throw FieldError("exact",
                     "applies to the GGN, or to a Hessian whose network is affine in "
                     "each parameter (not here: " +
                         split.reason + ")");
  }
  return run_checked<DiagResult>(
      op, [&](const CheckedOperator& A, DiagResult& r) { estimate(options, A, r); });
}

}  // namespace hess
