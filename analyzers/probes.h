#pragma once
// Random probe vectors for the stochastic estimators (Hutchinson, Hutch++, SLQ): Rademacher (±1,
// each with probability ½) or standard Gaussian entries, drawn from a seeded hess::Rng column by
// column, so the same seed gives the same probes whatever the block size.
//
// Both satisfy E[v vᵀ] = I, which is all the trace estimators need; Rademacher probes have the
// smallest variance for Hutchinson's estimator (Hutchinson 1990).
//
//   hess::Rng rng(seed);
//   Eigen::MatrixXd V(P, 8);
//   hess::fill_probes(hess::ProbeKind::Rademacher, rng, V);

#include <Eigen/Core>
#include <cstdint>
#include <string_view>

#include "engine/enum_names.h"
#include "engine/random.h"

namespace hess {

enum class ProbeKind : uint8_t { Rademacher, Gaussian };
template <>
struct EnumNames<ProbeKind> {
  static constexpr std::string_view what = "probe kind";
  static constexpr std::string_view names[] = {"rademacher", "gaussian"};
};

// Fills every entry of V, column after column.
void fill_probes(ProbeKind kind, Rng& rng, Eigen::MatrixXd& V);

}  // namespace hess
