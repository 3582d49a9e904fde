#include "analyzers/probes.h"

#include <stdexcept>
#include <string>

namespace hess {

std::string_view probe_kind_name(ProbeKind kind) {
  switch (kind) {
    case ProbeKind::Rademacher:
      return "rademacher";
    case ProbeKind::Gaussian:
      return "gaussian";
  }
  return "unknown";
}

ProbeKind probe_kind_from_name(std::string_view name) {
  for (ProbeKind k : {ProbeKind::Rademacher, ProbeKind::Gaussian}) {
    if (probe_kind_name(k) == name) return k;
  }
  throw std::invalid_argument("probe kind '" + std::string(name) + "' (rademacher, gaussian)");
}

void fill_probes(ProbeKind kind, Rng& rng, Eigen::MatrixXd& V) {
  double* x = V.data();
  const Eigen::Index n = V.size();
  if (kind == ProbeKind::Rademacher) {
    for (Eigen::Index i = 0; i < n; ++i) x[i] = rng.rademacher();
  } else {
    for (Eigen::Index i = 0; i < n; ++i) x[i] = rng.normal();
  }
}

}  // namespace hess
